/**
 * Wires l7-lb-controller onto the shared informers: handlers that enqueue exactly the Ingresses a change
 * affects (the Ingress, a Service it routes to, that Service's EndpointSlices or Pods, a Secret it names, a
 * node), the reconciler, the queue and workers. The composition root (src/app.ts) owns the rest.
 */
import type { V1Ingress, V1Pod } from '@kubernetes/client-node';
import { INGRESS_ANNOTATIONS as A, INGRESS_FINALIZER, SERVICE_ANNOTATIONS, SERVICE_NAME_LABEL } from '../annotations/keys.js';
import { ingressReferences, isQcloudIngress, type IngressSettings } from '../ingress/build-ingress-model.js';
import { servicesOfPod } from '../kube/cluster-view.js';
import { hasFinalizer, ingressWriter } from '../kube/object-writer.js';
import { Controller } from '../runtime/controller.js';
import { configChoice } from '../tke-service-config/tke-service-config.js';
import { INGRESS_CONFIGS, ingressKey, IngressReconciler } from './ingress-adapter.js';
import { onTrafficRelevantNodeChange } from './informers.js';
import { hasSyncCondition, INGRESS_CONDITIONS_ANNOTATION } from '../kube/sync-condition.js';
import { relevantChanges } from './owner-changes.js';
import type { WireOptions, WiredController } from './wiring.js';

export function wireIngressController(options: WireOptions & { readonly settings: IngressSettings }): WiredController<IngressReconciler> {
  const { informers, logger, settings } = options;
  const isTracked = (ingress: V1Ingress) => isQcloudIngress(ingress, settings) || hasFinalizer(ingress, INGRESS_FINALIZER) || hasSyncCondition(ingress, { annotation: INGRESS_CONDITIONS_ANNOTATION });
  const reconciler = new IngressReconciler({ ...options.reconcilerDeps, settings, writer: ingressWriter(options.writes.ingresses) });
  const controller = new Controller({
    name: 'ingress',
    reconcile: (key) => reconciler.reconcile(key),
    workers: options.workers ?? 4,
    logger,
    ...(options.onReconciled ? { onReconciled: options.onReconciled } : {}),
  });

  const tracked = (namespace?: string) => informers.ingresses.list(namespace).filter(isTracked);
  const enqueueAll = () => tracked().forEach((i) => controller.enqueue(ingressKey(i)));
  // Ingresses by the Services and Secrets they name, and the config they use: a change finds its Ingresses at once.
  const keyIn = (o: { metadata?: { namespace?: string } } | undefined, name: string) => `${o?.metadata?.namespace ?? 'default'}/${name}`;
  informers.ingresses.addIndex('services', (i) => ingressReferences(i).services.map((name) => keyIn(i, name)));
  informers.ingresses.addIndex('secrets', (i) => ingressReferences(i).secrets.map((name) => keyIn(i, name)));
  informers.ingresses.addIndex('tke-service-config', (i) => { const name = configChoice(i, INGRESS_CONFIGS).name; return name ? [keyIn(i, name)] : []; });
  /** The tracked Ingresses of a namespace that name this Service (or Secret). */
  const referring = (namespace: string | undefined, kind: 'services' | 'secrets', name: string) =>
    informers.ingresses.byIndex(kind, `${namespace ?? 'default'}/${name}`).filter(isTracked);

  const ingressChanged = relevantChanges([A.loadBalancerId, INGRESS_CONDITIONS_ANNOTATION], { finalizer: INGRESS_FINALIZER, wants: (i: V1Ingress) => isQcloudIngress(i, settings) });
  informers.ingresses.onChange((ingress, kind) => {
    if (kind === 'delete') reconciler.forget(ingressKey(ingress));
    if (ingressChanged(ingress, kind) && isTracked(ingress)) controller.enqueue(ingressKey(ingress));
  });
  // A backend Service's status, finalizer or CLB annotation (service-controller's writes) changes nothing an Ingress binds.
  const serviceChanged = relevantChanges([SERVICE_ANNOTATIONS.loadBalancerId]);
  informers.services.onChange((service, kind) => {
    if (!serviceChanged(service, kind) && kind !== 'delete') return;
    referring(service.metadata?.namespace, 'services', service.metadata?.name ?? '').forEach((i) => controller.enqueue(ingressKey(i)));
  });
  const usedConfig = (i: V1Ingress) => configChoice(i, INGRESS_CONFIGS).name;
  informers.onConfigsListed(() => tracked().filter(usedConfig).forEach((i) => controller.enqueue(ingressKey(i))));
  informers.tkeServiceConfigs.onChange((config) => {
    informers.ingresses.byIndex('tke-service-config', keyIn(config, config.metadata?.name ?? '')).filter(isTracked).forEach((i) => controller.enqueue(ingressKey(i)));
  });
  informers.secrets.onChange((secret) => {
    referring(secret.metadata?.namespace, 'secrets', secret.metadata?.name ?? '').forEach((i) => controller.enqueue(ingressKey(i)));
  });
  /** A change that may move targets: the latency to "programmed" counts from it. */
  const targetsMayMove = (key: string) => {
    reconciler.noticeChange(key);
    controller.enqueue(key);
  };
  informers.endpointSlices.onChange((slice) => {
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (service) referring(slice.metadata?.namespace, 'services', service).forEach((i) => targetsMayMove(ingressKey(i)));
  });
  informers.pods.onChange((pod: V1Pod) => {
    // Direct Ingresses bind Pods; a gated Pod becomes bindable when its containers are ready, which no EndpointSlice shows.
    // The Services whose slices list the Pod, then the direct Ingresses naming them.
    for (const service of servicesOfPod(informers, pod)) {
      for (const ingress of referring(pod.metadata?.namespace, 'services', service)) if (ingress.metadata?.annotations?.[A.directAccess] === 'true') targetsMayMove(ingressKey(ingress));
    }
  });
  const stopNodeRechecks = onTrafficRelevantNodeChange(informers.nodes, () => tracked().forEach((i) => targetsMayMove(ingressKey(i))), { graceMs: options.nodeReadyGraceMs });

  return {
    controller,
    reconciler,
    enqueueAll,
    tracked: () => tracked().length,
    stop: async () => {
      stopNodeRechecks();
      await controller.stop();
    },
  };
}
