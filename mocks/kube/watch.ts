/**
 * Watch streams as the real server writes them: HTTP 200, `Content-Type: application/json`, chunked,
 * one `{"type":…,"object":…}` per line. From a resourceVersion the stream replays the kept history
 * after it (410 Expired as an ERROR event when that version is too old); without one (or "0") it
 * starts with a synthetic ADDED per existing object. Selectors apply to events as the watch cache
 * applies them: an object moving out of the selection is DELETED, moving in is ADDED.
 */
import type { ServerResponse } from 'node:http';
import { badRequest, expired } from './errors.js';
import { storageKey } from './registry.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { matches, type Selector } from './selectors.js';
import type { ChangeEvent, ObjectStore } from './store.js';
import { clone, metaOf, type Obj, type StatusObject, type WatchEventType } from './types.js';

export interface WatchRequest {
  readonly rt: ResourceType;
  readonly namespace?: string;
  readonly selector: Selector;
  readonly resourceVersion?: string;
  readonly allowBookmarks: boolean;
  /** Streaming list: initial ADDED events, then a BOOKMARK annotated `k8s.io/initial-events-end`. */
  readonly sendInitialEvents?: boolean;
  readonly timeoutSeconds?: number;
  /** How objects of ADDED/MODIFIED/DELETED events go out (a Table row for `kubectl get -w`); default: as stored. */
  readonly present?: (object: unknown) => unknown;
}

/** A watch stream that is open right now. */
export interface OpenWatch {
  /** The plural watched (a built-in's `ResourceName`, or a custom resource's plural). */
  readonly resource: string;
  readonly group: string;
  readonly namespace?: string;
  readonly resourceVersion?: string;
  readonly openedAt: number;
}

/** How to end open watches: `end` closes the stream cleanly (as a server-side timeout does), `expire`
 * first sends a 410 Expired ERROR event, `destroy` resets the connection mid-stream. */
export type DropMode = 'end' | 'expire' | 'destroy';

export interface WatchHubOptions {
  readonly bookmarkIntervalMs: number;
  readonly defaultTimeoutSeconds?: number;
}

interface ActiveWatch {
  readonly info: OpenWatch;
  readonly storage: string;
  readonly res: ServerResponse;
  close(mode: DropMode): void;
}

export const expiredStatus = (message: string): StatusObject => expired(message).status;

export class WatchHub {
  private readonly active = new Set<ActiveWatch>();

  constructor(private readonly store: ObjectStore, private readonly options: WatchHubOptions) {}

  /** Parses the starting version; throws 400 for one that is not a number. */
  private startVersion(request: WatchRequest): number | undefined {
    const rv = request.resourceVersion;
    if (rv === undefined || rv === '' || rv === '0') return undefined;
    if (!/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
    return Number(rv);
  }

  /** Answers a watch request on `res` (headers not yet sent). */
  serve(res: ServerResponse, request: WatchRequest): void {
    const from = request.sendInitialEvents ? undefined : this.startVersion(request);
    const replay = from === undefined ? undefined : this.store.eventsAfter(from);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const send = (type: WatchEventType, object: unknown) => {
      const shown = request.present && type !== 'ERROR' && type !== 'BOOKMARK' ? request.present(object) : object;
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object: shown })}\n`);
    };
    if (from !== undefined && replay === undefined) {
      send('ERROR', expiredStatus(`too old resource version: ${from} (${this.store.oldestWatchableVersion})`));
      res.end();
      return;
    }
    if (replay === undefined) {
      for (const obj of this.store.list(request.rt, request.namespace, request.selector)) send('ADDED', obj);
      if (request.sendInitialEvents) send('BOOKMARK', this.bookmark(request.rt, { 'k8s.io/initial-events-end': 'true' }));
    } else {
      for (const change of replay) this.deliver(change, request, send);
    }
    this.keepOpen(res, request, send);
  }

  private keepOpen(res: ServerResponse, request: WatchRequest, send: (type: WatchEventType, object: unknown) => void): void {
    const unsubscribe = this.store.subscribe((change) => this.deliver(change, request, send));
    const timers: NodeJS.Timeout[] = [];
    const watch: ActiveWatch = {
      info: { resource: request.rt.name, group: request.rt.group, ...(request.namespace ? { namespace: request.namespace } : {}), ...(request.resourceVersion ? { resourceVersion: request.resourceVersion } : {}), openedAt: Date.now() },
      res,
      storage: storageKey(request.rt),
      close: (mode) => {
        if (mode === 'destroy') {
          res.socket?.destroy();
          res.destroy();
          return;
        }
        if (mode === 'expire') send('ERROR', expiredStatus(`too old resource version: ${request.resourceVersion ?? '0'} (${this.store.resourceVersion})`));
        res.end();
      },
    };
    this.active.add(watch);
    const cleanup = () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      this.active.delete(watch);
    };
    res.on('close', cleanup);
    res.on('finish', cleanup);
    const timeoutSeconds = request.timeoutSeconds ?? this.options.defaultTimeoutSeconds;
    if (timeoutSeconds !== undefined && timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
    if (request.allowBookmarks) {
      const rt = request.rt;
      timers.push(setInterval(() => send('BOOKMARK', this.bookmark(rt)), this.options.bookmarkIntervalMs));
    }
    timers.forEach((t) => t.unref());
  }

  private bookmark(rt: ResourceType, annotations?: Record<string, string>): Obj {
    const metadata: Obj = { resourceVersion: String(this.store.resourceVersion), ...(annotations ? { annotations } : {}) };
    return { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata };
  }

  /** Sends one change to one watch, as filtered by its namespace and selectors. */
  private deliver(change: ChangeEvent, request: WatchRequest, emit: (type: WatchEventType, object: unknown) => void): void {
    if (storageKey(change.resource) !== storageKey(request.rt)) return;
    const selected = (obj: Obj | undefined) =>
      obj !== undefined && (!request.namespace || metaOf(obj).namespace === request.namespace) && matches(request.selector, obj);
    // Every version of a custom resource sees the same objects, each at its own apiVersion.
    const rt = request.rt;
    const send = (type: WatchEventType, object: Obj) => emit(type, rt.custom ? { ...object, apiVersion: apiVersionOf(rt) } : object);
    const now = selected(change.object);
    if (change.type === 'ADDED') {
      if (now) send('ADDED', change.object);
    } else if (change.type === 'DELETED') {
      if (now) send('DELETED', change.object);
    } else {
      const before = selected(change.previous);
      if (now) send(before ? 'MODIFIED' : 'ADDED', change.object);
      else if (before && change.previous) {
        const gone = clone(change.previous);
        metaOf(gone).resourceVersion = String(change.resourceVersion);
        send('DELETED', gone);
      }
    }
  }

  /** Ends every open watch (optionally only one resource's: its plural, or plural.group); returns how many were ended. */
  drop(mode: DropMode = 'end', resource?: string): number {
    return this.end([...this.active].filter((w) => !resource || named(w.info, resource)), mode);
  }

  /** Ends the watches of the resources kept under one storage key (the custom resources of a CRD that went). */
  dropStorage(key: string): number {
    return this.end([...this.active].filter((w) => w.storage === key), 'end');
  }

  private end(victims: readonly ActiveWatch[], mode: DropMode): number {
    victims.forEach((w) => {
      this.active.delete(w);
      w.close(mode);
    });
    return victims.length;
  }

  list(resource?: string): OpenWatch[] {
    return [...this.active].filter((w) => !resource || named(w.info, resource)).map((w) => w.info);
  }
}

/** Whether a watch is of `resource`: its plural, or plural.group. */
const named = (info: OpenWatch, resource: string) => info.resource === resource || `${info.resource}.${info.group}` === resource;
