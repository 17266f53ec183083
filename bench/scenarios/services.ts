/**
 * NodePort Services at scale: (1) cold start of N Services × 2 ports on 50 nodes, (2) a no-op resync of
 * it, (3) a controller restart with it converged, (5) 20 nodes joining then leaving under 500 Services,
 * (6) memory at 10,000 Services and 100,000 endpoints (direct mode) and CPU time per event.
 */
import { performance } from 'node:perf_hooks';
import { callsOf, memory, mutatingCalls, node, readCalls, seconds, startCluster, waitUntil, type BenchCluster, type BenchOptions, type ScenarioResult } from '../harness.js';

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

export async function memoryAtScale(options: BenchOptions): Promise<ScenarioResult> {
  const count = Math.max(100, Math.round(10_000 * options.scale));
  const perService = 10;
  // Memory, not time, is measured here: the cloud answers at once and without a rate limit.
  const fast = { ...options, taskLatencyMs: 0, rateLimitPerSecond: 1_000_000 };
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const cluster = await startCluster(fast, { nodes: 3, workers: 64, simulator: { rateLimitPerSecond: 1_000_000, taskLatencyMs: 0 } });
  try {
    const objects: object[] = [];
    for (let i = 0; i < count; i++) {
      objects.push(service(i, 1, { 'service.cloud.tencent.com/direct-access': 'true' }));
      objects.push({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
        metadata: { name: `svc-${i}-slice`, namespace: 'default', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
        ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
        endpoints: Array.from({ length: perService }, (_, k) => ({ addresses: [`10.${100 + (Math.floor(i / 250) % 100)}.${i % 250}.${k + 1}`], conditions: { ready: true } })),
      });
    }
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    cluster.kube.state.seed(...objects);
    await waitUntil(() => converged(cluster, count, perService), 'convergence at scale', 1_800_000, 500);
    await cluster.idle(500);
    const cpu = process.cpuUsage(cpuStart);
    global.gc?.();
    const heapMb = Math.round((process.memoryUsage().heapUsed - before) / 1e6);
    const endpoints = count * perService;
    const events = count * 2;
    return {
      name: `6. memory at ${count} Services and ${endpoints} endpoints`,
      mutatingCalls: callsOf(cluster.cloud, 'BatchRegisterTargets') + callsOf(cluster.cloud, 'CreateListener') + callsOf(cluster.cloud, 'CreateLoadBalancer'),
      minMutatingCalls: 3 * count,
      readCalls: null,
      seconds: seconds(started),
      boundSeconds: null, p50Ms: null, p99Ms: null,
      rssMb: memory().rssMb,
      heapMb,
      note: `heap growth ${Math.round((heapMb * 1e6) / endpoints)} B per endpoint (fake API and mock cloud state included, they share the process); CPU ${(((cpu.user + cpu.system) / 1000) / events).toFixed(2)} ms per event (${events} object events)`,
    };
  } finally {
    await cluster.close();
  }
}
