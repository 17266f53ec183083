/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's leaderelection semantics, so that of
 * several replicas exactly one writes to the cloud and a standby takes over when it goes.
 *
 * - A candidate takes the Lease when it names no holder, or when its record has not changed for the
 *   holder's leaseDuration as measured on THIS process's clock since it last saw the record change. Remote
 *   timestamps (renewTime) are never compared with the local clock, so clock skew between nodes is harmless.
 * - Every write carries the resourceVersion last seen: of two candidates writing at once, one gets 409.
 * - The leader renews every retryPeriod. `isLeader()` is true only until renewDeadline after the start of
 *   the last successful renewal; a timer steps down at that moment even if a request hangs. Others wait
 *   leaseDuration (> renewDeadline) after they saw that renewal land, so the old leader has stopped before
 *   anyone else can start.
 * - Seeing another holder in the record ends leadership at once (client-go's IsLeader() reads the same).
 * - `stop()` ends leadership, waits for `beforeRelease` (in-flight writes) and clears holderIdentity, so a
 *   successor need not wait out the lease.
 *
 * Unlike client-go's Run, an elector that lost the lease keeps running as a candidate and may lead again;
 * the composition root decides whether losing it should rather end the process.
 */
import { Observable, V1MicroTime, type ConfigurationOptions, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from './logger.js';

/** The three Lease calls the elector makes (a CoordinationV1Api, or a wrapper of one in tests). */
export type LeaseApi = Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;

/** client-go's defaults (k8s.io/client-go/tools/leaderelection; kube-controller-manager's flags). */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/** A candidate waits retryPeriod × (1 + random × 1.2) between attempts (client-go's JitterFactor). */
export const JITTER_FACTOR = 1.2;

export interface LeaderElectorOptions {
  readonly api: LeaseApi;
  readonly namespace: string;
  readonly name: string;
  /** Unique per process (e.g. pod name + random suffix): two processes with one identity would both lead. */
  readonly identity: string;
  readonly logger: Logger;
  /** How long others wait after last seeing the record change before taking it (written to the Lease in whole seconds). */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renewal. */
  readonly renewDeadlineMs?: number;
  /** Time between attempts to renew or acquire. */
  readonly retryPeriodMs?: number;
  /** Bound on each Lease request (default: renewDeadline / 2), so a hung connection cannot stall the loop. */
  readonly requestTimeoutMs?: number;
  readonly onStartedLeading?: () => void;
  /** Called as leadership ends (lost, deadline passed, or stop()); isLeader() is already false. */
  readonly onStoppedLeading?: () => void;
  /** Called when the observed holder changes (including to ''), for logs. */
  readonly onNewLeader?: (identity: string) => void;
  /**
   * Awaited by stop() after isLeader() turned false and before the Lease is released: let the work the
   * lease guards finish here (e.g. `gatedProvider.idle()`), or a successor could overlap it.
   */
  readonly beforeRelease?: () => Promise<void>;
  /** Clear holderIdentity on stop() (default true), as client-go's ReleaseOnCancel. */
  readonly releaseOnStop?: boolean;
  readonly now?: () => number;
  readonly random?: () => number;
}

type Attempt = 'acquired' | 'held-by-other' | 'failed';

interface ObservedRecord {
  readonly key: string;
  readonly holder: string;
  readonly durationMs: number;
  /** Local time at which this process first saw this record. */
  readonly at: number;
}

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly requestTimeoutMs: number;
  private readonly now: () => number;
  private leading = false;
  /** Local time at which the last successful acquire/renew request was sent. */
  private renewedAt = 0;
  private lease: V1Lease | undefined;
  private observed: ObservedRecord | undefined;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? this.renewDeadlineMs / 2;
    this.now = options.now ?? Date.now;
    // The same checks as client-go's NewLeaderElector: each one is what makes the hand-over safe.
    if (!options.identity) throw new Error('Leader election needs a non-empty identity');
    if (!(this.retryPeriodMs > 0)) throw new Error('retryPeriod must be greater than zero');
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new Error('leaseDuration must be greater than renewDeadline');
    if (!(this.renewDeadlineMs > JITTER_FACTOR * this.retryPeriodMs)) throw new Error(`renewDeadline must be greater than retryPeriod × ${JITTER_FACTOR}`);
  }

  /** The timings in force (defaults filled in), for logs. */
  get timings(): { readonly leaseDurationMs: number; readonly renewDeadlineMs: number; readonly retryPeriodMs: number } {
    return { leaseDurationMs: this.leaseDurationMs, renewDeadlineMs: this.renewDeadlineMs, retryPeriodMs: this.retryPeriodMs };
  }

  get identity(): string {
    return this.options.identity;
  }

  /** True while this process may act as leader: it holds the Lease and renewed it within renewDeadline. */
  isLeader(): boolean {
    return this.leading && !this.stopped && this.now() - this.renewedAt < this.renewDeadlineMs;
  }

  /** The holder named by the record last seen ('' when released, undefined before the first read). */
  get observedLeader(): string | undefined {
    return this.observed?.holder;
  }

  /** Starts campaigning in the background; leadership is announced through onStartedLeading. */
  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run().catch((error: unknown) => {
      // Not expected (every attempt catches its own errors); never leave a leader without a renew loop.
      this.stepDown('Stopped leading: the election loop failed');
      this.options.logger.error({ lease: this.leaseKey, err: describe(error) }, 'Leader election loop failed');
    });
  }

  /** Stops campaigning; if leading, steps down, awaits beforeRelease, then releases the Lease. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    const wasLeading = this.leading;
    this.stepDown('Stopped leading on shutdown', 'info');
    if (this.options.releaseOnStop === false || this.lease?.spec?.holderIdentity !== this.identity) return;
    if (wasLeading) await this.options.beforeRelease?.();
    await this.release();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const attemptAt = this.now();
      const attempt = await this.tryAcquireOrRenew(attemptAt);
      // stop() came meanwhile: it releases what this attempt may have taken, and nobody is told we led.
      if (this.stopped) return;
      if (attempt === 'acquired') this.renewed(attemptAt);
      else if (attempt === 'held-by-other') this.stepDown('Lost lease to another holder');
      else if (this.leading && this.now() - this.renewedAt >= this.renewDeadlineMs) this.stepDown('Failed to renew lease within the deadline');
      // The leader renews on a fixed period; candidates spread out (client-go: wait.JitterUntil).
      const jitter = this.leading ? 0 : (this.options.random ?? Math.random)() * JITTER_FACTOR;
      await this.sleep(this.retryPeriodMs * (1 + jitter));
    }
  }

  /** One round of client-go's tryAcquireOrRenew. */
  private async tryAcquireOrRenew(now: number): Promise<Attempt> {
    // Fast path for the leader: update from the copy we wrote last; a 409 means the record moved.
    if (this.leading && this.lease) {
      try {
        return this.wrote(await this.replace(this.renewedLease(this.lease, now)));
      } catch (error) {
        this.options.logger.debug({ lease: this.leaseKey, err: describe(error) }, 'Failed to renew lease optimistically; reading it');
      }
    }
    let current: V1Lease;
    try {
      current = await this.bounded((o) => this.options.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace }, o));
    } catch (error) {
      if (statusOf(error) !== 404) return this.failed('Failed to read lease', error);
      return this.create(now);
    }
    this.lease = current;
    this.observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.identity && this.observed && this.observed.at + this.observed.durationMs > now) return 'held-by-other';
    try {
      return this.wrote(await this.replace(this.takenLease(current, now)));
    } catch (error) {
      return this.failed(statusOf(error) === 409 ? 'Lost a race for the lease' : 'Failed to update lease', error);
    }
  }

  private async create(now: number): Promise<Attempt> {
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.options.name, namespace: this.options.namespace },
      spec: { ...this.record(now), acquireTime: new V1MicroTime(now), leaseTransitions: 0 },
    };
    try {
      return this.wrote(await this.bounded((o) => this.options.api.createNamespacedLease({ namespace: this.options.namespace, body }, o)));
    } catch (error) {
      return this.failed(statusOf(error) === 409 ? 'Lost a race to create the lease' : 'Failed to create lease', error);
    }
  }

  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    const now = this.now();
    // client-go's release: no holder, a 1 s duration, the transition count kept.
    const spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: new V1MicroTime(now), renewTime: new V1MicroTime(now) };
    try {
      this.lease = await this.replace({ ...lease, spec });
      this.observe(this.lease);
      this.options.logger.info({ lease: this.leaseKey, identity: this.identity }, 'Released lease');
    } catch (error) {
      this.options.logger.warn({ lease: this.leaseKey, err: describe(error) }, 'Failed to release lease; successors wait for it to expire');
    }
  }

  private record(now: number): { holderIdentity: string; leaseDurationSeconds: number; renewTime: V1MicroTime } {
    return { holderIdentity: this.identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000), renewTime: new V1MicroTime(now) };
  }

  private renewedLease(lease: V1Lease, now: number): V1Lease {
    return { ...lease, spec: { ...lease.spec, ...this.record(now) } };
  }

  /** Ours already: keep acquireTime and the transition count; else a new term. */
  private takenLease(lease: V1Lease, now: number): V1Lease {
    if (lease.spec?.holderIdentity === this.identity) return this.renewedLease(lease, now);
    const spec = { ...lease.spec, ...this.record(now), acquireTime: new V1MicroTime(now), leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 };
    return { ...lease, spec };
  }

  private replace(body: V1Lease): Promise<V1Lease> {
    return this.bounded((o) => this.options.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body }, o));
  }

  private wrote(lease: V1Lease): Attempt {
    this.lease = lease;
    this.observe(lease);
    return 'acquired';
  }

  private failed(message: string, error: unknown): Attempt {
    this.options.logger.debug({ lease: this.leaseKey, identity: this.identity, err: describe(error) }, message);
    return 'failed';
  }

  /** Notes when the record last changed, by this process's clock (client-go's observedTime). */
  private observe(lease: V1Lease): void {
    const spec = lease.spec ?? {};
    const key = JSON.stringify([spec.holderIdentity ?? '', spec.leaseDurationSeconds, timeText(spec.acquireTime), timeText(spec.renewTime), spec.leaseTransitions]);
    if (this.observed?.key === key) return;
    const holder = spec.holderIdentity ?? '';
    const previous = this.observed?.holder;
    const durationMs = spec.leaseDurationSeconds ? spec.leaseDurationSeconds * 1000 : this.leaseDurationMs;
    this.observed = { key, holder, durationMs, at: this.now() };
    if (holder !== previous) this.safely(() => this.options.onNewLeader?.(holder));
  }

  private renewed(attemptAt: number): void {
    this.renewedAt = attemptAt;
    this.armDeadline();
    if (this.leading) return;
    this.leading = true;
    this.options.logger.info({ lease: this.leaseKey, identity: this.identity }, 'Acquired lease');
    this.safely(() => this.options.onStartedLeading?.());
  }

  private stepDown(message: string, level: 'info' | 'warn' = 'warn'): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.deadlineTimer);
    this.options.logger[level]({ lease: this.leaseKey, identity: this.identity }, message);
    this.safely(() => this.options.onStoppedLeading?.());
  }

  /** Steps down when renewDeadline passes without a renewal, even if the loop is stuck on a request. */
  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const check = (): void => {
      const left = this.renewedAt + this.renewDeadlineMs - this.now();
      if (left > 0) {
        this.deadlineTimer = setTimeout(check, left);
        this.deadlineTimer.unref?.();
      } else {
        this.stepDown('Failed to renew lease within the deadline');
      }
    };
    check();
  }

  /** Runs one Lease request with a timeout: aborts the HTTP request and rejects even if the api ignores the signal. */
  private bounded<T>(call: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`Lease request timed out after ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
    const options: ConfigurationOptions = {
      middleware: [
        {
          pre: (context) => {
            context.setSignal(controller.signal);
            return new Observable(Promise.resolve(context));
          },
          post: (response) => new Observable(Promise.resolve(response)),
        },
      ],
      middlewareMergeStrategy: 'append',
    };
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
    return Promise.race([call(options), aborted]).finally(() => clearTimeout(timer));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      this.wake = done;
    });
  }

  private safely(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.options.logger.error({ lease: this.leaseKey, err: describe(error) }, 'Leader election callback failed');
    }
  }

  private get leaseKey(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }
}

/** HTTP status of a client-node ApiException. */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** client-node hands MicroTime back as the wire string (it has no deserializer for it); we write V1MicroTime. */
function timeText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value ?? '');
}
