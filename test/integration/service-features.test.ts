/** service-controller features beyond plain TCP/UDP, end to end. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { node, service, startServiceRig, waitFor, type ServiceRig, type SnapshotLoadBalancer } from '../support/service-rig.js';

let rig: ServiceRig;
beforeEach(async () => {
  rig = await startServiceRig({ nodes: [node(1), node(2), node(3)] });
});
afterEach(async () => rig?.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const certSecret = (name: string, certId: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'Opaque', data: { qcloud_cert_id: b64(certId) } });
const snapshotLb = (name: string) => rig.loadBalancerOf(name) as (SnapshotLoadBalancer & { securityGroups: string[]; passToTarget: boolean; listeners: { certificate: { CertId?: string } | null; domainCertificates: Record<string, { CertId?: string }> }[] }) | undefined;

describe('service-controller features', () => {
  it('binds security groups and turns on pass-to-target when annotated', async () => {
    rig.kube.state.seed(service('web', { annotations: { 'service.cloud.tencent.com/security-groups': 'sg-aaaaaaaa,sg-bbbbbbbb', 'service.cloud.tencent.com/pass-to-target': 'true' } }));
    const lb = await waitFor(() => snapshotLb('web'), 'CLB');
    await waitFor(() => snapshotLb('web')?.passToTarget, 'pass-to-target');
    expect(snapshotLb('web')).toMatchObject({ id: lb.id, securityGroups: ['sg-aaaaaaaa', 'sg-bbbbbbbb'], passToTarget: true });
    await rig.reconcileWhenIdle('web');
    rig.cloud.simulator.traffic.reset();
    await rig.reconcileWhenIdle('web');
    expect(rig.cloud.simulator.traffic.mutatingCalls()).toBe(0);
  });

  it('keeps session persistence from sessionAffinity: ClientIP', async () => {
    const svc = service('sticky');
    svc.spec = { ...svc.spec, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } };
    rig.kube.state.seed(svc);
    const lb = await waitFor(() => rig.loadBalancerOf('sticky')?.listeners[0], 'listener');
    expect(lb.sessionExpireTime).toBe(600);
  });

  it('serves HTTP per host through specify-protocol, one rule per host bound to the NodePort', async () => {
    rig.kube.state.seed(service('site', { annotations: { 'service.cloud.tencent.com/specify-protocol': '{"80":{"protocol":["HTTP"],"hosts":{"a.example.com":{},"b.example.com":{}}}}' } }));
    const listener = await waitFor(() => rig.loadBalancerOf('site')?.listeners.find((l) => l.rules.length === 2 && l.rules.every((r) => r.targets.length === 3)), 'rules with targets');
    expect(listener.protocol).toBe('HTTP');
    expect(listener.rules.map((r) => `${r.domain}${r.url}`)).toEqual(['a.example.com/', 'b.example.com/']);
  });

  it('rotates a TCP_SSL certificate when its Secret changes, without recreating the listener', async () => {
    rig.kube.state.seed(certSecret('tls', 'cert-v1'));
    rig.kube.state.seed(service('secure', { ports: [{ port: 443 }], annotations: { 'service.cloud.tencent.com/specify-protocol': '{"443":{"protocol":["TCP_SSL"],"tls":"tls"}}' } }));
    const before = await waitFor(() => snapshotLb('secure')?.listeners[0], 'TCP_SSL listener');
    expect(before.certificate?.CertId).toBe('cert-v1');
    rig.kube.state.apply(certSecret('tls', 'cert-v2'));
    const after = await waitFor(() => (snapshotLb('secure')?.listeners[0]?.certificate?.CertId === 'cert-v2' ? snapshotLb('secure')?.listeners[0] : undefined), 'rotated certificate');
    expect(after.id).toBe((before as { id: string }).id);
    expect(rig.cloud.simulator.traffic.counters().ModifyListener?.writes).toBe(1);
    expect(rig.cloud.simulator.traffic.counters().CreateListener?.writes).toBe(1);
  });

  it('binds only nodes with ready endpoints for Local traffic when asked, and follows EndpointSlice changes', async () => {
    const svc = service('local', { annotations: { 'service.kubernetes.io/local-svc-only-bind-node-with-pod': 'true' } });
    svc.spec = { ...svc.spec, externalTrafficPolicy: 'Local' };
    const slice = (nodes: string[]) => ({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'local-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'local' } },
      endpoints: nodes.map((n, i) => ({ addresses: [`172.16.0.${i + 10}`], nodeName: n, conditions: { ready: true } })),
    });
    rig.kube.state.seed(slice(['10.0.1.1']), svc);
    await waitFor(() => rig.loadBalancerOf('local')?.listeners[0]?.targets.length === 1, 'one node bound');
    rig.kube.state.apply(slice(['10.0.1.1', '10.0.1.3']));
    const targets = await waitFor(() => (rig.loadBalancerOf('local')?.listeners[0]?.targets.length === 2 ? rig.loadBalancerOf('local')?.listeners[0]?.targets : undefined), 'two nodes bound');
    expect(targets.map((t) => t.instanceId).sort()).toEqual(['ins-00000001', 'ins-00000003']);
  });

  it('leaves a mode: skip Service\'s CLB untouched, and lets it go on delete without cleanup', async () => {
    rig.kube.state.seed(service('web'));
    const lb = await waitFor(() => rig.loadBalancerOf('web')?.listeners[0]?.targets.length === 3 && rig.loadBalancerOf('web'), 'converged');
    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.cloud.tencent.com/mode': 'skip' } }, spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 81, protocol: 'TCP', targetPort: 8081 }] } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await rig.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    await waitFor(() => !rig.get('web'), 'Service gone');
    const kept = (rig.cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[]).find((l) => l.id === lb.id);
    expect(kept?.listeners).toHaveLength(1);
  });

  it('recovers from a reset watch and a burst of API errors, and still follows changes', async () => {
    rig.kube.state.seed(service('web'));
    await waitFor(() => rig.loadBalancerOf('web')?.listeners[0]?.targets.length === 3, 'converged');
    rig.kube.faults.failNext(3, { status: 500 });
    rig.kube.faults.dropWatches('destroy');
    await new Promise((resolve) => setTimeout(resolve, 100));
    rig.kube.state.seed(node(4));
    await waitFor(() => rig.loadBalancerOf('web')?.listeners[0]?.targets.length === 4, 'the new node bound after the informers recovered');
  });
});
