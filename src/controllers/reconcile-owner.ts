/**
 * The reconcile of one owner — a Service (service-controller) or an Ingress (l7-lb-controller) — as one
 * pipeline both kinds share, with a small adapter per kind:
 *
 *   1 load     the object, and what it refers to, from the cluster's stores   adapter.build (its loader)
 *   2 build    PURE: objects → desired model, or user errors                   adapter.build (its builder)
 *   3 resolve  which CLB: recorded, created for it, reused, or none yet        deploy/resolve.ts
 *   4 observe  that CLB's listeners and targets                                 deploy/actual-cache.ts
 *   5 plan     PURE: the whole change, CLB to targets, policies included       deploy/plan-load-balancer.ts
 *   6 apply    the plan, in order, batched                                      deploy/apply.ts
 *   7 report   Events, status, annotation, finalizer, readiness gates          ./report.ts
 *   8 config   the auto TkeServiceConfig follows the listeners                tke-service-config/keep-auto-config.ts
 *
 * Along the way the sync state is told to the object's condition and to the metrics (./sync-reporting.ts).
 *
 * Deletion (or an object that no longer wants a CLB) is the same pipeline with nothing desired: each CLB the
 * owner has a part in is planned empty and applied, then the finalizer goes. `plan` runs this very function
 * over a provider that records writes instead of making them.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { CloudProvider, Listener, LoadBalancer, Subnet } from '../../providers/provider.js';
import type { Problem } from '../model/problems.js';
import type { ActualStateCache } from '../deploy/actual-cache.js';
import { applyLoadBalancerPlan } from '../deploy/apply.js';
import type { Owner } from '../model/naming.js';
import { missingOwnershipTags, ownershipTagsMissing } from '../deploy/ownership.js';
import { planLoadBalancer, planWrites, type ActualLoadBalancer, type LoadBalancerPlan } from '../deploy/plan-load-balancer.js';
import { OwnerMemory } from './owner-memory.js';
import type { BackendLine } from '../explain/backend-lines.js';
import { logTargetDecisions } from '../explain/decision-log.js';
import { releaseCandidates, resolveLoadBalancer, type OwnerFields } from '../deploy/resolve.js';
import type { ClusterView, ObjectStore } from '../kube/cluster-view.js';
import { EVENT_REASONS } from '../kube/events.js';
import { EmptyBackendsGuard } from '../deploy/empty-backends.js';
import { SubnetLookup } from '../deploy/resolve.js';
import { hasFinalizer, type StatusObject } from '../kube/object-writer.js';
import type { Built, Refused } from '../model/built.js';
import type { DesiredState } from '../model/desired.js';
import type { ReconcileResult } from '../runtime/controller.js';
import type { AutoConfigWriter } from '../tke-service-config/auto-config.js';
import { dropAutoConfig, keepAutoConfig } from '../tke-service-config/keep-auto-config.js';
import type { ConfigAnnotations } from '../tke-service-config/tke-service-config.js';
import type { LoadClock } from '../service/load-service-inputs.js';
import { announceEnsuring, BlockedError, modificationProtectionDiffers, refuse, reportEnsured, reportGone, reportingFailures, reportModificationProtected, reportReleased, warn, type ReportDeps, type ReportFields, type ReportSinks } from './report.js';
import type { SyncObserver } from './sync-observer.js';
import { forgetOwner, keyOf, observed, observeWrites, ownedBy, reportFailedSync } from './sync-reporting.js';

/** What one kind tells the pipeline. */
export interface OwnerAdapter<T extends StatusObject> {
  readonly kind: { readonly apiVersion: string; readonly kind: string };
  readonly fields: OwnerFields & ReportFields & { /** Its TkeServiceConfig annotations. */ readonly configs: ConfigAnnotations };
  store(view: ClusterView): ObjectStore<T>;
  /** Whether the object asks for a CLB (its type or class); deletion is the pipeline's to see. */
  wants(object: T): boolean;
  lifecycle(object: T): { readonly skip: boolean; readonly retain: boolean };
  owner(object: T): Owner;
  subnetId(object: T): string | undefined;
  /** Steps 1 and 2: load what the object refers to from the view, and build its model. */
  build(view: ClusterView, object: T, subnets: ReadonlyMap<string, Subnet | undefined>, clock: LoadClock): OwnerBuilt;
  /** Conditions on a reused CLB beyond TKE's reuse rules, checked before anything is written to it. */
  refuseReused?(model: DesiredState, listeners: readonly Listener[], owner: Owner): Problem | undefined;
}

export type OwnerBuilt =
  | (Built & {
      /** Delete no listener or rule this time. */
      readonly keepExisting: boolean;
      /** Every node and endpoint it could bind, and why it is (not) bound — computed only when asked (explain, the decision log). */
      readonly backends?: () => readonly BackendLine[];
    })
  | Refused;

export interface PipelineDeps<T extends StatusObject> extends ReportDeps<T> {
  readonly provider: CloudProvider;
  readonly cache: ActualStateCache;
  readonly view: ClusterView;
  readonly settings: { readonly clusterId: string; readonly vpcId: string };
  readonly subnets: SubnetLookup;
  readonly empty: EmptyBackendsGuard;
  readonly now: () => number;
  readonly memory: OwnerMemory;
  readonly nodeReadyGraceMs?: number;
  /** Told every CLB plan before it is applied (how `plan` sees what `run` would do). */
  readonly onPlanned?: (object: T, plan: LoadBalancerPlan, actual: ActualLoadBalancer | undefined) => void;
  /** Told the build of every object that wants a CLB, refused or not. */
  readonly onBuilt?: (object: T, built: OwnerBuilt) => void;
  /** Told the user errors that stop an object (the build's, the CLB's refusals, the cloud refusing their values). */
  readonly onRefused?: (object: T, problems: readonly Problem[]) => void;
  /** Keeps score of owners' sync states and resources (metrics). */
  readonly observer?: SyncObserver;
}

/** How soon targets left for the next reconcile at a quota (after this one's removals) are added. */
const DEFERRED_TARGETS_MS = 1_000;


export async function reconcileOwner<T extends StatusObject>(deps: PipelineDeps<T>, adapter: OwnerAdapter<T>, key: string): Promise<ReconcileResult | void> {
  const [namespace, name] = key.split('/') as [string, string];
  const cached = adapter.store(deps.view).get(name, namespace);
  if (!cached) return forgetOwner(deps, { kind: adapter.fields.kind, namespace, name });
  const object = { ...adapter.kind, ...cached } as T;
  const lifecycle = adapter.lifecycle(object);
  const wanted = adapter.wants(object) && !object.metadata?.deletionTimestamp;
  if (lifecycle.skip) {
    // mode: skip — make no change to the CLB; on delete leave it as it is and let the object go.
    if (!wanted) await deps.writer.removeFinalizer(object, adapter.fields.finalizer);
    return;
  }
  const noticedAt = deps.memory.takeNoticed(key);
  try {
    return await reportingFailures(deps.events, object, () => (wanted ? ensure(deps, adapter, object, noticedAt) : release(deps, adapter, object, lifecycle.retain)));
  } catch (error) {
    deps.memory.restoreNoticed(key, noticedAt);
    await reportFailedSync(deps, adapter, object, error);
    throw error;
  }
}

async function ensure<T extends StatusObject>(deps: PipelineDeps<T>, adapter: OwnerAdapter<T>, object: T, noticedAt: number | undefined): Promise<ReconcileResult | void> {
  const { fields } = adapter;
  const clock = { now: deps.now(), ...(deps.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: deps.nodeReadyGraceMs } : {}) };
  const built = adapter.build(deps.view, object, await deps.subnets.lookup(adapter.subnetId(object)), clock); // 1, 2
  deps.onBuilt?.(object, built);
  if (!built.ok) return refuse(deps, object, built.problems);

  const owner = adapter.owner(object);
  const resolution = await resolveLoadBalancer(deps, owner, built.model.loadBalancer, object.metadata?.annotations?.[fields.loadBalancerIdAnnotation], fields); // 3
  if (resolution.kind === 'refused') return refuse(deps, object, [resolution.problem]);
  const actual = resolution.kind === 'found' ? await observe(deps.cache, resolution.loadBalancer) : undefined; // 4
  const unacceptable = resolution.kind === 'found' && resolution.reused ? adapter.refuseReused?.(built.model, actual!.listeners, owner) : undefined;
  if (unacceptable) return refuse(deps, object, [unacceptable]);

  const policies = { mayEmptyTargets: deps.empty.mayEmpty(keyOf(object), built.model.listeners), keepExisting: built.keepExisting, retain: false };
  const plan = planLoadBalancer({ owner, desired: built.model, actual, policies, limits: await deps.cache.quota() }); // 5
  deps.onPlanned?.(object, plan, actual);
  if (plan.modificationProtected) {
    // Nothing written; the retry (with backoff) describes the CLB again, to see when the user has turned it off.
    if (plan.modificationProtectionDiffers) warn(deps.events, object, [modificationProtectionDiffers(fields, actual!.loadBalancer)]);
    const told = reportModificationProtected(deps.events, fields, object, actual!.loadBalancer, false);
    deps.cache.forget(actual!.loadBalancer.id);
    throw new BlockedError(`load balancer ${actual!.loadBalancer.id} has modification protection on`, told);
  }

  // The finalizer goes on before the first cloud write, never for a refused object.
  let current = await deps.writer.addFinalizer(object, fields.finalizer);
  const writes = planWrites(plan);
  if (writes) announceEnsuring(deps.events, current, plan);
  const refuseCreated = (lb: LoadBalancer) => (missingOwnershipTags(lb, owner).length ? ownershipTagsMissing(fields.loadBalancerIdAnnotation, lb, owner, fields.letGoHint) : undefined);
  const applied = await applyLoadBalancerPlan(plan, actual, deps, { awaitTasks: false, refuseCreated, ...(fields.extraParameters ? { extraParametersField: fields.extraParameters } : {}) }); // 6
  if (!applied.ok) return refuse(deps, current, [applied.problem]);
  const lb = applied.loadBalancer!;
  if (built.backends) logTargetDecisions(deps.logger, keyOf(object), lb.id, plan, built.backends);
  const who = observed(adapter, object);
  if (writes) observeWrites(deps, who, keyOf(object), built.model, plan, noticedAt);
  // What is not as the object asks — left out by the build, refused by the cloud — is told, and the condition says so.
  const unmet = [...built.warnings, ...(applied.refusedSettings ?? []), ...(plan.modificationProtectionDiffers ? [modificationProtectionDiffers(fields, lb)] : [])];
  if (applied.created) deps.logger.info({ owner: keyOf(object), kind: fields.kind, lb: lb.id }, 'Created load balancer');
  if (writes) deps.logger.info({ owner: keyOf(object), kind: fields.kind, lb: lb.id, changes: writes }, 'Applied load balancer changes');
  if (plan.heldEmpty) deps.logger.info({ owner: keyOf(object), lb: lb.id }, 'Kept the last targets while the empty backend view settles');

  // A Pod whose target a quota left out is not bound: its gate stays closed.
  const unbound = new Set(plan.leftOutAddresses ?? []);
  const gatePods: (V1Pod | undefined)[] = built.readinessGatePods.map((pod) => deps.view.pods.get(pod, owner.namespace)).filter((pod) => !pod?.status?.podIP || !unbound.has(pod.status.podIP));
  const reported = await reportEnsured(deps, fields, current, lb, plan, { announced: writes > 0, gatePods, provider: deps.cache, unmet }); // 7
  current = reported.object;
  deps.observer?.synced(who, reported.verdict.state, reported.verdict.reason, reported.verdict.code);
  deps.observer?.owns(who, ownedBy(lb.id, built.model));
  await keepAutoConfig(deps, fields.configs, current, lb, built.model.listeners, built.keepExisting); // 8
  // Come back when the empty view has settled, when targets wait for room a removal made (at a quota), or when a
  // NotReady node's grace ends (it is then unbound).
  const wait = plan.heldEmpty ? deps.empty.graceMs : plan.listeners.deferredTargets ? DEFERRED_TARGETS_MS : undefined;
  return requeueAfter(wait, built.recheckAt, deps.now());
}

async function release<T extends StatusObject>(deps: PipelineDeps<T>, adapter: OwnerAdapter<T>, object: T, retain: boolean): Promise<void> {
  const { fields } = adapter;
  if (!hasFinalizer(object, fields.finalizer)) {
    // Never held (refused before any write) or let go by hand: nothing on the cloud, but a condition may remain.
    forgetOwner(deps, observed(adapter, object));
    if (!object.metadata?.deletionTimestamp) await deps.writer.report(object, { sync: null });
    return;
  }
  const owner = adapter.owner(object);
  const annotations = object.metadata?.annotations ?? {};
  for (const lb of await releaseCandidates(deps, owner, annotations[fields.loadBalancerIdAnnotation], annotations[fields.existingId])) { // 3
    // 4: a release is decided on a fresh view, and needs the listeners only (their targets go with them).
    deps.cache.forget(lb.id);
    const actual: ActualLoadBalancer = { loadBalancer: lb, listeners: await deps.provider.describeListeners(lb.id), targets: new Map() };
    const plan = planLoadBalancer({ owner, desired: undefined, actual, policies: { mayEmptyTargets: true, keepExisting: false, retain } }); // 5
    deps.onPlanned?.(object, plan, actual);
    deps.events.emit(object, 'Normal', EVENT_REASONS.deleting, `Deleting load balancer ${lb.id}`);
    // 6: tasks awaited — a listener whose delete task failed must not outlive its owner unnoticed.
    await applyLoadBalancerPlan(plan, actual, deps, { awaitTasks: true });
    const told = reportReleased(deps, fields, object, owner, lb, plan); // 7
    // The finalizer stays: the object waits for the user (told how), and is looked at again with backoff.
    if (told && plan.release === 'protected') throw new BlockedError(`load balancer ${lb.id} has ${plan.modificationProtected ? 'modification' : 'deletion'} protection on`, told);
    if (told && plan.release === 'not-ours') throw new BlockedError(`load balancer ${lb.id} lacks its ownership tags`, told);
    deps.logger.info({ owner: keyOf(object), kind: fields.kind, lb: lb.id, release: plan.release }, 'Cleaned up load balancer');
  }
  deps.empty.forget(keyOf(object));
  await dropAutoConfig(deps, fields.configs, object, true); // 8
  await reportGone(deps, fields, object);
  forgetOwner(deps, observed(adapter, object));
}

async function observe(cache: ActualStateCache, lb: ActualLoadBalancer['loadBalancer']): Promise<ActualLoadBalancer> {
  const { listeners, targets } = await cache.listeners(lb.id);
  return { loadBalancer: lb, listeners, targets };
}

/** The earlier of an expected wait and a time to look again (ms since the epoch); nothing when neither is set. */
export function requeueAfter(waitMs: number | undefined, recheckAt: number | undefined, now: number): ReconcileResult | undefined {
  const waits = [waitMs, recheckAt === undefined ? undefined : Math.max(0, recheckAt - now)].filter((w): w is number => w !== undefined);
  return waits.length ? { requeueAfterMs: Math.min(...waits) } : undefined;
}

/** What a reconciler of either kind is built from: the cluster view, the cloud, and where to report. */
export interface SharedReconcilerDeps extends ReportSinks {
  readonly provider: CloudProvider;
  readonly cache: ActualStateCache;
  readonly view: ClusterView;
  /** Writes the auto TkeServiceConfigs (absent in `plan`: a dry run writes nothing to the cluster). */
  readonly autoConfigs?: AutoConfigWriter;
  /** How long backends must stay empty before the last targets are deregistered (a transient empty view; default 30 s). */
  readonly emptyGraceMs?: number;
  /** How long a node that went NotReady stays bound (default 60 s). */
  readonly nodeReadyGraceMs?: number;
  /** How long a subnet lookup is trusted. */
  readonly subnetCacheMs?: number;
  readonly now?: () => number;
  readonly observer?: SyncObserver;
}

export interface OwnerReconcilerDeps<T extends StatusObject> extends SharedReconcilerDeps {
  readonly writer: ReportDeps<T>['writer'];
  readonly settings: { readonly clusterId: string; readonly vpcId: string };
  readonly onPlanned?: PipelineDeps<T>['onPlanned'];
  readonly onBuilt?: PipelineDeps<T>['onBuilt'];
  readonly onRefused?: PipelineDeps<T>['onRefused'];
}

/** One kind's reconciler: the pipeline with that kind's adapter, and the state its policies keep between runs. */
export class OwnerReconciler<T extends StatusObject> {
  private readonly pipeline: PipelineDeps<T>;

  constructor(
    private readonly adapter: OwnerAdapter<T>,
    deps: OwnerReconcilerDeps<T>,
  ) {
    const now = deps.now ?? Date.now;
    this.pipeline = {
      ...deps,
      now,
      subnets: new SubnetLookup(deps.provider, deps.subnetCacheMs, now),
      empty: new EmptyBackendsGuard(deps.emptyGraceMs ?? 30_000, now),
      memory: new OwnerMemory(),
    };
  }

  reconcile(key: string): Promise<ReconcileResult | void> {
    return reconcileOwner(this.pipeline, this.adapter, key);
  }

  /** The owner left the cluster's view (deleted): what the metrics and the memory hold of it goes, without a reconcile. */
  forget(key: string): void {
    const [namespace = 'default', name = ''] = key.split('/');
    forgetOwner(this.pipeline, { kind: this.adapter.fields.kind, namespace, name });
  }

  /** A change that may move the owner's targets (an endpoint, a Pod, a node) was seen: the latency metric counts from now. */
  noticeChange(key: string): void {
    this.pipeline.memory.noticeChange(key, this.pipeline.now());
  }
}
