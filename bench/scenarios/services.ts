/**
 * NodePort Services at scale: (1) cold start of N Services × 2 ports on 50 nodes, (2) a no-op resync of
 * it, (3) a controller restart with it converged, (5) 20 nodes joining then leaving under 500 Services,
 * (6) the controller alone (its cluster and cloud in a child process) at 1,000, 3,000 and 10,000 Services with 10
 * endpoints each (direct mode): CPU time per event, heap per endpoint, RSS, reconciles, and how they grow.
 */
import { performance } from 'node:perf_hooks';
import { startServiceController, type RunningController } from '../../src/app.js';
import type { ServiceReconciler } from '../../src/controllers/service-adapter.js';
import { silentLogger } from '../../src/runtime/logger.js';
import type { ProgressAnswer } from '../cloud-protocol.js';
import { startCpuProfile, type CpuProfiler } from '../cpu-profile.js';
import { memory, mutatingCalls, node, readCalls, seconds, SETTINGS, startCluster, waitUntil, type BenchCluster, type BenchOptions, type ScenarioResult } from '../harness.js';
import { startRemoteCloud } from '../remote-cloud.js';

const LB_ID = 'service.kubernetes.io/loadbalance-id';

function service(i: number, ports = 2, annotations: Record<string, string> = {}) {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: `svc-${i}`, namespace: 'default', annotations },
    spec: { type: 'LoadBalancer', selector: { app: `app-${i}` }, ports: Array.from({ length: ports }, (_, p) => ({ name: `p${p}`, port: 80 + p, targetPort: 8080 + p, protocol: 'TCP' })) },
  };
}

/** Every Service has its CLB id recorded and `targets` targets bound. */
function converged(cluster: BenchCluster, count: number, targetsEach: number): boolean {
  const services = cluster.kube.state.list<{ metadata: { annotations?: Record<string, string> } }>('services');
  if (services.length < count) return false;
  return services.every((s) => {
    const id = s.metadata.annotations?.[LB_ID];
    return id !== undefined && cluster.cloud.simulator.boundTargets(id).size === targetsEach;
  });
}

/**
 * The time the minimum calls need: each write action drains its calls at `rate` per second, all actions in
 * parallel, and each CLB runs its `chain` writes one after another, each taking the task latency.
 */
function boundSeconds(callsPerAction: readonly number[], options: BenchOptions, chain: number): number {
  const drain = Math.max(...callsPerAction.map((c) => c / options.rateLimitPerSecond));
  return Math.round((drain + (chain * options.taskLatencyMs) / 1000) * 1000) / 1000;
}

const perAction = (cluster: BenchCluster, since: number) => {
  const counters: Record<string, number> = {};
  for (const c of cluster.cloud.simulator.traffic.log.slice(since)) if (c.kind === 'write' && !c.errorCode) counters[c.action] = (counters[c.action] ?? 0) + 1;
  return Object.entries(counters).map(([a, n]) => `${a} ${n}`).join(', ');
};

export async function coldStartFamily(options: BenchOptions): Promise<ScenarioResult[]> {
  const count = Math.max(10, Math.round(1000 * options.scale));
  const nodes = 50;
  const cluster = await startCluster(options, { nodes, workers: 64 });
  try {
    const started = performance.now();
    cluster.kube.state.seed(...Array.from({ length: count }, (_, i) => service(i)));
    await waitUntil(() => converged(cluster, count, 2 * nodes), 'cold start', 1_800_000, 200);
    const coldSeconds = seconds(started);
    const cold: ScenarioResult = {
      name: `1. cold start: ${count} Services × 2 ports on ${nodes} nodes`,
      mutatingCalls: mutatingCalls(cluster.cloud),
      minMutatingCalls: 3 * count,
      readCalls: readCalls(cluster.cloud),
      seconds: coldSeconds,
      // Every write is confirmed before it is trusted: two tasks per Service (the listener's, before its targets can be
      // registered, and the targets') cost a DescribeTaskStatus each, at the same 20/s as any action.
      boundSeconds: boundSeconds([count, count, count, 2 * count], options, 3),
      p50Ms: null, p99Ms: null, ...memory(),
      note: `per action: ${perAction(cluster, 0)}; minimum per Service: CreateLoadBalancer, one CreateListener for both ports, one BatchRegisterTargets, and two DescribeTaskStatus to confirm them`,
    };
    await cluster.idle(500);

    // (2) A resync with the remembered cloud state expired, as every resync period: reads, and no write.
    let since = cluster.cloud.simulator.traffic.log.length;
    const resyncStarted = performance.now();
    await cluster.controller.resync();
    await cluster.idle(500);
    const resync: ScenarioResult = {
      name: `2. no-op resync of (1)`,
      mutatingCalls: mutatingCalls(cluster.cloud, since),
      minMutatingCalls: 0,
      readCalls: readCalls(cluster.cloud, since),
      seconds: seconds(resyncStarted),
      boundSeconds: null, p50Ms: null, p99Ms: null, ...memory(),
      note: 'the cloud re-read in full, as at each resync period; nothing written',
    };

    // (3) A restart with everything converged: a new controller, an empty cache.
    since = cluster.cloud.simulator.traffic.log.length;
    const restartStarted = performance.now();
    await cluster.restart();
    await cluster.idle(500);
    const restart: ScenarioResult = {
      name: `3. restart with (1) converged`,
      mutatingCalls: mutatingCalls(cluster.cloud, since),
      minMutatingCalls: 0,
      readCalls: readCalls(cluster.cloud, since),
      seconds: seconds(restartStarted),
      boundSeconds: null, p50Ms: null, p99Ms: null, ...memory(),
      note: 'time until caches synced and every Service reconciled (idle)',
    };
    return [cold, resync, restart];
  } finally {
    await cluster.close();
  }
}

export async function nodeChurn(options: BenchOptions): Promise<ScenarioResult> {
  const count = Math.max(10, Math.round(500 * options.scale));
  const base = 10;
  const joining = 20;
  const cluster = await startCluster(options, { nodes: base, workers: 64 });
  try {
    cluster.kube.state.seed(...Array.from({ length: count }, (_, i) => service(i)));
    await waitUntil(() => converged(cluster, count, 2 * base), 'initial convergence', 1_800_000, 200);
    await cluster.idle(500);
    const since = cluster.cloud.simulator.traffic.log.length;
    const started = performance.now();
    cluster.kube.state.seed(...Array.from({ length: joining }, (_, i) => node(base + i)));
    await waitUntil(() => converged(cluster, count, 2 * (base + joining)), 'nodes joined', 1_800_000, 200);
    for (let i = 0; i < joining; i++) cluster.kube.state.delete('nodes', node(base + i).metadata.name);
    await waitUntil(() => converged(cluster, count, 2 * base), 'nodes left', 1_800_000, 200);
    const elapsed = seconds(started);
    await cluster.idle(500);
    return {
      name: `5. ${joining} nodes join, then leave, under ${count} NodePort Services`,
      mutatingCalls: mutatingCalls(cluster.cloud, since),
      minMutatingCalls: 2 * count,
      readCalls: readCalls(cluster.cloud, since),
      seconds: elapsed,
      boundSeconds: boundSeconds([count], options, 1) * 2,
      p50Ms: null, p99Ms: null, ...memory(),
      note: `per action: ${perAction(cluster, since)}; minimum: one BatchRegisterTargets and one BatchDeregisterTargets per CLB`,
    };
  } finally {
    await cluster.close();
  }
}

/** The sizes of scenario 6: fractions of 10,000 Services (× --scale), so one run shows how the costs grow. */
export const MEMORY_SIZES: readonly number[] = [0.1, 0.3, 1];

/**
 * (6) N direct-access Services with 10 ready endpoints each, seeded at once, until every CLB has its targets. The
 * fake API server and the simulator run in a child process (bench/cloud-child.ts) that this process reaches as a
 * real controller reaches its cluster and its cloud — the API over HTTP, the tencentcloud SDK over HTTP to the TC3
 * emulator — so this process's CPU, heap and RSS are the controller's own. One result per size.
 */
export async function memoryAtScale(options: BenchOptions): Promise<ScenarioResult[]> {
  const counts = [...new Set((options.memorySizes ?? MEMORY_SIZES).map((f) => Math.max(10, Math.round(10_000 * options.scale * f))))].sort((a, b) => a - b);
  const results: ScenarioResult[] = [];
  for (const count of counts) {
    process.stderr.write(`  6. at ${count} Services…\n`);
    results.push(await controllerAtScale(count, options));
  }
  return results;
}

/** Heap in use after full collections (`--expose-gc`; without it the number includes garbage: undefined). */
async function heapAfterGc(): Promise<number | undefined> {
  if (!global.gc) return undefined;
  for (let i = 0; i < 2; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function pollUntil(check: () => Promise<boolean>, describe: () => string, timeoutMs: number, everyMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function controllerAtScale(count: number, options: BenchOptions): Promise<ScenarioResult> {
  const perService = 10;
  const endpoints = count * perService;
  const events = 2 * count;
  // The controller's costs, not the cloud's pace, are measured here: the cloud answers at once and without a rate limit.
  const cloud = await startRemoteCloud({
    nodes: 3,
    simulator: { rateLimitPerSecond: 1_000_000, taskLatencyMs: 0, quotas: { openLoadBalancers: 100_000, internalLoadBalancers: 100_000, targetsPerRule: 100_000 } },
  });
  let controller: RunningController<ServiceReconciler> | undefined;
  let profiler: CpuProfiler | undefined;
  try {
    let reconciles = 0;
    controller = await startServiceController({
      kubeConfig: cloud.kubeConfig(),
      provider: cloud.provider,
      settings: SETTINGS,
      logger: silentLogger(),
      workers: 64,
      resyncPeriodMs: 3_600_000,
      onReconciled: () => {
        reconciles += 1;
      },
    });
    const running = controller;
    // From a started, synced, empty controller: what the Services and their endpoints add.
    const heapBefore = await heapAfterGc();
    if (options.cpuProfileDir) {
      profiler = await startCpuProfile(options.cpuProfileDir, `scenario6-${count}-services`);
      await cloud.ask({ op: 'profile', action: 'start', dir: options.cpuProfileDir, name: `scenario6-${count}-services-cloud-child` });
    }
    const reconcilesBefore = reconciles;
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    await cloud.ask({ op: 'seed', count, perService });
    let progress: ProgressAnswer | undefined;
    await pollUntil(
      async () => (progress = await cloud.ask({ op: 'progress', count, targetsEach: perService })).converged,
      () =>
        `convergence at ${count} Services (last seen: ${progress ? `${progress.registerCalls} RegisterTargets calls; ${progress.services} Services, ${progress.recorded} with a CLB, ${progress.bound} with ${perService} targets` : 'no answer'})`,
      1_800_000,
      Math.min(500, Math.max(50, count / 20)),
    );
    const wallSeconds = seconds(started);
    // Idle: nothing queued here and no call reaching the cloud for 500 ms.
    let calls = -1;
    let quietSince = Date.now();
    await pollUntil(
      async () => {
        const now = (await cloud.ask({ op: 'calls' })).calls;
        if (running.controller.queue.pending > 0 || now !== calls) quietSince = Date.now();
        calls = now;
        return Date.now() - quietSince >= 500;
      },
      () => `the controller to settle after convergence at ${count} Services (${running.controller.queue.pending} pending)`,
      120_000,
      50,
    );
    const cpu = process.cpuUsage(cpuStart);
    const ranReconciles = reconciles - reconcilesBefore;
    const profilePath = await profiler?.stop();
    profiler = undefined;
    const childProfilePath = options.cpuProfileDir ? (await cloud.ask({ op: 'profile', action: 'stop', dir: options.cpuProfileDir, name: '' })).path : undefined;
    const rssMb = Math.round(process.memoryUsage().rss / 1e6);
    const heapAtIdle = await heapAfterGc();
    // What stays, measured once idle connections are gone: client-node 2 makes an undici dispatcher (and a connection)
    // per request, alive until its keep-alive ends (4 s, or the server's 5 s hint), and the SDK's idle keep-alive
    // sockets last until the server closes them (5 s). Unref'd sockets cannot be counted, so this waits 6 s.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const heapAfter = await heapAfterGc();
    const traffic = await cloud.ask({ op: 'traffic' });
    const write = (action: string) => traffic.writes[action] ?? 0;
    const cpuMsPerEvent = Math.round(((cpu.user + cpu.system) / 1000 / events) * 1000) / 1000;
    const heapGrowth = heapBefore !== undefined && heapAfter !== undefined ? heapAfter - heapBefore : undefined;
    const perAction = Object.entries(traffic.writes).map(([a, n]) => `${a} ${n}`).join(', ');
    return {
      name: `6. memory at ${count} Services and ${endpoints} endpoints`,
      mutatingCalls: write('BatchRegisterTargets') + write('CreateListener') + write('CreateLoadBalancer'),
      minMutatingCalls: 3 * count,
      readCalls: traffic.reads,
      seconds: wallSeconds,
      boundSeconds: null, p50Ms: null, p99Ms: null,
      rssMb,
      heapMb: heapGrowth === undefined ? null : Math.round(heapGrowth / 1e6),
      services: count,
      endpoints,
      controllerCpuMsPerEvent: cpuMsPerEvent,
      ...(heapGrowth === undefined ? {} : { controllerHeapBytesPerEndpoint: Math.round(heapGrowth / endpoints) }),
      controllerRssMb: rssMb,
      reconciles: ranReconciles,
      cloudChildCpuSeconds: Math.round(traffic.childCpuMsSinceSeed) / 1000,
      note:
        `controller process only (fake API server and simulator in a child — ${traffic.childRssMb} MB RSS, ${(traffic.childCpuMsSinceSeed / 1000).toFixed(1)} s CPU — reached over HTTP with the real client-node and tencentcloud SDK); ` +
        `CPU ${cpuMsPerEvent} ms per event (${events} object events, seeding to convergence and 500 ms idle), ` +
        (heapGrowth === undefined || heapAtIdle === undefined || heapBefore === undefined
          ? 'heap not measured (run node with --expose-gc), '
          : `heap growth after GC ${Math.round(heapGrowth / endpoints)} B per endpoint once idle keep-alive connections closed ` +
            `(${Math.round((heapAtIdle - heapBefore) / endpoints)} B per endpoint right at idle, connections of the last seconds included), `) +
        `${ranReconciles} reconciles; writes: ${perAction}; reads: ${Object.entries(traffic.readsPerAction).map(([a, n]) => `${a} ${n}`).join(', ') || 'none'}; ${traffic.taskPolls} DescribeTaskStatus; ${traffic.kubeRequests} Kubernetes API requests (${traffic.kubeWrites} writes)` +
        (profilePath ? `; CPU profiles: controller ${profilePath}, cloud child ${childProfilePath ?? '(none)'}` : ''),
    };
  } finally {
    await profiler?.stop().catch(() => undefined);
    if (controller) {
      await Promise.race([controller.stop(), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]).catch((error: unknown) => {
        process.stderr.write(`  stopping the controller failed: ${(error as Error).message}\n`);
      });
    }
    await cloud.close();
  }
}
