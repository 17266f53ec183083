/**
 * Events on the objects the controllers manage, with fixed PascalCase reasons. Repeats of the same event on
 * the same object are folded for a while so a resync loop never floods the API with identical Events.
 */
import { randomUUID } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../runtime/logger.js';
import { withCode, type ErrorCode } from '../model/error-codes.js';

export const EVENT_REASONS = {
  ensuring: 'EnsuringLoadBalancer',
  ensured: 'EnsuredLoadBalancer',
  syncFailed: 'SyncLoadBalancerFailed',
  deleting: 'DeletingLoadBalancer',
  deleted: 'DeletedLoadBalancer',
  /** The CLB to delete has deletion protection on: the owner waits until the user decides. */
  protected: 'LoadBalancerProtected',
} as const;

export type EventType = 'Normal' | 'Warning';

/**
 * The one way a Warning is emitted: its message leads with a stable error code (src/model/error-codes.ts), so a
 * runbook can match the case. (A test fails on any other 'Warning' in src/.)
 */
export function emitWarning(events: EventSink, object: KubernetesObject, reason: string, code: ErrorCode, message: string): void {
  events.emit(object, 'Warning', reason, withCode(code, message));
}

export interface EventSink {
  emit(object: KubernetesObject, type: EventType, reason: string, message: string): void;
  /** The object is in sync: what was folded of its Warnings is forgotten (optional). */
  resolved?(object: KubernetesObject): void;
}

/** How Events reach the API server. */
export interface EventCreator {
  createEvent(namespace: string, body: object): Promise<unknown>;
}

export interface EventRecorderOptions {
  readonly api: EventCreator;
  readonly component: string;
  readonly logger: Logger;
  /** Identical events on one object within this window are emitted once. */
  readonly foldWindowMs?: number;
  readonly now?: () => number;
}

export class EventRecorder implements EventSink {
  private readonly recent = new Map<string, number>();
  /** The folded Warnings of each object (by uid): forgotten once it is ensured, so the same mistake made again is told again. */
  private readonly warnings = new Map<string, Set<string>>();
  private readonly now: () => number;

  constructor(private readonly options: EventRecorderOptions) {
    this.now = options.now ?? Date.now;
  }

  emit(object: KubernetesObject, type: EventType, reason: string, message: string): void {
    const uid = object.metadata?.uid ?? '';
    const key = `${uid}|${type}|${reason}|${message}`;
    const now = this.now();
    if (type === 'Warning') this.warnings.set(uid, (this.warnings.get(uid) ?? new Set()).add(key));
    const last = this.recent.get(key);
    if (last !== undefined && now - last < (this.options.foldWindowMs ?? 10 * 60_000)) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.prune(now);
    const namespace = object.metadata?.namespace ?? 'default';
    const time = new Date(now);
    const event = {
      metadata: { name: `${object.metadata?.name ?? 'object'}.${randomUUID().slice(0, 13).replace('-', '')}`, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata?.name,
        namespace,
        uid,
        resourceVersion: object.metadata?.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: this.options.component },
      reportingComponent: this.options.component,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    // Events are best effort: a failure to record one never fails a reconcile.
    this.options.api.createEvent(namespace, event).catch((error: unknown) => {
      // Not recorded: the next identical emit must try again, or a Warning lost to an API blip stays lost for the window.
      if (this.recent.get(key) === now) this.recent.delete(key);
      this.options.logger.warn({ reason, object: `${namespace}/${object.metadata?.name}`, err: (error as Error).message }, 'Failed to record event');
    });
  }

  /** The object is in sync again: a Warning it had is told anew if the same mistake comes back. */
  resolved(object: KubernetesObject): void {
    const uid = object.metadata?.uid ?? '';
    for (const key of this.warnings.get(uid) ?? []) this.recent.delete(key);
    this.warnings.delete(uid);
  }

  private prune(now: number): void {
    for (const [key, at] of this.recent) if (now - at > (this.options.foldWindowMs ?? 10 * 60_000)) this.recent.delete(key);
    for (const [uid, keys] of this.warnings) {
      for (const key of keys) if (!this.recent.has(key)) keys.delete(key);
      if (!keys.size) this.warnings.delete(uid);
    }
  }
}
