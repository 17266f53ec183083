/**
 * What the reconcile pipeline tells about each owner (a Service or an Ingress) as it goes, for whoever keeps
 * score — the Prometheus metrics (src/runtime/metrics.ts). Plain calls, never awaited: an observer must not slow or
 * fail a reconcile.
 */

export type OwnerKind = 'Service' | 'Ingress';

export interface ObservedOwner {
  readonly kind: OwnerKind;
  readonly namespace: string;
  readonly name: string;
}

/**
 * An owner's state after a reconcile:
 * - Synced: its CLB is as its model says;
 * - Refused: a user error stops it (a Warning says which; it waits for the object to change);
 * - Blocked: it waits for the user to act on the cloud side (a protection, missing ownership tags);
 * - Failed: the cloud or the API server failed; retried with backoff.
 */
export const SYNC_STATES = ['Synced', 'Refused', 'Blocked', 'Failed'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/** What an owner has on the cloud after its last successful ensure. */
export interface OwnedResources {
  /** The CLB ids (one, in practice; an owner reusing a CLB shares it with others). */
  readonly loadBalancers: readonly string[];
  readonly listeners: number;
  readonly rules: number;
  readonly targets: number;
}

export const DRIFT_KINDS = ['loadBalancer', 'listener', 'rule', 'target'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface SyncObserver {
  /** The owner's state after a reconcile, with the Event reason and error code that explain it. */
  synced(owner: ObservedOwner, state: SyncState, reason: string, code?: string): void;
  /** What the owner has on the cloud, after a successful ensure. */
  owns(owner: ObservedOwner, resources: OwnedResources): void;
  /** The owner no longer has a CLB (released or deleted): its state and resources are forgotten. */
  forget(owner: ObservedOwner): void;
  /** Writes that put back what changed on the cloud while the owner's model did not (console edits, lost targets). */
  driftCorrected(owner: ObservedOwner, kind: DriftKind, changes: number): void;
  /** A change the owner's reconcile noticed reached the CLB: its target writes' tasks finished, `seconds` after. */
  targetsProgrammed(owner: ObservedOwner, seconds: number): void;
}
