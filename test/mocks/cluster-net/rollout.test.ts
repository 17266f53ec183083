/**
 * The cluster simulator with a data path: Pods answer on their IPs, NodePorts forward to them, and rollouts and
 * drains replace Pods as Kubernetes does — with a termination grace, traffic never fails.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../../mocks/kube/index.js';
import { httpGet, tcpExchange } from '../../../mocks/cluster-net/probes.js';
import { ClusterSimulator } from '../../../mocks/sandbox/cluster-sim.js';
import { waitFor } from '../kube/support.js';

// This file's addresses (nodes 10.0.9.x, Pods 172.19.x.x): test files run in parallel and must not share them.
const NODES = ['10.0.9.11', '10.0.9.12', '10.0.9.13'];
const node = (ip: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: ip }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
const webService = (policy: 'Cluster' | 'Local' = 'Cluster') => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
  spec: { type: 'NodePort', externalTrafficPolicy: policy, selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'raw', port: 9000 }] },
});
const deployment = (extra: { readinessGates?: { conditionType: string }[] } = {}) => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'web' }], ...extra } } },
});

/** Sequential requests to one address until `until` settles (bounded in count and time): what answered, what failed. */
async function loadDuring(until: Promise<unknown>, request: () => Promise<{ pod: string | undefined }>, maxRequests = 5000, maxMs = 15_000) {
  let done = false;
  void until.then(() => (done = true), () => (done = true));
  const started = Date.now();
  const answered = new Map<string, number>();
  const failures: string[] = [];
  for (let i = 0; i < maxRequests && !done && Date.now() - started < maxMs; i++) {
    try {
      const { pod } = await request();
      answered.set(pod ?? '?', (answered.get(pod ?? '?') ?? 0) + 1);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  await until;
  return { answered, failures, requests: [...answered.values()].reduce((a, b) => a + b, 0) + failures.length };
}

describe('cluster simulator: data path, rollouts, drains', () => {
  let kube: FakeKube;
  let sim: ClusterSimulator;
  const nodePort = (name = 'http') => kube.state.get<V1Service>('services', 'default/web')!.spec!.ports!.find((p) => p.name === name)!.nodePort!;
  const podNames = () => kube.state.list<V1Pod>('pods').map((p) => p.metadata!.name!).sort();
  const endpoint = (pod: string) => kube.state.get<V1EndpointSlice>('endpointslices', 'default/web-sandbox')?.endpoints?.find((e) => e.targetRef?.name === pod);

  const setUp = async (options: { policy?: 'Cluster' | 'Local'; nodes?: number; readinessGates?: { conditionType: string }[] } = {}) => {
    kube = await startFakeKube({ seed: NODES.slice(0, options.nodes ?? 2).map(node) });
    sim = new ClusterSimulator(kube, { dataPath: true, podNetwork: '172.19' });
    kube.state.seed(webService(options.policy));
    sim.createPods(deployment(options.readinessGates ? { readinessGates: options.readinessGates } : {}));
    sim.syncOnce();
    await sim.dataPathReady();
  };
  afterEach(async () => {
    await sim.close();
    await kube.close();
  });

  it('gives every Pod a server on its Services\' target ports and every node a proxy', async () => {
    await setUp();
    expect(podNames()).toEqual(['web-0', 'web-1']);
    const web0 = kube.state.get<V1Pod>('pods', 'default/web-0')!;
    expect(web0.status?.podIP).toBe('172.19.0.11');
    expect(sim.podServer('web-0')?.ports).toEqual([{ port: 8080, protocol: 'TCP', http: true }, { port: 9000, protocol: 'TCP' }]);
    expect((await httpGet('172.19.0.11', 8080)).pod).toBe('web-0');
    expect(await tcpExchange('172.19.0.12', 9000, 'x')).toBe('web-1\nx');
    expect(sim.nodeProxy(NODES[0]!)?.listening().sort()).toEqual([`TCP/${nodePort()}`, `TCP/${nodePort('raw')}`].sort());
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) seen.add((await httpGet(NODES[1]!, nodePort())).pod);
    expect(seen).toEqual(new Set(['web-0', 'web-1']));
    // A Service created later opens its port on the Pods it selects.
    kube.state.seed({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'metrics', port: 9100 }] } });
    sim.syncOnce();
    await sim.dataPathReady();
    expect(await tcpExchange('172.19.0.11', 9100)).toBe('web-0\n');
  });

  it('a rollout with a termination grace keeps every request answered', async () => {
    await setUp();
    const rollout = sim.rollOut('web', { maxSurge: 1, graceMs: 400, readyAfterMs: 100 });
    // Mid-rollout, the first old Pod is terminating: deleting, not ready, its endpoint serving and terminating.
    const terminating = waitFor(() => endpoint('web-0')?.conditions?.terminating && endpoint('web-0'), 'web-0 terminating', 5000);
    const load = await loadDuring(rollout, () => httpGet(NODES[0]!, nodePort()));
    expect((await terminating).conditions).toEqual({ ready: false, serving: true, terminating: true });
    expect(load.failures).toEqual([]);
    expect(load.requests).toBeGreaterThan(20);
    expect([...load.answered.keys()].sort()).toEqual(expect.arrayContaining(['web-0', 'web-1', 'web-v2-2', 'web-v2-3']));
    expect(podNames()).toEqual(['web-v2-2', 'web-v2-3']);
    // The rollout kept the layout: one Pod per node.
    expect(kube.state.list<V1Pod>('pods').map((p) => p.spec?.nodeName).sort()).toEqual(NODES.slice(0, 2));
    expect(kube.state.get<V1EndpointSlice>('endpointslices', 'default/web-sandbox')?.endpoints?.map((e) => e.targetRef?.name).sort()).toEqual(['web-v2-2', 'web-v2-3']);
    process.stdout.write(`rollout with grace: ${load.requests} requests, ${load.failures.length} failed\n`);
  });

  it('a rollout without grace completes (requests in flight to a stopped Pod may fail)', async () => {
    await setUp();
    const rollout = sim.rollOut('web', { graceMs: 0, readyAfterMs: 100 });
    const load = await loadDuring(rollout, () => httpGet(NODES[0]!, nodePort()));
    expect(podNames()).toEqual(['web-v2-2', 'web-v2-3']);
    // The proxies learn of the last change within their poll (the propagation delay): until then a request can
    // still reach the Pod just stopped.
    await sim.dataPathReady();
    expect((await httpGet(NODES[0]!, nodePort())).pod).toMatch(/^web-v2-/);
    process.stdout.write(`rollout without grace: ${load.requests} requests, ${load.failures.length} failed\n`);
  });

  it('waits for the readiness gates of a new Pod (the controller sets them), or gives up', async () => {
    const gate = 'platform.tkex/InjectFinished';
    await setUp({ readinessGates: [{ conditionType: gate }] });
    // Acting as the controller: open the gate of every Pod whose containers are ready.
    const timer = setInterval(() => {
      for (const pod of kube.state.list<V1Pod>('pods')) {
        const conditions = pod.status?.conditions ?? [];
        if (conditions.some((c) => c.type === 'ContainersReady' && c.status === 'True') && !conditions.some((c) => c.type === gate)) {
          kube.state.setStatus('pods', `default/${pod.metadata!.name}`, { ...pod.status, conditions: [...conditions, { type: gate, status: 'True' }] });
        }
      }
    }, 20);
    try {
      await sim.rollOut('web', { graceMs: 50 });
      expect(podNames()).toEqual(['web-v2-2', 'web-v2-3']);
    } finally {
      clearInterval(timer);
    }
    await expect(sim.rollOut('web', { graceMs: 50, timeoutMs: 200 })).rejects.toThrow(`Pod default/web-v3-4 was not Ready within 200 ms (readiness gates not True: ${gate})`);
    // The old Pods stay: the rollout is stuck, as a Deployment past its progress deadline.
    expect(podNames()).toEqual(['web-v2-2', 'web-v2-3', 'web-v3-4']);
  });

  it('drainNode moves the Pods off a node; under Local, the other node never fails and the drained one refuses at the end', async () => {
    await setUp({ policy: 'Local', nodes: 3 });
    const [drained, other] = [NODES[0]!, NODES[1]!];
    const drain = sim.drainNode(drained, { graceMs: 300, readyAfterMs: 50 });
    const [onDrained, onOther] = await Promise.all([
      loadDuring(drain, () => httpGet(drained, nodePort())),
      loadDuring(drain, () => httpGet(other, nodePort())),
    ]);
    expect(onOther.failures).toEqual([]);
    expect([...onOther.answered.keys()]).toEqual(['web-1']);
    // Until its Pod was gone, the drained node forwarded to it (terminating, serving), never elsewhere.
    expect([...onDrained.answered.keys()]).toEqual(['web-0']);
    expect(kube.state.get<{ spec?: { unschedulable?: boolean } }>('nodes', drained)?.spec?.unschedulable).toBe(true);
    expect(kube.state.list<V1Pod>('pods').map((p) => `${p.metadata!.name}@${p.spec!.nodeName}`).sort()).toEqual([`web-1@${other}`, `web-v1-2@${NODES[2]}`]);
    await sim.dataPathReady();
    await expect(httpGet(drained, nodePort())).rejects.toThrow(/ECONNREFUSED/);
    expect((await httpGet(NODES[2]!, nodePort())).pod).toBe('web-v1-2');
    process.stdout.write(`drain: drained node ${onDrained.requests} requests (${onDrained.failures.length} failed once its Pod was gone), other node ${onOther.requests}, 0 failed\n`);
  });

  it('stops the Pod server of a Pod deleted from outside, and close() leaves nothing listening', async () => {
    await setUp();
    kube.state.delete('pods', 'default/web-1');
    sim.syncOnce();
    await sim.dataPathReady();
    await expect(httpGet('172.19.0.12', 8080)).rejects.toThrow(/ECONNREFUSED/);
    await sim.close();
    await expect(httpGet('172.19.0.11', 8080)).rejects.toThrow(/ECONNREFUSED/);
    await expect(httpGet(NODES[0]!, nodePort())).rejects.toThrow(/ECONNREFUSED/);
  });
});
