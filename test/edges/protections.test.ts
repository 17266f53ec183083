/**
 * [edges] 3 — a protection the user turned on is never turned off or worked around: without the annotation the
 * controller leaves deletion protection as the CLB has it, and a protected CLB blocks deletion with a Warning that
 * says how to proceed, retried with backoff until the user decides.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { backendService, ingress, path, startIngressRig, type IngressRig } from '../support/ingress-rig.js';
import { service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

let rig: IngressRig | ServiceRig | undefined;
afterEach(async () => rig?.close());

const calls = (r: IngressRig | ServiceRig, action: string) => r.cloud.simulator.traffic.log.filter((c) => c.action === action && c.kind === 'write').length;

describe('deletion protection turned on in the console', () => {
  it('an Ingress without the annotation keeps it: no write turns it off, even on a resync', async () => {
    const r = await startIngressRig({ seed: [backendService('api')] });
    rig = r;
    r.kube.state.seed(ingress('shop', { rules: [{ host: 'shop.example.com', http: { paths: [path('/', 'api')] } }] }));
    const lb = await waitFor(() => r.loadBalancerOf('shop'), 'the CLB');
    await r.cloud.provider.modifyLoadBalancerAttributes(lb.id, { deleteProtect: true }); // the user, in the console
    r.cloud.simulator.traffic.reset();
    await r.controller.resync();
    await r.reconcileWhenIdle('shop');
    expect(calls(r, 'ModifyLoadBalancerAttributes')).toBe(0);
    expect((await r.cloud.provider.describeLoadBalancers([lb.id]))[0]?.deleteProtect).toBe(true);
  });

  it('deleting the Ingress is blocked with a Warning saying what to do; once the user turns it off, the CLB goes', async () => {
    const r = await startIngressRig({ seed: [backendService('api')] });
    rig = r;
    r.kube.state.seed(ingress('shop', { rules: [{ host: 'shop.example.com', http: { paths: [path('/', 'api')] } }] }));
    const lb = await waitFor(() => r.loadBalancerOf('shop'), 'the CLB');
    await r.cloud.provider.modifyLoadBalancerAttributes(lb.id, { deleteProtect: true });
    r.kube.state.delete('ingresses', 'default/shop');
    const warning = await waitFor(() => r.events('shop').find((e) => e.reason === 'LoadBalancerProtected'), 'the Warning');
    expect(warning.message).toContain(lb.id);
    expect(warning.message).toContain('ingress.cloud.tencent.com/deletion-protection: "false"');
    expect(warning.message).toContain('ingress.cloud.tencent.com/loadbalance-retain: "true"');
    // Blocked, not looping: nothing written, the Ingress kept by its finalizer, retries backing off.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(calls(r, 'DeleteLoadBalancer') + calls(r, 'DeleteLoadBalancerListeners')).toBe(0);
    expect(r.get('shop')?.metadata?.finalizers).toContain('ingress.cloud.tencent.com/load-balancer-cleanup');
    expect(r.cloud.simulator.traffic.log.filter((c) => c.action === 'DescribeListeners').length).toBeLessThan(12);
    await r.cloud.provider.modifyLoadBalancerAttributes(lb.id, { deleteProtect: false });
    await waitFor(() => !r.get('shop'), 'the Ingress released at the next retry', 15_000);
    expect(r.cloud.simulator.snapshot().loadBalancers).toEqual([]);
  });

  it('a Service\'s CLB: the same, with the console as the way out', async () => {
    const r = await startServiceRig();
    rig = r;
    r.kube.state.seed(service('web'));
    const lb = await waitFor(() => r.loadBalancerOf('web'), 'the CLB');
    await r.cloud.provider.modifyLoadBalancerAttributes(lb.id, { deleteProtect: true });
    r.kube.state.delete('services', 'default/web');
    const warning = await waitFor(() => r.events('web').find((e) => e.reason === 'LoadBalancerProtected'), 'the Warning');
    expect(warning).toMatchObject({ type: 'Warning', message: expect.stringContaining('turn its deletion protection off in the console') });
    expect(r.events('web').some((e) => e.reason === 'SyncLoadBalancerFailed')).toBe(false);
    expect(calls(r, 'DeleteLoadBalancer')).toBe(0);
    expect(r.loadBalancerOf('web')?.listeners).toHaveLength(1);
  });

  it('an annotation the user set does change it', async () => {
    const r = await startIngressRig({ seed: [backendService('api')] });
    rig = r;
    r.kube.state.seed(ingress('shop', { rules: [{ host: 'shop.example.com', http: { paths: [path('/', 'api')] } }] }, { 'ingress.cloud.tencent.com/deletion-protection': 'true' }));
    const lb = await waitFor(() => r.loadBalancerOf('shop'), 'the CLB');
    await waitFor(async () => (await r.cloud.provider.describeLoadBalancers([lb.id]))[0]?.deleteProtect, 'protection on');
    r.kube.state.patch('ingresses', 'default/shop', { metadata: { annotations: { 'ingress.cloud.tencent.com/deletion-protection': 'false' } } });
    await waitFor(async () => (await r.cloud.provider.describeLoadBalancers([lb.id]))[0]?.deleteProtect === false, 'protection off, as the annotation now says');
  });
});
