/**
 * [edges] 3 — a protection the user turned on is never turned off or worked around: without the annotation the
 * controller leaves deletion protection as the CLB has it, and a protected CLB blocks deletion with a Warning that
 * says how to proceed, retried with backoff until the user decides.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { backendService, ingress, path, startIngressRig, type IngressRig } from '../support/ingress-rig.js';
import { node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

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

/**
 * Modification (operate) protection: only the console switches it — the CLB API has no call that does — and while
 * it is on the cloud refuses every change. The controller writes nothing to such a CLB, says so with the way out,
 * and takes the changes up at the retry after the user turned it off. The `modification-protection` annotation
 * (TKE's name) is compared with the CLB, never written: a difference is a Warning naming the annotation.
 */
describe('modification protection turned on in the console', () => {
  const writes = (r: ServiceRig | IngressRig) => r.cloud.simulator.traffic.log.filter((c) => c.kind === 'write');
  const boundNodes = (r: ServiceRig, name: string) => r.loadBalancerOf(name)?.listeners[0]?.targets.map((t) => t.instanceId).sort();

  it('a Service\'s CLB gets no write while it is on (a joining node waits, told why); once off, the node is bound at the next retry', async () => {
    const r = await startServiceRig();
    rig = r;
    r.kube.state.seed(service('web'));
    const lb = await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 3 && r.loadBalancerOf('web'), 'the CLB with 3 nodes');
    r.cloud.simulator.setModificationProtection(lb.id, true);
    await r.controller.resync(); // the controller's view of the CLB is refreshed, as every resync period does
    r.cloud.simulator.traffic.reset();
    r.kube.state.seed(node(4));
    const warning = await waitFor(() => r.events('web').find((e) => e.reason === 'LoadBalancerProtected'), 'the Warning');
    expect(warning.type).toBe('Warning');
    expect(warning.message).toContain(`Left load balancer ${lb.id} as it is: its modification protection is on`);
    expect(warning.message).toContain('turn modification protection off in the console');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writes(r)).toEqual([]); // not even a refused attempt
    expect(boundNodes(r, 'web')).toHaveLength(3);

    r.cloud.simulator.setModificationProtection(lb.id, false); // the user, in the console
    await waitFor(() => boundNodes(r, 'web')?.length === 4, 'the new node bound at the next retry', 15_000);
    expect(writes(r).map((c) => c.action)).toEqual(['BatchRegisterTargets']);
  });

  it('turned on since the controller last looked: the refused write makes it look again, then it holds off', async () => {
    const r = await startServiceRig();
    rig = r;
    r.kube.state.seed(service('web'));
    const lb = await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 3 && r.loadBalancerOf('web'), 'the CLB with 3 nodes');
    r.cloud.simulator.setModificationProtection(lb.id, true);
    r.cloud.simulator.traffic.reset();
    r.kube.state.seed(node(4));
    await waitFor(() => r.events('web').find((e) => e.reason === 'LoadBalancerProtected'), 'the Warning');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // One write refused by the cloud (OperationDenied), none after it.
    expect(writes(r).map((c) => [c.action, c.errorCode])).toEqual([['BatchRegisterTargets', 'OperationDenied']]);
    expect(r.events('web').find((e) => e.reason === 'SyncLoadBalancerFailed')?.message).toContain('operate protection');
  });

  it('deleting the Service waits with its finalizer, told how to proceed; nothing is deleted until it is off', async () => {
    const r = await startServiceRig();
    rig = r;
    r.kube.state.seed(service('web'));
    const lb = await waitFor(() => r.loadBalancerOf('web'), 'the CLB');
    r.cloud.simulator.setModificationProtection(lb.id, true);
    r.cloud.simulator.traffic.reset();
    r.kube.state.delete('services', 'default/web');
    const warning = await waitFor(() => r.events('web').find((e) => e.reason === 'LoadBalancerProtected'), 'the Warning');
    expect(warning.message).toContain('this Service waits until it can be released');
    expect(warning.message).toContain('service.cloud.tencent.com/mode: "skip"');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(writes(r)).toEqual([]);
    expect(r.get('web')?.metadata?.finalizers).toContain('service.kubernetes.io/load-balancer-cleanup');
    r.cloud.simulator.setModificationProtection(lb.id, false);
    await waitFor(() => !r.get('web'), 'the Service released at the next retry', 15_000);
    expect(r.cloud.simulator.snapshot().loadBalancers).toEqual([]);
  });

  it('an Ingress\'s CLB: no rule is created while it is on', async () => {
    const r = await startIngressRig({ seed: [backendService('api'), backendService('shop')] });
    rig = r;
    r.kube.state.seed(ingress('site', { rules: [{ host: 'api.example.com', http: { paths: [path('/', 'api')] } }] }));
    const lb = await waitFor(() => r.loadBalancerOf('site'), 'the CLB');
    r.cloud.simulator.setModificationProtection(lb.id, true);
    await r.controller.resync();
    r.cloud.simulator.traffic.reset();
    r.kube.state.patch('ingresses', 'default/site', { spec: { rules: [{ host: 'api.example.com', http: { paths: [path('/', 'api')] } }, { host: 'shop.example.com', http: { paths: [path('/', 'shop')] } }] } });
    await waitFor(() => r.events('site').find((e) => e.reason === 'LoadBalancerProtected'), 'the Warning');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writes(r)).toEqual([]);
    expect(r.loadBalancerOf('site')?.listeners[0]?.rules.map((rule) => rule.domain)).toEqual(['api.example.com']);
  });
});

describe('the modification-protection annotation', () => {
  /** A Service whose annotation says `value`, and the first Warning of `reason` it gets. */
  async function annotatedService(value: string, reason: string) {
    const r = await startServiceRig();
    rig = r;
    r.kube.state.seed(service('web', { annotations: { 'service.cloud.tencent.com/modification-protection': value } }));
    return { r, warning: await waitFor(() => r.events('web').find((e) => e.reason === reason), 'the Warning') };
  }

  it('asking for it on a CLB without it: a Warning says only the console can turn it on; the Service is served meanwhile', async () => {
    const { r, warning } = await annotatedService('true', 'UnsupportedFeature');
    expect(warning.message).toContain('service.cloud.tencent.com/modification-protection');
    expect(warning.message).toContain('"true"');
    expect(warning.message).toContain('has modification protection off and the CLB API cannot switch it; turn it on in the console');
    await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 3, 'the Service served');
  });

  it('asking for it off while it is on: the console is the way, and nothing is written meanwhile', async () => {
    const r = await startIngressRig({ seed: [backendService('api')] });
    rig = r;
    r.kube.state.seed(ingress('site', { rules: [{ host: 'api.example.com', http: { paths: [path('/', 'api')] } }] }));
    const lb = await waitFor(() => r.loadBalancerOf('site'), 'the CLB');
    r.cloud.simulator.setModificationProtection(lb.id, true);
    await r.controller.resync();
    r.kube.state.patch('ingresses', 'default/site', { metadata: { annotations: { 'ingress.cloud.tencent.com/modification-protection': 'false' } } });
    const warning = await waitFor(() => r.events('site').find((e) => e.reason === 'UnsupportedFeature'), 'the Warning');
    expect(warning.message).toContain('ingress.cloud.tencent.com/modification-protection');
    expect(warning.message).toContain('turn it off in the console');
  });

  it('a value that is not a boolean is refused, naming the annotation and what is accepted', async () => {
    const { r, warning } = await annotatedService('yes please', 'InvalidAnnotation');
    expect(warning.message).toContain('service.cloud.tencent.com/modification-protection');
    expect(warning.message).toContain('yes please');
    expect(r.cloud.simulator.snapshot().loadBalancers).toEqual([]);
  });
});
