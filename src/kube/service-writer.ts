/**
 * Writes to a Service that the service-controller owns: its finalizer, the read-only load-balancer-id
 * annotation and status.loadBalancer. Each write is a merge patch carrying the resourceVersion it was
 * computed from, so a concurrent change makes it fail (409) instead of overwriting someone else's edit.
 */
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1LoadBalancerIngress, type V1Service } from '@kubernetes/client-node';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const hasFinalizer = (service: V1Service, finalizer: string): boolean => service.metadata?.finalizers?.includes(finalizer) ?? false;

export class ServiceWriter {
  constructor(private readonly api: CoreV1Api) {}

  async addFinalizer(service: V1Service, finalizer: string): Promise<V1Service> {
    if (hasFinalizer(service, finalizer)) return service;
    return this.patchMeta(service, { finalizers: [...(service.metadata?.finalizers ?? []), finalizer] });
  }

  async removeFinalizer(service: V1Service, finalizer: string): Promise<V1Service> {
    if (!hasFinalizer(service, finalizer)) return service;
    return this.patchMeta(service, { finalizers: (service.metadata?.finalizers ?? []).filter((f) => f !== finalizer) });
  }

  /** Sets (or with null removes) one annotation, if it differs. */
  async setAnnotation(service: V1Service, key: string, value: string | null): Promise<V1Service> {
    const current = service.metadata?.annotations?.[key];
    if ((current ?? null) === value) return service;
    return this.patchMeta(service, { annotations: { [key]: value } });
  }

  /** Sets status.loadBalancer.ingress, if it differs. */
  async setIngress(service: V1Service, ingress: readonly V1LoadBalancerIngress[]): Promise<V1Service> {
    const current = service.status?.loadBalancer?.ingress ?? [];
    const same = current.length === ingress.length && current.every((c, i) => c.ip === ingress[i]?.ip && c.hostname === ingress[i]?.hostname);
    if (same) return service;
    const { name, namespace } = ref(service);
    return this.api.patchNamespacedServiceStatus(
      { name, namespace, body: { metadata: { resourceVersion: service.metadata?.resourceVersion }, status: { loadBalancer: { ingress } } } },
      MERGE,
    );
  }

  private patchMeta(service: V1Service, metadata: Record<string, unknown>): Promise<V1Service> {
    const { name, namespace } = ref(service);
    return this.api.patchNamespacedService({ name, namespace, body: { metadata: { ...metadata, resourceVersion: service.metadata?.resourceVersion } } }, MERGE);
  }
}

function ref(service: V1Service): { name: string; namespace: string } {
  return { name: service.metadata?.name ?? '', namespace: service.metadata?.namespace ?? 'default' };
}
