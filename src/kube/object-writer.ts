/**
 * Writes to an object a controller owns (a Service or an Ingress): its finalizer, a read-only annotation and
 * status.loadBalancer. Each write is a merge patch carrying the resourceVersion it was computed from, so a
 * concurrent change makes it fail (409) instead of overwriting someone else's edit. Nothing is written when
 * nothing differs.
 */
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type KubernetesObject, type NetworkingV1Api } from '@kubernetes/client-node';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface LoadBalancerIngress {
  readonly ip?: string;
  readonly hostname?: string;
}

export type StatusObject = KubernetesObject & { status?: { loadBalancer?: { ingress?: readonly LoadBalancerIngress[] } } };

interface Patchers<T> {
  patch(name: string, namespace: string, body: object): Promise<T>;
  patchStatus(name: string, namespace: string, body: object): Promise<T>;
}

export const hasFinalizer = (object: KubernetesObject, finalizer: string): boolean => object.metadata?.finalizers?.includes(finalizer) ?? false;

export class ObjectWriter<T extends StatusObject> {
  constructor(private readonly api: Patchers<T>) {}

  async addFinalizer(object: T, finalizer: string): Promise<T> {
    if (hasFinalizer(object, finalizer)) return object;
    return this.patchMeta(object, { finalizers: [...(object.metadata?.finalizers ?? []), finalizer] });
  }

  async removeFinalizer(object: T, finalizer: string): Promise<T> {
    if (!hasFinalizer(object, finalizer)) return object;
    return this.patchMeta(object, { finalizers: (object.metadata?.finalizers ?? []).filter((f) => f !== finalizer) });
  }

  /** Sets (or with null removes) one annotation, if it differs. */
  async setAnnotation(object: T, key: string, value: string | null): Promise<T> {
    if ((object.metadata?.annotations?.[key] ?? null) === value) return object;
    return this.patchMeta(object, { annotations: { [key]: value } });
  }

  /** Sets status.loadBalancer.ingress, if it differs. */
  async setIngress(object: T, ingress: readonly LoadBalancerIngress[]): Promise<T> {
    const current = object.status?.loadBalancer?.ingress ?? [];
    const same = current.length === ingress.length && current.every((c, i) => c.ip === ingress[i]?.ip && c.hostname === ingress[i]?.hostname);
    if (same) return object;
    const { name, namespace } = ref(object);
    return this.api.patchStatus(name, namespace, { metadata: { resourceVersion: object.metadata?.resourceVersion }, status: { loadBalancer: { ingress } } });
  }

  private patchMeta(object: T, metadata: Record<string, unknown>): Promise<T> {
    const { name, namespace } = ref(object);
    return this.api.patch(name, namespace, { metadata: { ...metadata, resourceVersion: object.metadata?.resourceVersion } });
  }
}

function ref(object: KubernetesObject): { name: string; namespace: string } {
  return { name: object.metadata?.name ?? '', namespace: object.metadata?.namespace ?? 'default' };
}

export const serviceWriter = (core: CoreV1Api) =>
  new ObjectWriter({
    patch: (name, namespace, body) => core.patchNamespacedService({ name, namespace, body }, MERGE),
    patchStatus: (name, namespace, body) => core.patchNamespacedServiceStatus({ name, namespace, body }, MERGE),
  });

export const ingressWriter = (networking: NetworkingV1Api) =>
  new ObjectWriter({
    patch: (name, namespace, body) => networking.patchNamespacedIngress({ name, namespace, body }, MERGE),
    patchStatus: (name, namespace, body) => networking.patchNamespacedIngressStatus({ name, namespace, body }, MERGE),
  });

/**
 * A writer over an object held in memory (the dry runs of `plan`, table tests): finalizers, annotations and
 * status land on the held copy, as the API server would merge them.
 */
export function memoryWriter<T extends StatusObject>(holder: { object: T }): ObjectWriter<T> {
  const merge = (body: { metadata?: { finalizers?: string[]; annotations?: Record<string, string | null> }; status?: unknown }) => {
    const { metadata: current } = holder.object;
    const annotations = { ...current?.annotations } as Record<string, string>;
    for (const [k, v] of Object.entries(body.metadata?.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    holder.object = {
      ...holder.object,
      metadata: { ...current, annotations, ...(body.metadata?.finalizers ? { finalizers: body.metadata.finalizers } : {}) },
      ...(body.status ? { status: body.status } : {}),
    } as T;
    return Promise.resolve(holder.object);
  };
  return new ObjectWriter<T>({ patch: (_n, _ns, body) => merge(body), patchStatus: (_n, _ns, body) => merge(body) });
}
