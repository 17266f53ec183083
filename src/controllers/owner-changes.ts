/**
 * Which updates of an owner (a Service or an Ingress) are worth a reconcile: a change to what the reconcile
 * reads — spec, labels, annotations, deletion — and not the echoes of the controller's own writes (status,
 * finalizers, resourceVersion and managedFields, its read-only load-balancer-id annotation). Informers deliver
 * only the new object, so the last-seen projection is remembered per object (cloud-provider's `needsUpdate`,
 * ALBC's event handlers).
 */
import type { KubernetesObject } from '@kubernetes/client-node';

type Projected = KubernetesObject & { spec?: unknown };

export function relevantChanges(ownAnnotations: readonly string[]): (object: Projected, kind: 'add' | 'update' | 'delete') => boolean {
  const seen = new Map<string, string>();
  const ignored = new Set(ownAnnotations);
  return (object, kind) => {
    const key = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
    // Gone from the cache: nothing is left to reconcile (the finalizer held it until the release was done).
    if (kind === 'delete') {
      seen.delete(key);
      return false;
    }
    const annotations = Object.entries(object.metadata?.annotations ?? {}).filter(([k]) => !ignored.has(k)).sort(([a], [b]) => a.localeCompare(b));
    const projection = JSON.stringify([object.metadata?.uid, object.metadata?.deletionTimestamp ?? null, object.metadata?.labels ?? {}, annotations, object.spec ?? null]);
    if (seen.get(key) === projection) return false;
    seen.set(key, projection);
    return true;
  };
}
