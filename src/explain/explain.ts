/**
 * `explain`'s core: one Service or Ingress, read-only, through the same pipeline as `plan` (cli/plan/plan-objects.ts)
 * — its CLB, listeners and rules, its problems, and for every node and endpoint whether it is a backend and why
 * not. With the cloud read (`--provider tencentcloud`, or the sandbox's mock), what the plan still has to do is
 * laid over the lines: a target left out by a quota, one not registered yet, one whose task failed.
 */
import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import { INGRESS_ANNOTATIONS, SERVICE_ANNOTATIONS } from '../annotations/keys.js';
import { runObjects, type ObjectRun, type PlanSettings } from '../cli/plan/plan-objects.js';
import type { PlanWorld } from '../cli/plan/world.js';
import { loadIngressInputs } from '../ingress/load-ingress-inputs.js';
import { isQcloudIngress } from '../ingress/build-ingress-model.js';
import { isLoadBalancerService, serviceAdapter } from '../controllers/service-adapter.js';
import { ingressAdapter } from '../controllers/ingress-adapter.js';
import { viewOf } from '../kube/cluster-view.js';
import { currentConditions, INGRESS_CONDITIONS_ANNOTATION, SYNC_CONDITION, type Condition } from '../kube/sync-condition.js';
import type { Problem } from '../model/problems.js';
import { codeOf } from '../model/error-codes.js';
import { loadServiceInputs, type LoadClock } from '../service/load-service-inputs.js';
import { BACKEND_REASONS, type BackendLine } from './backend-lines.js';
import { ingressBackendLines, serviceBackendLines } from './owner-backends.js';

export interface ExplainTarget {
  readonly kind: 'Service' | 'Ingress';
  readonly namespace: string;
  readonly name: string;
}

export interface ExplainReport extends ExplainTarget {
  readonly loadBalancerId: string | null;
  readonly condition: Pick<Condition, 'status' | 'reason' | 'message' | 'lastTransitionTime'> | null;
  /** `cluster`: the cloud was not read, so whether targets are registered is not known. */
  readonly cloud: 'read' | 'not read';
  /** The listeners and rules the model asks for, with how many targets each binds. */
  readonly listeners: readonly ExplainListener[];
  readonly problems: readonly { readonly code: string; readonly field: string; readonly value: string; readonly reason: string }[];
  readonly backends: readonly BackendLine[];
  /** What `run` would change now (the plan's lines). */
  readonly pending: readonly string[];
  /** What this explain could not know, or why there is nothing to explain. */
  readonly notes: readonly string[];
}

export interface ExplainListener {
  readonly protocol: string;
  readonly port: number;
  readonly targets: number;
  readonly rules: readonly { readonly domain: string; readonly url: string; readonly targets: number }[];
}

export interface ExplainOptions {
  readonly settings: PlanSettings;
  /** Whether the world's provider is the real cloud (or a live mock): then the plan is laid over the lines. */
  readonly cloudRead: boolean;
  readonly clock: LoadClock;
}

export async function explainObject(target: ExplainTarget, world: PlanWorld, options: ExplainOptions): Promise<ExplainReport> {
  const object = world.cluster.find((o) => o.kind === target.kind && (o.metadata?.namespace ?? 'default') === target.namespace && o.metadata?.name === target.name);
  if (!object) throw new ExplainError(`${target.kind.toLowerCase()}/${target.name} not found in namespace ${target.namespace}`);
  const ingressSettings = { clusterId: options.settings.clusterId, vpcId: options.settings.vpcId, defaultClass: options.settings.defaultIngressClass };
  const adapter = target.kind === 'Service' ? serviceAdapter(options.settings) : ingressAdapter(ingressSettings);
  const wanted = target.kind === 'Service' ? isLoadBalancerService(object as V1Service) : isQcloudIngress(object as V1Ingress, ingressSettings);
  const skipped = adapter.lifecycle(object as never).skip;
  if (!wanted || skipped) {
    const what = skipped ? 'mode: skip — the controller changes nothing on its CLB and binds nothing for it' : `${target.kind === 'Service' ? 'not a LoadBalancer Service (or another loadBalancerClass)' : 'not an Ingress of class qcloud'}: this controller binds nothing for it`;
    return { ...target, loadBalancerId: null, condition: null, cloud: options.cloudRead ? 'read' : 'not read', listeners: [], problems: [], backends: [], pending: [], notes: [what] };
  }
  const [run] = await runObjects([object], world, options.settings);
  const view = viewOf(world.cluster);
  // The same loaders and lines as the controller's (the adapters' `backends`), for a build refused or not.
  const lines = target.kind === 'Service' ? serviceBackendLines(loadServiceInputs(view, object as V1Service, new Map(), options.clock)) : ingressBackendLines(loadIngressInputs(view, object as V1Ingress, new Map(), options.clock));
  const idAnnotation = target.kind === 'Service' ? SERVICE_ANNOTATIONS.loadBalancerId : INGRESS_ANNOTATIONS.loadBalancerId;
  const where = target.kind === 'Service' ? ('status' as const) : { annotation: INGRESS_CONDITIONS_ANNOTATION };
  const condition = currentConditions(object, where).find((c) => c.type === SYNC_CONDITION);
  return {
    ...target,
    loadBalancerId: object.metadata?.annotations?.[idAnnotation] ?? null,
    condition: condition ? { status: condition.status, reason: condition.reason, message: condition.message, lastTransitionTime: wireTime(condition.lastTransitionTime) } : null,
    cloud: options.cloudRead ? 'read' : 'not read',
    listeners: run ? listenersOf(run) : [],
    problems: run ? problemsOf(run, options.cloudRead) : [],
    backends: run && options.cloudRead ? overlay(lines, run, condition) : lines,
    pending: run && options.cloudRead ? run.plans.flatMap(({ plan }) => pendingOf(plan)) : [],
    // Without the cloud read, what the offline stand-in assumed is not the user's business; a refusal is.
    notes: [
      ...(options.cloudRead ? world.notes : []),
      ...(run?.built && !run.built.ok ? ['the controller refuses this object (its problems are listed): nothing is bound until they are fixed; the backends below are what would be'] : []),
    ],
  };
}

/** client-node hands times as Dates, the annotation as strings: RFC 3339 either way, as kubectl shows them. */
const wireTime = (t: unknown): string => (t instanceof Date ? t.toISOString().replace(/\.\d{3}Z$/, 'Z') : String(t));

export class ExplainError extends Error {
  override name = 'ConfigError';
}

function listenersOf(run: ObjectRun): ExplainListener[] {
  if (!run.built?.ok) return [];
  return run.built.model.listeners.map((l) => ({
    protocol: l.protocol,
    port: l.port,
    targets: l.targets.length,
    rules: l.rules.map((r) => ({ domain: r.domain, url: r.url, targets: r.targets.length })),
  }));
}

/** The object's problems; without the cloud read, only the build's (the offline stand-in cannot judge a CLB). */
function problemsOf(run: ObjectRun, cloudRead: boolean): ExplainReport['problems'] {
  if (!cloudRead) return (run.built ? (run.built.ok ? run.built.warnings : run.built.problems) : run.problems).map((p) => ({ code: p.code, field: p.field, value: p.value, reason: p.reason }));
  const warnings: readonly Problem[] = run.built?.ok ? run.built.warnings : [];
  // What the plan leaves out: ports another owner holds, what a quota has no room for.
  const planned = run.plans.flatMap(({ plan }) => [...plan.listeners.conflicts, ...plan.leftOut]);
  return [...run.problems, ...warnings, ...planned].map((p) => ({ code: p.code, field: p.field, value: p.value, reason: p.reason }));
}

const addressOf = (t: { instanceId?: string; eniIp?: string }) => t.instanceId ?? t.eniIp ?? '';

/** The plan over the lines: what a quota leaves out, what is not registered yet (or failed), what is to go. */
function overlay(lines: readonly BackendLine[], run: ObjectRun, condition: Condition | undefined): BackendLine[] {
  const leftOut = new Set(run.plans.flatMap(({ plan }) => plan.leftOutAddresses ?? []));
  // By address and port: on a multi-port Service, one port's pending registration says nothing of the others.
  const registering = new Set(run.plans.flatMap(({ plan }) => plan.listeners.register.flatMap((b) => [addressOf(b.target), `${addressOf(b.target)}:${b.target.port}`])));
  const taskFailed = condition?.status === 'False' && codeOf(condition.message) === 'E5009';
  const result = lines.map((line): BackendLine => {
    if (!line.bound) return line;
    if (leftOut.has(line.address)) return { ...line, bound: false, reason: 'LeftOutByQuota', detail: BACKEND_REASONS.LeftOutByQuota };
    if (registering.has(line.port === undefined ? line.address : `${line.address}:${line.port}`)) return { ...line, bound: false, reason: taskFailed ? 'TaskFailed' : 'PendingRegistration', detail: BACKEND_REASONS[taskFailed ? 'TaskFailed' : 'PendingRegistration'] };
    return line;
  });
  const known = new Set(lines.map((l) => l.address));
  for (const { plan } of run.plans) {
    for (const b of [...plan.listeners.deregisterFirst, ...plan.listeners.deregister]) {
      const address = addressOf(b.target);
      if (known.has(address)) continue;
      known.add(address);
      result.push({ kind: b.target.instanceId ? 'node' : 'pod', name: address, address, port: b.target.port, serves: b.listenerId, bound: true, weight: b.target.weight, reason: 'Deregistering', detail: `${BACKEND_REASONS.Deregistering} (${BACKEND_REASONS.Gone})` });
    }
  }
  return result;
}

function pendingOf(plan: ObjectRun['plans'][number]['plan']): string[] {
  const l = plan.listeners;
  const out: string[] = [];
  if (plan.create) out.push(`create CLB ${plan.create.name}`);
  if (l.createListeners.length) out.push(`create ${l.createListeners.length} listener(s)`);
  if (l.modifyListeners.length) out.push(`modify ${l.modifyListeners.length} listener(s)`);
  if (l.createRules.length) out.push(`create rules on ${l.createRules.length} listener(s)`);
  if (l.register.length) out.push(`register ${l.register.length} target(s)`);
  if (l.reweight.length) out.push(`re-weight ${l.reweight.length} target(s)`);
  if (l.deregister.length + l.deregisterFirst.length) out.push(`deregister ${l.deregister.length + l.deregisterFirst.length} target(s)`);
  if (l.deleteRules.length) out.push(`delete rules on ${l.deleteRules.length} listener(s)`);
  if (l.deleteListeners.length) out.push(`delete ${l.deleteListeners.length} listener(s)`);
  return out;
}
