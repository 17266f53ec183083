/**
 * JSON Merge Patch (RFC 7386), strategic merge patch (its directives; see applyStrategicMergePatch) and JSON
 * Patch (RFC 6902, all six operations including `test`).
 * Both work on copies: the input document is never changed. A patch that is malformed is a
 * `PatchFormatError` (400 on the wire); one that cannot be applied is a `PatchApplyError` (422).
 */
import { clone, isObj, jsonEqual, type Obj } from './types.js';

export class PatchFormatError extends Error {}
export class PatchApplyError extends Error {}

/** RFC 7386: objects merge recursively, `null` deletes a member, anything else (arrays too) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const result: Obj = isObj(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

const ORDER = '$setElementOrder/';
const DELETE_PRIMITIVES = '$deleteFromPrimitiveList/';

/** The merge key of a list, from its `$setElementOrder` entries (`[{ port: 80 }]` → `port`) or its delete directives. */
function mergeKeyOf(order: unknown, patchList: readonly unknown[]): string | undefined {
  const sample = [...(Array.isArray(order) ? order : []), ...patchList.filter((e) => isObj(e) && e.$patch === 'delete')].find(isObj);
  return sample ? Object.keys(sample).find((k) => k !== '$patch') : undefined;
}

function mergeList(current: unknown, patchList: readonly unknown[], order: unknown): unknown[] {
  const base = Array.isArray(current) ? clone(current) : [];
  const objects = patchList.every(isObj) && base.every(isObj);
  const key = objects ? mergeKeyOf(order, patchList) : undefined;
  let merged: unknown[];
  if (key !== undefined) {
    merged = base as unknown[];
    for (const element of patchList as Obj[]) {
      const at = merged.findIndex((e) => jsonEqual((e as Obj)[key], element[key]));
      if (element.$patch === 'delete') {
        if (at >= 0) merged.splice(at, 1);
      } else if (at >= 0) merged[at] = applyStrategicMergePatch(merged[at], element);
      else merged.push(applyStrategicMergePatch(undefined, element));
    }
  } else if (objects) {
    return clone([...patchList]);
  } else {
    // A merge list of primitives (finalizers): the union.
    merged = [...base, ...patchList.filter((v) => !base.some((b) => jsonEqual(b, v)))];
  }
  if (!Array.isArray(order)) return merged;
  const rank = (e: unknown) => order.findIndex((o) => (key !== undefined && isObj(o) && isObj(e) ? jsonEqual(o[key], e[key]) : jsonEqual(o, e)));
  const inOrder = merged.filter((e) => rank(e) >= 0).sort((a, b) => rank(a) - rank(b));
  return [...inOrder, ...merged.filter((e) => rank(e) < 0)];
}

/**
 * Strategic merge patch as kubectl sends it: a merge patch plus the directives `$setElementOrder/<list>`
 * (which also names the list's merge key), `$patch: delete|replace`, `$retainKeys` and
 * `$deleteFromPrimitiveList/<list>`. Without directives a list is replaced, as in a merge patch (the merge keys
 * of the Go types are not modelled).
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  if (patch.$patch === 'replace') return applyStrategicMergePatch(undefined, { ...patch, $patch: undefined });
  const result: Obj = isObj(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(ORDER)) continue;
    if (key.startsWith(DELETE_PRIMITIVES)) {
      const field = key.slice(DELETE_PRIMITIVES.length);
      const list = result[field];
      if (Array.isArray(list) && Array.isArray(value)) result[field] = list.filter((v) => !value.some((d) => jsonEqual(d, v)));
      continue;
    }
    if (value === null || value === undefined) delete result[key];
    else if (Array.isArray(value) && (patch[`${ORDER}${key}`] !== undefined || value.some((e) => isObj(e) && e.$patch !== undefined))) {
      result[key] = mergeList(result[key], value, patch[`${ORDER}${key}`]);
    } else result[key] = applyStrategicMergePatch(result[key], value);
  }
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(ORDER)) continue;
    const field = key.slice(ORDER.length);
    if (patch[field] === undefined && Array.isArray(result[field])) result[field] = mergeList(result[field], [], patch[key]);
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const key of Object.keys(result)) if (!patch.$retainKeys.includes(key)) delete result[key];
  }
  return result;
}

export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks the shape of a JSON Patch document. */
export function parseJsonPatch(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch)) throw new PatchFormatError('json patch must be an array of operations');
  return patch.map((op: unknown, i) => {
    if (!isObj(op) || typeof op.op !== 'string' || !OPS.has(op.op)) throw new PatchFormatError(`unexpected kind of operation at index ${i}`);
    if (typeof op.path !== 'string') throw new PatchFormatError(`operation ${i} (${op.op}) is missing "path"`);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') throw new PatchFormatError(`operation ${i} (${op.op}) is missing "from"`);
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) throw new PatchFormatError(`operation ${i} (${op.op}) is missing "value"`);
    return op as unknown as JsonPatchOperation;
  });
}

/** RFC 6901 pointer → reference tokens. */
function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchApplyError(`invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Obj | unknown[];

function arrayIndex(token: string, array: unknown[], allowEnd: boolean, path: string): number {
  if (token === '-' && allowEnd) return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchApplyError(`invalid array index "${token}" in "${path}"`);
  const index = Number(token);
  if (index > array.length || (!allowEnd && index === array.length)) throw new PatchApplyError(`array index ${index} out of bounds in "${path}"`);
  return index;
}

/** The container holding the last token of `path`, and that token. */
function locate(doc: unknown, path: string): { parent: Container; key: string } {
  const parts = tokens(path);
  const key = parts.pop();
  if (key === undefined) throw new PatchApplyError('the root of the document cannot be the target of this operation');
  let current: unknown = doc;
  for (const part of parts) {
    if (Array.isArray(current)) current = current[arrayIndex(part, current, false, path)];
    else if (isObj(current) && Object.hasOwn(current, part)) current = current[part];
    else throw new PatchApplyError(`doc is missing path: "${path}"`);
  }
  if (!Array.isArray(current) && !isObj(current)) throw new PatchApplyError(`doc is missing path: "${path}"`);
  return { parent: current, key };
}

function getValue(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of tokens(path)) {
    if (Array.isArray(current)) current = current[arrayIndex(part, current, false, path)];
    else if (isObj(current) && Object.hasOwn(current, part)) current = current[part];
    else throw new PatchApplyError(`doc is missing path: "${path}"`);
  }
  return current;
}

function addValue(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return value;
  const { parent, key } = locate(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent, true, path), 0, value);
  else parent[key] = value;
  return doc;
}

function removeValue(doc: unknown, path: string): unknown {
  const { parent, key } = locate(doc, path);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(key, parent, false, path), 1)[0];
  if (!Object.hasOwn(parent, key)) throw new PatchApplyError(`unable to remove nonexistent key: ${key}: missing value`);
  const old = parent[key];
  delete parent[key];
  return old;
}

function applyOperation(doc: unknown, op: JsonPatchOperation): unknown {
  switch (op.op) {
    case 'add':
      return addValue(doc, op.path, clone(op.value));
    case 'remove':
      removeValue(doc, op.path);
      return doc;
    case 'replace':
      if (op.path === '') return clone(op.value);
      getValue(doc, op.path);
      removeValue(doc, op.path);
      return addValue(doc, op.path, clone(op.value));
    case 'move': {
      const from = op.from ?? '';
      if (op.path.startsWith(`${from}/`)) throw new PatchApplyError(`cannot move "${from}" into its own child "${op.path}"`);
      const value = getValue(doc, from);
      removeValue(doc, from);
      return addValue(doc, op.path, value);
    }
    case 'copy':
      return addValue(doc, op.path, clone(getValue(doc, op.from ?? '')));
    case 'test':
      if (!jsonEqual(getValue(doc, op.path), op.value)) throw new PatchApplyError(`testing value ${op.path} failed: test failed`);
      return doc;
  }
}

/** Applies all operations or none. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  const ops = parseJsonPatch(patch);
  return ops.reduce<unknown>((doc, op) => applyOperation(doc, op), clone(target));
}
