/**
 * Faults on demand: bursts of error answers, 410 Gone for the next watches, added latency, and (via
 * the watch hub and the store) dropped watch streams and a compacted history.
 */
import { injected, type KubeApiError } from './errors.js';
import type { ResourceName } from './resources.js';
import { matchesRequest, type RequestFilter, type RequestInfo } from './request-log.js';
import type { ObjectStore } from './store.js';
import type { DropMode, WatchHub } from './watch.js';

export interface FailOptions extends RequestFilter {
  /** HTTP status to answer with (default 500). */
  readonly status?: number;
  readonly message?: string;
  /** Sets `Retry-After` (the usual companion of 429). */
  readonly retryAfterSeconds?: number;
}

export interface ExpireOptions {
  /** `event` (default): HTTP 200 then an ERROR event with a 410 Status, as the real server does;
   * `http`: an HTTP 410 answer. The client-node informer relists on either. */
  readonly as?: 'event' | 'http';
  /** A built-in resource's name, or a custom resource's plural. */
  readonly resource?: ResourceName | (string & {});
}

export interface InjectedFailure {
  readonly error: KubeApiError;
  readonly retryAfterSeconds?: number;
}

interface FailRule {
  remaining: number;
  readonly options: FailOptions;
}

interface ExpireRule {
  remaining: number;
  readonly options: ExpireOptions;
}

interface LatencyRule {
  readonly ms: number;
  readonly filter?: RequestFilter;
}

export class Faults {
  private failRules: FailRule[] = [];
  private expireRules: ExpireRule[] = [];
  private latencyRules: LatencyRule[] = [];

  constructor(private readonly store: ObjectStore, private readonly watches: WatchHub) {}

  /** The next `count` requests matching the options are answered with an error Status (default 500). */
  failNext(count: number, options: FailOptions = {}): void {
    this.failRules.push({ remaining: count, options });
  }

  /** The next `count` watch requests (optionally of one resource) are answered 410 Gone. */
  expireNextWatches(count = 1, options: ExpireOptions = {}): void {
    this.expireRules.push({ remaining: count, options });
  }

  /** Adds `ms` before every matching request is answered (until `clearLatency` / `reset`). */
  addLatency(ms: number, filter?: RequestFilter): void {
    this.latencyRules.push(filter ? { ms, filter } : { ms });
  }

  clearLatency(): void {
    this.latencyRules = [];
  }

  /** Ends all open watches now (optionally one resource's); returns how many. See `DropMode`. */
  dropWatches(mode: DropMode = 'end', resource?: ResourceName | (string & {})): number {
    return this.watches.drop(mode, resource);
  }

  /** Forgets the change history: a watch from any version before now is answered 410 Gone. */
  compactHistory(): void {
    this.store.compact();
  }

  /** Removes all pending faults and latency. */
  reset(): void {
    this.failRules = [];
    this.expireRules = [];
    this.latencyRules = [];
  }

  // ---- used by the server --------------------------------------------------------------------

  latencyFor(request: RequestInfo): number {
    return this.latencyRules.filter((r) => matchesRequest(r.filter, request)).reduce((max, r) => Math.max(max, r.ms), 0);
  }

  takeFailure(request: RequestInfo): InjectedFailure | undefined {
    const rule = this.failRules.find((r) => r.remaining > 0 && matchesRequest(r.options, request));
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.failRules = this.failRules.filter((r) => r.remaining > 0);
    const error = injected(rule.options.status ?? 500, rule.options.message);
    return rule.options.retryAfterSeconds === undefined ? { error } : { error, retryAfterSeconds: rule.options.retryAfterSeconds };
  }

  takeWatchExpiry(request: RequestInfo): 'event' | 'http' | undefined {
    const rule = this.expireRules.find((r) => r.remaining > 0 && (!r.options.resource || r.options.resource === (request.resource ?? request.customResource)));
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.expireRules = this.expireRules.filter((r) => r.remaining > 0);
    return rule.options.as ?? 'event';
  }
}
