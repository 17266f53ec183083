/**
 * Per-write rules of the real registry ("strategies"): what a create or an update may set, which
 * fields the server owns, the status subresource split, generation, finalizers while deleting,
 * name syntax, and Service defaults. Pure functions over plain objects; the store applies them.
 */
import { crdProblems, crdStatus } from './crds.js';
import { badRequest, conflict, invalid, type FieldCause } from './errors.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { defaultService, type ServiceAllocations } from './service-defaults.js';
import { clone, isObj, jsonEqual, metaOf, type Obj } from './types.js';

/** What a write may touch: `main` and `status` as over HTTP; `all` for test seeding (spec and status at once). */
export type WriteTarget = 'main' | 'status' | 'all';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function nameProblems(rt: ResourceType, name: string): FieldCause[] {
  const field = 'metadata.name';
  if (rt.nameRule === 'dns1035') {
    return DNS1035_LABEL.test(name) && name.length <= 63 ? [] : [{ field, message: `Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character` }];
  }
  if (rt.nameRule === 'dns1123label') {
    return DNS1123_LABEL.test(name) && name.length <= 63 ? [] : [{ field, message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character` }];
  }
  const ok = name.length <= 253 && name.split('.').every((part) => DNS1123_LABEL.test(part));
  return ok ? [] : [{ field, message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` }];
}

/** Refuses a body whose apiVersion / kind is not the resource's (absent is fine). */
export function checkTypeMeta(rt: ResourceType, body: Obj): void {
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(rt)) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(rt)})`);
  }
  if (body.kind !== undefined && body.kind !== rt.kind) {
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${rt.kind})`);
  }
}

/** The namespace a write lands in; a body naming another namespace is refused as the server does. */
export function checkNamespace(rt: ResourceType, obj: Obj, namespace: string): void {
  const meta = metaOf(obj);
  if (!rt.namespaced) {
    delete meta.namespace;
    return;
  }
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  meta.namespace = namespace;
}

/** `.status` the server resets a created object to (when created through the main resource). */
function initialStatus(rt: ResourceType): unknown {
  switch (rt.name) {
    case 'services':
    case 'ingresses':
      return { loadBalancer: {} };
    case 'pods':
      return { phase: 'Pending' };
    case 'namespaces':
      return { phase: 'Active' };
    default:
      return undefined;
  }
}

export interface CreateContext {
  readonly rt: ResourceType;
  readonly target: WriteTarget;
  readonly uid: string;
  readonly now: string;
  /** What the stored Services hold (for a Service's allocations). */
  readonly taken: () => ReturnType<ServiceAllocations['forWrite']>;
}

/** Completes an object for storage (its name is already set and checked); returns the object to store. */
export function prepareCreate(body: Obj, ctx: CreateContext): Obj {
  const obj = clone(body);
  const { rt } = ctx;
  const meta = metaOf(obj);
  obj.apiVersion = apiVersionOf(rt);
  obj.kind = rt.kind;
  meta.uid = ctx.uid;
  meta.creationTimestamp = ctx.now;
  const keepDeletion = ctx.target === 'all' && meta.deletionTimestamp !== undefined && (meta.finalizers?.length ?? 0) > 0;
  if (!keepDeletion) {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  if (rt.generation) meta.generation = 1;
  else delete meta.generation;
  delete meta.managedFields;
  if (ctx.target !== 'all' && rt.statusSubresource && rt.name !== 'nodes') {
    const status = initialStatus(rt);
    if (status === undefined) delete obj.status;
    else obj.status = status;
  }
  if (rt.name === 'services') {
    const causes = defaultService(obj, undefined, ctx.taken());
    if (causes.length) throw invalid(rt, meta.name ?? '', causes);
  }
  if (rt.name === 'customresourcedefinitions') {
    const causes = crdProblems(obj);
    if (causes.length) throw invalid(rt, meta.name ?? '', causes);
    obj.status = crdStatus(obj, ctx.target === 'all' ? obj.status : undefined);
  }
  return obj;
}

/** What `metadata.generation` follows: `.spec` of built-ins; everything but metadata (and status, when a subresource) of custom resources. */
function generationPart(rt: ResourceType, o: Obj): unknown {
  if (!rt.custom) return o.spec;
  const { metadata: _m, apiVersion: _a, kind: _k, status, ...rest } = o;
  return rt.statusSubresource ? rest : { ...rest, status };
}

export interface UpdateContext {
  readonly rt: ResourceType;
  readonly target: WriteTarget;
  readonly taken: () => ReturnType<ServiceAllocations['forWrite']>;
}

/** Preconditions of an update: a stale `resourceVersion` or another `uid` is a 409 Conflict. */
export function checkPreconditions(rt: ResourceType, current: Obj, wanted: { uid?: unknown; resourceVersion?: unknown }): void {
  const meta = metaOf(current);
  const name = meta.name ?? '';
  if (typeof wanted.uid === 'string' && wanted.uid !== '' && wanted.uid !== meta.uid) {
    throw conflict(rt, name, `Precondition failed: UID in precondition: ${wanted.uid}, UID in object meta: ${meta.uid ?? ''}`);
  }
  if (typeof wanted.resourceVersion === 'string' && wanted.resourceVersion !== '' && wanted.resourceVersion !== meta.resourceVersion) {
    throw conflict(rt, name);
  }
}

const SERVER_OWNED_META = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'name', 'namespace'] as const;

/**
 * The object an update stores, from the stored `current` and the written `body` (already
 * checked for preconditions and name). `resourceVersion` is left to the store.
 */
export function prepareUpdate(current: Obj, body: Obj, ctx: UpdateContext): Obj {
  const { rt } = ctx;
  let next: Obj;
  if (ctx.target === 'status') {
    next = clone(current);
    if (body.status === undefined) delete next.status;
    else next.status = clone(body.status);
    return next;
  }
  next = clone(body);
  next.apiVersion = apiVersionOf(rt);
  next.kind = rt.kind;
  const meta = metaOf(next);
  const oldMeta = metaOf(current);
  for (const key of SERVER_OWNED_META) {
    const value: unknown = oldMeta[key];
    if (value === undefined) delete meta[key];
    else (meta as Obj)[key] = clone(value);
  }
  delete meta.managedFields;
  if (ctx.target === 'main' && rt.statusSubresource) {
    if (current.status === undefined) delete next.status;
    else next.status = clone(current.status);
  }
  if (oldMeta.deletionTimestamp !== undefined) {
    const added = (meta.finalizers ?? []).filter((f) => !(oldMeta.finalizers ?? []).includes(f));
    if (added.length) throw invalid(rt, oldMeta.name ?? '', [{ field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => `"${f}"`).join(', ')}}` }]);
  }
  if (rt.name === 'services') {
    const causes = defaultService(next, current, ctx.taken());
    if (causes.length) throw invalid(rt, oldMeta.name ?? '', causes);
  }
  if (rt.name === 'customresourcedefinitions') {
    const causes = crdProblems(next, current);
    if (causes.length) throw invalid(rt, oldMeta.name ?? '', causes);
    next.status = crdStatus(next, current.status);
  }
  if (rt.generation && !jsonEqual(generationPart(rt, current), generationPart(rt, next))) meta.generation = (oldMeta.generation ?? 0) + 1;
  return next;
}

/** True when an update changes nothing but (possibly) the resourceVersion: the server then writes nothing. */
export function isNoop(current: Obj, next: Obj): boolean {
  const strip = (o: Obj) => ({ ...o, metadata: { ...metaOf(o), resourceVersion: undefined } });
  return jsonEqual(strip(current), strip(next));
}

/** A deleting object whose last finalizer went is removed by the write that emptied the list. */
export const isReadyToVanish = (obj: Obj): boolean => {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  return meta.deletionTimestamp !== undefined && (!Array.isArray(meta.finalizers) || meta.finalizers.length === 0);
};
