/**
 * Waits for new CLBs to run. Polling each creation's task would cost one DescribeTaskStatus per CLB (and
 * that action has its own rate limit); one DescribeLoadBalancers answers for up to 20 new CLBs at once.
 */
import { TaskFailedError, TransientError } from '../errors.js';
import type { LoadBalancer } from '../provider.js';

interface Waiter {
  readonly since: number;
  resolve(lb: LoadBalancer): void;
  reject(error: Error): void;
}

export interface CreationWaiterOptions {
  readonly describe: (ids: readonly string[]) => Promise<LoadBalancer[]>;
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export class CreationWaiter {
  private readonly waiting = new Map<string, Waiter>();
  private polling = false;

  constructor(private readonly options: CreationWaiterOptions) {}

  /** Resolves with the CLB once it is running; rejects if it vanishes (its creation failed) or takes too long. */
  waitRunning(id: string): Promise<LoadBalancer> {
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { since: this.options.now(), resolve, reject });
      if (!this.polling) void this.poll();
    });
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      while (this.waiting.size) {
        await this.options.sleep(this.options.pollMs);
        const batch = [...this.waiting.keys()].slice(0, 20);
        let found: LoadBalancer[];
        try {
          found = await this.options.describe(batch);
        } catch (error) {
          for (const id of batch) this.settle(id, (w) => w.reject(error as Error));
          continue;
        }
        for (const id of batch) {
          const lb = found.find((l) => l.id === id);
          const waiter = this.waiting.get(id);
          if (!waiter) continue;
          if (lb?.status === 'running') this.settle(id, (w) => w.resolve(lb));
          else if (!lb) this.settle(id, (w) => w.reject(new TaskFailedError(`CreateLoadBalancer: ${id} disappeared while being created (its task failed)`, { action: 'CreateLoadBalancer' })));
          else if (this.options.now() - waiter.since > this.options.timeoutMs) {
            this.settle(id, (w) => w.reject(new TransientError(`CreateLoadBalancer: ${id} still creating after ${this.options.timeoutMs} ms`, { action: 'CreateLoadBalancer' })));
          }
        }
      }
    } finally {
      this.polling = false;
    }
  }

  private settle(id: string, finish: (waiter: Waiter) => void): void {
    const waiter = this.waiting.get(id);
    this.waiting.delete(id);
    if (waiter) finish(waiter);
  }
}
