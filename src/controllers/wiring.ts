/** What the composition root hands each controller's wiring, and what the wiring gives back. */
import type { KubeWriteClients } from '../kube/kube-writes.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Controller, ReconcileOutcome } from '../runtime/controller.js';
import type { Logger } from '../runtime/logger.js';
import type { SharedInformers } from './informers.js';
import type { SharedReconcilerDeps } from './reconcile-owner.js';

export interface WireOptions {
  readonly kubeConfig: KubeConfig;
  readonly informers: SharedInformers;
  readonly logger: Logger;
  /** Everything a reconciler needs but its writer (the wiring makes the kind's writer). */
  readonly reconcilerDeps: SharedReconcilerDeps;
  /** What the kind's writer patches with. */
  readonly writes: KubeWriteClients;
  readonly workers?: number;
  readonly nodeReadyGraceMs?: number;
  readonly onReconciled?: (outcome: ReconcileOutcome, durationMs: number, key: string) => void;
}

export interface WiredController<R> {
  readonly controller: Controller;
  readonly reconciler: R;
  /** Enqueues every object the controller tracks (a resync). */
  enqueueAll(): void;
  /** How many objects it tracks. */
  tracked(): number;
  stop(): Promise<void>;
}
