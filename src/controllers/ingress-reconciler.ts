/**
 * l7-lb-controller's reconcile: load → build → resolve the CLB → observe → plan → apply → report, for
 * Ingresses of class `qcloud`. Deleting (or leaving the class) is the same path with nothing desired.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import type { CloudProvider, LoadBalancer } from '../../providers/provider.js';
import { INGRESS_ANNOTATIONS as A } from '../annotations/keys.js';
import { describeProblem, problem, type Problem } from '../annotations/problems.js';
import { ensureAttributes, releaseLoadBalancer, resolveLoadBalancer, SubnetLookup } from '../deploy/load-balancers.js';
import { isOwnListener } from '../deploy/ownership.js';
import { EmptyBackendsGuard, syncListeners } from '../deploy/sync.js';
import { buildIngressModel, ingressOwner, isQcloudIngress, type IngressSettings } from '../ingress/build-ingress-model.js';
import { parseIngressLifecycle } from '../ingress/ingress-annotations.js';
import { EVENT_REASONS } from '../kube/events.js';
import { hasFinalizer } from '../kube/object-writer.js';
import { portFamily } from '../model/desired.js';
import type { ReconcileResult } from '../runtime/controller.js';
import { refuse, reportingFailures, type ObjectStore, type ReconcilerDeps } from './reconciler-base.js';
import { requeueAfter } from './service-reconciler.js';

export const INGRESS_FINALIZER = 'ingress.cloud.tencent.com/load-balancer-cleanup';
const INGRESS_KIND = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' } as const;
const INGRESS_FIELDS = { existingId: A.existingLoadBalancerId, subnetId: A.subnetId, releaseHint: 'delete the Ingress (or move it to another class)' };

export interface IngressReconcilerDeps extends ReconcilerDeps<V1Ingress> {
  readonly settings: IngressSettings;
  readonly ingresses: ObjectStore<V1Ingress>;
}

export const ingressKey = (ingress: V1Ingress): string => `${ingress.metadata?.namespace ?? 'default'}/${ingress.metadata?.name ?? ''}`;

export class IngressReconciler {
  private readonly subnets: SubnetLookup;
  private readonly empty: EmptyBackendsGuard;
  private readonly now: () => number;

  constructor(private readonly deps: IngressReconcilerDeps) {
    this.now = deps.now ?? Date.now;
    this.subnets = new SubnetLookup(deps.provider, undefined, this.now);
    this.empty = new EmptyBackendsGuard(deps.emptyGraceMs ?? 30_000, this.now);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.deps.ingresses.get(name, namespace);
    if (!cached) return;
    const ingress: V1Ingress = { ...INGRESS_KIND, ...cached };
    const lifecycle = parseIngressLifecycle(ingress);
    const wanted = isQcloudIngress(ingress, this.deps.settings) && !ingress.metadata?.deletionTimestamp;
    if (lifecycle.skip) {
      if (!wanted) await this.deps.writer.removeFinalizer(ingress, INGRESS_FINALIZER);
      return;
    }
    // Lifecycle problems stop the build too, which reports them together with every other problem.
    return reportingFailures(this.deps.events, ingress, () =>
      wanted ? this.ensure(ingress, lifecycle.deletionProtection) : this.cleanup(ingress, lifecycle.retain || lifecycle.deletionProtection),
    );
  }

  private async ensure(ingress: V1Ingress, deletionProtection: boolean): Promise<ReconcileResult | void> {
    const key = ingressKey(ingress);
    const owner = ingressOwner(ingress, this.deps.settings);
    const namespace = owner.namespace;
    const direct = ingress.metadata?.annotations?.[A.directAccess] === 'true';
    const built = buildIngressModel(
      {
        ingress,
        services: new Map(this.deps.services.list(namespace).map((s) => [s.metadata?.name ?? '', s])),
        endpointSlices: this.deps.endpointSlices.list(namespace),
        pods: direct ? new Map(this.deps.pods.list(namespace).map((p) => [p.metadata?.name ?? '', p])) : new Map(),
        nodes: this.deps.nodes.list(),
        secrets: new Map(this.deps.secrets.list(namespace).map((s) => [s.metadata?.name ?? '', s])),
        subnets: await this.subnets.lookup(ingress.metadata?.annotations?.[A.subnetId]?.trim()),
        now: this.now(),
        ...(this.deps.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: this.deps.nodeReadyGraceMs } : {}),
      },
      this.deps.settings,
    );
    if (!built.ok) return refuse(this.deps.events, ingress, built.problems);
    for (const warning of built.warnings) this.deps.events.emit(ingress, 'Warning', warning.eventReason, describeProblem(warning));

    let current = ingress;
    const recordedId = ingress.metadata?.annotations?.[A.loadBalancerId];
    const isOwn = (l: { name: string }) => isOwnListener(l.name, owner);
    // An existing CLB serves the Ingress only if its ports are free: never take a listener over.
    const portsFree = async (lb: LoadBalancer): Promise<Problem | undefined> => {
      const { listeners } = await this.deps.cache.listeners(lb.id);
      const taken = built.model.listeners.flatMap((want) => listeners.filter((l) => !isOwn(l) && l.port === want.port && portFamily(l.protocol) === portFamily(want.protocol)));
      const first = taken[0];
      return first
        ? problem('ExistingLoadBalancerRefused', A.existingLoadBalancerId, lb.id, `port ${first.port} of the CLB is used by listener ${first.id} (${first.protocol}, "${first.name}"); the Ingress needs its ports free`)
        : undefined;
    };
    const resolved = await resolveLoadBalancer(
      this.deps, ingress, owner, built.model.loadBalancer, recordedId, INGRESS_FIELDS,
      async () => {
        current = await this.deps.writer.addFinalizer(current, INGRESS_FINALIZER);
      },
      portsFree,
    );
    if ('problem' in resolved) return refuse(this.deps.events, current, [resolved.problem]);
    const { loadBalancer: lb } = resolved;
    current = await this.deps.writer.addFinalizer(current, INGRESS_FINALIZER);

    let announced = resolved.created;
    const announce = () => {
      if (!announced) this.deps.events.emit(current, 'Normal', EVENT_REASONS.ensuring, `Ensuring load balancer ${lb.id}`);
      announced = true;
    };
    await ensureAttributes(this.deps, lb, resolved.created || lb.tags['tke-createdBy-flag'] === 'yes' ? { deleteProtect: deletionProtection } : {}, announce);
    const synced = await syncListeners({
      provider: this.deps.provider,
      cache: this.deps.cache,
      loadBalancer: lb,
      desired: built.model.listeners,
      isOwn,
      mayEmptyTargets: this.empty.mayEmpty(key, built.model.listeners),
      // While a rule is left out for a problem, nothing is deleted: a typo never takes a rule down.
      keepExisting: built.skippedRules > 0,
      beforeWrite: announce,
    });
    for (const conflict of synced.plan.conflicts) this.deps.events.emit(current, 'Warning', conflict.eventReason, describeProblem(conflict));
    if (synced.changes) this.deps.logger.info({ ingress: key, lb: lb.id, changes: synced.changes }, 'Applied load balancer changes');
    if (!synced.plan.conflicts.length) await this.deps.gates.openAfterWrites(this.deps.cache, lb.id, built.readinessGatePods.map((name) => this.deps.pods.get(name, namespace)));
    current = await this.deps.writer.setAnnotation(current, A.loadBalancerId, lb.id);
    current = await this.deps.writer.setIngress(current, lb.vips.length ? lb.vips.map((ip) => ({ ip })) : lb.domain ? [{ hostname: lb.domain }] : []);
    if (announced) this.deps.events.emit(current, 'Normal', EVENT_REASONS.ensured, `Ensured load balancer ${lb.id}`);
    // Come back when the empty view has settled, or when a NotReady node's grace ends (it is then unbound).
    return requeueAfter(synced.heldEmpty ? this.empty.graceMs : undefined, built.recheckAt, this.now());
  }

  private async cleanup(ingress: V1Ingress, retain: boolean): Promise<void> {
    if (!hasFinalizer(ingress, INGRESS_FINALIZER)) return;
    const owner = ingressOwner(ingress, this.deps.settings);
    await releaseLoadBalancer(this.deps, ingress, owner, ingress.metadata?.annotations?.[A.loadBalancerId], { retain, existingId: ingress.metadata?.annotations?.[A.existingLoadBalancerId] });
    this.empty.forget(ingressKey(ingress));
    let current = ingress;
    if (!current.metadata?.deletionTimestamp) {
      current = await this.deps.writer.setAnnotation(current, A.loadBalancerId, null);
      current = await this.deps.writer.setIngress(current, []);
    }
    await this.deps.writer.removeFinalizer(current, INGRESS_FINALIZER);
  }

}

