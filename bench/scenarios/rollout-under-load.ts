/**
 * Rollout under load: real HTTP requests through the mock CLB's data path while a Deployment rolls Pod by Pod (or a
 * node drains), counting what a user would see — requests sent, requests failed, and the longest time without a
 * successful answer. Loopback only; the load is bounded in count and time.
 *
 * Variants:
 *   - direct access (ENI targets) with readiness gates and grace shutdown: a new Pod is Ready only once the CLB has
 *     it, and a terminating Pod goes to weight 0 while it still serves its grace period;
 *   - the same with both off and no grace period (Pods stop when told): what the gates and the grace are for;
 *   - NodePort targets with externalTrafficPolicy: Local (nodes bound by their Pods) while a node drains.
 */
import { performance } from 'node:perf_hooks';
import type { V1Node } from '@kubernetes/client-node';
import { DataPath } from '../../mocks/clb/data-path/data-path.js';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { LOOPBACK_VIP_RANGES } from '../../mocks/clb/options.js';
import { portFor } from '../../mocks/cluster-net/addresses.js';
import { clusterTargetResolver } from '../../mocks/cluster-net/node-proxy.js';
import { startFakeKube } from '../../mocks/kube/index.js';
import { ClusterSimulator } from '../../mocks/sandbox/cluster-sim.js';
import { READINESS_GATE, SERVICE_ANNOTATIONS as A } from '../../src/annotations/keys.js';
import { startServiceController } from '../../src/app.js';
import { silentLogger } from '../../src/runtime/logger.js';
import type { BenchOptions, ScenarioResult } from '../harness.js';
import { memory, SETTINGS } from '../harness.js';
import { generateLoad } from '../load.js';

const REPLICAS = 4;
const GRACE_MS = 3_000;
const MIN_REQUESTS = 10_000;

interface Variant {
  readonly name: string;
  readonly direct: boolean;
  readonly gatesAndGrace: boolean;
  /** Drain a node instead of rolling the Deployment. */
  readonly drain?: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'rollout under load: direct access, readiness gates + grace shutdown', direct: true, gatesAndGrace: true },
  { name: 'rollout under load: direct access, no gates, no grace', direct: true, gatesAndGrace: false },
  { name: 'node drain under load: NodePort, externalTrafficPolicy Local, grace shutdown', direct: false, gatesAndGrace: true, drain: true },
];

function node(i: number): V1Node {
  const ip = `10.0.1.${11 + i}`;
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: ip, labels: { 'kubernetes.io/hostname': ip } },
    spec: { providerID: `qcloud:///800002/ins-rollout${i}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: ip }] },
  };
}

const until = async (check: () => boolean, what: string, timeoutMs = 60_000) => {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error(`rollout-under-load: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

async function runVariant(variant: Variant, options: BenchOptions, ratePerSecond: number): Promise<ScenarioResult> {
  const nodes = [0, 1, 2].map(node);
  const kube = await startFakeKube({ seed: nodes });
  const cloud = createLocalCloud({ publicVipRanges: LOOPBACK_VIP_RANGES, taskLatencyMs: options.taskLatencyMs, rateLimitPerSecond: options.rateLimitPerSecond });
  const dataPath = new DataPath(cloud.simulator, { listenPort: portFor, resolve: clusterTargetResolver(kube) });
  const cluster = new ClusterSimulator(kube, { dataPath: true });
  const controller = await startServiceController({ kubeConfig: kube.kubeConfig(), provider: cloud.provider, settings: SETTINGS, logger: silentLogger(), resyncPeriodMs: 3_600_000 });
  try {
    const annotations: Record<string, string> = variant.direct
      ? { [A.directAccess]: 'true', ...(variant.gatesAndGrace ? { [A.graceShutdown]: 'true' } : {}) }
      : { [A.localOnlyBindNodeWithPod]: 'true' };
    kube.state.apply({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'web', namespace: 'default', annotations },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...(variant.direct ? {} : { externalTrafficPolicy: 'Local' }) },
    });
    const gates = variant.direct && variant.gatesAndGrace ? { readinessGates: [{ conditionType: READINESS_GATE }] } : {};
    cluster.createPods({ metadata: { name: 'web', namespace: 'default' }, spec: { replicas: REPLICAS, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example' }], ...gates } } } });
    cluster.syncOnce();
    cluster.start(50);
    await cluster.dataPathReady();
    await dataPath.start();

    const lbOf = () => kube.state.get<{ metadata: { annotations?: Record<string, string> } }>('services', 'default/web')?.metadata.annotations?.[A.loadBalancerId];
    const expected = variant.direct ? REPLICAS : 3;
    await until(() => Boolean(lbOf()) && cloud.simulator.boundTargets(lbOf()!).size === expected, 'the CLB with every backend');
    await dataPath.sync();
    const lb = [...cloud.simulator.liveLoadBalancers()].find((x) => x.id === lbOf())!;
    const target = dataPath.addressOf(lb, 80);

    // Load first; the change starts a second in, and the load runs until the change is done and MIN_REQUESTS are sent.
    let changed = false;
    const started = performance.now();
    const load = generateLoad(target, { ratePerSecond, maxRequests: MIN_REQUESTS * 3, maxMs: 180_000, until: () => changed && performance.now() - started > (MIN_REQUESTS / ratePerSecond) * 1000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const grace = variant.gatesAndGrace ? { graceMs: GRACE_MS } : { graceMs: 0 };
    const changeStarted = performance.now();
    await (variant.drain ? cluster.drainNode(nodes[0]!.metadata!.name!, { ...grace, readyAfterMs: 200 }) : cluster.rollOut('web', { ...grace, readyAfterMs: 200, maxSurge: 1 }));
    const changeSeconds = Math.round((performance.now() - changeStarted) / 100) / 10;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    changed = true;
    const result = await load;
    const seconds = Math.round((performance.now() - started) / 10) / 100;
    return {
      name: variant.name,
      mutatingCalls: null, minMutatingCalls: null, readCalls: null,
      seconds, boundSeconds: null, p50Ms: null, p99Ms: null,
      ...memory(),
      requests: result.requests,
      failedRequests: result.failedRequests,
      longestGapMs: result.longestGapMs,
      note: `${ratePerSecond} req/s on new connections through the CLB's VIP (${target.host}:${target.port}); ${REPLICAS} Pods, the ${variant.drain ? 'drain' : 'rollout'} took ${changeSeconds} s (Pod grace ${grace.graceMs} ms); task latency ${options.taskLatencyMs} ms${result.failures.length ? `; first failures: ${result.failures.join(', ')}` : ''}`,
    };
  } finally {
    await dataPath.stop();
    await controller.stop();
    await cluster.close();
    await kube.close();
  }
}

export async function rolloutUnderLoad(options: BenchOptions): Promise<ScenarioResult[]> {
  // At --scale below 1 the load is lighter, not shorter: the ≥ 10,000 requests of the claim need the time.
  const ratePerSecond = Math.max(100, Math.round(300 * Math.min(1, options.scale)));
  const results: ScenarioResult[] = [];
  for (const variant of VARIANTS) results.push(await runVariant(variant, options, ratePerSecond));
  return results;
}
