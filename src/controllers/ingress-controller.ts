/**
 * Wires l7-lb-controller: the shared informers, handlers that enqueue exactly the Ingresses a change
 * affects (a Service, its EndpointSlices or Pods, a Secret they name, a node), the queue and workers, a
 * periodic resync. Reconciling starts once every cache has synced.
 */
import { CoreV1Api, NetworkingV1Api, type KubeConfig, type V1Ingress, type V1Pod } from '@kubernetes/client-node';
import type { CloudProvider } from '../../providers/provider.js';
import { matchesSelector } from '../annotations/parse.js';
import { TAGS } from '../annotations/keys.js';
import { ActualStateCache } from '../deploy/actual-cache.js';
import { ingressReferences, isQcloudIngress, type IngressSettings } from '../ingress/build-ingress-model.js';
import { EventRecorder, type EventSink } from '../kube/events.js';
import { hasFinalizer, ingressWriter } from '../kube/object-writer.js';
import { ReadinessGates } from '../kube/readiness-gates.js';
import { Controller, type ReconcileOutcome } from '../runtime/controller.js';
import type { Logger } from '../runtime/logger.js';
import { DEFAULT_NODE_READY_GRACE_MS } from '../service/nodes.js';
import { INGRESS_FINALIZER, ingressKey, IngressReconciler } from './ingress-reconciler.js';
import { onTrafficRelevantNodeChange, SharedInformers } from './informers.js';

export interface IngressControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly informers: SharedInformers;
  readonly provider: CloudProvider;
  readonly settings: IngressSettings;
  readonly logger: Logger;
  readonly cache?: ActualStateCache;
  readonly workers?: number;
  readonly resyncPeriodMs?: number;
  readonly events?: EventSink;
  readonly emptyGraceMs?: number;
  readonly onReconciled?: (outcome: ReconcileOutcome, durationMs: number, key: string) => void;
  readonly onGateSet?: (seconds: number) => void;
  /** How long a node that went NotReady stays bound (default 60 s; 0: unbound at once). */
  readonly nodeReadyGraceMs?: number;
}

export interface RunningIngressController {
  readonly controller: Controller;
  readonly reconciler: IngressReconciler;
  stop(): Promise<void>;
}

export async function startIngressController(options: IngressControllerOptions): Promise<RunningIngressController> {
  const { kubeConfig: kc, informers, logger, settings } = options;
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const resyncPeriodMs = options.resyncPeriodMs ?? 5 * 60_000;
  const nodeReadyGraceMs = options.nodeReadyGraceMs ?? DEFAULT_NODE_READY_GRACE_MS;
  const cache = options.cache ?? new ActualStateCache(options.provider, { ttlMs: resyncPeriodMs });
  /** One tag query lists every CLB of the cluster, so new owners' adoption checks need no call each. */
  const primeCache = () =>
    cache.prime({ [TAGS.clusterId]: settings.clusterId }).catch((error: unknown) => {
      logger.warn({ err: (error as Error).message }, 'Could not list the cluster\'s CLBs; looking them up one by one');
    });
  const isTracked = (ingress: V1Ingress) => isQcloudIngress(ingress, settings) || hasFinalizer(ingress, INGRESS_FINALIZER);

  const reconciler = new IngressReconciler({
    provider: options.provider,
    settings,
    ingresses: informers.ingresses,
    services: informers.services,
    nodes: informers.nodes,
    endpointSlices: informers.endpointSlices,
    secrets: informers.secrets,
    pods: informers.pods,
    cache,
    nodeReadyGraceMs,
    gates: new ReadinessGates({ api: core, ...(options.onGateSet ? { onGateSet: options.onGateSet } : {}) }),
    writer: ingressWriter(networking),
    events: options.events ?? new EventRecorder({ api: core, component: 'clb-controller', logger }),
    logger,
    ...(options.emptyGraceMs !== undefined ? { emptyGraceMs: options.emptyGraceMs } : {}),
  });
  const controller = new Controller({
    name: 'ingress',
    reconcile: (key) => reconciler.reconcile(key),
    workers: options.workers ?? 4,
    logger,
    ...(options.onReconciled ? { onReconciled: options.onReconciled } : {}),
  });

  const tracked = (namespace?: string) => informers.ingresses.list(namespace).filter(isTracked);
  const enqueueAll = () => tracked().forEach((i) => controller.enqueue(ingressKey(i)));
  /** The tracked Ingresses of a namespace that name this Service (or Secret). */
  const referring = (namespace: string | undefined, kind: 'services' | 'secrets', name: string) =>
    tracked(namespace).filter((i) => ingressReferences(i)[kind].includes(name));

  informers.ingresses.onChange((ingress) => {
    if (isTracked(ingress)) controller.enqueue(ingressKey(ingress));
  });
  informers.services.onChange((service) => {
    referring(service.metadata?.namespace, 'services', service.metadata?.name ?? '').forEach((i) => controller.enqueue(ingressKey(i)));
  });
  informers.secrets.onChange((secret) => {
    referring(secret.metadata?.namespace, 'secrets', secret.metadata?.name ?? '').forEach((i) => controller.enqueue(ingressKey(i)));
  });
  informers.endpointSlices.onChange((slice) => {
    const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (service) referring(slice.metadata?.namespace, 'services', service).forEach((i) => controller.enqueue(ingressKey(i)));
  });
  informers.pods.onChange((pod: V1Pod) => {
    // Direct Ingresses bind Pods; a gated Pod becomes bindable when its containers are ready, which no EndpointSlice shows.
    for (const service of informers.services.list(pod.metadata?.namespace)) {
      const selector = Object.entries(service.spec?.selector ?? {});
      if (!selector.length || !matchesSelector(pod.metadata?.labels, selector.map(([key, value]) => ({ key, operator: 'In' as const, values: [value] })))) continue;
      for (const ingress of referring(pod.metadata?.namespace, 'services', service.metadata?.name ?? '')) {
        if (ingress.metadata?.annotations?.['ingress.cloud.tencent.com/direct-access'] === 'true') controller.enqueue(ingressKey(ingress));
      }
    }
  });
  const stopNodeRechecks = onTrafficRelevantNodeChange(informers.nodes, enqueueAll, { graceMs: nodeReadyGraceMs });

  await informers.start();
  await primeCache();
  enqueueAll();
  controller.start();
  // A resync observes the cloud afresh (see service-controller).
  const resync = setInterval(() => {
    // Shared with service-controller: only the first of the two re-reads the cloud each period.
    if (!cache.claimPeriodicRefresh()) return enqueueAll();
    cache.expireAll();
    void primeCache().then(enqueueAll);
  }, resyncPeriodMs);
  resync.unref();
  logger.info({ ingresses: tracked().length }, 'Started ingress controller');
  return {
    controller,
    reconciler,
    stop: async () => {
      clearInterval(resync);
      stopNodeRechecks();
      await controller.stop();
    },
  };
}
