/**
 * Which updates of an owner (a Service or an Ingress) are worth a reconcile: a change to what the reconcile
 * reads — spec, labels, annotations, deletion — and not the echoes of the controller's own writes (status,
 * finalizers, resourceVersion and managedFields, its read-only load-balancer-id annotation). Informers deliver
 * only the new object, so the last-seen projection is remembered per object (cloud-provider's `needsUpdate`,
 * ALBC's event handlers).
 */
import type { KubernetesObject } from '@kubernetes/client-node';

type Projected = KubernetesObject & { spec?: unknown };

export interface OwnerFinalizer {
  readonly finalizer: string;
  /** Whether the controller wants a CLB for the object (then it must hold the finalizer). */
  readonly wants: (object: never) => boolean;
}

export function relevantChanges(ownAnnotations: readonly string[], held?: OwnerFinalizer): (object: Projected, kind: 'add' | 'update' | 'delete') => boolean {
  const seen = new Map<string, { projection: string; finalizer: boolean }>();
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
    const finalizer = held ? (object.metadata?.finalizers ?? []).includes(held.finalizer) : false;
    const last = seen.get(key);
    seen.set(key, { projection, finalizer });
    // Someone else took the finalizer off an object that still wants its CLB: put it back before a delete can leak it.
    const lost = held !== undefined && last?.finalizer === true && !finalizer && !object.metadata?.deletionTimestamp && held.wants(object as never);
    return last?.projection !== projection || lost;
  };
}
