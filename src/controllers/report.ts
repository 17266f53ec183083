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
import { EVENT_REASONS, emitWarning, type EventSink } from '../kube/events.js';
import { codeOfFailure } from './failure-codes.js';
import { withCode, type ErrorCode } from '../model/error-codes.js';
import type { SyncVerdict } from '../kube/sync-condition.js';
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

/** What was told in a Warning: its reason, code and text (the sync condition says the same). */
export interface Told {
  readonly reason: string;
  readonly code: ErrorCode;
  /** Without the code. */
  readonly text: string;
}

const verdictOf = (state: SyncVerdict['state'], told: Told): SyncVerdict => ({ state, reason: told.reason, code: told.code, message: withCode(told.code, told.text) });

/** A step that cannot go on until the user acts, already told in a Warning: retried with backoff, not re-reported. */
export class BlockedError extends Error {
  override name = 'BlockedError';
  constructor(
    message: string,
    readonly told: Told,
  ) {
    super(message);
  }
}

/** User errors that stop the object, already told in Warnings: it waits for the object to change. */
export class RefusedError extends TerminalError {
  override name = 'RefusedError';
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map((p) => withCode(p.code, describeProblem(p))).join('; '));
  }
}

const toldOf = (p: Problem): Told => ({ reason: p.eventReason, code: p.code, text: describeProblem(p) });

function tell(events: EventSink, object: KubernetesObject, told: Told): Told {
  emitWarning(events, object, told.reason, told.code, told.text);
  return told;
}

export function warn(events: EventSink, object: KubernetesObject, problems: readonly Problem[]): void {
  for (const p of problems) emitWarning(events, object, p.eventReason, p.code, describeProblem(p));
}

/** User errors: a Warning each, then a RefusedError so the key waits for the object to change. */
export function refuse(sinks: { readonly events: EventSink; readonly onRefused?: ((object: never, problems: readonly Problem[]) => void) | undefined }, object: KubernetesObject, problems: readonly Problem[]): never {
  sinks.onRefused?.(object as never, problems);
  warn(sinks.events, object, problems);
  throw new RefusedError(problems);
}

/**
 * What a failed reconcile tells the object's sync condition (undefined: nothing — a 409 is a routine race with
 * the cache, and the retry comes at once).
 */
export function failureVerdict(error: unknown): SyncVerdict | undefined {
  if (error instanceof RefusedError && error.problems[0]) return verdictOf('Refused', toldOf(error.problems[0]));
  if (error instanceof BlockedError) return verdictOf('Blocked', error.told);
  if (error instanceof TerminalError || (error as { code?: unknown })?.code === 409) return undefined;
  const code = codeOfFailure(error);
  // A request or task id differs at every attempt: kept out, so a retry failing the same way writes nothing.
  const requestId = (error as { requestId?: unknown }).requestId;
  const message = typeof requestId === 'string' && requestId ? syncFailedMessage(error).split(requestId).join('…') : syncFailedMessage(error);
  return { state: 'Failed', reason: EVENT_REASONS.syncFailed, code, message: withCode(code, message) };
}

const syncFailedMessage = (error: unknown) => `Error syncing load balancer: ${error instanceof Error ? error.message : String(error)}`;

/**
 * Runs a reconcile; a failure other than a user error (already warned about) or a 409 (a routine race with the
 * cache) is also told to the object's owner as SyncLoadBalancerFailed.
 */
export async function reportingFailures<R>(events: EventSink, object: KubernetesObject, step: () => Promise<R>): Promise<R> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof TerminalError) && !(error instanceof BlockedError) && (error as { code?: unknown })?.code !== 409) {
      emitWarning(events, object, EVENT_REASONS.syncFailed, codeOfFailure(error), syncFailedMessage(error));
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
  outcome: {
    readonly announced: boolean;
    readonly gatePods: readonly (V1Pod | undefined)[];
    readonly provider: { awaitWrites(id: string): Promise<void> };
    /** What the apply could not do as asked (settings the CLB refused, an annotation it cannot honour). */
    readonly unmet: readonly Problem[];
  },
): Promise<{ readonly object: T; readonly verdict: SyncVerdict }> {
  // Applied, except what a port conflict, a quota or the cloud left out: then the condition says so.
  const unmet = [...outcome.unmet, ...plan.listeners.conflicts, ...plan.leftOut];
  warn(deps.events, object, unmet);
  if (!plan.listeners.conflicts.length) {
    const opened = await deps.gates.openAfterWrites(outcome.provider, lb.id, outcome.gatePods);
    for (const pod of opened) deps.logger.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` }, 'Opened readiness gate');
  }
  const verdict: SyncVerdict = unmet[0] ? verdictOf('Refused', toldOf(unmet[0])) : { state: 'Synced', reason: EVENT_REASONS.ensured, message: `Load balancer ${lb.id} is in sync` };
  const current = await deps.writer.report(object, { annotations: { [fields.loadBalancerIdAnnotation]: lb.id }, ingress: ingressOf(lb), sync: verdict });
  if (verdict.state === 'Synced') deps.events.resolved?.(current);
  if (outcome.announced) deps.events.emit(current, 'Normal', EVENT_REASONS.ensured, `Ensured load balancer ${lb.id}`);
  return { object: current, verdict };
}

/**
 * The CLB's modification protection is on, so nothing was written to it (the cloud refuses every change). Told
 * with the way out; the owner waits, retried with backoff.
 */
export function reportModificationProtected(events: EventSink, fields: ReportFields, object: KubernetesObject, lb: LoadBalancer, releasing: boolean): Told {
  const waiting = releasing ? `this ${fields.kind} waits until it can be released` : `its listeners, rules and targets stay as they are`;
  return tell(events, object, { reason: EVENT_REASONS.protected, code: 'C4102', text: `Left load balancer ${lb.id} as it is: its modification protection is on, so the cloud refuses every change to it, and ${waiting}. To let the controller manage it, turn modification protection off in the console (the CLB API cannot switch it).${releasing ? ` ${fields.letGoHint}` : ''}` });
}

/** The owner asks for modification protection the other way round from the CLB's; only the console can switch it. */
export function modificationProtectionDiffers(fields: ReportFields, lb: LoadBalancer): Problem {
  const wanted = !lb.modificationProtect;
  const then = wanted ? ' (while it is on, the controller leaves the CLB as it is: the cloud refuses every change)' : '';
  return problem('UnsupportedFeature', fields.modificationProtection, String(wanted), `CLB ${lb.id} has modification protection ${lb.modificationProtect ? 'on' : 'off'} and the CLB API cannot switch it; turn it ${wanted ? 'on' : 'off'} in the console${then}`, 'C4104');
}

/** After one CLB's part of a release was applied; what was told when the release must wait for the user. */
export function reportReleased(deps: ReportSinks, fields: ReportFields, object: KubernetesObject, owner: Owner, lb: LoadBalancer, plan: LoadBalancerPlan): Told | void {
  const { events } = deps;
  switch (plan.release) {
    case 'deleted':
      return events.emit(object, 'Normal', EVENT_REASONS.deleted, `Deleted load balancer ${lb.id}`);
    case 'retained':
      return events.emit(object, 'Normal', EVENT_REASONS.deleted, `Released load balancer ${lb.id}: retained as asked, it is no longer managed`);
    case 'not-ours':
      return tell(events, object, toldOf((isNamedFor(lb, owner) ? ownershipTagsMissing : claimTagMissing)(fields.loadBalancerIdAnnotation, lb, owner, fields.letGoHint)));
    case 'protected':
      if (plan.modificationProtected) return reportModificationProtected(events, fields, object, lb, true);
      return tell(events, object, { reason: EVENT_REASONS.protected, code: 'C4101', text: `Kept load balancer ${lb.id}: its deletion protection is on, so this ${fields.kind} waits until it can be released. ${fields.protectedHint}` });
    case 'kept-foreign':
      return emitWarning(events, object, EVENT_REASONS.syncFailed, 'C4103', `Kept load balancer ${lb.id}: it has ${plan.foreignListeners} listener(s) this controller does not manage; delete them and the CLB by hand`);
    default:
      return events.emit(object, 'Normal', EVENT_REASONS.deleted, `Removed this ${fields.kind}'s listeners from load balancer ${lb.id}`);
  }
}

/** The owner's part is released: a Service or Ingress that stays loses status and annotation, then the finalizer. */
export async function reportGone<T extends StatusObject>(deps: ReportDeps<T>, fields: ReportFields, object: T): Promise<void> {
  let current = object;
  if (!current.metadata?.deletionTimestamp) current = await deps.writer.report(current, { annotations: { [fields.loadBalancerIdAnnotation]: null }, ingress: [], sync: null });
  await deps.writer.removeFinalizer(current, fields.finalizer);
}
