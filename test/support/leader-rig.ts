/**
 * A rig for leader-election tests: replicas that each run a LeaderElector on one Lease of the fake
 * Kubernetes API and a write loop through their own leader-gated CLB provider over ONE shared simulator.
 * Every write that reaches a replica's real provider is logged with the replica and its start and end, so a
 * test can check that no two replicas ever wrote at the same time.
 */
import { performance } from 'node:perf_hooks';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { createLocalCloud, providerOptionsFor } from '../../mocks/clb/local-cloud.js';
import type { SimulatorOptions } from '../../mocks/clb/options.js';
import { startFakeKube } from '../../mocks/kube/index.js';
import type { CloudProvider } from '../../providers/provider.js';
import { ClbProvider } from '../../providers/tencentcloud/clb-provider.js';
import { createLeaderGatedProvider, NotLeaderError, type LeaderGatedProvider } from '../../src/runtime/leader-gated-provider.js';
import { LeaderElector, type LeaderElectorOptions, type LeaseApi } from '../../src/runtime/leader-election.js';
import { silentLogger } from '../../src/runtime/logger.js';

export type FakeKube = Awaited<ReturnType<typeof startFakeKube>>;

/** Small client-go-shaped timings: leaseDuration > renewDeadline > 1.2 × retryPeriod. The Lease stores whole seconds. */
export const TIMINGS = { leaseDurationMs: 1000, renewDeadlineMs: 400, retryPeriodMs: 50 } as const;
export const LEASE = { namespace: 'kube-system', name: 'clb-controller' } as const;

export const clock = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
  }
}

export interface WriteRecord {
  readonly replica: string;
  readonly method: string;
  readonly start: number;
  end: number;
}

export interface LeadershipEvent {
  readonly replica: string;
  readonly what: 'started' | 'stopped';
  /** clock() time. */
  readonly at: number;
  /** Date.now(), to compare with the Lease's renewTime. */
  readonly wall: number;
}

export interface Replica {
  readonly id: string;
  readonly elector: LeaderElector;
  readonly provider: LeaderGatedProvider;
  /** Writes this replica's loop had refused by its gate. */
  refused: number;
  startWriting(): void;
  stopWriting(): Promise<void>;
}

/** Logs every call that reaches `provider` (the gate sits in front of this, so only admitted calls arrive). */
export function recording(provider: CloudProvider, replica: string, log: WriteRecord[], delayMs = 0): CloudProvider {
  return new Proxy(provider, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return async (...args: unknown[]) => {
        const record: WriteRecord = { replica, method: property, start: clock(), end: Number.NaN };
        log.push(record);
        try {
          // A slow call (a long cloud task): the recorded interval covers all of it.
          if (delayMs) await sleep(delayMs);
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          record.end = clock();
        }
      };
    },
  });
}

/** Pairs of writes by different replicas whose [start, end] intervals overlap. */
export function overlappingWrites(log: readonly WriteRecord[]): [WriteRecord, WriteRecord][] {
  const sorted = [...log].sort((a, b) => a.start - b.start);
  const overlaps: [WriteRecord, WriteRecord][] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i]!;
      const b = sorted[j]!;
      if (b.start >= (Number.isNaN(a.end) ? Infinity : a.end)) break;
      if (a.replica !== b.replica) overlaps.push([a, b]);
    }
  }
  return overlaps;
}

export interface LeaderRig {
  readonly kube: FakeKube;
  readonly api: CoordinationV1Api;
  readonly loadBalancerId: string;
  readonly writes: WriteRecord[];
  readonly events: LeadershipEvent[];
  replica(id: string, options?: { api?: LeaseApi; writeDelayMs?: number } & Partial<Omit<LeaderElectorOptions, 'api' | 'identity' | 'logger'>>): Replica;
  leaders(): string[];
  firstEvent(replica: string, what: LeadershipEvent['what'], after?: number): LeadershipEvent | undefined;
  close(): Promise<void>;
}

export async function startLeaderRig(simulator: SimulatorOptions = { rateLimitPerSecond: 1000 }): Promise<LeaderRig> {
  const kube = await startFakeKube();
  const api = kube.kubeConfig().makeApiClient(CoordinationV1Api);
  const cloud = createLocalCloud(simulator);
  const lb = await cloud.provider.createLoadBalancer({ name: 'shared', type: 'OPEN', vpcId: 'vpc-cluster1', tags: {} });
  const writes: WriteRecord[] = [];
  const events: LeadershipEvent[] = [];
  const replicas: Replica[] = [];

  const replica: LeaderRig['replica'] = (id, options = {}) => {
    const { api: leaseApi, writeDelayMs, ...electorOptions } = options;
    const own = new ClbProvider({ clb: cloud.simulator, vpc: cloud.simulator.vpc, tag: cloud.simulator.tag }, providerOptionsFor(cloud.simulator, simulator));
    const provider = createLeaderGatedProvider({ provider: recording(own, id, writes, writeDelayMs), isLeader: () => elector.isLeader() });
    const elector = new LeaderElector({
      api: leaseApi ?? api,
      ...LEASE,
      ...TIMINGS,
      identity: id,
      logger: silentLogger(),
      onStartedLeading: () => events.push({ replica: id, what: 'started', at: clock(), wall: Date.now() }),
      onStoppedLeading: () => events.push({ replica: id, what: 'stopped', at: clock(), wall: Date.now() }),
      // The wiring we recommend: let admitted writes finish before the Lease is released.
      beforeRelease: () => provider.idle(),
      ...electorOptions,
    });
    let writing: Promise<void> | undefined;
    let stop = false;
    const r: Replica = {
      id,
      elector,
      provider,
      refused: 0,
      startWriting() {
        stop = false;
        writing ??= (async () => {
          for (let n = 0; !stop; n++) {
            try {
              await provider.modifyLoadBalancerAttributes(lb.id, { name: `${id}-${n}` });
            } catch (error) {
              if (!(error instanceof NotLeaderError)) throw error;
              r.refused += 1;
            }
            await sleep(2);
          }
        })();
      },
      async stopWriting() {
        stop = true;
        await writing;
        writing = undefined;
      },
    };
    replicas.push(r);
    return r;
  };

  return {
    kube,
    api,
    loadBalancerId: lb.id,
    writes,
    events,
    replica,
    leaders: () => replicas.filter((r) => r.elector.isLeader()).map((r) => r.id),
    firstEvent: (id, what, after = -Infinity) => events.find((e) => e.replica === id && e.what === what && e.at >= after),
    async close() {
      await Promise.all(replicas.map((r) => r.stopWriting()));
      await Promise.all(replicas.map((r) => r.elector.stop()));
      await kube.close();
    },
  };
}
