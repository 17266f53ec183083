/**
 * [observe] The sync condition users `kubectl wait` on: LoadBalancerSynced in a Service's status.conditions, and
 * in TKE's `ingress.cloud.tencent.com/status.conditions` annotation for an Ingress. True once the CLB is as the
 * object asks; False with the reason and the error code when something stops it; back to True when fixed —
 * written only when it changes.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { V1Ingress } from '@kubernetes/client-node';
import { INGRESS_CONDITIONS_ANNOTATION, SYNC_CONDITION, type Condition } from '../../src/kube/sync-condition.js';
import { backendService, ingress, path, startIngressRig, type IngressRig } from '../support/ingress-rig.js';
import { node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

let rig: ServiceRig | undefined;
let ingressRig: IngressRig | undefined;
afterEach(async () => {
  await rig?.close();
  await ingressRig?.close();
  rig = undefined;
  ingressRig = undefined;
});

const conditionOf = (name: string): Condition | undefined => (rig!.get(name)?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === SYNC_CONDITION);

describe('a Service\'s LoadBalancerSynced condition', () => {
  it('turns True once the CLB is in sync, and a reconcile with nothing to do writes nothing to the Service', async () => {
    rig = await startServiceRig({ nodes: [node(1), node(2)] });
    rig.kube.state.seed(service('web'));
    const condition = await waitFor(() => (conditionOf('web')?.status === 'True' ? conditionOf('web') : undefined), 'the condition True');
    const lbId = rig.get('web')?.metadata?.annotations?.['service.kubernetes.io/loadbalance-id'];
    expect(condition).toMatchObject({ type: 'LoadBalancerSynced', status: 'True', reason: 'EnsuredLoadBalancer', message: `Load balancer ${lbId} is in sync` });
    expect(condition.observedGeneration).toBe(rig.get('web')?.metadata?.generation);
    expect(Date.parse(condition.lastTransitionTime)).not.toBeNaN();
    const version = rig.get('web')?.metadata?.resourceVersion;
    await rig.reconcileWhenIdle('web');
    expect(rig.get('web')?.metadata?.resourceVersion).toBe(version);
  });

  it('turns False on a user error, with the annotation\'s error code in the message, and True again once it is fixed', async () => {
    rig = await startServiceRig({ nodes: [node(1)] });
    rig.kube.state.seed(service('web'));
    const synced = await waitFor(() => (conditionOf('web')?.status === 'True' ? conditionOf('web') : undefined), 'the condition True');
    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out': 'lots' } } });
    const refused = await waitFor(() => (conditionOf('web')?.status === 'False' ? conditionOf('web') : undefined), 'the condition False');
    expect(refused).toMatchObject({ reason: 'InvalidAnnotation' });
    expect(refused.message).toMatch(/^E4045: service\.kubernetes\.io\/qcloud-loadbalancer-internet-max-bandwidth-out: value "lots": /);
    expect(Date.parse(refused.lastTransitionTime)).toBeGreaterThanOrEqual(Date.parse(synced.lastTransitionTime));
    // The same Warning and condition: the Event and the status tell the same story.
    expect(rig.events('web').filter((e) => e.type === 'Warning').map((e) => e.message)).toContain(refused.message);

    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out': null } } });
    const again = await waitFor(() => (conditionOf('web')?.status === 'True' ? conditionOf('web') : undefined), 'the condition True again');
    expect(again.reason).toBe('EnsuredLoadBalancer');
    // Only our condition: none duplicated, others' kept.
    expect((rig.get('web')?.status?.conditions ?? []).filter((c) => (c as unknown as Condition).type === SYNC_CONDITION)).toHaveLength(1);
  });

  it('keeps the conditions others set on the Service', async () => {
    rig = await startServiceRig({ nodes: [node(1)] });
    rig.kube.state.seed({ ...service('web'), status: { conditions: [{ type: 'example.com/Audited', status: 'True', reason: 'Audited', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } });
    await waitFor(() => conditionOf('web')?.status === 'True', 'the condition True');
    expect((rig.get("web")?.status?.conditions as unknown as Condition[]).map((c) => c.type)).toEqual(['example.com/Audited', SYNC_CONDITION]);
  });

  it('says SyncLoadBalancerFailed with E5009 when a task fails, and Synced after the retry', async () => {
    rig = await startServiceRig({ nodes: [node(1)] });
    rig.kube.state.seed(service('web'));
    await waitFor(() => conditionOf('web')?.status === 'True', 'the condition True');
    // Every registration task fails until the condition has said so; then the cloud recovers.
    rig.cloud.simulator.traffic.failNextTasks('BatchRegisterTargets', 1_000);
    rig.kube.state.seed(node(2));
    const failed = await waitFor(() => (conditionOf('web')?.status === 'False' ? conditionOf('web') : undefined), 'the condition False');
    expect(failed).toMatchObject({ reason: 'SyncLoadBalancerFailed', message: expect.stringMatching(/^E5009: Error syncing load balancer: .*BatchRegisterTargets/) });
    rig.cloud.simulator.traffic.clearFaults();
    await waitFor(() => conditionOf('web')?.status === 'True', 'the condition True after the retry', 15_000);
  });

  it('is removed from a refused Service (which never got a CLB) once it stops being a LoadBalancer', async () => {
    rig = await startServiceRig({ nodes: [node(1)] });
    rig.kube.state.seed(service('bad', { annotations: { 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out': 'lots' } }));
    await waitFor(() => conditionOf('bad')?.status === 'False', 'the condition False');
    rig.kube.state.patch('services', 'default/bad', { spec: { type: 'ClusterIP' } });
    await waitFor(() => !conditionOf('bad'), 'the condition removed');
    expect(rig.get('bad')?.status?.conditions ?? []).toEqual([]);
  });

  it('is removed with the CLB when the Service stops being a LoadBalancer', async () => {
    rig = await startServiceRig({ nodes: [node(1)] });
    rig.kube.state.seed(service('web'));
    await waitFor(() => conditionOf('web')?.status === 'True', 'the condition True');
    rig.kube.state.patch('services', 'default/web', { spec: { type: 'ClusterIP' } });
    await waitFor(() => !rig!.get('web')?.metadata?.finalizers?.length, 'the Service released');
    expect(rig.get('web')?.status?.conditions ?? []).toEqual([]);
  });
});

describe('an Ingress\'s conditions annotation', () => {
  const conditions = (name: string): Condition[] => JSON.parse(ingressRig!.kube.state.get<V1Ingress>('ingresses', `default/${name}`)?.metadata?.annotations?.[INGRESS_CONDITIONS_ANNOTATION] ?? '[]') as Condition[];

  it('holds LoadBalancerSynced as TKE\'s JSON list: True when synced, False with E4041 when a backend Service is missing', async () => {
    ingressRig = await startIngressRig();
    ingressRig.kube.state.seed(backendService('web'));
    ingressRig.kube.state.seed(ingress('shop', { rules: [{ host: 'shop.example.com', http: { paths: [path('/', 'web')] } }] }));
    const synced = await waitFor(() => conditions('shop').find((c) => c.type === SYNC_CONDITION && c.status === 'True'), 'the condition True');
    expect(synced.reason).toBe('EnsuredLoadBalancer');
    ingressRig.kube.state.patch('ingresses', 'default/shop', { spec: { rules: [{ host: 'shop.example.com', http: { paths: [path('/', 'web'), path('/api', 'api')] } }] } });
    const refused = await waitFor(() => conditions('shop').find((c) => c.type === SYNC_CONDITION && c.status === 'False'), 'the condition False');
    expect(refused).toMatchObject({ reason: 'ServiceNotFound', message: expect.stringMatching(/^E4041: /) });
  });
});
