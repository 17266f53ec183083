/**
 * [edges] 2 — quotas are not all-or-nothing: what fits is applied (ports in spec order, rules in order, targets
 * bound first), what does not is a QuotaExceeded Warning naming the quota and its limit, and unrelated changes go
 * on. At a target quota a swap makes room by removing gone targets first — never the last bound one.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Listener, Target } from '../../providers/provider.js';
import { planChanges } from '../../src/deploy/plan.js';
import type { DesiredListener } from '../../src/model/desired.js';
import { backendService, ingress, path, startIngressRig, type IngressRig } from '../support/ingress-rig.js';
import { node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

let rig: ServiceRig | IngressRig | undefined;
afterEach(async () => rig?.close());

const eni = (i: number): Target => ({ eniIp: `172.16.0.${i}`, port: 8080, weight: 10 });
const slice = (name: string, ips: string[]) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: `${name}-slice`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
  ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});

describe('the plan at a target quota', () => {
  const listener: Listener = { id: 'lbl-1', name: 'k8s_c_svc_default_web_TCP_80', protocol: 'TCP', port: 80, rules: [] };
  const desired = (targets: Target[]): DesiredListener[] => [{ name: listener.name, protocol: 'TCP', port: 80, targets, rules: [] }];
  const actual = (targets: Target[]) => ({
    loadBalancer: { id: 'lb-1', name: '', type: 'OPEN' as const, vpcId: 'v', vips: ['203.0.113.1'], status: 'running' as const, tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false },
    listeners: [listener],
    targets: new Map([['lbl-1', { listenerId: 'lbl-1', protocol: 'TCP' as const, port: 80, targets, rules: [] }]]),
  });
  const isOwn = () => true;

  it('adds before it removes while there is room', () => {
    const plan = planChanges(desired([eni(2), eni(3)]), actual([eni(1), eni(2)]), isOwn, 3);
    expect(plan.deregisterFirst).toEqual([]);
    expect(plan.register.map((b) => b.target)).toEqual([eni(3)]);
    expect(plan.deregister.map((b) => b.target)).toEqual([eni(1)]);
  });

  it('removes gone targets first to make room, keeping at least one bound, and leaves the rest for the next reconcile', () => {
    // 3 bound, all gone; 3 new; quota 3: two go first (one stays bound), two new fit, one waits.
    const plan = planChanges(desired([eni(4), eni(5), eni(6)]), actual([eni(1), eni(2), eni(3)]), isOwn, 3);
    expect(plan.deregisterFirst.map((b) => b.target)).toEqual([eni(1), eni(2)]);
    expect(plan.register.map((b) => b.target)).toEqual([eni(4), eni(5)]);
    expect(plan.deregister.map((b) => b.target)).toEqual([eni(3)]);
    expect(plan.deferredTargets).toBe(1);
  });
});

describe('at the quotas, in a cluster', () => {
  it('listeners: the first ports in spec order get theirs, a Warning names the rest, and a joining node is still bound', async () => {
    const r = await startServiceRig({ nodes: [node(1)], simulator: { quotas: { listenersPerLoadBalancer: 3 } } });
    rig = r;
    r.kube.state.seed(service('wide', { ports: [80, 81, 82, 83, 84].map((port) => ({ port })) }));
    const warning = await waitFor(() => r.events('wide').find((e) => e.reason === 'QuotaExceeded'), 'the Warning');
    expect(warning.message).toContain('TOTAL_LISTENER_QUOTA');
    expect(warning.message).toContain('at most 3 listeners');
    expect(warning.message).toContain('TCP:83, TCP:84');
    await waitFor(() => r.loadBalancerOf('wide')?.listeners.length === 3, 'three listeners');
    expect(r.loadBalancerOf('wide')!.listeners.map((l) => l.port).sort()).toEqual([80, 81, 82]);
    r.kube.state.seed(node(2));
    await waitFor(() => r.loadBalancerOf('wide')!.listeners.every((l) => l.targets.length === 2), 'the new node on every listener that exists');
  });

  it('targets: a new direct Service with more Pods than fit binds as many as fit, in order, with a Warning', async () => {
    const r = await startServiceRig({ nodes: [node(1)], simulator: { quotas: { targetsPerRule: 3 } } });
    rig = r;
    r.kube.state.seed(service('many', { annotations: { 'service.cloud.tencent.com/direct-access': 'true' } }), slice('many', [1, 2, 3, 4, 5].map((i) => `172.16.0.${i}`)));
    const warning = await waitFor(() => r.events('many').find((e) => e.reason === 'QuotaExceeded'), 'the Warning');
    expect(warning.message).toContain('TOTAL_TARGET_BIND_QUOTA');
    await waitFor(() => r.loadBalancerOf('many')?.listeners[0]?.targets.length === 3, 'three targets');
    expect(r.loadBalancerOf('many')!.listeners[0]!.targets.map((t) => t.eniIp)).toEqual(['172.16.0.1', '172.16.0.2', '172.16.0.3']);
  });

  it('targets: a full swap at the quota converges — gone IPs removed, live ones bound, never zero bound', async () => {
    const r = await startServiceRig({ nodes: [node(1)], simulator: { quotas: { targetsPerRule: 3 } }, emptyGraceMs: 0 });
    rig = r;
    r.kube.state.seed(service('swap', { annotations: { 'service.cloud.tencent.com/direct-access': 'true' } }), slice('swap', ['172.16.0.1', '172.16.0.2', '172.16.0.3']));
    await waitFor(() => r.loadBalancerOf('swap')?.listeners[0]?.targets.length === 3, 'the first three');
    let lowest = 3;
    const watch = setInterval(() => (lowest = Math.min(lowest, r.loadBalancerOf('swap')?.listeners[0]?.targets.length ?? 0)), 1);
    r.kube.state.apply(slice('swap', ['172.16.0.4', '172.16.0.5', '172.16.0.6']) as never);
    await waitFor(() => JSON.stringify(r.loadBalancerOf('swap')?.listeners[0]?.targets.map((t) => t.eniIp).sort()) === JSON.stringify(['172.16.0.4', '172.16.0.5', '172.16.0.6']), 'the new three, within a requeue', 5_000);
    clearInterval(watch);
    expect(lowest).toBeGreaterThanOrEqual(1);
    expect(r.events('swap').some((e) => e.reason === 'SyncLoadBalancerFailed')).toBe(false);
  });

  it('rules: an Ingress with more hosts than fit gets the first ones, with a Warning', async () => {
    const r = await startIngressRig({ seed: [backendService('api')], simulator: { quotas: { rulesPerListener: 3 } } });
    rig = r;
    const hosts = ['a', 'b', 'c', 'd', 'e'].map((h) => ({ host: `${h}.example.com`, http: { paths: [path('/', 'api')] } }));
    r.kube.state.seed(ingress('many', { rules: hosts }));
    const warning = await waitFor(() => r.events('many').find((e) => e.reason === 'QuotaExceeded'), 'the Warning');
    expect(warning.message).toContain('TOTAL_LISTENER_RULE_QUOTA');
    await waitFor(() => r.loadBalancerOf('many')?.listeners[0]?.rules.length === 3, 'three rules');
    expect(r.loadBalancerOf('many')!.listeners[0]!.rules.map((x) => x.domain).sort()).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
  });

  it('a create the cloud refuses does not block target changes on the listeners that exist', async () => {
    const r = await startServiceRig({ nodes: [node(1)] });
    rig = r;
    r.kube.state.seed(service('web'));
    await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 1, 'the CLB');
    r.cloud.simulator.traffic.failNext('CreateListener', 'InvalidParameterValue', 100);
    r.kube.state.patch('services', 'default/web', { spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 443, protocol: 'TCP', targetPort: 8443 }] } });
    r.kube.state.seed(node(2));
    await waitFor(() => r.loadBalancerOf('web')?.listeners.find((l) => l.port === 80)?.targets.length === 2, 'the joining node bound on port 80');
    await waitFor(() => r.events('web').some((e) => e.reason === 'SyncLoadBalancerFailed' && e.message.includes('CreateListener')), 'the failed create reported');
  });
});

describe('when the quotas cannot be read', () => {
  it('nothing is held back for them: the Service gets its CLB, and the next reconcile asks again', async () => {
    const r = await startServiceRig({ nodes: [node(1)] });
    rig = r;
    r.cloud.simulator.traffic.failNext('DescribeQuota', 'UnauthorizedOperation', 20);
    r.kube.state.seed(service('web'));
    await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 1, 'the CLB');
    expect(r.events('web').some((e) => e.reason === 'SyncLoadBalancerFailed')).toBe(false);
  });
});
