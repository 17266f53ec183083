/** Shapes shared by the fake Kubernetes API server: objects as they travel on the wire (plain JSON). */

/** A JSON object as parsed from a request body or held in the store. */
export type Obj = Record<string, unknown>;

/** `metadata` of an object in its wire form: timestamps are RFC 3339 strings, never `Date`s. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Obj[];
  [key: string]: unknown;
}

/** A Kubernetes object in wire form. Cast to a more precise type where a test needs one. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/** The `Status` object every failure (and some deletions) is answered with. */
export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Obj;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: { reason?: string; message: string; field?: string }[] };
  code: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep copy of a JSON value (objects in the store are never shared with callers). */
export const clone = <T>(value: T): T => structuredClone(value);

/** The metadata of an object, created empty when absent. */
export function metaOf(obj: Obj): ObjectMeta {
  if (!isObj(obj.metadata)) obj.metadata = {};
  return obj.metadata as ObjectMeta;
}

/** Structural equality of JSON values; key order does not matter, `undefined` members count as absent. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (!isObj(a) || !isObj(b)) return false;
  const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
  return keysA.length === keysB.length && keysA.every((k) => jsonEqual(a[k], b[k]));
}
