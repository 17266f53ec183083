/**
 * [observe] `explain`: for every node and endpoint of a Service, whether it is a backend and why not — each
 * reason from a cluster that shows it. The lines are the builders' own decisions, so a reason here is what
 * `run` does.
 */
import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { clusterVpcs } from '../../mocks/clb/options.js';
import { READINESS_GATE } from '../../src/annotations/keys.js';
import { assumingProvider } from '../../src/cli/plan/world.js';
import { explainObject, type ExplainReport } from '../../src/explain/explain.js';
import { renderExplainText } from '../../src/explain/render.js';

const NOW = Date.parse('2026-12-08T10:00:00Z');
const SETTINGS = { clusterId: 'cls-explain', vpcId: 'vpc-cluster1', defaultIngressClass: false };
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function node(name: string, options: { ready?: boolean; since?: string; labels?: Record<string, string>; unschedulable?: boolean; taint?: string; providerID?: string | null } = {}) {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: options.labels ?? {} },
    spec: { ...(options.providerID === null ? {} : { providerID: options.providerID ?? `qcloud:///800002/ins-${name.padStart(8, '0')}` }), ...(options.unschedulable ? { unschedulable: true } : {}), ...(options.taint ? { taints: [{ key: options.taint, effect: 'NoSchedule' }] } : {}) },
    status: { conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True', ...(options.since ? { lastTransitionTime: options.since } : {}) }] },
  };
}

function service(annotations: Record<string, string> = {}, spec: object = {}) {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', annotations },
    spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }], ...spec },
  };
}

type Endpoint = { pod: string; ip: string; node?: string; ready?: boolean; terminating?: boolean };
function slice(endpoints: Endpoint[]) {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], nodeName: e.node, targetRef: { kind: 'Pod', name: e.pod }, conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: e.terminating ?? false } })),
  };
}

function pod(name: string, options: { gate?: boolean; containersReady?: boolean; hostNetwork?: boolean } = {}) {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c' }], ...(options.gate ? { readinessGates: [{ conditionType: READINESS_GATE }] } : {}), ...(options.hostNetwork ? { hostNetwork: true } : {}) },
    status: { conditions: [{ type: 'ContainersReady', status: options.containersReady === false ? 'False' : 'True' }] },
  };
}

async function explain(cluster: object[], options: { cloud?: Parameters<typeof createLocalCloud>[0]; kind?: 'Service' | 'Ingress'; name?: string } = {}): Promise<ExplainReport> {
  const notes: string[] = [];
  const cloud = createLocalCloud({ vpcs: clusterVpcs(SETTINGS.vpcId), ...options.cloud }).provider;
  const world = { cluster: cluster as KubernetesObject[], provider: options.cloud ? cloud : assumingProvider(cloud, SETTINGS.vpcId, notes), owners: [], notes };
  return explainObject({ kind: options.kind ?? 'Service', namespace: 'default', name: options.name ?? 'web' }, world, { settings: SETTINGS, cloudRead: options.cloud !== undefined, clock: { now: NOW, nodeReadyGraceMs: 60_000 } });
}

const lineOf = (report: ExplainReport, name: string) => report.backends.find((l) => l.name === name);

describe('explain: why a node is (not) a backend', () => {
  it.each([
    { name: 'a Ready node is a backend at the default weight', given: node('1'), want: { bound: true, weight: 10, reason: 'Bound' } },
    { name: 'NotReady past the grace: unbound, since when', given: node('1', { ready: false, since: ago(300) }), want: { bound: false, reason: 'NodeNotReady', detail: 'NotReady since 2026-12-08T09:55:00Z; its 60 s grace has ended: unbound' } },
    { name: 'NotReady within the grace: still bound, until when', given: node('1', { ready: false, since: ago(20) }), want: { bound: true, reason: 'NodeNotReadyInGrace', detail: 'NotReady since 2026-12-08T09:59:40Z; stays bound until its grace ends at 2026-12-08T10:00:40Z (in 40 s)' } },
    { name: 'cordoned', given: node('1', { unschedulable: true }), want: { bound: false, reason: 'NodeUnschedulable' } },
    { name: 'the upstream exclude label', given: node('1', { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }), want: { bound: false, reason: 'NodeExcludedByLabel' } },
    { name: 'a control-plane node', given: node('1', { labels: { 'node-role.kubernetes.io/control-plane': '' } }), want: { bound: false, reason: 'NodeControlPlane' } },
    { name: 'being scaled away', given: node('1', { taint: 'ToBeDeletedByClusterAutoscaler' }), want: { bound: false, reason: 'NodeBeingDeleted' } },
    { name: 'no CVM instance id', given: node('worker-a', { providerID: null }), want: { bound: false, reason: 'NodeWithoutInstanceId' } },
  ])('$name', async ({ given, want }) => {
    const report = await explain([given, service()]);
    expect(lineOf(report, given.metadata.name)).toMatchObject({ kind: 'node', ...want });
  });

  it('a node the backends label does not select', async () => {
    const report = await explain([node('1', { labels: { group: 'access' } }), node('2'), service({ 'service.kubernetes.io/qcloud-loadbalancer-backends-label': 'group=access' })]);
    expect(lineOf(report, '1')).toMatchObject({ bound: true, reason: 'Bound' });
    expect(lineOf(report, '2')).toMatchObject({ bound: false, reason: 'NodeNotSelected' });
  });

  it('externalTrafficPolicy Local with local-only binding: a node without a ready local endpoint', async () => {
    const report = await explain([
      node('1'), node('2'),
      service({ 'service.kubernetes.io/local-svc-only-bind-node-with-pod': 'true' }, { externalTrafficPolicy: 'Local' }),
      slice([{ pod: 'web-a', ip: '172.16.0.5', node: '1' }, { pod: 'web-b', ip: '172.16.0.6', node: '2', ready: false }]),
    ]);
    expect(lineOf(report, '1')).toMatchObject({ bound: true, reason: 'Bound' });
    expect(lineOf(report, '2')).toMatchObject({ bound: false, reason: 'NoLocalEndpoint' });
  });
});

describe('explain: why a Pod is (not) a backend (direct access)', () => {
  const direct = (extra: Record<string, string> = {}) => service({ 'service.cloud.tencent.com/direct-access': 'true', ...extra });
  it.each([
    { name: 'a ready Pod is a backend', endpoint: { pod: 'web-a', ip: '172.16.0.5' }, pod: pod('web-a'), annotations: {}, want: { bound: true, weight: 10, reason: 'Bound' } },
    { name: 'a Pod not ready is unbound', endpoint: { pod: 'web-a', ip: '172.16.0.5', ready: false }, pod: pod('web-a', { containersReady: false }), annotations: {}, want: { bound: false, reason: 'PodNotReady' } },
    { name: 'not ready, with grace-shutdown-tkex: bound at weight 0', endpoint: { pod: 'web-a', ip: '172.16.0.5', ready: false }, pod: pod('web-a', { containersReady: false }), annotations: { 'service.cloud.tencent.com/enable-grace-shutdown-tkex': 'true' }, want: { bound: true, weight: 0, reason: 'NotReadyAtWeightZero' } },
    { name: 'terminating: unbound', endpoint: { pod: 'web-a', ip: '172.16.0.5', ready: false, terminating: true }, pod: pod('web-a'), annotations: {}, want: { bound: false, reason: 'Terminating' } },
    { name: 'terminating, with grace-shutdown: weight 0 until gone', endpoint: { pod: 'web-a', ip: '172.16.0.5', ready: false, terminating: true }, pod: pod('web-a'), annotations: { 'service.cloud.tencent.com/enable-grace-shutdown': 'true' }, want: { bound: true, weight: 0, reason: 'TerminatingAtWeightZero' } },
    { name: 'its readiness gate pending: bound so the CLB can confirm it', endpoint: { pod: 'web-a', ip: '172.16.0.5', ready: false }, pod: pod('web-a', { gate: true }), annotations: {}, want: { bound: true, reason: 'ReadinessGatePending' } },
    { name: 'host network: never an ENI backend', endpoint: { pod: 'web-a', ip: '10.0.1.1' }, pod: pod('web-a', { hostNetwork: true }), annotations: {}, want: { bound: false, reason: 'HostNetwork' } },
  ])('$name', async ({ endpoint, pod: p, annotations, want }) => {
    const report = await explain([node('1'), direct(annotations as Record<string, string>), slice([endpoint]), p]);
    expect(lineOf(report, 'web-a')).toMatchObject({ kind: 'pod', address: endpoint.ip, port: 8080, ...want });
    expect(report.backends.every((l) => l.kind === 'pod')).toBe(true);
  });
});

describe('explain with the cloud read', () => {
  it('says which targets a quota leaves out and which are not registered yet', async () => {
    const report = await explain([node('1'), node('2'), node('3'), service()], { cloud: { quotas: { targetsPerRule: 2 } } });
    expect(report.cloud).toBe('read');
    expect(report.backends.map((l) => l.reason).sort()).toEqual(['LeftOutByQuota', 'PendingRegistration', 'PendingRegistration']);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'C4006' })]);
    expect(report.pending).toEqual(expect.arrayContaining(['create CLB cls-explain_default_web', 'register 2 target(s)']));
  });

  it('says a target\'s task failed when the last sync failed with E5009 and it is still not registered', async () => {
    const failing = { ...service(), status: { conditions: [{ type: 'LoadBalancerSynced', status: 'False', reason: 'SyncLoadBalancerFailed', message: 'E5009: Error syncing load balancer: Task BatchRegisterTargets failed.', lastTransitionTime: ago(5) }] } };
    const report = await explain([node('1'), failing], { cloud: {} });
    expect(lineOf(report, '1')).toMatchObject({ bound: false, reason: 'TaskFailed' });
    expect(report.condition).toMatchObject({ status: 'False', reason: 'SyncLoadBalancerFailed' });
  });
});

describe('explain: the report', () => {
  it('shows the problems with their codes, and renders one line per backend', async () => {
    const report = await explain([node('1'), node('2', { ready: false, since: ago(300) }), service({ 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out': 'lots' })]);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'E4045', field: 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out', value: 'lots' })]);
    const text = renderExplainText(report);
    expect(text).toContain('✗ E4045 service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out: "lots"');
    expect(text).toMatch(/✓ node 1 +ins-00000001 +Bound: a backend, weight 10/);
    expect(text).toMatch(/✗ node 2 +ins-00000002 +NodeNotReady: NotReady since 2026-12-08T09:55:00Z/);
  });

  it('says there is nothing to explain for a Service that is not a LoadBalancer', async () => {
    const report = await explain([node('1'), service({}, { type: 'ClusterIP' })]);
    expect(report.backends).toEqual([]);
    expect(renderExplainText(report)).toBe('Service default/web\n  Note:       not a LoadBalancer Service (or another loadBalancerClass): this controller binds nothing for it');
  });

  it('says mode: skip means the controller binds nothing, rather than listing backends', async () => {
    const report = await explain([node('1'), service({ 'service.cloud.tencent.com/mode': 'skip' })]);
    expect(report.backends).toEqual([]);
    expect(report.notes).toEqual(['mode: skip — the controller changes nothing on its CLB and binds nothing for it']);
  });

  it('says a refused object binds nothing until its problems are fixed; the lines are what would be', async () => {
    const report = await explain([node('1'), service({ 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out': 'lots' })]);
    expect(report.notes).toEqual([expect.stringMatching(/^the controller refuses this object/)]);
    expect(renderExplainText(report)).toMatch(/Note: +the controller refuses this object/);
  });

  it('refuses an object that does not exist, naming it', async () => {
    await expect(explain([node('1')], { name: 'nope' })).rejects.toThrow('service/nope not found in namespace default');
  });

  it('explains an Ingress: its NodePort backends once, and a Pod backend with direct access', async () => {
    const backend = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }] } };
    const ingress = (annotations: Record<string, string>) => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name: 'shop', namespace: 'default', uid: 'uid-shop', annotations: { 'kubernetes.io/ingress.class': 'qcloud', ...annotations } },
      spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    });
    const viaNodes = await explain([node('1'), node('2', { unschedulable: true }), backend, ingress({})], { kind: 'Ingress', name: 'shop' });
    expect(viaNodes.backends.map((l) => [l.name, l.reason])).toEqual([['1', 'Bound'], ['2', 'NodeUnschedulable']]);
    expect(viaNodes.listeners).toEqual([{ protocol: 'HTTP', port: 80, targets: 0, rules: [{ domain: 'shop.example.com', url: '/', targets: 1 }] }]);
    expect(renderExplainText(viaNodes)).toContain('Listeners:  HTTP:80\n                shop.example.com/ → 1 target(s)');
    const direct = await explain([node('1'), backend, ingress({ 'ingress.cloud.tencent.com/direct-access': 'true' }), slice([{ pod: 'web-a', ip: '172.16.0.5' }, { pod: 'web-b', ip: '172.16.0.6', ready: false, terminating: true }]), pod('web-a'), pod('web-b')], { kind: 'Ingress', name: 'shop' });
    expect(direct.backends.map((l) => [l.name, l.reason, l.serves])).toEqual([['web-a', 'Bound', 'backend web:80'], ['web-b', 'Terminating', 'backend web:80']]);
  });
});

describe('explain: the command line', () => {
  it.each([
    { given: 'service/web', want: { kind: 'Service', name: 'web' } },
    { given: 'svc/web', want: { kind: 'Service', name: 'web' } },
    { given: 'ingress/shop', want: { kind: 'Ingress', name: 'shop' } },
    { given: 'ing/shop.v2', want: { kind: 'Ingress', name: 'shop.v2' } },
  ])('takes $given', async ({ given, want }) => {
    const { parseTarget } = await import('../../src/cli/explain.js');
    expect(parseTarget(given, 'prod')).toEqual({ ...want, namespace: 'prod' });
  });

  it.each(['web', 'deployment/web', 'service/', 'service/Web'])('refuses %s, saying what it takes', async (given) => {
    const { parseTarget } = await import('../../src/cli/explain.js');
    expect(() => parseTarget(given, 'default')).toThrow(`explain needs service/NAME or ingress/NAME, not "${given}"`);
  });
});
