/**
 * The composition root of the controllers: one set of informers, one actual-state cache, one resync timer, and
 * the controllers wired onto them (both, as `run` and `sandbox` start them, or one, as some tests do). The
 * provider is given, never chosen here (the CLI picks it).
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { CloudProvider } from '../providers/provider.js';
import { TAGS } from './annotations/keys.js';
import type { IngressReconciler } from './controllers/ingress-adapter.js';
import { wireIngressController } from './controllers/ingress-controller.js';
import { SharedInformers } from './controllers/informers.js';
import type { SharedReconcilerDeps } from './controllers/reconcile-owner.js';
import type { ServiceReconciler } from './controllers/service-adapter.js';
import { wireServiceController } from './controllers/service-controller.js';
import type { WiredController } from './controllers/wiring.js';
import { ActualStateCache } from './deploy/actual-cache.js';
import { liveOwnersFrom, OrphanCollector, startOrphanCollector } from './deploy/orphan-gc.js';
import { EventRecorder, type EventSink } from './kube/events.js';
import { ReadinessGates } from './kube/readiness-gates.js';
import type { ReconcileOutcome } from './runtime/controller.js';
import type { Logger } from './runtime/logger.js';
import type { Metrics } from './runtime/metrics.js';
import { DEFAULT_NODE_READY_GRACE_MS } from './service/nodes.js';
import { autoConfigWriter } from './tke-service-config/auto-config.js';
import { withPooledConnections } from './kube/pooled-connections.js';
import { kubeWriteClients } from './kube/kube-writes.js';

export interface ControllersOptions {
  readonly kubeConfig: KubeConfig;
  readonly provider: CloudProvider;
  readonly settings: { readonly clusterId: string; readonly vpcId: string; readonly defaultIngressClass?: boolean };
  readonly logger: Logger;
  readonly workers?: number;
  readonly resyncPeriodMs?: number;
  /** Which controllers to run (default both). */
  readonly kinds?: readonly ('service' | 'ingress')[];
  readonly metrics?: Metrics;
  /** Informers the caller owns (then it stops them); else made here. */
  readonly informers?: SharedInformers;
  readonly events?: EventSink;
  /** Told after every reconcile (tests count them; metrics have their own hook). */
  readonly onReconciled?: (controller: 'service' | 'ingress', outcome: ReconcileOutcome, durationMs: number, key: string) => void;
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
  readonly cache: ActualStateCache;
  /** Wired only when asked for (`kinds`): a controller not asked for has no handlers on the informers. */
  readonly services?: WiredController<ServiceReconciler>;
  readonly ingresses?: WiredController<IngressReconciler>;
  /** True once every cache has synced. */
  ready(): boolean;
  /** Nothing queued or running in either controller. */
  idle(): boolean;
  /** What each resync period does: forget the remembered cloud state, list the cluster's CLBs, enqueue every owner. */
  resync(): Promise<void>;
  stop(): Promise<void>;
}

export async function startControllers(options: ControllersOptions): Promise<RunningControllers> {
  const { provider, logger, metrics, settings } = options;
  // One connection pool per API server for every client of the process (client-node opens one per request otherwise).
  const kubeConfig = withPooledConnections(options.kubeConfig);
  const resyncPeriodMs = options.resyncPeriodMs ?? 5 * 60_000;
  const kinds = new Set(options.kinds ?? ['service', 'ingress']);
  const ownInformers = !options.informers;
  const informers = options.informers ?? new SharedInformers({ kubeConfig, logger, ...(options.informerBackoffMs ? { backoffMs: options.informerBackoffMs } : {}) });
  const cache = new ActualStateCache(provider, { ttlMs: resyncPeriodMs });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const writes = kubeWriteClients(kubeConfig);
  const nodeReadyGraceMs = options.nodeReadyGraceMs ?? DEFAULT_NODE_READY_GRACE_MS;
  const reconcilerDeps: SharedReconcilerDeps = {
    provider,
    cache,
    view: informers,
    autoConfigs: autoConfigWriter(kubeConfig.makeApiClient(CustomObjectsApi)),
    events: options.events ?? new EventRecorder({ api: writes.events, component: 'clb-controller', logger }),
    ...(metrics ? { observer: metrics.syncObserver() } : {}),
    gates: new ReadinessGates({ api: core, ...(metrics ? { onGateSet: (seconds: number) => metrics.observeReadinessGateLatency(seconds) } : {}) }),
    logger,
    nodeReadyGraceMs,
    ...(options.emptyGraceMs !== undefined ? { emptyGraceMs: options.emptyGraceMs } : {}),
  };
  const observe = (controller: 'service' | 'ingress') => {
    const toMetrics = metrics?.reconcileObserver(controller) as ((outcome: ReconcileOutcome, ms: number, key: string) => void) | undefined;
    const told = options.onReconciled;
    return toMetrics || told
      ? { onReconciled: (outcome: ReconcileOutcome, ms: number, key: string) => {
          toMetrics?.(outcome, ms, key);
          told?.(controller, outcome, ms, key);
        } }
      : {};
  };
  const common = { kubeConfig, informers, logger, reconcilerDeps, writes, nodeReadyGraceMs, ...(options.workers !== undefined ? { workers: options.workers } : {}) };
  const services = kinds.has('service') ? wireServiceController({ ...common, settings, ...observe('service') }) : undefined;
  const ingressSettings = { clusterId: settings.clusterId, vpcId: settings.vpcId, defaultClass: settings.defaultIngressClass ?? false };
  const ingresses = kinds.has('ingress') ? wireIngressController({ ...common, settings: ingressSettings, ...observe('ingress') }) : undefined;
  const running = [...(services ? [services] : []), ...(ingresses ? [ingresses] : [])];
  if (services) metrics?.trackQueueDepth('service', () => services.controller.queue.length);
  if (ingresses) metrics?.trackQueueDepth('ingress', () => ingresses.controller.queue.length);

  /** One tag query lists every CLB of the cluster, so new owners' adoption checks need no call each. */
  const primeCache = () =>
    cache.prime({ [TAGS.clusterId]: settings.clusterId }).catch((error: unknown) => {
      logger.warn({ err: (error as Error).message }, 'Could not list the cluster\'s CLBs; looking them up one by one');
    });
  // A resync observes the cloud afresh: an entry described just after the last tick would otherwise still be
  // "fresh" at this one, and drift (a listener deleted by hand) would wait up to two periods to be repaired.
  const resync = async () => {
    cache.expireAll();
    await primeCache();
    running.forEach((c) => c.enqueueAll());
  };

  await informers.start();
  // Node handlers fired during the initial list; begin from the synced view.
  await primeCache();
  for (const c of running) {
    c.enqueueAll();
    c.controller.start();
  }
  const timer = setInterval(() => void resync(), resyncPeriodMs);
  timer.unref();
  logger.info({ services: services?.tracked() ?? 0, ingresses: ingresses?.tracked() ?? 0, nodes: informers.nodes.list().length }, 'Started controllers');

  // Owners are read from the synced caches; before they sync, "no owners" must never look like "all orphans".
  const gc = options.orphanGc
    ? startOrphanCollector(
        new OrphanCollector({
          provider,
          settings: { clusterId: settings.clusterId },
          owners: () => liveOwnersFrom(informers.services.list(), informers.ingresses.list(), settings.clusterId),
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
    cache,
    ...(services ? { services } : {}),
    ...(ingresses ? { ingresses } : {}),
    ready: () => informers.hasSynced,
    idle: () => running.every((c) => c.controller.queue.pending === 0),
    resync,
    stop: async () => {
      clearInterval(timer);
      await gc?.stop();
      await Promise.all(running.map((c) => c.stop()));
      writes.close();
      if (ownInformers) await informers.stop();
    },
  };
}

/** One controller's part of a running set, with the set's lifecycle (tests and the benchmark run one kind). */
export type RunningController<R> = WiredController<R> & Pick<RunningControllers, 'ready' | 'resync' | 'cache' | 'stop'>;

export async function startServiceController(options: Omit<ControllersOptions, 'kinds'>): Promise<RunningController<ServiceReconciler>> {
  const running = await startControllers({ ...options, kinds: ['service'] });
  return { ...running.services!, ready: running.ready, resync: running.resync, cache: running.cache, stop: running.stop };
}

export async function startIngressController(options: Omit<ControllersOptions, 'kinds'>): Promise<RunningController<IngressReconciler>> {
  const running = await startControllers({ ...options, kinds: ['ingress'] });
  return { ...running.ingresses!, ready: running.ready, resync: running.resync, cache: running.cache, stop: running.stop };
}
