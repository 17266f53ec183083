/**
 * The fake's state: every object of every served resource, one global, monotonically increasing
 * resourceVersion (as etcd's revision), a bounded history of change events for watches to replay,
 * and the create / update / delete semantics of the real registry (see strategy.ts).
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, expired, invalid, notFound, badRequest } from './errors.js';
import { storageKey } from './registry.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { matches, type Selector } from './selectors.js';
import {
  checkNamespace, checkPreconditions, checkTypeMeta, isNoop, isReadyToVanish, nameProblems, prepareCreate, prepareUpdate, type WriteTarget,
} from './strategy.js';
import { clone, metaOf, type Obj } from './types.js';
import { ServiceAllocations } from './service-defaults.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as watches see it: the object after the change and, for MODIFIED / DELETED, before it. */
export interface ChangeEvent {
  readonly type: ChangeType;
  readonly resource: ResourceType;
  readonly resourceVersion: number;
  readonly object: Obj;
  readonly previous?: Obj;
}

export interface StoreOptions {
  /** How many change events are kept for watches to replay; older versions get 410 Gone. */
  readonly historySize: number;
  readonly initialResourceVersion: number;
  readonly now: () => Date;
}

export interface DeleteResult {
  readonly object: Obj;
  /** False while finalizers hold the object (it only gained a deletionTimestamp). */
  readonly deleted: boolean;
}

export interface Page {
  readonly items: Obj[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

const keyOf = (namespace: string, name: string) => (namespace ? `${namespace}/${name}` : name);
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes timestamps: RFC 3339, whole seconds, UTC. */
export const timestamp = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class ObjectStore {
  private readonly objects = new Map<string, Map<string, Obj>>();
  /** The node ports and cluster IPs the stored Services hold (kept at every commit). */
  private readonly serviceAllocations = new ServiceAllocations();
  private readonly history: ChangeEvent[] = [];
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  /** Finalizers the registry adds on DELETE, per storage key (a CRD's cleanup finalizer). */
  private readonly deletionFinalizers = new Map<string, string>();
  /** Work listeners asked to do once the current commit has reached every listener (see `afterCommit`). */
  private readonly deferred: (() => void)[] = [];
  private committing = 0;
  private draining = false;
  private revision: number;
  private compactedAt: number;

  constructor(private readonly options: StoreOptions) {
    this.revision = options.initialResourceVersion;
    this.compactedAt = options.initialResourceVersion;
  }

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may start from; anything older is 410 Gone. */
  get oldestWatchableVersion(): number {
    return this.compactedAt;
  }

  private table(rt: ResourceType): Map<string, Obj> {
    const key = storageKey(rt);
    let table = this.objects.get(key);
    if (!table) this.objects.set(key, (table = new Map()));
    return table;
  }

  /** A copy of a stored object as served at `rt`'s version (all versions of a custom resource share the objects). */
  private served(rt: ResourceType, obj: Obj): Obj {
    const copy = clone(obj);
    if (rt.custom) copy.apiVersion = apiVersionOf(rt);
    return copy;
  }

  get(rt: ResourceType, namespace: string, name: string): Obj | undefined {
    const found = this.table(rt).get(keyOf(rt.namespaced ? namespace : '', name));
    return found && this.served(rt, found);
  }

  /** The stored objects themselves, uncopied: for read-only checks across a type (node port allocation). */
  /** All objects of a type (in one namespace, or all), sorted by namespace/name, selected. */
  list(rt: ResourceType, namespace?: string, selector?: Selector): Obj[] {
    const items = [...this.table(rt).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => obj)
      .filter((obj) => !rt.namespaced || !namespace || metaOf(obj).namespace === namespace)
      .filter((obj) => !selector || matches(selector, obj));
    return items.map((obj) => this.served(rt, obj));
  }

  /** A page of a list: `limit` items from after the continue token (encoded key + version it was issued at). */
  page(rt: ResourceType, namespace: string | undefined, selector: Selector, limit?: number, continueToken?: string): Page {
    let items = this.list(rt, namespace, selector);
    if (continueToken) {
      const start = decodeContinue(continueToken);
      if (start.rv < this.compactedAt) throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      items = items.filter((obj) => keyOf(metaOf(obj).namespace ?? '', metaOf(obj).name ?? '') > start.key);
    }
    const resourceVersion = String(this.revision);
    if (!limit || limit <= 0 || items.length <= limit) return { items, resourceVersion };
    const pageItems = items.slice(0, limit);
    const last = metaOf(pageItems[pageItems.length - 1] ?? {});
    const token = Buffer.from(JSON.stringify({ rv: this.revision, key: keyOf(last.namespace ?? '', last.name ?? '') })).toString('base64url');
    return { items: pageItems, resourceVersion, continueToken: token, remainingItemCount: items.length - limit };
  }

  create(rt: ResourceType, namespace: string, body: Obj, target: WriteTarget = 'main'): Obj {
    checkTypeMeta(rt, body);
    const draft = clone(body);
    checkNamespace(rt, draft, namespace);
    const meta = metaOf(draft);
    const ns = rt.namespaced ? namespace : '';
    if (!meta.name && meta.generateName) meta.name = this.generateName(rt, ns, meta.generateName);
    if (!meta.name) throw invalid(rt, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    const problems = nameProblems(rt, meta.name);
    if (problems.length) throw invalid(rt, meta.name, problems);
    if (this.table(rt).has(keyOf(ns, meta.name))) throw alreadyExists(rt, meta.name);
    const obj = prepareCreate(draft, {
      rt, target, uid: randomUUID(), now: timestamp(this.options.now()), taken: () => this.serviceAllocations.forWrite(),
    });
    return this.commit('ADDED', rt, obj);
  }

  /** PUT semantics on the main resource or `/status`; `body.metadata.resourceVersion` (when set) must be current. */
  update(rt: ResourceType, namespace: string, name: string, body: Obj, target: WriteTarget = 'main'): Obj {
    checkTypeMeta(rt, body);
    const current = this.get(rt, namespace, name);
    if (!current) throw notFound(rt, name);
    const draft = clone(body);
    const meta = metaOf(draft);
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    checkNamespace(rt, draft, namespace);
    checkPreconditions(rt, current, meta);
    const next = prepareUpdate(current, draft, { rt, target, taken: () => this.serviceAllocations.forWrite() });
    if (isReadyToVanish(next)) return this.remove(rt, next);
    if (isNoop(current, next)) return current;
    return this.commit('MODIFIED', rt, next, current);
  }

  /** PATCH semantics: `patchFn` turns the current object into the wanted one, which is then written as an update. */
  patch(rt: ResourceType, namespace: string, name: string, patchFn: (current: Obj) => Obj, target: WriteTarget = 'main'): Obj {
    const current = this.get(rt, namespace, name);
    if (!current) throw notFound(rt, name);
    const patched = patchFn(clone(current));
    const meta = metaOf(patched);
    meta.name ??= name;
    if (rt.namespaced) meta.namespace ??= namespace;
    return this.update(rt, namespace, name, patched, target);
  }

  /**
   * DELETE: finalizers keep the object (it gains a deletionTimestamp); otherwise it goes now. `deleted` tells
   * whether it is gone once the call returns (work deferred by listeners included: a CRD's cleanup).
   */
  delete(rt: ResourceType, namespace: string, name: string, preconditions: { uid?: unknown; resourceVersion?: unknown } = {}): DeleteResult {
    const current = this.get(rt, namespace, name);
    if (!current) throw notFound(rt, name);
    checkPreconditions(rt, current, preconditions);
    const meta = metaOf(current);
    const finalizer = this.deletionFinalizers.get(storageKey(rt));
    const finalizers = [...(meta.finalizers ?? []), ...(finalizer && meta.deletionTimestamp === undefined && !meta.finalizers?.includes(finalizer) ? [finalizer] : [])];
    if (finalizers.length === 0) return { object: this.remove(rt, current), deleted: true };
    if (meta.deletionTimestamp !== undefined) return { object: current, deleted: false };
    const next = clone(current);
    metaOf(next).finalizers = finalizers;
    metaOf(next).deletionTimestamp = timestamp(this.options.now());
    metaOf(next).deletionGracePeriodSeconds = 0;
    if (rt.generation) metaOf(next).generation = (meta.generation ?? 0) + 1;
    const object = this.commit('MODIFIED', rt, next, current);
    return { object, deleted: !this.table(rt).has(keyOf(rt.namespaced ? namespace : '', name)) };
  }

  /** Objects of `rt` gain `finalizer` when deleted, as the real registry adds its own (a CRD's cleanup finalizer). */
  addDeletionFinalizer(rt: ResourceType, finalizer: string): void {
    this.deletionFinalizers.set(storageKey(rt), finalizer);
  }

  /**
   * Runs `work` once the commit being notified has reached every listener (at once when none is): how a listener
   * writes in reaction to a change without other listeners (watches) seeing the changes out of order.
   */
  afterCommit(work: () => void): void {
    this.deferred.push(work);
    if (this.committing === 0) this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let work = this.deferred.shift(); work; work = this.deferred.shift()) work();
    } finally {
      this.draining = false;
    }
  }

  /** Change events after `resourceVersion`, or undefined when that version is older than the history kept. */
  eventsAfter(resourceVersion: number): ChangeEvent[] | undefined {
    if (resourceVersion < this.compactedAt) return undefined;
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  /** Forgets all history: every watch from a version before now will get 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.compactedAt = this.revision;
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remove(rt: ResourceType, obj: Obj): Obj {
    const meta = metaOf(obj);
    const previous = this.table(rt).get(keyOf(meta.namespace ?? '', meta.name ?? ''));
    return this.commit('DELETED', rt, obj, previous && clone(previous));
  }

  private commit(type: ChangeType, rt: ResourceType, obj: Obj, previous?: Obj): Obj {
    this.revision += 1;
    const stored = clone(obj);
    const meta = metaOf(stored);
    meta.resourceVersion = String(this.revision);
    const key = keyOf(rt.namespaced ? (meta.namespace ?? '') : '', meta.name ?? '');
    if (type === 'DELETED') this.table(rt).delete(key);
    else this.table(rt).set(key, stored);
    if (rt.name === 'services') this.serviceAllocations.record(previous, type === 'DELETED' ? undefined : stored);
    const event: ChangeEvent = { type, resource: rt, resourceVersion: this.revision, object: stored, ...(previous ? { previous } : {}) };
    this.history.push(event);
    while (this.history.length > this.options.historySize) {
      const dropped = this.history.shift();
      if (dropped) this.compactedAt = dropped.resourceVersion;
    }
    const result = clone(stored);
    this.committing += 1;
    try {
      for (const listener of [...this.listeners]) listener(event);
    } finally {
      this.committing -= 1;
    }
    if (this.committing === 0) this.drain();
    return result;
  }

  private generateName(rt: ResourceType, namespace: string, prefix: string): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
      const name = `${prefix}${suffix}`;
      if (!this.table(rt).has(keyOf(namespace, name))) return name;
    }
  }
}


function decodeContinue(token: string): { rv: number; key: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const { rv, key } = parsed as { rv?: unknown; key?: unknown };
    if (typeof rv === 'number' && typeof key === 'string') return { rv, key };
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
