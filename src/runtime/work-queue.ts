/**
 * A keyed work queue with client-go's semantics: a key waiting in the queue is held once however often it
 * is added; a key being processed is never handed to a second worker — adds meanwhile mark it dirty and it
 * is queued again when the first run is done; failed keys come back after a per-key, capped, jittered
 * exponential backoff, and all rate-limited re-adds together stay under an overall rate.
 */

export interface WorkQueueOptions {
  /** First retry delay of a failing key; doubles per consecutive failure. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Overall rate of rate-limited re-adds (client-go: 10/s with a burst of 100). */
  readonly retriesPerSecond?: number;
  readonly retryBurst?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private retryTokens: number;
  private retryTokensAt: number;
  private readonly options: Required<WorkQueueOptions>;

  constructor(options: WorkQueueOptions = {}) {
    this.options = {
      baseDelayMs: 5,
      maxDelayMs: 300_000,
      retriesPerSecond: 10,
      retryBurst: 100,
      now: Date.now,
      random: Math.random,
      ...options,
    };
    this.retryTokens = this.options.retryBurst;
    this.retryTokensAt = this.options.now();
  }

  get length(): number {
    return this.queue.length;
  }

  /** Keys queued or running now (not those waiting for a delayed add). */
  get active(): number {
    return new Set([...this.queued, ...this.processing]).size;
  }

  /** Keys queued, running, or waiting for a delayed add. */
  get pending(): number {
    return new Set([...this.queued, ...this.processing, ...this.timers.keys()]).size;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queued.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds the key after `ms`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.options.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  /** Re-adds a failed key after its backoff; returns the delay chosen. */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const exponential = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** failures);
    // Full jitter on the upper half keeps retries of many keys from marching in step.
    const perKey = exponential / 2 + (this.options.random() * exponential) / 2;
    const delay = Math.max(perKey, this.overallDelay());
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure history (after a success, or an error that retrying cannot fix). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key's run finished; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.waiters.splice(0).forEach((resolve) => resolve(undefined));
  }

  private overallDelay(): number {
    const now = this.options.now();
    const rate = this.options.retriesPerSecond / 1000;
    this.retryTokens = Math.min(this.options.retryBurst, this.retryTokens + (now - this.retryTokensAt) * rate);
    this.retryTokensAt = now;
    this.retryTokens -= 1;
    return this.retryTokens >= 0 ? 0 : -this.retryTokens / rate;
  }
}
