/**
 * Wires service-controller onto the shared informers: handlers that enqueue the Service keys a change affects,
 * the reconciler, the work queue and workers. The composition root (src/app.ts) owns the informers, the
 * actual-state cache and the one resync timer.
 */
import { hasSyncCondition } from '../kube/sync-condition.js';
import type { V1Service } from '@kubernetes/client-node';
import { SERVICE_ANNOTATIONS as A, SERVICE_FINALIZER, SERVICE_NAME_LABEL } from '../annotations/keys.js';
import { servicesOfPod } from '../kube/cluster-view.js';
import { hasFinalizer, serviceWriter } from '../kube/object-writer.js';
import { Controller } from '../runtime/controller.js';
import type { ClusterSettings } from '../service/build-service-model.js';
import type { WireOptions, WiredController } from './wiring.js';
import { onTrafficRelevantNodeChange } from './informers.js';
import { relevantChanges } from './owner-changes.js';
import { configChoice } from '../tke-service-config/tke-service-config.js';
import { isLoadBalancerService, SERVICE_CONFIGS, serviceKey, ServiceReconciler } from './service-adapter.js';

/** Services this controller must look at: LoadBalancer ones, and any it still holds a finalizer on. */
const SERVICES_BY_CONFIG = 'tke-service-config';
const SERVICES_BY_SECRET = 'secret';

/** LoadBalancer Services, any it still holds a finalizer on, and any still showing its condition (to take it off). */
export const isTracked = (service: V1Service): boolean => isLoadBalancerService(service) || hasFinalizer(service, SERVICE_FINALIZER) || hasSyncCondition(service, 'status');

const isDirect = (service: V1Service): boolean => service.metadata?.annotations?.[A.directAccess] === 'true';

export function wireServiceController(options: WireOptions & { readonly settings: ClusterSettings }): WiredController<ServiceReconciler> {
  const { informers, logger } = options;
  const { services, nodes, endpointSlices: slices, secrets, pods } = informers;
  const reconciler = new ServiceReconciler({ ...options.reconcilerDeps, settings: options.settings, writer: serviceWriter(options.writes.services) });
  const controller = new Controller({
    name: 'service',
    reconcile: (key) => reconciler.reconcile(key),
    workers: options.workers ?? 4,
    logger,
    ...(options.onReconciled ? { onReconciled: options.onReconciled } : {}),
  });
  const trackedServices = () => services.list().filter(isTracked);
  const enqueueAll = () => trackedServices().forEach((s) => controller.enqueue(serviceKey(s)));

  const changed = relevantChanges([A.loadBalancerId], { finalizer: SERVICE_FINALIZER, wants: isLoadBalancerService });
  services.onChange((service, kind) => {
    // Deleted (its finalizer gone, or it never had one): forgotten, nothing left to reconcile.
    if (kind === 'delete') reconciler.forget(serviceKey(service));
    if (changed(service, kind) && isTracked(service)) controller.enqueue(serviceKey(service));
  });
  /** A change that may move targets: the latency to "programmed" counts from it. */
  const targetsMayMove = (key: string) => {
    reconciler.noticeChange(key);
    controller.enqueue(key);
  };
  const stopNodeRechecks = onTrafficRelevantNodeChange(nodes, () => trackedServices().forEach((s) => targetsMayMove(serviceKey(s))), { graceMs: options.nodeReadyGraceMs });
  slices.onChange((slice) => {
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const service = name ? services.get(name, slice.metadata?.namespace) : undefined;
    // Direct Services bind endpoints; NodePort Services depend on them only when binding nodes by their Pods.
    if (service && isTracked(service) && (isDirect(service) || service.metadata?.annotations?.[A.localOnlyBindNodeWithPod] === 'true')) {
      targetsMayMove(serviceKey(service));
    }
  });
  pods.onChange((pod) => {
    // A Pod waiting on the readiness gate becomes bindable when its containers are ready, which no EndpointSlice shows
    // (it lists the Pod, not ready): the Services whose slices list it are looked at again.
    for (const name of servicesOfPod(informers, pod)) {
      const service = services.get(name, pod.metadata?.namespace);
      if (service && isTracked(service) && isDirect(service)) targetsMayMove(serviceKey(service));
    }
  });
  // Owners using a config were built without it until the configs could be listed: build them again then. A
  // config's change (an auto config's included: created, edited, deleted) rebuilds the Services using it.
  const usedConfig = (s: V1Service) => configChoice(s, SERVICE_CONFIGS).name;
  const inNamespaceOf = (o: V1Service | { metadata?: { namespace?: string } }, name: string) => `${o.metadata?.namespace ?? 'default'}/${name}`;
  services.addIndex(SERVICES_BY_CONFIG, (s) => { const name = usedConfig(s); return name ? [inNamespaceOf(s, name)] : []; });
  // specify-protocol names its TLS Secrets: any string of it may be one.
  services.addIndex(SERVICES_BY_SECRET, (s) => [...(s.metadata?.annotations?.[A.specifyProtocol] ?? '').matchAll(/"([^"\\]+)"/g)].map((m) => inNamespaceOf(s, m[1]!)));
  informers.onConfigsListed(() => trackedServices().filter(usedConfig).forEach((s) => controller.enqueue(serviceKey(s))));
  informers.tkeServiceConfigs.onChange((config) => {
    for (const service of services.byIndex(SERVICES_BY_CONFIG, inNamespaceOf(config, config.metadata?.name ?? ''))) if (isTracked(service)) controller.enqueue(serviceKey(service));
  });
  secrets.onChange((secret) => {
    for (const service of services.byIndex(SERVICES_BY_SECRET, inNamespaceOf(secret, secret.metadata?.name ?? ''))) if (isTracked(service)) controller.enqueue(serviceKey(service));
  });

  return {
    controller,
    reconciler,
    enqueueAll,
    tracked: () => trackedServices().length,
    stop: async () => {
      stopNodeRechecks();
      await controller.stop();
    },
  };
}
