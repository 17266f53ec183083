/**
 * The controller loop: N workers take keys from the queue and reconcile them; one function decides what
 * an outcome means for the key (controller-runtime's reconcile result handling).
 */
import type { Logger } from './logger.js';
import { WorkQueue } from './work-queue.js';

/** What a reconcile asks of the queue when it succeeded. */
export interface ReconcileResult {
  /** Come back after this long (an expected wait, not a failure). */
  readonly requeueAfterMs?: number;
}

/**
 * An error that retrying cannot fix (the user's input is wrong). The key is not retried; it comes back
 * when the object or something it depends on changes.
 */
export class TerminalError extends Error {
  override name = 'TerminalError';
}

export type Reconciler = (key: string) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'requeue' | 'retry' | 'terminal';

export interface ControllerOptions {
  readonly name: string;
  readonly reconcile: Reconciler;
  readonly workers?: number;
  readonly queue?: WorkQueue;
  readonly logger: Logger;
  /** Told after every reconcile (metrics). */
  readonly onReconciled?: (outcome: ReconcileOutcome, durationMs: number, key: string, error?: unknown) => void;
  readonly now?: () => number;
}

export class Controller {
  readonly queue: WorkQueue;
  private readonly workers: Promise<void>[] = [];
  private running = false;
  private readonly now: () => number;

  constructor(private readonly options: ControllerOptions) {
    this.queue = options.queue ?? new WorkQueue();
    this.now = options.now ?? Date.now;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < (this.options.workers ?? 2); i++) this.workers.push(this.work());
  }

  /** Stops taking keys and waits for the reconciles in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.queue.shutDown();
    await Promise.all(this.workers.splice(0));
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = this.now();
      try {
        const result = await this.options.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) {
          this.queue.addAfter(key, result.requeueAfterMs);
          this.report('requeue', started, key);
        } else {
          this.report('success', started, key);
        }
      } catch (error) {
        this.handleFailure(key, error, started);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private handleFailure(key: string, error: unknown, started: number): void {
    if (error instanceof TerminalError) {
      this.queue.forget(key);
      this.options.logger.info({ controller: this.options.name, key, reason: error.message }, 'Left key until it changes');
      this.report('terminal', started, key, error);
      return;
    }
    const delayMs = this.queue.addRateLimited(key);
    if ((error as { code?: unknown })?.code === 409) {
      // A write built on a cached copy lost a race with another change: routine, the retry sees the fresh object.
      this.options.logger.debug({ controller: this.options.name, key }, 'Object changed meanwhile; retrying');
      this.report('retry', started, key, error);
      return;
    }
    this.options.logger.warn(
      { controller: this.options.name, key, err: error instanceof Error ? { name: error.name, message: error.message } : String(error), retryInMs: Math.round(delayMs) },
      'Reconcile failed; retrying',
    );
    this.report('retry', started, key, error);
  }

  private report(outcome: ReconcileOutcome, started: number, key: string, error?: unknown): void {
    this.options.onReconciled?.(outcome, this.now() - started, key, error);
  }
}
