/** kube-proxy for one node: NodePorts forward to the Service's ready endpoints, follow changes, honour Local. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../../mocks/kube/index.js';
import { loopbackFor, portFor } from '../../../mocks/cluster-net/addresses.js';
import { nodePortRoutes, startNodeProxy, type NodeProxy } from '../../../mocks/cluster-net/node-proxy.js';
import { startPodServer, type PodServer } from '../../../mocks/cluster-net/pod-server.js';
import { httpGet, tcpExchange, udpExchange } from '../../../mocks/cluster-net/probes.js';
import { waitFor } from '../kube/support.js';

// This file's addresses (nodes 10.0.7.x, Pods 172.18.x.x): test files run in parallel and must not share them.
const NODE_1 = '10.0.7.11';
const NODE_2 = '10.0.7.12';
const PODS = { 'web-a': { ip: '172.18.0.11', node: NODE_1 }, 'web-b': { ip: '172.18.0.12', node: NODE_2 } } as const;
type PodName = keyof typeof PODS;
type Conditions = { ready?: boolean; serving?: boolean; terminating?: boolean };

const node = (ip: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: ip }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
const service = (name: string, extra: { policy?: 'Local' | 'Cluster'; type?: string } = {}): V1Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: {
    type: extra.type ?? 'NodePort', selector: { app: name }, ...(extra.policy ? { externalTrafficPolicy: extra.policy } : {}),
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'echo', port: 9000, targetPort: 9000, protocol: 'TCP' }, { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }],
  },
});
const slice = (serviceName: string, endpoints: Partial<Record<PodName, Conditions>>): V1EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: `${serviceName}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': serviceName } },
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'echo', port: 9000, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }],
  endpoints: Object.entries(endpoints).map(([pod, conditions]) => ({
    addresses: [PODS[pod as PodName].ip], nodeName: PODS[pod as PodName].node, targetRef: { kind: 'Pod', name: pod, namespace: 'default' },
    conditions: { ready: true, serving: conditions.ready ?? true, terminating: false, ...conditions },
  })),
});

describe('cluster-net: node proxy', () => {
  let kube: FakeKube;
  const proxies: NodeProxy[] = [];
  const pods: PodServer[] = [];

  const nodePort = (serviceName: string, portName = 'http') => kube.state.get<V1Service>('services', `default/${serviceName}`)!.spec!.ports!.find((p) => p.name === portName)!.nodePort!;
  const proxy = async (nodeName: string) => {
    const started = await startNodeProxy({ kube, nodeName });
    proxies.push(started);
    return started;
  };
  /** Which Pods answer `count` sequential requests to a node's NodePort. */
  const answers = async (nodeIp: string, port: number, count = 20) => {
    const seen: string[] = [];
    for (let i = 0; i < count; i++) seen.push((await httpGet(nodeIp, port)).body.trim());
    return seen;
  };

  beforeEach(async () => {
    kube = await startFakeKube({ seed: [node(NODE_1), node(NODE_2)] });
    for (const [name, { ip }] of Object.entries(PODS)) {
      pods.push(await startPodServer({ name, ip, ports: [{ port: 8080, protocol: 'TCP', http: true }, { port: 9000, protocol: 'TCP' }, { port: 5353, protocol: 'UDP' }] }));
    }
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
    await Promise.all(pods.splice(0).map((p) => p.stop()));
    await kube.close();
  });

  it('round-robins new connections over the ready endpoints, HTTP, TCP and UDP alike', async () => {
    kube.state.seed(service('web'), slice('web', { 'web-a': {}, 'web-b': {} }));
    const n1 = await proxy(NODE_1);
    expect(n1.address).toBe('127.0.7.11');
    expect(n1.listening().sort()).toEqual([`TCP/${nodePort('web')}`, `TCP/${nodePort('web', 'echo')}`, `UDP/${nodePort('web', 'dns')}`].sort());
    const seen = await answers(NODE_1, nodePort('web'));
    expect(new Set(seen)).toEqual(new Set(['web-a', 'web-b']));
    expect(seen.filter((n) => n === 'web-a')).toHaveLength(10);
    expect(await tcpExchange(NODE_1, nodePort('web', 'echo'), 'hi')).toMatch(/^web-[ab]\nhi$/);
    expect(await udpExchange(NODE_1, nodePort('web', 'dns'))).toMatch(/^web-[ab]\n$/);
    expect(n1.stats().forwarded).toBe(22);
  });

  it('skips a not-ready endpoint; with none ready it falls back to serving terminating ones', async () => {
    kube.state.seed(service('web'), slice('web', { 'web-a': {}, 'web-b': { ready: false } }));
    const n1 = await proxy(NODE_1);
    expect(new Set(await answers(NODE_1, nodePort('web')))).toEqual(new Set(['web-a']));
    // Both terminating, one still serving (its grace): that one takes the traffic (KEP-1669).
    kube.state.apply(slice('web', { 'web-a': { ready: false, serving: false, terminating: true }, 'web-b': { ready: false, serving: true, terminating: true } }));
    await n1.refresh();
    expect(new Set(await answers(NODE_1, nodePort('web')))).toEqual(new Set(['web-b']));
  });

  it('externalTrafficPolicy Local: only the endpoints on this node; none → the connection is refused', async () => {
    kube.state.seed(service('web', { policy: 'Local' }), slice('web', { 'web-a': {}, 'web-b': {} }));
    await proxy(NODE_1);
    const n2 = await proxy(NODE_2);
    expect(new Set(await answers(NODE_1, nodePort('web')))).toEqual(new Set(['web-a']));
    expect(new Set(await answers(NODE_2, nodePort('web')))).toEqual(new Set(['web-b']));
    kube.state.apply(slice('web', { 'web-a': {}, 'web-b': { ready: false } }));
    await n2.refresh();
    expect(n2.listening()).toEqual([]);
    await expect(httpGet(NODE_2, nodePort('web'))).rejects.toThrow(/ECONNREFUSED/);
    await expect(udpExchange(NODE_2, nodePort('web', 'dns'), 'ping', 300)).rejects.toThrow(/ECONNREFUSED|no UDP answer/);
    expect(new Set(await answers(NODE_1, nodePort('web'), 4))).toEqual(new Set(['web-a']));
  });

  it('a Pod gone under the proxy resets the connection (no retry on another endpoint)', async () => {
    kube.state.seed(service('web'), slice('web', { 'web-a': {}, 'web-b': {} }));
    const n1 = await proxy(NODE_1);
    await pods[0]!.stop(); // web-a, still listed ready
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => httpGet(NODE_1, nodePort('web'))));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2);
    expect(n1.stats().reset).toBe(2);
  });

  it('follows the state without a restart: a new Service listens, a deleted one stops', async () => {
    const n1 = await proxy(NODE_1);
    expect(n1.listening()).toEqual([]);
    kube.state.seed(service('late', { type: 'LoadBalancer' }), slice('late', { 'web-b': {} }));
    await waitFor(() => n1.listening().includes(`TCP/${nodePort('late')}`), 'the new NodePort to listen');
    expect((await httpGet(NODE_1, nodePort('late'))).pod).toBe('web-b');
    const port = nodePort('late');
    kube.state.delete('services', 'default/late');
    await waitFor(() => n1.listening().length === 0, 'the NodePorts to close');
    await expect(httpGet(NODE_1, port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('endpoint changes apply to new connections; an open one continues', async () => {
    kube.state.seed(service('web'), slice('web', { 'web-a': {} }));
    const n1 = await proxy(NODE_1);
    const open = connect({ host: loopbackFor(NODE_1), port: portFor(nodePort('web', 'echo')) });
    open.setEncoding('utf8');
    let received = '';
    open.on('data', (chunk: string) => (received += chunk));
    await waitFor(() => received === 'web-a\n', 'the greeting');
    kube.state.apply(slice('web', { 'web-a': { ready: false }, 'web-b': {} }));
    await n1.refresh();
    expect(await tcpExchange(NODE_1, nodePort('web', 'echo'), 'new')).toBe('web-b\nnew');
    open.write('still here');
    await waitFor(() => received === 'web-a\nstill here', 'the echo on the open connection');
    expect(n1.connections()).toBe(1);
    open.destroy();
    await waitFor(() => n1.connections() === 0, 'the connection to close');
  });

  it('stop() closes the NodePorts and the connections through them', async () => {
    kube.state.seed(service('web'), slice('web', { 'web-a': {} }));
    const n1 = await proxy(NODE_1);
    const open = connect({ host: loopbackFor(NODE_1), port: portFor(nodePort('web', 'echo')) });
    open.on('error', () => undefined);
    open.resume();
    const closed = new Promise((resolve) => open.once('close', resolve));
    await waitFor(() => n1.connections() === 1, 'the connection');
    await n1.stop();
    await closed;
    await expect(httpGet(NODE_1, nodePort('web'))).rejects.toThrow(/ECONNREFUSED/);
    expect(pods[0]!.connections()).toBe(0);
  });

  it('refuses to start for a node that does not exist or has no address', async () => {
    await expect(startNodeProxy({ kube, nodeName: 'nope' })).rejects.toThrow(/does not exist/);
    kube.state.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'nameless' } });
    await expect(startNodeProxy({ kube, nodeName: 'nameless' })).rejects.toThrow(/no InternalIP/);
  });
});

describe('cluster-net: nodePortRoutes', () => {
  it('reads unset conditions as ready, skips addresses off the simulated ranges, ports without a NodePort and SCTP', () => {
    const svc: V1Service = {
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'LoadBalancer', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81 }, { name: 'c', port: 82, nodePort: 30082, protocol: 'SCTP' }] },
    };
    const endpointSlice: V1EndpointSlice = {
      metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4',
      ports: [{ name: 'a', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['172.18.1.2'] }, { addresses: ['8.8.8.8'] }, { addresses: ['172.18.1.1'], conditions: { ready: false } }],
    };
    expect(nodePortRoutes([svc], [endpointSlice], 'n1')).toEqual([{ service: 'default/web', portName: 'a', protocol: 'TCP', nodePort: 30080, endpoints: [{ address: '172.18.1.2', port: 8080 }] }]);
  });
});
