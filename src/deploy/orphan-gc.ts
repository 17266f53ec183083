/**
 * Garbage collection of what this cluster left on the cloud without an owner: a CLB created for a Service or
 * Ingress that no longer exists (its finalizer was removed by hand, the controller was uninstalled meanwhile…),
 * and listeners named for an owner that no longer exists. Ownership is read from the cloud (tags, listener names),
 * never from memory; a candidate is removed only after it has been seen orphaned, sweep after sweep, for the whole
 * safety delay — an informer that lags, or an object re-created meanwhile, spares it. Only CLBs tagged for this
 * cluster are ever looked at (the tag query itself is the only read that can return anything else: nothing).
 */
import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import type { CloudProvider, Listener, LoadBalancer } from '../../providers/provider.js';
import { TAGS } from '../annotations/keys.js';
import type { Logger } from '../runtime/logger.js';
import { ownerListenerPrefix } from '../model/naming.js';
import { isClusterListener } from './ownership.js';

export interface LiveOwners {
  readonly serviceUids: ReadonlySet<string>;
  readonly ingressUids: ReadonlySet<string>;
  /** `ownerListenerPrefix` of every existing Service and Ingress. */
  readonly listenerOwnerPrefixes: ReadonlySet<string>;
}

export interface OrphanCollectorDeps {
  readonly provider: CloudProvider;
  readonly settings: { readonly clusterId: string };
  /** What exists in the cluster now (from the informer caches). */
  readonly owners: () => LiveOwners;
  /** False while `owners` cannot be trusted (caches not synced): a sweep then does nothing. Default: always true. */
  readonly ready?: () => boolean;
  /** How long a candidate must stay orphaned before it goes (default 10 min). */
  readonly safetyDelayMs?: number;
  /** Only log what would be deleted. */
  readonly dryRun?: boolean;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface SweepReport {
  /** CLBs and listeners seen orphaned in this sweep (due or not). */
  readonly orphanLoadBalancers: string[];
  readonly orphanListeners: { readonly loadBalancerId: string; readonly listenerId: string; readonly name: string }[];
  /** What was deleted (or, in dry run, would have been). */
  readonly deletedLoadBalancers: string[];
  readonly deletedListeners: { readonly loadBalancerId: string; readonly listenerIds: string[] }[];
  readonly dryRun: boolean;
}

export const DEFAULT_ORPHAN_SAFETY_DELAY_MS = 10 * 60_000;

/** The live owners as the informer caches see them. */
export function liveOwnersFrom(services: readonly V1Service[], ingresses: readonly V1Ingress[], clusterId: string): LiveOwners {
  const prefix = (kind: 'Service' | 'Ingress', o: V1Service | V1Ingress) =>
    ownerListenerPrefix({ kind, clusterId, namespace: o.metadata?.namespace ?? 'default', name: o.metadata?.name ?? '', uid: o.metadata?.uid ?? '' });
  return {
    serviceUids: new Set(services.map((s) => s.metadata?.uid ?? '').filter(Boolean)),
    ingressUids: new Set(ingresses.map((i) => i.metadata?.uid ?? '').filter(Boolean)),
    listenerOwnerPrefixes: new Set([...services.map((s) => prefix('Service', s)), ...ingresses.map((i) => prefix('Ingress', i))]),
  };
}

export class OrphanCollector {
  /** When each candidate (`lb:<id>` or `listener:<lb>/<id>`) was first seen orphaned, in this unbroken run. */
  private readonly orphanSince = new Map<string, number>();
  private readonly warned = new Set<string>();
  private readonly now: () => number;
  private readonly delayMs: number;

  constructor(private readonly deps: OrphanCollectorDeps) {
    this.now = deps.now ?? Date.now;
    this.delayMs = deps.safetyDelayMs ?? DEFAULT_ORPHAN_SAFETY_DELAY_MS;
  }

  async sweep(): Promise<SweepReport> {
    const { provider, settings, logger } = this.deps;
    const dryRun = this.deps.dryRun ?? false;
    const report: SweepReport = { orphanLoadBalancers: [], orphanListeners: [], deletedLoadBalancers: [], deletedListeners: [], dryRun };
    if (!(this.deps.ready?.() ?? true)) {
      logger.debug({}, 'Skipped orphan sweep: caches not synced');
      return report;
    }
    // The cloud first, then the owners: a CLB created for an object just before the query has its owner in the cache by now.
    const tagged = (await provider.findLoadBalancersByTags({ [TAGS.clusterId]: settings.clusterId })).filter((lb) => lb.tags[TAGS.clusterId] === settings.clusterId);
    const owners = this.deps.owners();
    const seen = new Set<string>();
    for (const lb of tagged) {
      const uid = lb.tags[TAGS.ownerUid];
      // A CLB created for an owner that no longer exists; without an owner uid the owner cannot be told: left alone.
      if (lb.tags[TAGS.createdBy] === 'yes' && uid && !owners.serviceUids.has(uid) && !owners.ingressUids.has(uid)) {
        report.orphanLoadBalancers.push(lb.id);
        seen.add(`lb:${lb.id}`);
        if (this.isDue(`lb:${lb.id}`)) await this.collectLoadBalancer(lb, report, dryRun);
        continue;
      }
      const listeners = await provider.describeListeners(lb.id);
      const orphans = listeners.filter((l) => isClusterListener(l.name, settings.clusterId) && !hasLiveOwner(l, owners));
      const due: Listener[] = [];
      for (const l of orphans) {
        const key = `listener:${lb.id}/${l.id}`;
        report.orphanListeners.push({ loadBalancerId: lb.id, listenerId: l.id, name: l.name });
        seen.add(key);
        if (this.isDue(key)) due.push(l);
      }
      if (due.length) await this.deleteListeners(lb, due, report, dryRun, 'Deleted orphaned listeners');
    }
    // A candidate not seen orphaned this time (owner back, or gone) starts from zero if it is ever seen again.
    for (const key of [...this.orphanSince.keys()]) if (!seen.has(key)) this.orphanSince.delete(key);
    return report;
  }

  /** A sweep whose failure is logged, not thrown (for timers). */
  async sweepOrLog(): Promise<SweepReport | undefined> {
    try {
      return await this.sweep();
    } catch (error) {
      this.deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Orphan sweep failed; trying again next time');
      return undefined;
    }
  }

  private isDue(key: string): boolean {
    const since = this.orphanSince.get(key) ?? this.now();
    this.orphanSince.set(key, since);
    return this.now() - since >= this.delayMs;
  }

  /** The whole CLB when everything on it is this cluster's; otherwise only this cluster's listeners. */
  private async collectLoadBalancer(lb: LoadBalancer, report: SweepReport, dryRun: boolean): Promise<void> {
    const { provider, settings, logger } = this.deps;
    const listeners = await provider.describeListeners(lb.id);
    const own = listeners.filter((l) => isClusterListener(l.name, settings.clusterId));
    const foreign = listeners.length - own.length;
    const context = { lb: lb.id, ownerUid: lb.tags[TAGS.ownerUid], dryRun };
    if (foreign === 0 && !lb.deleteProtect) {
      report.deletedLoadBalancers.push(lb.id);
      if (dryRun) {
        logger.info(context, 'Would delete orphaned load balancer (dry run)');
        return;
      }
      await provider.deleteLoadBalancers([lb.id]);
      this.orphanSince.delete(`lb:${lb.id}`);
      logger.info(context, 'Deleted orphaned load balancer');
      return;
    }
    if (own.length) await this.deleteListeners(lb, own, report, dryRun, 'Deleted the listeners of an orphaned load balancer');
    if (!this.warned.has(lb.id)) {
      this.warned.add(lb.id);
      const why = foreign ? `it has ${foreign} listener(s) this controller does not manage` : 'it has deletion protection';
      logger.warn({ ...context, foreignListeners: foreign }, `Kept orphaned load balancer: ${why}; delete it by hand`);
    }
  }

  private async deleteListeners(lb: LoadBalancer, listeners: readonly Listener[], report: SweepReport, dryRun: boolean, message: string): Promise<void> {
    const ids = listeners.map((l) => l.id);
    report.deletedListeners.push({ loadBalancerId: lb.id, listenerIds: ids });
    const context = { lb: lb.id, listeners: listeners.map((l) => l.name), dryRun };
    if (dryRun) {
      this.deps.logger.info(context, `${message.replace(/^Deleted/, 'Would delete')} (dry run)`);
      return;
    }
    await this.deps.provider.deleteListeners(lb.id, ids);
    for (const id of ids) this.orphanSince.delete(`listener:${lb.id}/${id}`);
    this.deps.logger.info(context, message);
  }
}

const hasLiveOwner = (listener: Listener, owners: LiveOwners): boolean => [...owners.listenerOwnerPrefixes].some((prefix) => listener.name.startsWith(prefix));

export interface RunningOrphanCollector {
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/** Sweeps every `everyMs` (never two at once); a failed sweep is logged and the next one tries again. */
export function startOrphanCollector(collector: OrphanCollector, everyMs: number): RunningOrphanCollector {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running ??= collector.sweepOrLog().finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
