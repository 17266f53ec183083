/**
 * service-controller's reconcile: load → build → resolve the CLB → observe → plan → apply → report.
 * Deleting (or no longer LoadBalancer) is the same path with nothing desired.
 */
import type { V1EndpointSlice, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { CloudProvider, LoadBalancer, Subnet } from '../../providers/provider.js';
import { LOAD_BALANCER_CLASS, SERVICE_ANNOTATIONS as A, SERVICE_FINALIZER, TAGS } from '../annotations/keys.js';
import { describeProblem, problem, type Problem } from '../annotations/problems.js';
import type { ActualStateCache } from '../deploy/actual-cache.js';
import { isClusterListener, isCreatedFor, isOwnListener, ownedLoadBalancerLookup, refuseExistingLoadBalancer, type Owner } from '../deploy/ownership.js';
import { syncListeners } from '../deploy/sync.js';
import { EVENT_REASONS, type EventSink } from '../kube/events.js';
import type { ReadinessGates } from '../kube/readiness-gates.js';
import { hasFinalizer, type ServiceWriter } from '../kube/service-writer.js';
import type { DesiredLoadBalancer, DesiredState } from '../model/desired.js';
import { TerminalError, type ReconcileResult } from '../runtime/controller.js';
import type { Logger } from '../runtime/logger.js';
import { buildServiceModel, serviceOwner, type ClusterSettings } from '../service/build-service-model.js';
import { ID } from '../service/service-annotations.js';

export interface ObjectStore<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

export interface ServiceReconcilerDeps {
  readonly provider: CloudProvider;
  readonly settings: ClusterSettings;
  readonly services: ObjectStore<V1Service>;
  readonly nodes: ObjectStore<V1Node>;
  readonly endpointSlices: ObjectStore<V1EndpointSlice>;
  readonly secrets: ObjectStore<V1Secret>;
  readonly pods: ObjectStore<V1Pod>;
  readonly cache: ActualStateCache;
  readonly gates: ReadinessGates;
  readonly writer: ServiceWriter;
  readonly events: EventSink;
  readonly logger: Logger;
  /** How long a subnet lookup is trusted. */
  readonly subnetCacheMs?: number;
  /** How long backends must stay empty before the last targets are deregistered (a transient empty view). */
  readonly emptyGraceMs?: number;
  readonly now?: () => number;
}

/** Does this controller handle the Service's load balancer? */
export function isLoadBalancerService(service: V1Service): boolean {
  return service.spec?.type === 'LoadBalancer' && (!service.spec.loadBalancerClass || service.spec.loadBalancerClass === LOAD_BALANCER_CLASS);
}

/** A 409 from the API server: our cached copy was stale; the retry (with the fresh object) is routine. */
const isConflict = (error: unknown): boolean => (error as { code?: unknown })?.code === 409;

export const serviceKey = (service: V1Service): string => `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;

const SERVICE_KIND = { apiVersion: 'v1', kind: 'Service' } as const;

export class ServiceReconciler {
  private readonly subnetCache = new Map<string, { subnet: Subnet | undefined; at: number }>();
  /** Since when each Service's desired backends have been empty (the transient-empty-view guard). */
  private readonly emptySince = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly deps: ServiceReconcilerDeps) {
    this.now = deps.now ?? Date.now;
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
    try {
      return await (wanted ? this.ensure(service) : this.cleanup(service));
    } catch (error) {
      // User errors have had their own Warnings; anything else is worth telling the Service's owner too.
      if (!(error instanceof TerminalError) && !isConflict(error)) {
        this.deps.events.emit(service, 'Warning', EVENT_REASONS.syncFailed, `Error syncing load balancer: ${error instanceof Error ? error.message : String(error)}`);
      }
      throw error;
    }
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
        subnets: await this.lookupSubnets(service),
        ...(direct ? { pods: new Map(this.deps.pods.list(namespace).map((p) => [p.metadata?.name ?? '', p])) } : {}),
      },
      settings,
    );
    if (!built.ok) return this.refuse(service, built.problems);
    for (const warning of built.warnings) this.deps.events.emit(service, 'Warning', warning.eventReason, describeProblem(warning));

    // The finalizer goes on right before the first cloud write (inside resolve), never for a refused Service.
    let current = service;
    const resolved = await this.resolveLoadBalancer(service, owner, built.model.loadBalancer, async () => {
      current = await this.deps.writer.addFinalizer(current, SERVICE_FINALIZER);
    });
    if ('problem' in resolved) return this.refuse(current, [resolved.problem]);
    current = await this.deps.writer.addFinalizer(current, SERVICE_FINALIZER);
    const { loadBalancer: lb } = resolved;
    let announced = resolved.created;
    if (announced) this.deps.logger.info({ service: key, lb: lb.id }, 'Created load balancer');
    announced = (await this.ensureAttributes(current, lb, built.model, announced)) || announced;

    const synced = await syncListeners({
      provider: this.deps.provider,
      cache: this.deps.cache,
      loadBalancer: lb,
      desired: built.model.listeners,
      isOwn: (l) => isOwnListener(l.name, owner),
      mayEmptyTargets: this.mayEmpty(key, built.model.listeners),
      beforeWrite: () => {
        if (!announced) this.deps.events.emit(current, 'Normal', EVENT_REASONS.ensuring, `Ensuring load balancer ${lb.id}`);
        announced = true;
      },
    });
    for (const conflict of synced.plan.conflicts) this.deps.events.emit(current, 'Warning', conflict.eventReason, describeProblem(conflict));
    if (synced.changes) this.deps.logger.info({ service: key, lb: lb.id, changes: synced.changes }, 'Applied load balancer changes');
    if (!synced.plan.conflicts.length) await this.openReadinessGates(namespace, built.readinessGatePods);

    current = await this.deps.writer.setAnnotation(current, A.loadBalancerId, lb.id);
    current = await this.deps.writer.setIngress(current, lb.vips.length ? lb.vips.map((ip) => ({ ip })) : lb.domain ? [{ hostname: lb.domain }] : []);
    if (announced) this.deps.events.emit(current, 'Normal', EVENT_REASONS.ensured, `Ensured load balancer ${lb.id}`);
    if (synced.heldEmpty) {
      this.deps.logger.info({ service: key, lb: lb.id, targets: synced.ownTargets }, 'Kept the last targets while the empty backend view settles');
      return { requeueAfterMs: this.emptyGraceMs() };
    }
  }

  private emptyGraceMs(): number {
    return this.deps.emptyGraceMs ?? 30_000;
  }

  /** May this reconcile remove a Service's last targets? Only once its backends have stayed empty for the grace period. */
  private mayEmpty(key: string, listeners: DesiredState['listeners']): boolean {
    const empty = listeners.length > 0 && listeners.every((l) => l.targets.length === 0 && l.rules.every((r) => r.targets.length === 0));
    if (!empty) {
      this.emptySince.delete(key);
      return true;
    }
    const since = this.emptySince.get(key) ?? this.now();
    this.emptySince.set(key, since);
    return this.now() - since >= this.emptyGraceMs();
  }

  /** Bound Pods that wait on the readiness gate get it set True. */
  private async openReadinessGates(namespace: string, podNames: readonly string[]): Promise<void> {
    for (const name of podNames) {
      const pod = this.deps.pods.get(name, namespace);
      if (pod && (await this.deps.gates.markBound(pod))) this.deps.logger.info({ pod: `${namespace}/${name}` }, 'Opened readiness gate');
    }
  }

  /** Finds, adopts or creates the CLB; refuses choices that cannot change after creation. */
  private async resolveLoadBalancer(
    service: V1Service,
    owner: Owner,
    desired: DesiredLoadBalancer,
    beforeFirstWrite: () => Promise<void>,
  ): Promise<{ loadBalancer: LoadBalancer; created: boolean } | { problem: Problem }> {
    const { provider, settings } = this.deps;
    const recordedId = service.metadata?.annotations?.[A.loadBalancerId];
    const recorded = recordedId && ID.loadBalancer.test(recordedId) ? await this.deps.cache.loadBalancer(recordedId) : undefined;
    const immutable = (field: string, value: string, reason: string) => ({
      problem: problem('ImmutableLoadBalancerChange', field, value, `${reason}; to change it, set the Service to type ClusterIP, wait for the CLB to be released, then set it back`),
    });

    if (desired.kind === 'existing') {
      if (recorded && recorded.id !== desired.id) {
        return immutable(A.existingLoadBalancerId, desired.id, isCreatedFor(recorded, owner) ? `the Service uses the CLB ${recorded.id} created for it` : `the Service uses the existing CLB ${recorded.id}`);
      }
      const lb = recorded ?? (await this.deps.cache.loadBalancer(desired.id));
      const refusal = refuseExistingLoadBalancer(A.existingLoadBalancerId, desired.id, lb, settings.clusterId, settings.vpcId);
      if (refusal || !lb) return { problem: refusal! };
      if (lb.tags[TAGS.clusterId] !== settings.clusterId) {
        await beforeFirstWrite();
        await provider.tagLoadBalancer(lb.id, { [TAGS.clusterId]: settings.clusterId });
        this.deps.cache.forget(lb.id);
      }
      return { loadBalancer: lb, created: false };
    }

    if (recorded && !isCreatedFor(recorded, owner)) return immutable(A.existingLoadBalancerId, '', `the Service uses the existing CLB ${recorded.id}; it cannot switch to a CLB of its own`);
    const adopted = recorded ?? (await provider.findLoadBalancersByTags(ownedLoadBalancerLookup(owner))).filter((lb) => isCreatedFor(lb, owner))[0];
    if (adopted) {
      if (adopted.type !== desired.type) {
        return immutable(A.internalSubnetId, desired.subnetId ?? '', `the CLB ${adopted.id} is ${adopted.type === 'OPEN' ? 'public' : 'internal'}; public/internal cannot change`);
      }
      if ((adopted.subnetId ?? '') !== (desired.subnetId ?? '')) return immutable(A.internalSubnetId, desired.subnetId ?? '', `the CLB ${adopted.id} is in subnet ${adopted.subnetId}; the subnet cannot change`);
      return { loadBalancer: adopted, created: false };
    }
    await beforeFirstWrite();
    this.deps.events.emit(service, 'Normal', EVENT_REASONS.ensuring, 'Ensuring load balancer');
    const created = await provider.createLoadBalancer({
      name: desired.name,
      type: desired.type,
      vpcId: desired.vpcId,
      ...(desired.subnetId ? { subnetId: desired.subnetId } : {}),
      tags: desired.tags,
      clientToken: desired.clientToken,
      ...(desired.internetChargeType ? { internetChargeType: desired.internetChargeType } : {}),
      ...(desired.internetMaxBandwidthOut ? { internetMaxBandwidthOut: desired.internetMaxBandwidthOut } : {}),
      ...(desired.extraParameters ? { extraParameters: desired.extraParameters } : {}),
    });
    this.deps.cache.rememberLoadBalancer(created);
    return { loadBalancer: created, created: true };
  }

  /** Security groups and pass-to-target, when the user asked for them. Returns whether it wrote. */
  private async ensureAttributes(service: V1Service, lb: LoadBalancer, model: DesiredState, announced: boolean): Promise<boolean> {
    const { securityGroups, passToTarget } = model.attributes;
    const groupsDiffer = securityGroups !== undefined && (securityGroups.length !== lb.securityGroups.length || securityGroups.some((g, i) => g !== lb.securityGroups[i]));
    const passDiffers = passToTarget !== undefined && passToTarget !== lb.passToTarget;
    if (!groupsDiffer && !passDiffers) return false;
    if (!announced) this.deps.events.emit(service, 'Normal', EVENT_REASONS.ensuring, `Ensuring load balancer ${lb.id}`);
    this.deps.cache.forget(lb.id);
    if (groupsDiffer) await this.deps.provider.setSecurityGroups(lb.id, securityGroups);
    if (passDiffers) await this.deps.provider.modifyLoadBalancerAttributes(lb.id, { passToTarget });
    return true;
  }

  private async cleanup(service: V1Service): Promise<void> {
    if (!hasFinalizer(service, SERVICE_FINALIZER)) return;
    const { provider, settings } = this.deps;
    const owner = serviceOwner(service, settings);
    const recordedId = service.metadata?.annotations?.[A.loadBalancerId];
    const lb = recordedId && ID.loadBalancer.test(recordedId)
      ? (await provider.describeLoadBalancers([recordedId]))[0]
      : (await provider.findLoadBalancersByTags(ownedLoadBalancerLookup(owner))).find((candidate) => isCreatedFor(candidate, owner));
    if (lb) {
      this.deps.events.emit(service, 'Normal', EVENT_REASONS.deleting, `Deleting load balancer ${lb.id}`);
      const listeners = await provider.describeListeners(lb.id);
      const own = listeners.filter((l) => isOwnListener(l.name, owner));
      const others = listeners.filter((l) => !isOwnListener(l.name, owner));
      this.deps.cache.forget(lb.id);
      if (isCreatedFor(lb, owner) && others.length === 0) {
        await provider.deleteLoadBalancers([lb.id]);
      } else {
        if (own.length) await provider.deleteListeners(lb.id, own.map((l) => l.id));
        if (isCreatedFor(lb, owner)) {
          this.deps.events.emit(service, 'Warning', EVENT_REASONS.syncFailed, `Kept load balancer ${lb.id}: it has ${others.length} listener(s) this controller does not manage; delete them and the CLB by hand`);
        } else if (!others.some((l) => isClusterListener(l.name, settings.clusterId)) && lb.tags[TAGS.clusterId] === settings.clusterId) {
          // The last Service of this cluster left the reused CLB: release the cluster's claim on it.
          await provider.untagLoadBalancer(lb.id, [TAGS.clusterId]);
        }
      }
      this.deps.events.emit(service, 'Normal', EVENT_REASONS.deleted, `Deleted load balancer ${lb.id}`);
      this.deps.logger.info({ service: serviceKey(service), lb: lb.id }, 'Cleaned up load balancer');
    }
    this.emptySince.delete(serviceKey(service));
    let current = service;
    if (!current.metadata?.deletionTimestamp) {
      // A Service that stays (no longer LoadBalancer) loses status and annotation before the finalizer: then it is done.
      current = await this.deps.writer.setAnnotation(current, A.loadBalancerId, null);
      current = await this.deps.writer.setIngress(current, []);
    }
    await this.deps.writer.removeFinalizer(current, SERVICE_FINALIZER);
  }

  private refuse(service: V1Service, problems: readonly Problem[]): never {
    for (const p of problems) this.deps.events.emit(service, 'Warning', p.eventReason, describeProblem(p));
    throw new TerminalError(problems.map(describeProblem).join('; '));
  }

  private async lookupSubnets(service: V1Service): Promise<Map<string, Subnet | undefined>> {
    const subnetId = service.metadata?.annotations?.[A.internalSubnetId]?.trim();
    const result = new Map<string, Subnet | undefined>();
    if (!subnetId || !ID.subnet.test(subnetId)) return result;
    const hit = this.subnetCache.get(subnetId);
    if (hit && this.now() - hit.at < (this.deps.subnetCacheMs ?? 10 * 60_000)) {
      result.set(subnetId, hit.subnet);
      return result;
    }
    const subnet = await this.deps.provider.describeSubnet(subnetId);
    this.subnetCache.set(subnetId, { subnet, at: this.now() });
    result.set(subnetId, subnet);
    return result;
  }
}
