/**
 * Benchmark plumbing: a cluster (fake Kubernetes API + mock cloud + service-controller) per scenario, an
 * observer of the simulated cloud, percentiles, and the result record written to bench/results.json.
 */
import { performance } from 'node:perf_hooks';
import { createLocalCloud, type LocalCloud } from '../mocks/clb/local-cloud.js';
import type { SimulatorOptions } from '../mocks/clb/options.js';
import { startFakeKube, type FakeKube } from '../mocks/kube/index.js';
import { startServiceController, type RunningController } from '../src/app.js';
import type { ServiceReconciler } from '../src/controllers/service-adapter.js';
import { ActualStateCache } from '../src/deploy/actual-cache.js';
import { silentLogger } from '../src/runtime/logger.js';
import { readyNode } from './cloud-protocol.js';

export interface ScenarioResult {
  readonly name: string;
  readonly mutatingCalls: number | null;
  readonly minMutatingCalls: number | null;
  readonly readCalls: number | null;
  readonly seconds: number | null;
  readonly boundSeconds: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly rssMb: number | null;
  readonly heapMb: number | null;
  /** What the numbers mean, in a line. */
  readonly note?: string;
  /** Traffic through the data path (the rollout-under-load scenario): requests sent, failed, and the longest time without a success. */
  readonly requests?: number;
  readonly failedRequests?: number;
  readonly longestGapMs?: number;
  /** Scenario 6, where the controller runs in a process of its own (the fake API and the cloud in a child): its size… */
  readonly services?: number;
  readonly endpoints?: number;
  /** …and the controller process's costs: CPU (user + system) from seeding to convergence and idle, per object event… */
  readonly controllerCpuMsPerEvent?: number;
  /** …heap growth per endpoint after a full GC, once idle keep-alive connections have closed (informer caches, remembered cloud state)… */
  readonly controllerHeapBytesPerEndpoint?: number;
  /** …its resident set at convergence, and the reconciles it ran. */
  readonly controllerRssMb?: number;
  readonly reconciles?: number;
  /** CPU seconds the cloud child (fake API server + simulator) spent over the same stretch: the wall time's other part. */
  readonly cloudChildCpuSeconds?: number;
}

export interface BenchOptions {
  /** Shrinks sizes (and so run time) proportionally; 1 is full scale. */
  readonly scale: number;
  readonly taskLatencyMs: number;
  readonly rateLimitPerSecond: number;
  /** Scenario 6's sizes as fractions of `scale` (`--memory-sizes 0.1,0.3,1`, the default). */
  readonly memorySizes?: readonly number[];
  /** `--cpu-profile DIR`: scenario 6 writes a .cpuprofile of the controller process per size there (and of its cloud child). */
  readonly cpuProfileDir?: string;
}

export const SETTINGS = { clusterId: 'cls-bench', vpcId: 'vpc-cluster1' };

export interface BenchCluster {
  readonly kube: FakeKube;
  readonly cloud: LocalCloud;
  /** The controller's memory of the cloud (a restart starts a new one). */
  cache: ActualStateCache;
  controller: RunningController<ServiceReconciler>;
  restart(): Promise<void>;
  /** Resolves when the controller has had nothing to do for `quietMs`. */
  idle(quietMs?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A Ready node (defined with the child's protocol, which must not load the controller). */
export const node = readyNode;

export async function startCluster(options: BenchOptions, extra: { nodes?: number; simulator?: SimulatorOptions; workers?: number } = {}): Promise<BenchCluster> {
  const kube = await startFakeKube({ seed: Array.from({ length: extra.nodes ?? 3 }, (_, i) => node(i)) });
  const cloud = createLocalCloud({
    taskLatencyMs: options.taskLatencyMs,
    rateLimitPerSecond: options.rateLimitPerSecond,
    quotas: { openLoadBalancers: 100_000, internalLoadBalancers: 100_000, targetsPerRule: 100_000 },
    ...extra.simulator,
  });
  const resyncPeriodMs = 3_600_000;
  const start = () =>
    startServiceController({
      kubeConfig: kube.kubeConfig(),
      provider: cloud.provider,
      settings: SETTINGS,
      logger: silentLogger(),
      workers: extra.workers ?? 16,
      resyncPeriodMs,
    });
  const controller = await start();
  const cluster: BenchCluster = {
    kube,
    cloud,
    cache: controller.cache,
    controller,
    async restart() {
      await cluster.controller.stop();
      cluster.controller = await start();
      cluster.cache = cluster.controller.cache;
    },
    async idle(quietMs = 300, timeoutMs = 600_000) {
      const deadline = Date.now() + timeoutMs;
      let quietSince = Date.now();
      let lastCalls = cloud.simulator.traffic.log.length;
      while (Date.now() - quietSince < quietMs) {
        if (Date.now() > deadline) throw new Error('The controller did not settle in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
        const calls = cloud.simulator.traffic.log.length;
        if (cluster.controller.controller.queue.pending > 0 || calls !== lastCalls) quietSince = Date.now();
        lastCalls = calls;
      }
    },
    async close() {
      await cluster.controller.stop();
      await kube.close();
    },
  };
  return cluster;
}

export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const mutatingCalls = (cloud: LocalCloud, since = 0) => cloud.simulator.traffic.log.slice(since).filter((c) => c.kind === 'write' && !c.errorCode).length;
export const readCalls = (cloud: LocalCloud, since = 0) => cloud.simulator.traffic.log.slice(since).filter((c) => c.kind === 'read' && c.action !== 'DescribeTaskStatus').length;
export const callsOf = (cloud: LocalCloud, action: string, since = 0) => cloud.simulator.traffic.log.slice(since).filter((c) => c.action === action && !c.errorCode).length;

export const seconds = (startMs: number) => Math.round(((performance.now() - startMs) / 1000) * 1000) / 1000;

export function memory(): { rssMb: number; heapMb: number } {
  const usage = process.memoryUsage();
  return { rssMb: Math.round(usage.rss / 1e6), heapMb: Math.round(usage.heapUsed / 1e6) };
}

export async function waitUntil(check: () => boolean, what: string, timeoutMs = 600_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
