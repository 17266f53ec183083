/**
 * service-controller's reconcile: load → build → resolve the CLB → observe → plan → apply → report.
 * Deleting (or no longer LoadBalancer) is the same path with nothing desired.
 */
import type { V1Service } from '@kubernetes/client-node';
import type { CloudProvider } from '../../providers/provider.js';
import { LOAD_BALANCER_CLASS, SERVICE_ANNOTATIONS as A, SERVICE_FINALIZER } from '../annotations/keys.js';
import { describeProblem, type Problem } from '../annotations/problems.js';
import { ensureAttributes, releaseLoadBalancer, resolveLoadBalancer, SubnetLookup } from '../deploy/load-balancers.js';
import { isOwnListener } from '../deploy/ownership.js';
import { EmptyBackendsGuard, syncListeners } from '../deploy/sync.js';
import { EVENT_REASONS } from '../kube/events.js';
import { hasFinalizer } from '../kube/object-writer.js';
import type { ReconcileResult } from '../runtime/controller.js';
import { buildServiceModel, serviceOwner, type ClusterSettings } from '../service/build-service-model.js';
import { refuse, reportingFailures, type ReconcilerDeps } from './reconciler-base.js';

export type { ObjectStore } from './reconciler-base.js';

export interface ServiceReconcilerDeps extends ReconcilerDeps<V1Service> {
  readonly settings: ClusterSettings;
  /** How long a subnet lookup is trusted. */
  readonly subnetCacheMs?: number;
}

/** Does this controller handle the Service's load balancer? */
export function isLoadBalancerService(service: V1Service): boolean {
  return service.spec?.type === 'LoadBalancer' && (!service.spec.loadBalancerClass || service.spec.loadBalancerClass === LOAD_BALANCER_CLASS);
}

const SERVICE_FIELDS = { existingId: A.existingLoadBalancerId, subnetId: A.internalSubnetId, releaseHint: 'set the Service to type ClusterIP', extraParameters: A.extensiveParameters };

/** The earlier of an expected wait and a time to look again (ms since the epoch); nothing when neither is set. */
export function requeueAfter(waitMs: number | undefined, recheckAt: number | undefined, now: number): ReconcileResult | undefined {
  const waits = [waitMs, recheckAt === undefined ? undefined : Math.max(0, recheckAt - now)].filter((w): w is number => w !== undefined);
  return waits.length ? { requeueAfterMs: Math.min(...waits) } : undefined;
}

export const serviceKey = (service: V1Service): string => `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;

const SERVICE_KIND = { apiVersion: 'v1', kind: 'Service' } as const;

export class ServiceReconciler {
  private readonly subnets: SubnetLookup;
  private readonly empty: EmptyBackendsGuard;
  private readonly now: () => number;

  constructor(private readonly deps: ServiceReconcilerDeps) {
    this.now = deps.now ?? Date.now;
    this.subnets = new SubnetLookup(deps.provider, deps.subnetCacheMs, this.now);
    this.empty = new EmptyBackendsGuard(deps.emptyGraceMs ?? 30_000, this.now);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.deps.services.get(name, namespace);
    if (!cached) return;
    const service: V1Service = { ...SERVICE_KIND, ...cached };
    const skip = service.metadata?.annotations?.[A.mode] === 'skip';
    const wanted = isLoadBalancerService(service) && !service.metadata?.deletionTimestamp;
    if (skip) {
      // mode: skip — make no change to the CLB; on delete leave it as it is and let the Service go.
      if (!wanted) await this.deps.writer.removeFinalizer(service, SERVICE_FINALIZER);
      return;
    }
    return reportingFailures(this.deps.events, service, () => (wanted ? this.ensure(service) : this.cleanup(service)));
  }

  private async ensure(service: V1Service): Promise<ReconcileResult | void> {
    const { settings } = this.deps;
    const key = serviceKey(service);
    const owner = serviceOwner(service, settings);
    const namespace = owner.namespace;
    const direct = service.metadata?.annotations?.[A.directAccess] === 'true';
    const built = buildServiceModel(
      {
        service,
        nodes: this.deps.nodes.list(),
        endpointSlices: this.deps.endpointSlices.list(namespace).filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === owner.name),
        secrets: new Map(this.deps.secrets.list(namespace).map((s) => [s.metadata?.name ?? '', s])),
        subnets: await this.subnets.lookup(service.metadata?.annotations?.[A.internalSubnetId]?.trim()),
        ...(direct ? { pods: new Map(this.deps.pods.list(namespace).map((p) => [p.metadata?.name ?? '', p])) } : {}),
        now: this.now(),
        ...(this.deps.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: this.deps.nodeReadyGraceMs } : {}),
      },
      settings,
    );
    if (!built.ok) return refuse(this.deps.events, service, built.problems);
    for (const warning of built.warnings) this.deps.events.emit(service, 'Warning', warning.eventReason, describeProblem(warning));

    // The finalizer goes on right before the first cloud write (inside resolve), never for a refused Service.
    let current = service;
    const resolved = await resolveLoadBalancer(this.deps, service, owner, built.model.loadBalancer, service.metadata?.annotations?.[A.loadBalancerId], SERVICE_FIELDS, async () => {
      current = await this.deps.writer.addFinalizer(current, SERVICE_FINALIZER);
    });
    if ('problem' in resolved) return refuse(this.deps.events, current, [resolved.problem]);
    current = await this.deps.writer.addFinalizer(current, SERVICE_FINALIZER);
    const { loadBalancer: lb } = resolved;
    let announced = resolved.created;
    const announce = () => {
      if (!announced) this.deps.events.emit(current, 'Normal', EVENT_REASONS.ensuring, `Ensuring load balancer ${lb.id}`);
      announced = true;
    };
    await ensureAttributes(this.deps, lb, built.model.attributes, announce);

    const synced = await syncListeners({
      provider: this.deps.provider,
      cache: this.deps.cache,
      loadBalancer: lb,
      desired: built.model.listeners,
      isOwn: (l) => isOwnListener(l.name, owner),
      mayEmptyTargets: this.empty.mayEmpty(key, built.model.listeners),
      beforeWrite: announce,
    });
    for (const conflict of synced.plan.conflicts) this.deps.events.emit(current, 'Warning', conflict.eventReason, describeProblem(conflict));
    if (synced.changes) this.deps.logger.info({ service: key, lb: lb.id, changes: synced.changes }, 'Applied load balancer changes');
    if (!synced.plan.conflicts.length) {
      const opened = await this.deps.gates.openAfterWrites(this.deps.cache, lb.id, built.readinessGatePods.map((name) => this.deps.pods.get(name, namespace)));
      for (const pod of opened) this.deps.logger.info({ pod: `${namespace}/${pod.metadata?.name}` }, 'Opened readiness gate');
    }

    current = await this.deps.writer.setAnnotation(current, A.loadBalancerId, lb.id);
    current = await this.deps.writer.setIngress(current, lb.vips.length ? lb.vips.map((ip) => ({ ip })) : lb.domain ? [{ hostname: lb.domain }] : []);
    if (announced) this.deps.events.emit(current, 'Normal', EVENT_REASONS.ensured, `Ensured load balancer ${lb.id}`);
    if (synced.heldEmpty) this.deps.logger.info({ service: key, lb: lb.id, targets: synced.ownTargets }, 'Kept the last targets while the empty backend view settles');
    // Come back when the empty view has settled, or when a NotReady node's grace ends (it is then unbound).
    return requeueAfter(synced.heldEmpty ? this.empty.graceMs : undefined, built.recheckAt, this.now());
  }

  private async cleanup(service: V1Service): Promise<void> {
    if (!hasFinalizer(service, SERVICE_FINALIZER)) return;
    const owner = serviceOwner(service, this.deps.settings);
    await releaseLoadBalancer(this.deps, service, owner, service.metadata?.annotations?.[A.loadBalancerId], { retain: false, existingId: service.metadata?.annotations?.[A.existingLoadBalancerId] });
    this.empty.forget(serviceKey(service));
    let current = service;
    if (!current.metadata?.deletionTimestamp) {
      // A Service that stays (no longer LoadBalancer) loses status and annotation before the finalizer: then it is done.
      current = await this.deps.writer.setAnnotation(current, A.loadBalancerId, null);
      current = await this.deps.writer.setIngress(current, []);
    }
    await this.deps.writer.removeFinalizer(current, SERVICE_FINALIZER);
  }

}
