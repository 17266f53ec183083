/**
 * The verbs on resource paths: get, list, watch, create, update (PUT), patch (merge, strategic,
 * JSON patch), delete and deletecollection, on the main resource and its `/status` subresource.
 */
import { badRequest, failure, invalid, methodNotAllowed, notFound, routeNotFound, strategicPatchOfCustomResource, unprocessable, unsupportedMediaType } from './errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchApplyError, PatchFormatError } from './patch.js';
import type { Verb } from './request-log.js';
import { apiVersionOf, listKindOf, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector, SelectorError, type Selector } from './selectors.js';
import type { ObjectStore } from './store.js';
import type { WriteTarget } from './strategy.js';
import { isObj, metaOf, type Obj } from './types.js';
import { fieldValidationOf, validateObject } from './validation.js';
import type { WatchRequest } from './watch.js';

export interface ObjectRoute {
  readonly rt: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/** What the handlers ask of the rest of the server. */
export interface HandlerContext {
  /** True while the CRD of a custom resource type is being deleted (no creates then). */
  terminating(rt: ResourceType): boolean;
}

export interface ObjectRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly contentType: string;
}

export type Reply = { readonly status: number; readonly body: unknown; readonly warnings?: readonly string[] } | { readonly watch: WatchRequest };

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

const isWatch = (query: URLSearchParams) => ['true', '1'].includes(query.get('watch') ?? '');

export function verbOf(method: string, route: ObjectRoute, query: URLSearchParams): Verb {
  switch (method) {
    case 'GET':
      return route.name !== undefined ? 'get' : isWatch(query) ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name !== undefined ? 'delete' : 'deletecollection';
    default:
      return 'other';
  }
}

function selectorOf(rt: ResourceType, query: URLSearchParams): Selector {
  try {
    return { labels: parseLabelSelector(query.get('labelSelector') ?? ''), fields: parseFieldSelector(query.get('fieldSelector') ?? '', rt) };
  } catch (error) {
    if (error instanceof SelectorError) throw badRequest(error.message);
    throw error;
  }
}

function numberParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`${name}: Invalid value: "${raw}": must be a non-negative integer`);
  return Number(raw);
}

/** Items of built-in lists go out without kind/apiVersion, as the real server sends them (custom resources keep theirs). */
function listItem(rt: ResourceType, obj: Obj): Obj {
  if (rt.custom) return obj;
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = obj;
  return rest;
}

function bodyObject(body: unknown): Obj {
  if (!isObj(body)) throw badRequest('the request body must be a JSON object');
  return body;
}

function applyPatch(contentType: string, current: Obj, patch: unknown): Obj {
  let result: unknown;
  try {
    if (contentType === 'application/json-patch+json') result = applyJsonPatch(current, patch);
    else if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
      if (!isObj(patch)) throw new PatchFormatError('a merge patch must be a JSON object');
      result = contentType === 'application/merge-patch+json' ? applyMergePatch(current, patch) : applyStrategicMergePatch(current, patch);
    } else {
      throw unsupportedMediaType(contentType);
    }
  } catch (error) {
    if (error instanceof PatchFormatError) throw badRequest(error.message);
    if (error instanceof PatchApplyError) throw unprocessable(`the server rejected our request due to an error in our request: ${error.message}`);
    throw error;
  }
  if (!isObj(result)) throw unprocessable('the patched document is not a JSON object');
  return result;
}

const successStatus = (rt: ResourceType, obj: Obj) => ({
  kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
  details: { name: metaOf(obj).name, ...(rt.group ? { group: rt.group } : {}), kind: rt.name, uid: metaOf(obj).uid },
});

function collection(store: ObjectStore, route: ObjectRoute, query: URLSearchParams): Reply {
  const { rt } = route;
  const selector = selectorOf(rt, query);
  const limit = numberParam(query, 'limit');
  const page = store.page(rt, route.namespace, selector, limit, query.get('continue') ?? undefined);
  const metadata: Obj = { resourceVersion: page.resourceVersion };
  if (page.continueToken) metadata.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  return { status: 200, body: { kind: listKindOf(rt), apiVersion: apiVersionOf(rt), metadata, items: page.items.map((o) => listItem(rt, o)) } };
}

function watchRequest(route: ObjectRoute, query: URLSearchParams): Reply {
  const timeoutSeconds = numberParam(query, 'timeoutSeconds');
  const resourceVersion = query.get('resourceVersion');
  return {
    watch: {
      rt: route.rt,
      ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
      selector: selectorOf(route.rt, query),
      ...(resourceVersion !== null ? { resourceVersion } : {}),
      allowBookmarks: ['true', '1'].includes(query.get('allowWatchBookmarks') ?? ''),
      sendInitialEvents: query.get('sendInitialEvents') === 'true',
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    },
  };
}

function deleteCollection(store: ObjectStore, route: ObjectRoute, query: URLSearchParams): Reply {
  const { rt } = route;
  const victims = store.list(rt, route.namespace, selectorOf(rt, query));
  const items = victims.map((obj) => store.delete(rt, metaOf(obj).namespace ?? '', metaOf(obj).name ?? '').object);
  return { status: 200, body: { kind: listKindOf(rt), apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(store.resourceVersion) }, items: items.map((o) => listItem(rt, o)) } };
}

/** Answers a request on a resource path (the watch itself is served by the caller). */
export function handleObject(store: ObjectStore, route: ObjectRoute, request: ObjectRequest, context: HandlerContext): Reply {
  const warnings: string[] = [];
  const reply = answer(store, route, request, warnings, context);
  return warnings.length && 'status' in reply ? { ...reply, warnings } : reply;
}

function answer(store: ObjectStore, route: ObjectRoute, request: ObjectRequest, warnings: string[], context: HandlerContext): Reply {
  const { rt, name } = route;
  const { method, query } = request;
  /** Server-side validation of what a write would store (validation.ts). */
  const checked = (obj: Obj): Obj => {
    const result = validateObject(rt, obj, fieldValidationOf(query));
    if (result.causes.length) throw invalid(rt, typeof metaOf(obj).name === 'string' ? String(metaOf(obj).name) : '', result.causes);
    warnings.push(...result.warnings);
    return result.object;
  };
  if (route.subresource !== undefined && (route.subresource !== 'status' || !rt.statusSubresource)) throw routeNotFound();
  if (query.get('dryRun')) throw badRequest('dryRun is not supported by the fake API server');
  const namespace = route.namespace ?? '';
  const target: WriteTarget = route.subresource === 'status' ? 'status' : 'main';
  if (name === undefined) {
    if (route.subresource !== undefined) throw routeNotFound();
    switch (method) {
      case 'GET':
        return isWatch(query) ? watchRequest(route, query) : collection(store, route, query);
      case 'POST':
        if (rt.namespaced && route.namespace === undefined) throw methodNotAllowed(method);
        if (context.terminating(rt)) throw failure(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating');
        return { status: 201, body: store.create(rt, namespace, checked(bodyObject(request.body))) };
      case 'DELETE':
        if (rt.namespaced && route.namespace === undefined) throw methodNotAllowed(method);
        return deleteCollection(store, route, query);
      default:
        throw methodNotAllowed(method);
    }
  }
  switch (method) {
    case 'GET': {
      const obj = store.get(rt, namespace, name);
      if (!obj) throw notFound(rt, name);
      return { status: 200, body: obj };
    }
    case 'PUT':
      return { status: 200, body: store.update(rt, namespace, name, checked(bodyObject(request.body)), target) };
    case 'PATCH':
      if (!PATCH_TYPES.includes(request.contentType)) throw unsupportedMediaType(request.contentType);
      // A custom resource has no merge keys: the real server takes no strategic merge patch of it.
      if (rt.custom && request.contentType === 'application/strategic-merge-patch+json') throw strategicPatchOfCustomResource();
      return { status: 200, body: store.patch(rt, namespace, name, (current) => checked(applyPatch(request.contentType, current, request.body)), target) };
    case 'DELETE': {
      if (route.subresource !== undefined) throw methodNotAllowed(method);
      const options = isObj(request.body) ? request.body : {};
      const preconditions = isObj(options.preconditions) ? options.preconditions : {};
      const result = store.delete(rt, namespace, name, preconditions);
      const body = !result.deleted || rt.returnDeletedObject ? result.object : successStatus(rt, result.object);
      return { status: 200, body };
    }
    default:
      throw methodNotAllowed(method);
  }
}
