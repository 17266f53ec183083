/**
 * What a reconcile reads of the cluster: one store per resource, as the informers' caches offer them. The
 * controllers pass the informers; `plan`, the golden tests and the table tests pass stores over plain lists, so
 * all of them load a Service's or an Ingress's inputs the same way.
 */
import type { KubernetesObject, V1EndpointSlice, V1Ingress, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { TkeServiceConfig } from '../tke-service-config/tke-service-config.js';
import { SERVICE_NAME_LABEL } from '../annotations/keys.js';

export interface ObjectStore<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
  /** An index's objects (the informers keep indexes; a plain store has none, and the helpers below filter). */
  byIndex?(index: string, key: string): readonly T[];
}

/** Looks up one object by name, as a Map would (the builders' `get`). */
export interface Lookup<T> {
  get(name: string): T | undefined;
}

/** A namespace of a store, as a Lookup: what a builder reads, without a Map of the whole namespace per reconcile. */
export const inNamespace = <T>(store: ObjectStore<T>, namespace: string): Lookup<T> => ({ get: (name) => store.get(name, namespace) });

export const SLICES_BY_SERVICE = 'service';
export const SLICES_BY_POD = 'pod';
/** EndpointSlice → `namespace/service` (its kubernetes.io/service-name label). */
export const sliceServiceKeys = (s: V1EndpointSlice): string[] => {
  const service = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  return service ? [`${namespaceOf(s)}/${service}`] : [];
};
/** EndpointSlice → the `namespace/pod` of each endpoint's Pod (its targetRef). */
export const slicePodKeys = (s: V1EndpointSlice): string[] =>
  [...new Set((s.endpoints ?? []).flatMap((e) => (e.targetRef?.kind === 'Pod' && e.targetRef.name ? [`${e.targetRef.namespace ?? namespaceOf(s)}/${e.targetRef.name}`] : [])))];

/** A Service's EndpointSlices: by the index where the store keeps one, else filtered from its namespace. */
export function endpointSlicesOf(view: Pick<ClusterView, 'endpointSlices'>, namespace: string, service: string): readonly V1EndpointSlice[] {
  const indexed = view.endpointSlices.byIndex?.(SLICES_BY_SERVICE, `${namespace}/${service}`);
  return indexed ?? view.endpointSlices.list(namespace).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === service);
}

/** The Services whose EndpointSlices list this Pod (a Pod's change matters to them only). */
export function servicesOfPod(view: Pick<ClusterView, 'endpointSlices'>, pod: KubernetesObject): string[] {
  const key = `${namespaceOf(pod)}/${pod.metadata?.name ?? ''}`;
  const slices = view.endpointSlices.byIndex?.(SLICES_BY_POD, key) ?? view.endpointSlices.list(namespaceOf(pod)).filter((s) => slicePodKeys(s).includes(key));
  return [...new Set(slices.flatMap((s) => (s.metadata?.labels?.[SERVICE_NAME_LABEL] ? [s.metadata.labels[SERVICE_NAME_LABEL]] : [])))];
}

export interface ClusterView {
  readonly services: ObjectStore<V1Service>;
  readonly ingresses: ObjectStore<V1Ingress>;
  readonly nodes: ObjectStore<V1Node>;
  readonly endpointSlices: ObjectStore<V1EndpointSlice>;
  readonly secrets: ObjectStore<V1Secret>;
  readonly pods: ObjectStore<V1Pod>;
  /** TkeServiceConfigs; `hasSynced` false while they cannot be listed yet (their CRD may not be installed). */
  readonly tkeServiceConfigs?: ObjectStore<TkeServiceConfig> & { readonly hasSynced?: boolean };
}

const namespaceOf = (o: KubernetesObject): string => o.metadata?.namespace ?? 'default';

/** A store over a list that may change (read at every call). Cluster-scoped objects ignore the namespace. */
export function storeOf<T extends KubernetesObject>(objects: () => readonly T[], clusterScoped = false): ObjectStore<T> {
  const inNamespace = (o: T, namespace: string | undefined) => clusterScoped || namespace === undefined || namespaceOf(o) === namespace;
  return {
    get: (name, namespace) => objects().find((o) => o.metadata?.name === name && inNamespace(o, namespace ?? 'default')),
    list: (namespace) => objects().filter((o) => inNamespace(o, namespace)),
  };
}

/** A view over a fixed set of objects of any kinds (those of other kinds are ignored). */
export function viewOf(objects: readonly KubernetesObject[]): ClusterView {
  const of = <T extends KubernetesObject>(kind: string) => {
    const list = objects.filter((o) => o.kind === kind) as T[];
    return () => list;
  };
  return {
    services: storeOf(of<V1Service>('Service')),
    ingresses: storeOf(of<V1Ingress>('Ingress')),
    nodes: storeOf(of<V1Node>('Node'), true),
    endpointSlices: storeOf(of<V1EndpointSlice>('EndpointSlice')),
    secrets: storeOf(of<V1Secret>('Secret')),
    pods: storeOf(of<V1Pod>('Pod')),
    tkeServiceConfigs: storeOf(of<TkeServiceConfig>('TkeServiceConfig')),
  };
}
