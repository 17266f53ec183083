/** What happens to a call before it reaches the simulated state: rate limits, injected faults, the call log. */
import { READ_ACTIONS } from '../../providers/tencentcloud/api.js';
import { ApiFailure } from './api-error.js';
import { seededRandom } from './support.js';

export interface CallRecord {
  readonly action: string;
  readonly kind: 'read' | 'write';
  readonly at: number;
  readonly request: unknown;
  /** The API error code when the call failed. */
  readonly errorCode?: string;
}

export interface ActionCounters {
  calls: number;
  reads: number;
  writes: number;
  errors: number;
  throttled: number;
}

interface RandomFaults {
  readonly probability: number;
  readonly codes: readonly string[];
  readonly actions?: ReadonlySet<string>;
  readonly random: () => number;
}

const RATE_WINDOW_MS = 1000;

export class ApiTraffic {
  readonly log: CallRecord[] = [];
  private readonly recentCalls = new Map<string, number[]>();
  private readonly scripted = new Map<string, { code: string; message: string; remaining: number }[]>();
  private readonly failingTasks = new Map<string, number>();
  private readonly slowTasks = new Map<string, { ms: number; remaining: number }>();
  private readonly latencyMs = new Map<string, number>();
  private random: RandomFaults | undefined;

  constructor(
    private readonly now: () => number,
    private readonly rateLimitFor: (action: string) => number,
  ) {}

  /** Fails the next `times` calls of `action` with `code`, as the API would answer. */
  failNext(action: string, code: string, times = 1, message = `Injected ${code}.`): void {
    const queue = this.scripted.get(action) ?? [];
    queue.push({ code, message, remaining: times });
    this.scripted.set(action, queue);
  }

  /** Fails each call (of `actions`, default all) with probability `p`, reproducibly from `seed`. */
  failRandomly(options: { probability: number; seed: number; codes: readonly string[]; actions?: readonly string[] }): void {
    this.random = {
      probability: options.probability,
      codes: options.codes,
      random: seededRandom(options.seed),
      ...(options.actions ? { actions: new Set(options.actions) } : {}),
    };
  }

  /** The next `times` asynchronous tasks started by `action` end with status 1 (failed), changing nothing. */
  failNextTasks(action: string, times = 1): void {
    this.failingTasks.set(action, (this.failingTasks.get(action) ?? 0) + times);
  }

  /** The next `times` asynchronous tasks started by `action` take `ms` longer (a task that outlasts the caller's patience). */
  slowNextTasks(action: string, ms: number, times = 1): void {
    this.slowTasks.set(action, { ms, remaining: times });
  }

  /** Adds latency before every call of `action` (or of every action with '*'). */
  setLatency(ms: number, action = '*'): void {
    this.latencyMs.set(action, ms);
  }

  clearFaults(): void {
    this.scripted.clear();
    this.failingTasks.clear();
    this.slowTasks.clear();
    this.latencyMs.clear();
    this.random = undefined;
  }

  latencyFor(action: string): number {
    return this.latencyMs.get(action) ?? this.latencyMs.get('*') ?? 0;
  }

  /** Throws the ApiFailure the call must answer with, if any; otherwise counts the call against the rate limit. */
  admit(action: string): void {
    const now = this.now();
    const recent = (this.recentCalls.get(action) ?? []).filter((t) => now - t < RATE_WINDOW_MS);
    this.recentCalls.set(action, recent);
    if (recent.length >= this.rateLimitFor(action)) {
      throw new ApiFailure('RequestLimitExceeded', `Your current request frequency of ${action} exceeds the limit of ${this.rateLimitFor(action)} per second.`);
    }
    recent.push(now);
    const queue = this.scripted.get(action);
    const next = queue?.[0];
    if (queue && next) {
      next.remaining -= 1;
      if (next.remaining <= 0) queue.shift();
      throw new ApiFailure(next.code, next.message);
    }
    const random = this.random;
    if (random && (!random.actions || random.actions.has(action)) && random.random() < random.probability) {
      const code = random.codes[Math.floor(random.random() * random.codes.length)] ?? 'InternalError';
      throw new ApiFailure(code, `Injected ${code}.`);
    }
  }

  /** Extra time the next task of `action` takes (0 unless slowNextTasks asked for it). */
  takeTaskDelay(action: string): number {
    const slow = this.slowTasks.get(action);
    if (!slow || slow.remaining <= 0) return 0;
    slow.remaining -= 1;
    return slow.ms;
  }

  takeTaskFailure(action: string): boolean {
    const left = this.failingTasks.get(action) ?? 0;
    if (left <= 0) return false;
    this.failingTasks.set(action, left - 1);
    return true;
  }

  record(action: string, request: unknown, errorCode?: string): void {
    this.log.push({
      action,
      kind: READ_ACTIONS.has(action) ? 'read' : 'write',
      at: this.now(),
      request,
      ...(errorCode ? { errorCode } : {}),
    });
  }

  counters(): Record<string, ActionCounters> {
    const counters: Record<string, ActionCounters> = {};
    for (const call of this.log) {
      const c = (counters[call.action] ??= { calls: 0, reads: 0, writes: 0, errors: 0, throttled: 0 });
      c.calls += 1;
      if (call.kind === 'read') c.reads += 1;
      else c.writes += 1;
      if (call.errorCode) c.errors += 1;
      if (call.errorCode === 'RequestLimitExceeded') c.throttled += 1;
    }
    return counters;
  }

  /** Writes that the API accepted: the calls that changed (or tried to change) cloud state. */
  mutatingCalls(): number {
    return this.log.filter((c) => c.kind === 'write' && !c.errorCode).length;
  }

  reset(): void {
    this.log.length = 0;
  }
}
