/**
 * Step 7, report — the one place that tells the cluster what happened: Events, status.loadBalancer, the
 * read-only load-balancer-id annotation, the finalizer, and readiness gates. `deploy/` decides and writes to the
 * cloud; it emits nothing.
 */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { LoadBalancer } from '../../providers/provider.js';
import { describeProblem, problem, type Problem } from '../model/problems.js';
import { claimTagMissing, isNamedFor, ownershipTagsMissing, type Owner } from '../deploy/ownership.js';
import type { LoadBalancerPlan } from '../deploy/plan-load-balancer.js';
import { EVENT_REASONS, type EventSink } from '../kube/events.js';
import type { ObjectWriter, StatusObject } from '../kube/object-writer.js';
import { TerminalError } from '../runtime/controller.js';
import type { Logger } from '../runtime/logger.js';

/** Where reports go, whatever the kind. */
export interface ReportSinks {
  readonly events: EventSink;
  readonly logger: Logger;
  readonly gates: { openAfterWrites(provider: { awaitWrites(id: string): Promise<void> }, loadBalancerId: string, pods: readonly (V1Pod | undefined)[]): Promise<V1Pod[]> };
}

export interface ReportDeps<T extends StatusObject> extends ReportSinks {
  readonly writer: ObjectWriter<T>;
}

/** Where the owner records its CLB, and what to tell its user. */
export interface ReportFields {
  readonly kind: 'Service' | 'Ingress';
  readonly finalizer: string;
  readonly loadBalancerIdAnnotation: string;
  /** How to let a CLB with deletion protection go, e.g. "turn its deletion protection off in the console". */
  readonly protectedHint: string;
  readonly letGoHint: string;
  /** The kind's modification-protection annotation. */
  readonly modificationProtection: string;
}

/** A step that cannot go on until the user acts, already told in a Warning: retried with backoff, not re-reported. */
export class BlockedError extends Error {
  override name = 'BlockedError';
}

export function warn(events: EventSink, object: KubernetesObject, problems: readonly Problem[]): void {
  for (const p of problems) events.emit(object, 'Warning', p.eventReason, describeProblem(p));
}

/** User errors: a Warning each, then a TerminalError so the key waits for the object to change. */
export function refuse(sinks: { readonly events: EventSink; readonly onRefused?: ((object: never, problems: readonly Problem[]) => void) | undefined }, object: KubernetesObject, problems: readonly Problem[]): never {
  sinks.onRefused?.(object as never, problems);
  warn(sinks.events, object, problems);
  throw new TerminalError(problems.map(describeProblem).join('; '));
}

/**
 * Runs a reconcile; a failure other than a user error (already warned about) or a 409 (a routine race with the
 * cache) is also told to the object's owner as SyncLoadBalancerFailed.
 */
export async function reportingFailures<R>(events: EventSink, object: KubernetesObject, step: () => Promise<R>): Promise<R> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof TerminalError) && !(error instanceof BlockedError) && (error as { code?: unknown })?.code !== 409) {
      events.emit(object, 'Warning', EVENT_REASONS.syncFailed, `Error syncing load balancer: ${error instanceof Error ? error.message : String(error)}`);
    }
    throw error;
  }
}

/** Before the first write of a plan: present tense. */
export function announceEnsuring(events: EventSink, object: KubernetesObject, plan: LoadBalancerPlan): void {
  events.emit(object, 'Normal', EVENT_REASONS.ensuring, plan.loadBalancerId ? `Ensuring load balancer ${plan.loadBalancerId}` : 'Ensuring load balancer');
}

const ingressOf = (lb: LoadBalancer) => (lb.vips.length ? lb.vips.map((ip) => ({ ip })) : lb.domain ? [{ hostname: lb.domain }] : []);

/** After an owner's CLB was made equal to its model: conflicts, readiness gates, annotation, status, Ensured. */
export async function reportEnsured<T extends StatusObject>(
  deps: ReportDeps<T>,
  fields: ReportFields,
  object: T,
  lb: LoadBalancer,
  plan: LoadBalancerPlan,
  outcome: { readonly announced: boolean; readonly gatePods: readonly (V1Pod | undefined)[]; readonly provider: { awaitWrites(id: string): Promise<void> } },
): Promise<T> {
  warn(deps.events, object, [...plan.listeners.conflicts, ...plan.leftOut]);
  if (!plan.listeners.conflicts.length) {
    const opened = await deps.gates.openAfterWrites(outcome.provider, lb.id, outcome.gatePods);
    for (const pod of opened) deps.logger.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` }, 'Opened readiness gate');
  }
  let current = await deps.writer.setAnnotation(object, fields.loadBalancerIdAnnotation, lb.id);
  current = await deps.writer.setIngress(current, ingressOf(lb));
  if (outcome.announced) deps.events.emit(current, 'Normal', EVENT_REASONS.ensured, `Ensured load balancer ${lb.id}`);
  return current;
}

/**
 * The CLB's modification protection is on, so nothing was written to it (the cloud refuses every change). Told
 * with the way out; the owner waits, retried with backoff.
 */
export function reportModificationProtected(events: EventSink, fields: ReportFields, object: KubernetesObject, lb: LoadBalancer, releasing: boolean): void {
  const waiting = releasing ? `this ${fields.kind} waits until it can be released` : `its listeners, rules and targets stay as they are`;
  events.emit(object, 'Warning', EVENT_REASONS.protected, `Left load balancer ${lb.id} as it is: its modification protection is on, so the cloud refuses every change to it, and ${waiting}. To let the controller manage it, turn modification protection off in the console (the CLB API cannot switch it).${releasing ? ` ${fields.letGoHint}` : ''}`);
}

/** The owner asks for modification protection the other way round from the CLB's; only the console can switch it. */
export function modificationProtectionDiffers(fields: ReportFields, lb: LoadBalancer): Problem {
  const wanted = !lb.modificationProtect;
  const then = wanted ? ' (while it is on, the controller leaves the CLB as it is: the cloud refuses every change)' : '';
  return problem('UnsupportedFeature', fields.modificationProtection, String(wanted), `CLB ${lb.id} has modification protection ${lb.modificationProtect ? 'on' : 'off'} and the CLB API cannot switch it; turn it ${wanted ? 'on' : 'off'} in the console${then}`);
}

/** After one CLB's part of a release was applied. */
export function reportReleased(deps: ReportSinks, fields: ReportFields, object: KubernetesObject, owner: Owner, lb: LoadBalancer, plan: LoadBalancerPlan): void {
  const { events } = deps;
  switch (plan.release) {
    case 'deleted':
      return events.emit(object, 'Normal', EVENT_REASONS.deleted, `Deleted load balancer ${lb.id}`);
    case 'retained':
      return events.emit(object, 'Normal', EVENT_REASONS.deleted, `Released load balancer ${lb.id}: retained as asked, it is no longer managed`);
    case 'not-ours':
      return warn(events, object, [(isNamedFor(lb, owner) ? ownershipTagsMissing : claimTagMissing)(fields.loadBalancerIdAnnotation, lb, owner, fields.letGoHint)]);
    case 'protected':
      if (plan.modificationProtected) return reportModificationProtected(events, fields, object, lb, true);
      return events.emit(object, 'Warning', EVENT_REASONS.protected, `Kept load balancer ${lb.id}: its deletion protection is on, so this ${fields.kind} waits until it can be released. ${fields.protectedHint}`);
    case 'kept-foreign':
      return events.emit(object, 'Warning', EVENT_REASONS.syncFailed, `Kept load balancer ${lb.id}: it has ${plan.foreignListeners} listener(s) this controller does not manage; delete them and the CLB by hand`);
    default:
      return events.emit(object, 'Normal', EVENT_REASONS.deleted, `Removed this ${fields.kind}'s listeners from load balancer ${lb.id}`);
  }
}

/** The owner's part is released: a Service or Ingress that stays loses status and annotation, then the finalizer. */
export async function reportGone<T extends StatusObject>(deps: ReportDeps<T>, fields: ReportFields, object: T): Promise<void> {
  let current = object;
  if (!current.metadata?.deletionTimestamp) {
    current = await deps.writer.setAnnotation(current, fields.loadBalancerIdAnnotation, null);
    current = await deps.writer.setIngress(current, []);
  }
  await deps.writer.removeFinalizer(current, fields.finalizer);
}
