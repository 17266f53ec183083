/**
 * Direct access to the fake's objects for tests, without HTTP: seed objects (status included, as
 * other actors such as the kubelet or kubectl would have written them), read them, change them.
 * Writes go through the same rules as API writes and are seen by watches.
 */
import { applyMergePatch } from './patch.js';
import type { ResourceRegistry } from './registry.js';
import { apiVersionOf, type ResourceName, type ResourceType } from './resources.js';
import type { DeleteResult, ObjectStore } from './store.js';
import { isObj, metaOf, type KubeObject, type Obj } from './types.js';

/** A built-in resource's name (`services`), or a custom resource's plural (`tkeserviceconfigs`) or plural.group. */
export type ResourceRef = ResourceName | (string & {});

export interface ClusterState {
  /** Creates objects (their `kind`, and `apiVersion` if set, pick the resource), `.status` included. */
  seed(...objects: readonly object[]): KubeObject[];
  /** Creates the object, or replaces it (metadata, spec and status) when it exists. */
  apply(object: object): KubeObject;
  /** The object at `key` (`namespace/name`, or `name` for cluster-scoped resources), in wire form. */
  get<T extends object = KubeObject>(resource: ResourceRef, key: string): T | undefined;
  /** All objects of a resource (optionally of one namespace), sorted by namespace/name. */
  list<T extends object = KubeObject>(resource: ResourceRef, namespace?: string): T[];
  /** Merge-patches an object (`.status` included unless `subresource` says which part to write). */
  patch(resource: ResourceRef, key: string, mergePatch: object, options?: { subresource?: 'status' | 'main' }): KubeObject;
  /** Replaces `.status` through the status subresource rules. */
  setStatus(resource: ResourceRef, key: string, status: unknown): KubeObject;
  /** DELETE semantics: with finalizers the object only gains a deletionTimestamp. */
  delete(resource: ResourceRef, key: string): { object: KubeObject; deleted: boolean };
  /** The current global resourceVersion. */
  resourceVersion(): string;
  /** Whether objects of this apiVersion and kind can be stored (a custom resource: once its CRD exists). */
  serves(apiVersion: string, kind: string): boolean;
  /** The resource types served now, built-in and custom: `{ resource: plural, group, version, kind, namespaced }`. */
  served(): { resource: string; group: string; version: string; apiVersion: string; kind: string; namespaced: boolean }[];
}

/** Plain JSON from anything (client-node model instances carry `Date`s). */
const toJson = (value: object): Obj => {
  const json: unknown = JSON.parse(JSON.stringify(value));
  if (!isObj(json)) throw new Error('expected a JSON object');
  return json;
};

function splitKey(rt: ResourceType, key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (!rt.namespaced) return { namespace: '', name: slash < 0 ? key : key.slice(slash + 1) };
  if (slash < 0) throw new Error(`${rt.name} are namespaced: use a "namespace/name" key, not "${key}"`);
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function clusterState(store: ObjectStore, registry: ResourceRegistry): ClusterState {
  const resourceOf = (obj: Obj): ResourceType => {
    const rt = registry.forObject(obj.apiVersion, obj.kind);
    if (!rt) throw new Error(`the fake API server does not serve ${String(obj.apiVersion ?? '')} ${String(obj.kind)}${obj.apiVersion === undefined || String(obj.apiVersion).includes('.') ? ' (is its CustomResourceDefinition created?)' : ''}`);
    return rt;
  };
  const create = (object: object): KubeObject => {
    const obj = toJson(object);
    const rt = resourceOf(obj);
    return store.create(rt, metaOf(obj).namespace ?? 'default', obj, 'all');
  };
  return {
    seed: (...objects) => objects.map(create),
    apply(object) {
      const obj = toJson(object);
      const rt = resourceOf(obj);
      const meta = metaOf(obj);
      const namespace = meta.namespace ?? 'default';
      if (!meta.name || !store.get(rt, namespace, meta.name)) return create(obj);
      delete meta.resourceVersion;
      return store.update(rt, namespace, meta.name, obj, 'all');
    },
    get<T extends object = KubeObject>(resource: ResourceRef, key: string): T | undefined {
      const rt = registry.byName(resource);
      const { namespace, name } = splitKey(rt, key);
      return store.get(rt, namespace, name) as T | undefined;
    },
    list<T extends object = KubeObject>(resource: ResourceRef, namespace?: string): T[] {
      return store.list(registry.byName(resource), namespace) as T[];
    },
    patch(resource, key, mergePatch, options = {}) {
      const rt = registry.byName(resource);
      const { namespace, name } = splitKey(rt, key);
      const patch = toJson(mergePatch);
      return store.patch(rt, namespace, name, (current) => applyMergePatch(current, patch) as Obj, options.subresource ?? 'all');
    },
    setStatus(resource, key, status) {
      const rt = registry.byName(resource);
      const { namespace, name } = splitKey(rt, key);
      return store.patch(rt, namespace, name, (current) => ({ ...current, status }), rt.statusSubresource ? 'status' : 'all');
    },
    delete(resource, key) {
      const rt = registry.byName(resource);
      const { namespace, name } = splitKey(rt, key);
      const result: DeleteResult = store.delete(rt, namespace, name);
      return { object: result.object, deleted: result.deleted };
    },
    resourceVersion: () => String(store.resourceVersion),
    serves: (apiVersion, kind) => registry.forObject(apiVersion, kind) !== undefined,
    served: () => registry.all().map((rt) => ({ resource: rt.name, group: rt.group, version: rt.version, apiVersion: apiVersionOf(rt), kind: rt.kind, namespaced: rt.namespaced })),
  };
}
