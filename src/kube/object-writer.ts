/**
 * Writes to an object a controller owns (a Service or an Ingress): its finalizer, read-only annotations,
 * status.loadBalancer and its sync condition (kube/sync-condition.ts). Each write is a merge patch carrying the
 * resourceVersion it was computed from, so a concurrent change makes it fail (409) instead of overwriting someone
 * else's edit. Nothing is written when nothing differs.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { conditionsWith, conditionsWithout, INGRESS_CONDITIONS_ANNOTATION, type ConditionsAt, type SyncVerdict } from './sync-condition.js';

export interface LoadBalancerIngress {
  readonly ip?: string;
  readonly hostname?: string;
}

export type StatusObject = KubernetesObject & { status?: { loadBalancer?: { ingress?: readonly LoadBalancerIngress[] }; conditions?: readonly unknown[] } };

const IN_STATUS = (): ConditionsAt => 'status';
const IN_INGRESS_ANNOTATION = (): ConditionsAt => ({ annotation: INGRESS_CONDITIONS_ANNOTATION });


/** How a writer reaches the API server: merge patches of the object and of its status subresource. */
export interface Patchers<T> {
  patch(name: string, namespace: string, body: object): Promise<T>;
  patchStatus(name: string, namespace: string, body: object): Promise<T>;
}

export const hasFinalizer = (object: KubernetesObject, finalizer: string): boolean => object.metadata?.finalizers?.includes(finalizer) ?? false;

/** What the report step sets on an owner at once: at most one metadata patch and one status patch. */
export interface OwnerReport {
  /** Annotations to set; null removes one. */
  readonly annotations?: Readonly<Record<string, string | null>>;
  readonly ingress?: readonly LoadBalancerIngress[];
  /** The sync condition's verdict; null removes the condition (the owner no longer has a CLB). */
  readonly sync?: SyncVerdict | null;
}

export class ObjectWriter<T extends StatusObject> {
  constructor(
    private readonly api: Patchers<T>,
    /** Where this kind keeps its conditions: status.conditions, or an annotation (Ingress). */
    private readonly conditionsAt: (object: T) => ConditionsAt,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async addFinalizer(object: T, finalizer: string): Promise<T> {
    if (hasFinalizer(object, finalizer)) return object;
    return this.patchMeta(object, { finalizers: [...(object.metadata?.finalizers ?? []), finalizer] });
  }

  async removeFinalizer(object: T, finalizer: string): Promise<T> {
    if (!hasFinalizer(object, finalizer)) return object;
    return this.patchMeta(object, { finalizers: (object.metadata?.finalizers ?? []).filter((f) => f !== finalizer) });
  }

  /** Sets (or with null removes) one annotation, if it differs. */
  setAnnotation(object: T, key: string, value: string | null): Promise<T> {
    return this.report(object, { annotations: { [key]: value } });
  }

  /**
   * Writes what differs of the report: annotations (and an Ingress's conditions) in one merge patch, status
   * (load balancer ingress, a Service's conditions) in one status patch; nothing when nothing differs.
   * `unversioned`: without the resourceVersion the object was read at — for a condition told after a failure,
   * from an object that may be stale by then (a merge patch of the keys named, nothing else is overwritten).
   */
  async report(object: T, report: OwnerReport, options: { readonly unversioned?: boolean } = {}): Promise<T> {
    const where = this.conditionsAt(object);
    const conditions = report.sync === undefined ? undefined : report.sync === null ? conditionsWithout(object, where) : conditionsWith(object, where, report.sync, this.now());
    const annotations: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(report.annotations ?? {})) if ((object.metadata?.annotations?.[key] ?? null) !== value) annotations[key] = value;
    if (conditions && where !== 'status') annotations[where.annotation] = conditions.length ? JSON.stringify(conditions) : null;
    const status: Record<string, unknown> = {};
    if (report.ingress && !sameIngress(object.status?.loadBalancer?.ingress ?? [], report.ingress)) status.loadBalancer = { ingress: report.ingress };
    if (conditions && where === 'status') status.conditions = conditions;
    let current = object;
    if (Object.keys(annotations).length) current = await this.patchMeta(current, { annotations }, options.unversioned);
    if (Object.keys(status).length) {
      const { name, namespace } = ref(current);
      current = await this.api.patchStatus(name, namespace, { metadata: options.unversioned ? {} : { resourceVersion: current.metadata?.resourceVersion }, status });
    }
    return current;
  }

  private patchMeta(object: T, metadata: Record<string, unknown>, unversioned = false): Promise<T> {
    const { name, namespace } = ref(object);
    return this.api.patch(name, namespace, { metadata: { ...metadata, ...(unversioned ? {} : { resourceVersion: object.metadata?.resourceVersion }) } });
  }
}

const sameIngress = (current: readonly LoadBalancerIngress[], wanted: readonly LoadBalancerIngress[]): boolean =>
  current.length === wanted.length && current.every((c, i) => c.ip === wanted[i]?.ip && c.hostname === wanted[i]?.hostname);

function ref(object: KubernetesObject): { name: string; namespace: string } {
  return { name: object.metadata?.name ?? '', namespace: object.metadata?.namespace ?? 'default' };
}

export const serviceWriter = <T extends StatusObject>(patchers: Patchers<T>) => new ObjectWriter<T>(patchers, IN_STATUS);

export const ingressWriter = <T extends StatusObject>(patchers: Patchers<T>) => new ObjectWriter<T>(patchers, IN_INGRESS_ANNOTATION);

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
      // A merge patch of status merges its fields (conditions and loadBalancer are written apart).
      ...(body.status ? { status: { ...(holder.object.status as object | undefined), ...(body.status as object) } } : {}),
    } as T;
    return Promise.resolve(holder.object);
  };
  return new ObjectWriter<T>({ patch: (_n, _ns, body) => merge(body), patchStatus: (_n, _ns, body) => merge(body) }, (o) => (o.kind === 'Ingress' ? IN_INGRESS_ANNOTATION() : IN_STATUS()));
}
