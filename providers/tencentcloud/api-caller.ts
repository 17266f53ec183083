/**
 * Every API call goes through here: the per-action rate limit, retries of transient failures with capped,
 * jittered backoff, and the mapping of SDK errors to the contract's typed errors. Asynchronous CLB writes
 * additionally run under their CLB's lock and wait for their task (DescribeTaskStatus) before returning.
 */
import pRetry, { AbortError } from 'p-retry';
import { CloudError, TaskFailedError, ThrottledError, TransientError } from '../errors.js';
import { errorForCode } from './error-codes.js';
import type { ClbApi, TagApi, VpcApi, clb } from './api.js';
import { KeyedMutex } from './keyed-mutex.js';
import { ActionRateLimits } from './rate-limiter.js';

export interface RetryOptions {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export interface TaskPollOptions {
  /** First status check after this long; CLB tasks rarely finish sooner. */
  readonly firstPollMs: number;
  readonly maxPollMs: number;
  /** Give up waiting (the task may still finish; the next reconcile observes it). */
  readonly timeoutMs: number;
}

export interface CallerOptions {
  readonly rateLimitPerSecond: number;
  readonly rateLimits?: Readonly<Record<string, number>>;
  readonly retry: RetryOptions;
  readonly taskPoll: TaskPollOptions;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Told about each retried failure (for logs and metrics); never given request bodies. */
  readonly onRetry?: (action: string, error: CloudError, attempt: number) => void;
  /** Told once per HTTP attempt, retried ones included (for metrics): the API error code on failure. */
  readonly onCall?: (action: string, outcome: CallOutcome, durationMs: number) => void;
}

/** `throttled`: the API's rate limit said no (RequestLimitExceeded*), as the code mapping decides. */
export type CallOutcome = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly throttled: boolean };

export interface ApiClients {
  readonly clb: ClbApi;
  readonly vpc: VpcApi;
  readonly tag: TagApi;
}

type AnyApi = Record<string, (req: never) => Promise<unknown>>;

/** Turns whatever a client threw into a typed CloudError. Never includes request bodies or credentials. */
export function toCloudError(error: unknown, action: string): CloudError {
  if (error instanceof CloudError) return error;
  const e = error as { code?: unknown; requestId?: unknown; httpCode?: unknown; message?: unknown; name?: unknown };
  const requestId = typeof e?.requestId === 'string' && e.requestId ? e.requestId : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const details = { action, cause: error, ...(requestId ? { requestId } : {}) };
  if (typeof e?.code === 'string' && e.code && !/^E[A-Z]+$/.test(e.code)) {
    return errorForCode(e.code, `${action}: ${e.code}: ${message}`, details);
  }
  // Transport failures (status >= 500, resets, timeouts, unparsable bodies) are worth another try.
  if (typeof e?.httpCode === 'number' && e.httpCode < 500) return errorForCode('InvalidParameter', `${action}: HTTP ${e.httpCode}: ${message}`, details);
  return new TransientError(`${action}: ${message}`, details);
}

export class ApiCaller {
  private readonly limits: ActionRateLimits;
  private readonly locks = new KeyedMutex();
  /** Each CLB's last write whose task nobody has waited for yet. */
  private readonly pending = new Map<string, { action: string; task: clb.DescribeTaskStatusRequest; startedAt: number }>();

  constructor(
    private readonly clients: ApiClients,
    private readonly options: CallerOptions,
  ) {
    this.limits = new ActionRateLimits((action) => options.rateLimits?.[action] ?? options.rateLimitPerSecond, options.now, options.sleep);
  }

  /** A call that changes nothing on the cloud side (or a synchronous one): rate-limited and retried. */
  async call<S extends keyof ApiClients, A extends keyof ApiClients[S] & string>(
    service: S,
    action: A,
    request: Parameters<Extract<ApiClients[S][A], (req: never) => unknown>>[0],
  ): Promise<Awaited<ReturnType<Extract<ApiClients[S][A], (...args: never[]) => unknown>>>> {
    const client = this.clients[service] as unknown as AnyApi;
    const { retry } = this.options;
    return pRetry(
      async () => {
        await this.limits.take(action);
        const started = this.options.now();
        try {
          const response = (await client[action]!(request as never)) as never;
          this.reportCall(action, { ok: true }, started);
          return response;
        } catch (error) {
          const cloudError = toCloudError(error, action);
          // Transport failures carry no API code: report the error class instead.
          this.reportCall(action, { ok: false, code: cloudError.code ?? cloudError.name, throttled: cloudError instanceof ThrottledError }, started);
          if (!cloudError.retryable) throw new AbortError(cloudError);
          throw cloudError;
        }
      },
      {
        retries: retry.retries,
        minTimeout: retry.minDelayMs,
        maxTimeout: retry.maxDelayMs,
        factor: 2,
        randomize: true,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft > 0 && error instanceof CloudError) this.options.onRetry?.(action, error, attemptNumber);
        },
      },
    );
  }

  /** A failing metrics hook must never turn a finished call into a retried one. */
  private reportCall(action: string, outcome: CallOutcome, started: number): void {
    try {
      this.options.onCall?.(action, outcome, this.options.now() - started);
    } catch {
      // ignored: observability only
    }
  }

  /**
   * An asynchronous CLB write. Writes to one CLB never overlap (the API would answer ResourceInOperating):
   * each holds the CLB's lock and first waits for the CLB's previous task. Its own task is awaited now
   * (`wait: 'now'`) or left pending (`'lazy'`, the default) — then the next call that touches the CLB waits
   * for it, and a task nobody touches again costs no status poll at all.
   */
  async write<A extends keyof ClbApi & string>(
    loadBalancerIds: readonly string[],
    action: A,
    request: Parameters<ClbApi[A]>[0],
    options: {
      /** Which task to wait for; by default the one named by the response's RequestId. */
      readonly taskOf?: (response: Awaited<ReturnType<ClbApi[A]>>) => clb.DescribeTaskStatusRequest;
      readonly wait?: 'now' | 'lazy';
    } = {},
  ): Promise<Awaited<ReturnType<ClbApi[A]>>> {
    const taskOf = options.taskOf ?? ((response) => ({ TaskId: (response as { RequestId?: string }).RequestId ?? '' }));
    const response = await this.locks.run(loadBalancerIds, async (): Promise<unknown> => {
      await this.settlePending(loadBalancerIds);
      const answer = await this.call('clb', action, request as never);
      const task = { action, task: taskOf(answer as never), startedAt: this.options.now() };
      if (options.wait === 'now' || !loadBalancerIds.length) await this.waitForTask(task.action, task.task, task.startedAt, loadBalancerIds);
      else for (const id of loadBalancerIds) this.pending.set(id, task);
      return answer;
    });
    return response as never;
  }

  /** Waits until every write to these CLBs has finished; a task that failed is reported here. */
  async settle(loadBalancerIds: readonly string[]): Promise<void> {
    if (!loadBalancerIds.some((id) => this.pending.has(id))) return;
    await this.locks.run(loadBalancerIds, () => this.settlePending(loadBalancerIds));
  }

  private async settlePending(loadBalancerIds: readonly string[]): Promise<void> {
    for (const id of loadBalancerIds) {
      const pending = this.pending.get(id);
      if (!pending) continue;
      this.pending.delete(id);
      await this.waitForTask(pending.action, pending.task, pending.startedAt, [id]);
    }
  }

  /** Polls a task's status: first when it is likely done (`firstPollMs` after it started), then backing off. */
  private async waitForTask(action: string, task: clb.DescribeTaskStatusRequest, startedAt: number, loadBalancerIds: readonly string[]): Promise<void> {
    const taskId = task.TaskId || task.DealName || '';
    const where = loadBalancerIds.length ? `CLB ${loadBalancerIds.join(', ')}` : 'a new CLB';
    const { firstPollMs, maxPollMs, timeoutMs } = this.options.taskPoll;
    const deadline = startedAt + timeoutMs;
    let delay = firstPollMs;
    let wait = Math.max(0, startedAt + firstPollMs - this.options.now());
    for (;;) {
      await this.options.sleep(wait);
      const { Status, Message } = await this.call('clb', 'DescribeTaskStatus', task);
      // 0 succeeded, 1 failed, 2 running — as a number or, from some gateways, as a string.
      const status = Number(Status);
      if (status === 0) return;
      if (status === 1) throw new TaskFailedError(`${action} on ${where}: task ${taskId} failed${Message ? `: ${Message}` : ''}`, { action, requestId: taskId });
      if (this.options.now() + delay > deadline) {
        throw new TransientError(`${action} on ${where}: task ${taskId} still running after ${timeoutMs} ms`, { action, requestId: taskId });
      }
      delay = Math.min(maxPollMs, Math.ceil(delay * 1.5));
      wait = delay;
    }
  }
}
