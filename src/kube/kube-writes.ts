/**
 * The clients the controllers write with: finalizers, annotations, status and Events. The lean path
 * (kube/lean-writes.ts) costs a third of client-node's CPU per write (bench/kube-writes.ts) — at 10,000
 * Services, five writes each, that is most of the controller's own cost. A cluster reached through a proxy
 * (`proxyUrl`, which the lean path does not tunnel) writes through client-node as before.
 */
import { CoreV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Ingress, type V1Service } from '@kubernetes/client-node';
import type { EventCreator } from './events.js';
import { createLeanWrites, leanEventCreator, leanIngressPatchers, leanServicePatchers } from './lean-writes.js';
import type { Patchers } from './object-writer.js';

export interface KubeWriteClients {
  readonly services: Patchers<V1Service>;
  readonly ingresses: Patchers<V1Ingress>;
  readonly events: EventCreator;
  /** Closes pooled connections (the lean path's; client-node's are the KubeConfig's). */
  close(): void;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function kubeWriteClients(kubeConfig: KubeConfig): KubeWriteClients {
  if (kubeConfig.getCurrentCluster()?.proxyUrl) return clientNodeWrites(kubeConfig);
  const writes = createLeanWrites(kubeConfig);
  return { services: leanServicePatchers(writes), ingresses: leanIngressPatchers(writes), events: leanEventCreator(writes), close: () => writes.close() };
}

/** The same writes through client-node's generated API (a proxy the lean path does not tunnel; the benchmark's baseline). */
export function clientNodeWrites(kubeConfig: KubeConfig): KubeWriteClients {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  return {
    services: {
      patch: (name, namespace, body) => core.patchNamespacedService({ name, namespace, body }, MERGE),
      patchStatus: (name, namespace, body) => core.patchNamespacedServiceStatus({ name, namespace, body }, MERGE),
    },
    ingresses: {
      patch: (name, namespace, body) => networking.patchNamespacedIngress({ name, namespace, body }, MERGE),
      patchStatus: (name, namespace, body) => networking.patchNamespacedIngressStatus({ name, namespace, body }, MERGE),
    },
    events: { createEvent: (namespace, body) => core.createNamespacedEvent({ namespace, body: body as never }) },
    close: () => undefined,
  };
}
