/**
 * Wires service-controller together: informers (restarting themselves) for Services, Nodes,
 * EndpointSlices and Secrets; handlers that enqueue the Service keys a change affects; the work queue and
 * workers; a periodic resync. Reconciling starts only once every cache has synced.
 */
import { CoreV1Api, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import type { CloudProvider } from '../../providers/provider.js';
import { SERVICE_ANNOTATIONS as A, SERVICE_FINALIZER, TAGS } from '../annotations/keys.js';
import { matchesSelector } from '../annotations/parse.js';
import { ActualStateCache } from '../deploy/actual-cache.js';
import { EventRecorder, type EventSink } from '../kube/events.js';
import { ReadinessGates } from '../kube/readiness-gates.js';
import { hasFinalizer, serviceWriter } from '../kube/object-writer.js';
import { Controller, type ReconcileOutcome } from '../runtime/controller.js';
import type { Logger } from '../runtime/logger.js';
import type { ClusterSettings } from '../service/build-service-model.js';
import { DEFAULT_NODE_READY_GRACE_MS } from '../service/nodes.js';
import { onTrafficRelevantNodeChange, SharedInformers } from './informers.js';
import { isLoadBalancerService, serviceKey, ServiceReconciler } from './service-reconciler.js';

export interface ServiceControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly provider: CloudProvider;
  readonly settings: ClusterSettings;
  readonly logger: Logger;
  readonly workers?: number;
  readonly resyncPeriodMs?: number;
  readonly events?: EventSink;
  readonly onReconciled?: (outcome: ReconcileOutcome, durationMs: number, key: string) => void;
  readonly informerBackoffMs?: { readonly min: number; readonly max: number };
  /** Informers shared with other controllers; without them the controller starts its own. */
  readonly informers?: SharedInformers;
  /** Shared with other controllers on the same cloud, so one CLB's state is described once. */
  readonly cache?: ActualStateCache;
  /** How long backends must stay empty before a Service's last targets go (default 30 s). */
  readonly emptyGraceMs?: number;
  /** Seconds from a Pod's containers being ready to its readiness gate being set (a metric). */
  readonly onGateSet?: (seconds: number) => void;
  /** How long a node that went NotReady stays bound (default 60 s; 0: unbound at once). */
  readonly nodeReadyGraceMs?: number;
}

export interface RunningServiceController {
  readonly controller: Controller;
  readonly reconciler: ServiceReconciler;
  /** True once every informer has synced. */
  readonly ready: () => boolean;
  /** What each resync period does: forget the remembered cloud state, list the cluster's CLBs, enqueue every Service. */
  resync(): Promise<void>;
  stop(): Promise<void>;
}

/** Services this controller must look at: LoadBalancer ones, and any it still holds a finalizer on. */
export const isTracked = (service: V1Service): boolean => isLoadBalancerService(service) || hasFinalizer(service, SERVICE_FINALIZER);

const isDirect = (service: V1Service): boolean => service.metadata?.annotations?.[A.directAccess] === 'true';

export async function startServiceController(options: ServiceControllerOptions): Promise<RunningServiceController> {
  const { kubeConfig: kc, logger } = options;
  const core = kc.makeApiClient(CoreV1Api);
  const ownInformers = !options.informers;
  const informers = options.informers ?? new SharedInformers({ kubeConfig: kc, logger, ...(options.informerBackoffMs ? { backoffMs: options.informerBackoffMs } : {}) });
  const { services, nodes, endpointSlices: slices, secrets, pods } = informers;
  const resyncPeriodMs = options.resyncPeriodMs ?? 5 * 60_000;
  const nodeReadyGraceMs = options.nodeReadyGraceMs ?? DEFAULT_NODE_READY_GRACE_MS;
  const cache = options.cache ?? new ActualStateCache(options.provider, { ttlMs: resyncPeriodMs });
  /** One tag query lists every CLB of the cluster, so new owners' adoption checks need no call each. */
  const primeCache = () =>
    cache.prime({ [TAGS.clusterId]: options.settings.clusterId }).catch((error: unknown) => {
      logger.warn({ err: (error as Error).message }, 'Could not list the cluster\'s CLBs; looking them up one by one');
    });

  const reconciler = new ServiceReconciler({
    provider: options.provider,
    settings: options.settings,
    services,
    nodes,
    endpointSlices: slices,
    secrets,
    pods,
    cache,
    gates: new ReadinessGates({ api: core, ...(options.onGateSet ? { onGateSet: options.onGateSet } : {}) }),
    ...(options.emptyGraceMs !== undefined ? { emptyGraceMs: options.emptyGraceMs } : {}),
    nodeReadyGraceMs,
    writer: serviceWriter(core),
    events: options.events ?? new EventRecorder({ api: core, component: 'clb-controller', logger }),
    logger,
  });
  const controller = new Controller({
    name: 'service',
    reconcile: (key) => reconciler.reconcile(key),
    workers: options.workers ?? 4,
    logger,
    ...(options.onReconciled ? { onReconciled: options.onReconciled } : {}),
  });

  const trackedServices = () => services.list().filter(isTracked);
  const enqueueAll = () => trackedServices().forEach((s) => controller.enqueue(serviceKey(s)));

  services.onChange((service) => {
    if (isTracked(service)) controller.enqueue(serviceKey(service));
  });
  const stopNodeRechecks = onTrafficRelevantNodeChange(nodes, enqueueAll, { graceMs: nodeReadyGraceMs });
  slices.onChange((slice) => {
    const name = slice.metadata?.labels?.['kubernetes.io/service-name'];
    const service = name ? services.get(name, slice.metadata?.namespace) : undefined;
    // Direct Services bind endpoints; NodePort Services depend on them only when binding nodes by their Pods.
    if (service && isTracked(service) && (isDirect(service) || service.metadata?.annotations?.[A.localOnlyBindNodeWithPod] === 'true')) {
      controller.enqueue(serviceKey(service));
    }
  });
  pods.onChange((pod) => {
    // A Pod waiting on the readiness gate becomes bindable when its containers are ready, which no EndpointSlice shows.
    for (const service of services.list(pod.metadata?.namespace)) {
      const selector = service.spec?.selector;
      if (isTracked(service) && isDirect(service) && selector && Object.keys(selector).length && matchesSelector(pod.metadata?.labels, Object.entries(selector).map(([key, value]) => ({ key, operator: 'In' as const, values: [value] })))) {
        controller.enqueue(serviceKey(service));
      }
    }
  });
  secrets.onChange((secret) => {
    const name = secret.metadata?.name ?? '';
    for (const service of services.list(secret.metadata?.namespace)) {
      const spec = service.metadata?.annotations?.[A.specifyProtocol];
      if (isTracked(service) && spec?.includes(`"${name}"`)) controller.enqueue(serviceKey(service));
    }
  });

  await informers.start();
  // Node handlers fired during the initial list; begin from the synced view.
  await primeCache();
  enqueueAll();
  controller.start();
  // A resync observes the cloud afresh: an entry described just after the last tick would otherwise still be
  // "fresh" at this one, and drift (a listener deleted by hand) would wait up to two periods to be repaired.
  const resyncNow = async () => {
    cache.expireAll();
    await primeCache();
    enqueueAll();
  };
  // With the Ingress controller on the same cache, only one of the two re-reads the cloud each period.
  const resync = setInterval(() => void (cache.claimPeriodicRefresh() ? resyncNow() : enqueueAll()), resyncPeriodMs);
  resync.unref();
  logger.info({ services: trackedServices().length, nodes: nodes.list().length }, 'Started service controller');

  return {
    controller,
    reconciler,
    ready: () => informers.hasSynced,
    resync: resyncNow,
    stop: async () => {
      clearInterval(resync);
      stopNodeRechecks();
      await controller.stop();
      if (ownInformers) await informers.stop();
    },
  };
}
