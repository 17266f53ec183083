/**
 * Both controllers over one set of informers and one actual-state cache, as `run` and `sandbox` start them.
 * The provider is given, never chosen here (the CLI picks it).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { CloudProvider } from '../providers/provider.js';
import { startIngressController, type RunningIngressController } from './controllers/ingress-controller.js';
import { SharedInformers } from './controllers/informers.js';
import { startServiceController, type RunningServiceController } from './controllers/service-controller.js';
import { ActualStateCache } from './deploy/actual-cache.js';
import { liveOwnersFrom, OrphanCollector, startOrphanCollector } from './deploy/orphan-gc.js';
import type { ReconcileOutcome } from './runtime/controller.js';
import type { Logger } from './runtime/logger.js';
import type { Metrics } from './runtime/metrics.js';

export interface ControllersOptions {
  readonly kubeConfig: KubeConfig;
  readonly provider: CloudProvider;
  readonly settings: { readonly clusterId: string; readonly vpcId: string; readonly defaultIngressClass: boolean };
  readonly logger: Logger;
  readonly workers: number;
  readonly resyncPeriodMs: number;
  readonly metrics?: Metrics;
  readonly informers?: SharedInformers;
  /** How long a node that went NotReady stays bound (default 60 s). */
  readonly nodeReadyGraceMs?: number;
  /** How long backends must stay empty before an owner's last targets go (default 30 s). */
  readonly emptyGraceMs?: number;
  readonly informerBackoffMs?: { readonly min: number; readonly max: number };
  /** Orphan garbage collection (leader only): off when absent. */
  readonly orphanGc?: { readonly safetyDelayMs: number; readonly dryRun: boolean; readonly everyMs: number };
}

export interface RunningControllers {
  readonly informers: SharedInformers;
  readonly services: RunningServiceController;
  readonly ingresses: RunningIngressController;
  /** True once every cache has synced. */
  ready(): boolean;
  /** Nothing queued or running in either controller. */
  idle(): boolean;
  stop(): Promise<void>;
}

export async function startControllers(options: ControllersOptions): Promise<RunningControllers> {
  const { kubeConfig, provider, logger, metrics } = options;
  const informers = options.informers ?? new SharedInformers({ kubeConfig, logger, ...(options.informerBackoffMs ? { backoffMs: options.informerBackoffMs } : {}) });
  const cache = new ActualStateCache(provider, { ttlMs: options.resyncPeriodMs });
  const observe = (controller: string) => (metrics ? { onReconciled: metrics.reconcileObserver(controller) as (outcome: ReconcileOutcome, ms: number, key: string) => void } : {});
  const onGateSet = metrics ? { onGateSet: (seconds: number) => metrics.observeReadinessGateLatency(seconds) } : {};
  const tuning = {
    ...(options.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: options.nodeReadyGraceMs } : {}),
    ...(options.emptyGraceMs !== undefined ? { emptyGraceMs: options.emptyGraceMs } : {}),
  };
  const common = { kubeConfig, provider, logger, informers, cache, workers: options.workers, resyncPeriodMs: options.resyncPeriodMs, ...onGateSet, ...tuning };
  const services = await startServiceController({ ...common, settings: options.settings, ...observe('service') });
  const ingresses = await startIngressController({ ...common, settings: { clusterId: options.settings.clusterId, vpcId: options.settings.vpcId, defaultClass: options.settings.defaultIngressClass }, ...observe('ingress') });
  metrics?.trackQueueDepth('service', () => services.controller.queue.length);
  metrics?.trackQueueDepth('ingress', () => ingresses.controller.queue.length);
  // Owners are read from the synced caches; before they sync, "no owners" must never look like "all orphans".
  const gc = options.orphanGc
    ? startOrphanCollector(
        new OrphanCollector({
          provider,
          settings: { clusterId: options.settings.clusterId },
          owners: () => liveOwnersFrom(informers.services.list(), informers.ingresses.list(), options.settings.clusterId),
          ready: () => informers.hasSynced,
          safetyDelayMs: options.orphanGc.safetyDelayMs,
          dryRun: options.orphanGc.dryRun,
          logger,
        }),
        options.orphanGc.everyMs,
      )
    : undefined;
  return {
    informers,
    services,
    ingresses,
    ready: () => informers.hasSynced,
    idle: () => services.controller.queue.pending === 0 && ingresses.controller.queue.pending === 0,
    stop: async () => {
      await gc?.stop();
      await Promise.all([services.stop(), ingresses.stop()]);
      await informers.stop();
    },
  };
}
