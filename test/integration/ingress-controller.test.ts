/**
 * l7-lb-controller end to end: real informers against the fake Kubernetes API, the real provider against the
 * CLB simulator. Assertions on the cloud's state, the Ingress's status and Events, and the calls made.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { backendService, certSecret, ingress, LB_ANNOTATION, path, startIngressRig, type IngressRig } from '../support/ingress-rig.js';
import { waitFor, type SnapshotLoadBalancer } from '../support/service-rig.js';

let rig: IngressRig;
beforeEach(async () => {
  rig = await startIngressRig({ seed: [backendService('api'), backendService('web'), certSecret('tls', 'cert-v1')] });
});
afterEach(async () => rig?.close());

const lbOf = (name: string) => rig.loadBalancerOf(name);
const rulesOf = (name: string, protocol: string) => lbOf(name)?.listeners.find((l) => l.protocol === protocol)?.rules ?? [];
const mutating = () => rig.cloud.simulator.traffic.mutatingCalls();
async function expectIdle(name: string) {
  await rig.reconcileWhenIdle(name);
  rig.cloud.simulator.traffic.reset();
  await rig.reconcileWhenIdle(name);
  expect(mutating()).toBe(0);
}

const twoPaths = { rules: [{ host: 'shop.example.com', http: { paths: [path('/api', 'api'), path('/', 'web')] } }] };

describe('a qcloud Ingress', () => {
  it('gets a CLB with an HTTP listener, one rule per host+path bound to the backends\' NodePorts, status and annotation', async () => {
    rig.kube.state.seed(ingress('shop', twoPaths));
    await waitFor(() => rulesOf('shop', 'HTTP').length === 2 && rig.get('shop')?.status?.loadBalancer?.ingress?.length, 'the Ingress to converge');
    const lb = lbOf('shop')!;
    expect(lb.listeners.map((l) => `${l.protocol}:${l.port}`)).toEqual(['HTTP:80']);
    expect(rulesOf('shop', 'HTTP').map((r) => `${r.domain}${r.url}:${r.targets.length}`)).toEqual(['shop.example.com/:2', 'shop.example.com/api:2']);
    expect(rig.get('shop')?.status?.loadBalancer?.ingress).toEqual([{ ip: lb.vips[0] }]);
    expect(rig.get('shop')?.metadata?.annotations?.[LB_ANNOTATION]).toBe(lb.id);
    await expectIdle('shop');
  });

  it('edits one path with one rule change, and makes zero calls when rules are only reordered', async () => {
    rig.kube.state.seed(ingress('shop', twoPaths));
    await waitFor(() => rulesOf('shop', 'HTTP').length === 2, 'two rules');
    await rig.reconcileWhenIdle('shop');
    const untouched = rulesOf('shop', 'HTTP').find((r) => r.url === '/')!;

    rig.cloud.simulator.traffic.reset();
    rig.kube.state.patch('ingresses', 'default/shop', { spec: { rules: [{ host: 'shop.example.com', http: { paths: [path('/web', 'web'), path('/api', 'api')].reverse() } }] } });
    await waitFor(() => rulesOf('shop', 'HTTP').some((r) => r.url === '/web'), 'the edited path');
    await rig.reconcileWhenIdle('shop');
    const counters = rig.cloud.simulator.traffic.counters();
    expect(counters.CreateRule?.writes).toBe(1);
    expect(counters.DeleteRule?.writes).toBe(1);
    expect(rulesOf('shop', 'HTTP').find((r) => r.url === '/api')?.id).toBe(rulesOf('shop', 'HTTP').find((r) => r.url === '/api')?.id);
    expect(rulesOf('shop', 'HTTP').some((r) => r.id === untouched.id)).toBe(false);

    rig.cloud.simulator.traffic.reset();
    rig.kube.state.patch('ingresses', 'default/shop', { spec: { rules: [{ host: 'shop.example.com', http: { paths: [path('/api', 'api'), path('/web', 'web')] } }] } });
    await rig.reconcileWhenIdle('shop');
    expect(mutating()).toBe(0);
  });

  it('serves TLS on HTTPS and swaps the certificate when the Secret rotates, without recreating the listener', async () => {
    rig.kube.state.seed(ingress('secure', { tls: [{ secretName: 'tls' }], ...twoPaths }));
    await waitFor(() => rulesOf('secure', 'HTTPS').length === 2, 'HTTPS rules');
    const https = lbOf('secure')!.listeners.find((l) => l.protocol === 'HTTPS')!;
    expect(https.certificate?.CertId).toBe('cert-v1');
    rig.cloud.simulator.traffic.reset();
    rig.kube.state.apply(certSecret('tls', 'cert-v2'));
    await waitFor(() => lbOf('secure')?.listeners.find((l) => l.protocol === 'HTTPS')?.certificate?.CertId === 'cert-v2', 'the rotated certificate');
    expect(lbOf('secure')!.listeners.find((l) => l.protocol === 'HTTPS')!.id).toBe(https.id);
    const counters = rig.cloud.simulator.traffic.counters();
    expect(counters.CreateListener).toBeUndefined();
    expect(counters.DeleteLoadBalancerListeners).toBeUndefined();
  });

  it('refuses an existing CLB whose port 80 is taken, and leaves it untouched', async () => {
    const existing = await rig.cloud.provider.createLoadBalancer({ name: 'busy', type: 'OPEN', vpcId: 'vpc-cluster1', tags: {} });
    await rig.cloud.provider.createListeners(existing.id, [{ name: 'someone-elses', protocol: 'TCP', port: 80 }]);
    const before = JSON.stringify((rig.cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[]).find((lb) => lb.id === existing.id));
    rig.cloud.simulator.traffic.reset();
    rig.kube.state.seed(ingress('reuse', twoPaths, { 'kubernetes.io/ingress.existLbId': existing.id }));
    const warning = await waitFor(() => rig.events('reuse').find((e) => e.reason === 'ExistingLoadBalancerRefused'), 'the refusal');
    expect(warning.message).toContain('port 80');
    const after = JSON.stringify((rig.cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[]).find((lb) => lb.id === existing.id));
    expect(after).toBe(before);
    expect(rig.cloud.simulator.traffic.log.filter((c) => c.kind === 'write' && JSON.stringify(c.request).includes(existing.id))).toEqual([]);
  });

  it('keeps the CLB on delete with loadbalance-retain, handing it back without the Ingress\'s listeners or ownership tags', async () => {
    rig.kube.state.seed(ingress('kept', twoPaths, { 'ingress.cloud.tencent.com/loadbalance-retain': 'true' }));
    await waitFor(() => rulesOf('kept', 'HTTP').length === 2, 'converged');
    const id = lbOf('kept')!.id;
    await rig.networking.deleteNamespacedIngress({ name: 'kept', namespace: 'default' });
    await waitFor(() => !rig.get('kept'), 'the Ingress gone');
    const retained = (rig.cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[]).find((lb) => lb.id === id);
    expect(retained?.listeners).toEqual([]);
    expect(retained?.tags).toEqual({});
  });

  it('deletes the CLB it created when the Ingress goes', async () => {
    rig.kube.state.seed(ingress('gone', twoPaths));
    await waitFor(() => rulesOf('gone', 'HTTP').length === 2, 'converged');
    await rig.networking.deleteNamespacedIngress({ name: 'gone', namespace: 'default' });
    await waitFor(() => !rig.get('gone'), 'the Ingress gone');
    expect(rig.cloud.simulator.snapshot().loadBalancers).toEqual([]);
  });

  it('keeps the good rules when one rule is wrong, and deletes nothing meanwhile', async () => {
    rig.kube.state.seed(ingress('mixed', twoPaths));
    await waitFor(() => rulesOf('mixed', 'HTTP').length === 2, 'converged');
    rig.kube.state.patch('ingresses', 'default/mixed', { spec: { rules: [{ host: 'shop.example.com', http: { paths: [path('/api', 'missing-service'), path('/', 'web'), path('/new', 'web')] } }] } });
    const warning = await waitFor(() => rig.events('mixed').find((e) => e.type === 'Warning' && e.message.includes('missing-service')), 'a Warning naming the Service');
    expect(warning).toBeDefined();
    await waitFor(() => rulesOf('mixed', 'HTTP').some((r) => r.url === '/new'), 'the good new rule');
    expect(rulesOf('mixed', 'HTTP').map((r) => r.url).sort()).toEqual(['/', '/api', '/new']);
  });

  it('redirects HTTP to HTTPS with auto-rewrite', async () => {
    rig.kube.state.seed(ingress('redirect', { tls: [{ secretName: 'tls' }], ...twoPaths }, { 'ingress.cloud.tencent.com/auto-rewrite': 'true' }));
    await waitFor(() => rulesOf('redirect', 'HTTP').length === 2 && rulesOf('redirect', 'HTTP').every((r) => r.rewrite), 'redirects');
    const httpsIds = new Set(rulesOf('redirect', 'HTTPS').map((r) => r.id));
    expect(rulesOf('redirect', 'HTTP').every((r) => r.rewrite && httpsIds.has(r.rewrite.locationId))).toBe(true);
    await expectIdle('redirect');
  });
});
