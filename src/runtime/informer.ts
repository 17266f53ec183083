/**
 * An informer that keeps itself alive. client-node's informer relists by itself after a 410, but stops for
 * good on any other watch error; this wrapper starts it again with capped exponential backoff, and tells
 * the caller when its cache has synced (first list done), which is when its view can be trusted.
 */
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from './logger.js';

export interface ResilientInformerOptions {
  readonly name: string;
  readonly logger: Logger;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type ObjectHandler<T> = (object: T, kind: 'add' | 'update' | 'delete') => void;

/** An index of the cache (client-go's Indexer): objects by the keys `keysOf` gives them, kept at every change. */
interface Index<T> {
  readonly keysOf: (object: T) => readonly string[];
  readonly objects: Map<string, Map<string, T>>;
  /** The keys each object (by namespace/name) is indexed under now, to unindex it when it changes or goes. */
  readonly keysByObject: Map<string, readonly string[]>;
}

const cacheKey = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class ResilientInformer<T extends KubernetesObject> {
  private stopped = false;
  private synced = false;
  private restarting = false;
  private failures = 0;
  /** Set while a start is in progress: its errors are that start's failure, not a reason for another restart. */
  private starting: { error?: unknown } | undefined;
  private readonly handlers: ObjectHandler<T>[] = [];
  private readonly indexes = new Map<string, Index<T>>();

  constructor(
    private readonly informer: Informer<T> & ObjectCache<T>,
    private readonly options: ResilientInformerOptions,
  ) {
    // client-node may open one more watch after stop() (during its reconnect delay): ignore what it brings.
    for (const kind of ['add', 'update', 'delete'] as const) {
      informer.on(kind, (object: T) => {
        if (this.stopped) return;
        // Indexes first: a handler that looks something up sees the change.
        for (const index of this.indexes.values()) reindex(index, object, kind === 'delete');
        this.handlers.forEach((handle) => handle(object, kind));
      });
    }
    informer.on('error', (error: unknown) => this.onError(error));
  }

  /** Handlers get every add, update and delete, including those of relists after a restart. */
  onChange(handler: ObjectHandler<T>): void {
    this.handlers.push(handler);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  /**
   * Indexes the cache by `keysOf` (e.g. EndpointSlices by their Service), so that a reconcile reads what is its own
   * instead of filtering a namespace: per-reconcile work proportional to the object's inputs, not to the cluster.
   */
  addIndex(name: string, keysOf: (object: T) => readonly string[]): void {
    const index: Index<T> = { keysOf, objects: new Map(), keysByObject: new Map() };
    for (const object of this.list()) reindex(index, object, false);
    this.indexes.set(name, index);
  }

  /** The cached objects an index has under `key` (none for an unknown index or key). */
  byIndex(name: string, key: string): readonly T[] {
    const found = this.indexes.get(name)?.objects.get(key);
    return found ? [...found.values()] : [];
  }

  /** Resolves once the first list has landed in the cache (retrying until it does, or until stopped). */
  async start(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.startOnce();
        this.synced = true;
        return;
      } catch (error) {
        await this.backoff(error);
      }
    }
  }

  /**
   * One start of the underlying informer, which throws when its list failed. client-node's `start()` resolves
   * even then — it only emits 'error' — so taking its resolution for a synced cache would let the controllers
   * reconcile on an EMPTY view (no nodes: every target deregistered) and, as that error arrived mid-restart, leave
   * the informer stopped for good.
   */
  private async startOnce(): Promise<void> {
    const attempt: { error?: unknown } = {};
    this.starting = attempt;
    try {
      await this.informer.start();
    } finally {
      this.starting = undefined;
    }
    if ('error' in attempt) throw attempt.error;
    this.failures = 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  private onError(error: unknown): void {
    if (this.starting) {
      this.starting.error ??= error;
      return;
    }
    // stop() itself fires an AbortError: after a stop nothing is wrong.
    if (this.stopped || this.restarting) return;
    this.restarting = true;
    void (async () => {
      try {
        while (!this.stopped) {
          await this.backoff(error);
          if (this.stopped) return;
          try {
            await this.startOnce();
            return;
          } catch (next) {
            error = next;
          }
        }
      } finally {
        this.restarting = false;
      }
    })();
  }

  private async backoff(error: unknown): Promise<void> {
    const min = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** this.failures);
    this.failures += 1;
    // A resource not served (a CRD not installed) is said once at warn level; the retries after it, at debug.
    const notServed = (error as { code?: unknown })?.code === 404;
    const level = notServed && this.failures > 1 ? 'debug' : 'warn';
    this.options.logger[level](
      { informer: this.options.name, err: error instanceof Error ? error.message : String(error), retryInMs: delay },
      notServed ? 'Informer cannot list its resource (not served: is its CRD installed?); retrying' : 'Informer stopped; restarting',
    );
    await (this.options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref?.())))(delay);
  }
}

function reindex<T extends KubernetesObject>(index: Index<T>, object: T, deleted: boolean): void {
  const key = cacheKey(object);
  for (const old of index.keysByObject.get(key) ?? []) {
    const set = index.objects.get(old);
    set?.delete(key);
    if (set && !set.size) index.objects.delete(old);
  }
  if (deleted) return void index.keysByObject.delete(key);
  const keys = index.keysOf(object);
  index.keysByObject.set(key, keys);
  for (const k of keys) {
    const set = index.objects.get(k) ?? new Map<string, T>();
    set.set(key, object);
    index.objects.set(k, set);
  }
}
