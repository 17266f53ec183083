/**
 * Direct access: (a) a rolling update of N direct-access Pods in waves, measuring the time from an
 * EndpointSlice change to the target being registered in the mock cloud; (b) N endpoints appearing at once,
 * measuring calls per change against ⌈changes / 500⌉.
 */
import { performance } from 'node:perf_hooks';
import { callsOf, memory, mutatingCalls, percentile, readCalls, seconds, startCluster, waitUntil, type BenchOptions, type ScenarioResult } from '../harness.js';

const DIRECT = { 'service.cloud.tencent.com/direct-access': 'true', 'service.cloud.tencent.com/enable-grace-shutdown': 'true' };

interface Endpoint {
  ip: string;
  ready: boolean;
  terminating: boolean;
}

function slice(endpoints: readonly Endpoint[]) {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: 'app-slice', namespace: 'default', labels: { 'kubernetes.io/service-name': 'app' } },
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready && !e.terminating, serving: e.ready, terminating: e.terminating } })),
  };
}

const service = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'app', namespace: 'default', annotations: DIRECT },
  spec: { type: 'LoadBalancer', selector: { app: 'app' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

const ipOf = (generation: number, i: number) => `172.${16 + generation}.${Math.floor(i / 250)}.${(i % 250) + 1}`;

export async function rollingUpdate(options: BenchOptions): Promise<ScenarioResult> {
  const pods = Math.max(8, Math.round(200 * options.scale));
  const surge = Math.max(1, Math.round(pods / 8));
  const cluster = await startCluster(options);
  try {
    let endpoints: Endpoint[] = Array.from({ length: pods }, (_, i) => ({ ip: ipOf(0, i), ready: true, terminating: false }));
    cluster.kube.state.seed(slice(endpoints), service);
    let lbId = '';
    await waitUntil(() => {
      lbId = cluster.kube.state.get<{ metadata: { annotations?: Record<string, string> } }>('services', 'default/app')?.metadata.annotations?.['service.kubernetes.io/loadbalance-id'] ?? '';
      return Boolean(lbId) && cluster.cloud.simulator.boundTargets(lbId).size === pods;
    }, 'initial convergence');
    await cluster.idle();
    const since = cluster.cloud.simulator.traffic.log.length;
    const started = performance.now();
    const latencies: number[] = [];
    const waves = Math.ceil(pods / surge);
    for (let wave = 0; wave < waves; wave++) {
      const range = Array.from({ length: Math.min(surge, pods - wave * surge) }, (_, k) => wave * surge + k);
      // New Pods come up (ready): from this write on, the clock runs until each is registered.
      const fresh = range.map((i) => ({ ip: ipOf(1, i), ready: true, terminating: false }));
      endpoints = [...endpoints, ...fresh];
      const changedAt = performance.now();
      cluster.kube.state.apply(slice(endpoints));
      const pending = new Set(fresh.map((e) => `${e.ip}:8080`));
      while (pending.size) {
        const bound = cluster.cloud.simulator.boundTargets(lbId);
        for (const key of [...pending]) {
          if (bound.has(key)) {
            pending.delete(key);
            latencies.push(performance.now() - changedAt);
          }
        }
        if (pending.size) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      // The old Pods of this wave terminate (drained at weight 0), then go.
      const old = new Set(range.map((i) => ipOf(0, i)));
      endpoints = endpoints.map((e) => (old.has(e.ip) ? { ...e, terminating: true } : e));
      cluster.kube.state.apply(slice(endpoints));
      await waitUntil(() => [...old].every((ip) => cluster.cloud.simulator.boundTargets(lbId).get(`${ip}:8080`) === 0), `wave ${wave} drained`);
      endpoints = endpoints.filter((e) => !old.has(e.ip));
      cluster.kube.state.apply(slice(endpoints));
      await waitUntil(() => [...old].every((ip) => !cluster.cloud.simulator.boundTargets(lbId).has(`${ip}:8080`)), `wave ${wave} removed`);
    }
    const elapsed = seconds(started);
    await cluster.idle();
    // Per wave the API allows no fewer than one call each to register, drain (weight 0) and deregister.
    const minimum = waves * 3;
    return {
      name: `rolling update of ${pods} direct-access Pods (${waves} waves of ${surge})`,
      mutatingCalls: mutatingCalls(cluster.cloud, since),
      minMutatingCalls: minimum,
      readCalls: readCalls(cluster.cloud, since),
      seconds: elapsed,
      boundSeconds: Math.round(minimum * (options.taskLatencyMs / 1000) * 1000) / 1000,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      ...memory(),
      note: `EndpointSlice change → target registered; task latency ${options.taskLatencyMs} ms`,
    };
  } finally {
    await cluster.close();
  }
}

export async function endpointChurn(options: BenchOptions): Promise<ScenarioResult> {
  const added = Math.max(10, Math.round(200 * options.scale));
  const cluster = await startCluster(options);
  try {
    const base: Endpoint = { ip: ipOf(0, 0), ready: true, terminating: false };
    cluster.kube.state.seed(slice([base]), service);
    let lbId = '';
    await waitUntil(() => {
      lbId = cluster.kube.state.get<{ metadata: { annotations?: Record<string, string> } }>('services', 'default/app')?.metadata.annotations?.['service.kubernetes.io/loadbalance-id'] ?? '';
      return Boolean(lbId) && cluster.cloud.simulator.boundTargets(lbId).size === 1;
    }, 'initial convergence');
    await cluster.idle();
    const since = cluster.cloud.simulator.traffic.log.length;
    const started = performance.now();
    const fresh = Array.from({ length: added }, (_, i) => ({ ip: ipOf(1, i), ready: true, terminating: false }));
    cluster.kube.state.apply(slice([base, ...fresh]));
    await waitUntil(() => cluster.cloud.simulator.boundTargets(lbId).size === added + 1, 'scale-up bound');
    cluster.kube.state.apply(slice([base]));
    await waitUntil(() => cluster.cloud.simulator.boundTargets(lbId).size === 1, 'scale-down unbound');
    const elapsed = seconds(started);
    const registers = callsOf(cluster.cloud, 'BatchRegisterTargets', since);
    const deregisters = callsOf(cluster.cloud, 'BatchDeregisterTargets', since);
    const minimum = 2 * Math.ceil(added / 500);
    return {
      name: `${added} endpoints added, then removed (calls per change)`,
      mutatingCalls: mutatingCalls(cluster.cloud, since),
      minMutatingCalls: minimum,
      readCalls: readCalls(cluster.cloud, since),
      seconds: elapsed,
      boundSeconds: Math.round(minimum * (options.taskLatencyMs / 1000) * 1000) / 1000,
      p50Ms: null,
      p99Ms: null,
      ...memory(),
      note: `BatchRegisterTargets ${registers}, BatchDeregisterTargets ${deregisters}; ⌈${added}/500⌉ = ${Math.ceil(added / 500)} each`,
    };
  } finally {
    await cluster.close();
  }
}

const round = (value: number | null) => (value === null ? null : Math.round(value));
