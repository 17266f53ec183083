/**
 * Reliability scenarios around the controller's own lifecycle: a crash mid-create (1), a Service deleted while
 * the controller is down (6), a restart with everything converged (11). Every scenario asserts on full cloud
 * snapshots and the call log, not just on "no error".
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ClbSimulator } from '../../mocks/clb/simulator.js';
import { apiError } from '../../mocks/clb/api-error.js';
import { TAGS } from '../../src/annotations/keys.js';
import { backendService, ingress, path } from '../support/ingress-rig.js';
import { node, service, SETTINGS, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';
import { startClusterRig, type ClusterRig } from './cluster-rig.js';
import { callsOf, converged, endpointSlice, LB_ID, loadBalancers, writes } from './support.js';

let rig: ServiceRig | undefined;
let cluster: ClusterRig | undefined;
afterEach(async () => {
  await rig?.close();
  await cluster?.close();
  rig = undefined;
  cluster = undefined;
});

describe('1. crash after CreateLoadBalancer and before status is written', () => {
  it('adopts the CLB by its tags after the restart: exactly one CLB, no second create', async () => {
    rig = await startServiceRig();
    const r = rig;
    await r.stopController();
    // The "crash": CreateLoadBalancer reaches the cloud and succeeds, but its answer never comes back — the
    // process dies holding the call. Only the cloud knows the CLB exists; nothing is written to the Service.
    const sim = r.cloud.simulator as ClbSimulator & { CreateLoadBalancer: ClbSimulator['CreateLoadBalancer'] };
    const create = sim.CreateLoadBalancer.bind(sim);
    let crash!: () => void;
    const crashed = new Promise<void>((resolve) => (crash = resolve));
    let created = false;
    sim.CreateLoadBalancer = async (request) => {
      await create(request);
      created = true;
      await crashed;
      throw apiError('UnauthorizedOperation', 'the process died before it read the answer');
    };
    await r.startController();
    r.kube.state.seed(service('web', { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }));
    await waitFor(() => created, 'CreateLoadBalancer to succeed on the cloud');
    const stopping = r.stopController();
    crash();
    await stopping;

    const [orphan, ...more] = loadBalancers(r);
    expect(more).toEqual([]);
    const uid = r.get('web')?.metadata?.uid;
    expect(orphan?.tags).toEqual({ [TAGS.createdBy]: 'yes', [TAGS.clusterId]: SETTINGS.clusterId, [TAGS.ownerUid]: uid });
    expect(orphan?.listeners).toEqual([]);
    expect(r.get('web')?.status?.loadBalancer?.ingress ?? []).toEqual([]);
    expect(r.get('web')?.metadata?.annotations?.[LB_ID]).toBeUndefined();

    sim.CreateLoadBalancer = create;
    r.cloud.simulator.traffic.reset();
    await r.startController();
    await converged(r, 'the restarted controller to converge');
    expect(loadBalancers(r).map((lb) => lb.id)).toEqual([orphan!.id]);
    expect(r.get('web')?.metadata?.annotations?.[LB_ID]).toBe(orphan!.id);
    expect(callsOf(r.cloud.simulator.traffic.log, 'CreateLoadBalancer')).toEqual([]);
  });

  it('adopts a CLB whose listeners were never created (the crash came after the create, before any listener or status)', async () => {
    rig = await startServiceRig();
    const r = rig;
    // Every CreateListener is refused: the reconcile gets no further than the CLB, again and again.
    r.cloud.simulator.traffic.failNext('CreateListener', 'UnauthorizedOperation', 1000);
    r.kube.state.seed(service('web'));
    await waitFor(() => callsOf(r.cloud.simulator.traffic.log, 'CreateListener').length >= 2, 'a failing CreateListener');
    await r.stopController();
    const before = loadBalancers(r);
    expect(before).toHaveLength(1);
    expect(r.get('web')?.status?.loadBalancer?.ingress ?? []).toEqual([]);
    expect(writes(callsOf(r.cloud.simulator.traffic.log, 'CreateLoadBalancer'))).toHaveLength(1);

    r.cloud.simulator.traffic.clearFaults();
    r.cloud.simulator.traffic.reset();
    await r.startController();
    await converged(r, 'the restarted controller to converge');
    expect(loadBalancers(r).map((lb) => lb.id)).toEqual([before[0]!.id]);
    expect(callsOf(r.cloud.simulator.traffic.log, 'CreateLoadBalancer')).toEqual([]);
  });
});

describe('6. a Service deleted while the controller is down', () => {
  it('is cleaned up on start: the CLB is deleted first, the finalizer removed after', async () => {
    rig = await startServiceRig();
    const r = rig;
    r.kube.state.seed(service('web'), service('api', { ports: [{ port: 8080 }] }));
    await converged(r, 'both Services');
    const webLb = r.get('web')!.metadata!.annotations![LB_ID]!;
    const apiBefore = loadBalancers(r).find((lb) => lb.id === r.get('api')!.metadata!.annotations![LB_ID]);
    await r.stopController();
    await r.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    expect(r.get('web')?.metadata?.deletionTimestamp).toBeTruthy();
    r.kube.requests.clear();
    r.cloud.simulator.traffic.reset();

    await r.startController();
    await waitFor(() => !r.get('web'), 'the Service to be gone');
    const deleted = writes(callsOf(r.cloud.simulator.traffic.log, 'DeleteLoadBalancer'));
    expect(deleted.map((c) => (c.request as { LoadBalancerIds: string[] }).LoadBalancerIds)).toEqual([[webLb]]);
    const finalizerRemoved = r.kube.requests.mutations({ resource: 'services', name: 'web' }).filter((m) => m.verb === 'patch');
    expect(finalizerRemoved).toHaveLength(1);
    expect(deleted[0]!.at).toBeLessThanOrEqual(finalizerRemoved[0]!.at);
    // The other Service's CLB is byte-identical.
    expect(loadBalancers(r)).toEqual([apiBefore]);
  });

  it('keeps the finalizer while the cloud delete fails, retrying with growing delays, and finishes once the cloud recovers', async () => {
    rig = await startServiceRig();
    const r = rig;
    r.kube.state.seed(service('web'));
    await converged(r, 'the Service');
    const id = r.get('web')!.metadata!.annotations![LB_ID]!;
    await r.stopController();
    await r.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    // Not retryable by the provider: each failure is one failed reconcile, retried by the work queue.
    const failures = 7;
    r.cloud.simulator.traffic.failNext('DeleteLoadBalancer', 'UnauthorizedOperation', failures);
    r.cloud.simulator.traffic.reset();
    await r.startController();
    await waitFor(() => callsOf(r.cloud.simulator.traffic.log, 'DeleteLoadBalancer').some((c) => !c.errorCode), 'the delete to succeed');
    await waitFor(() => !r.get('web'), 'the Service to be gone');

    const attempts = callsOf(r.cloud.simulator.traffic.log, 'DeleteLoadBalancer');
    expect(attempts.map((c) => c.errorCode ?? 'ok')).toEqual([...Array<string>(failures).fill('UnauthorizedOperation'), 'ok']);
    // While it failed the Service kept its finalizer (it existed until the successful delete) and saw the failure.
    expect(r.events('web').some((e) => e.reason === 'SyncLoadBalancerFailed' && e.message.includes('UnauthorizedOperation'))).toBe(true);
    // Backoff: the gaps between attempts grow (per-key exponential, 5 ms doubling), the last far above the first.
    const gaps = attempts.slice(1).map((c, i) => c.at - attempts[i]!.at);
    expect(gaps.at(-1)!).toBeGreaterThan(4 * Math.max(1, gaps[0]!));
    expect(loadBalancers(r).find((lb) => lb.id === id)).toBeUndefined();
  });
});

describe('11. a no-op resync, and a restart with everything converged', () => {
  it('make zero mutating calls, to the cloud and to the API', async () => {
    const existingTags = { team: 'shared' };
    cluster = await startClusterRig({ nodes: [node(1), node(2), node(3), node(4, { ready: false })], resyncPeriodMs: 400, seed: [backendService('web')] });
    const c = cluster;
    const shared = await c.cloud.provider.createLoadBalancer({ name: 'shared', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: existingTags });
    await c.cloud.provider.createListeners(shared.id, [{ name: 'by-hand', protocol: 'TCP', port: 22 }]);
    const direct = service('direct', { annotations: { 'service.cloud.tencent.com/direct-access': 'true' } });
    c.kube.state.seed(
      service('plain', { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }),
      service('site', { annotations: { 'service.cloud.tencent.com/specify-protocol': '{"80":{"protocol":["HTTP"],"hosts":{"a.example.com":{}}}}' } }),
      service('reuse', { annotations: { 'service.kubernetes.io/tke-existed-lbid': shared.id }, ports: [{ port: 8080 }] }),
      endpointSlice('direct', [{ ip: '172.16.0.10' }, { ip: '172.16.0.11' }]),
      direct,
      ingress('shop', { rules: [{ host: 'shop.example.com', http: { paths: [path('/', 'web')] } }] }),
    );
    await waitFor(() => c.violations().length === 0, 'everything to converge');
    await c.settle();
    expect(c.violations()).toEqual([]);
    const before = c.cloud.simulator.snapshot();

    // Resyncs: the cache expires and every key is reconciled again (the reads prove it), yet nothing is written.
    c.cloud.simulator.traffic.reset();
    c.kube.requests.clear();
    await waitFor(() => callsOf(c.cloud.simulator.traffic.log, 'DescribeListeners').length >= 2 * 5, 'two resync periods of reads', 5000);
    await c.settle();
    expect(writes(c.cloud.simulator.traffic.log)).toEqual([]);
    expect(c.kube.requests.mutations().filter((m) => m.resource !== 'events')).toEqual([]);

    // A restart: everything is read again, nothing is written.
    await c.stopControllers();
    c.cloud.simulator.traffic.reset();
    c.kube.requests.clear();
    await c.startControllers();
    await waitFor(() => callsOf(c.cloud.simulator.traffic.log, 'DescribeListeners').length >= 5, 'the restart to observe every CLB');
    await c.settle();
    expect(writes(c.cloud.simulator.traffic.log)).toEqual([]);
    expect(c.kube.requests.mutations().filter((m) => m.resource !== 'events')).toEqual([]);
    expect(c.cloud.simulator.snapshot()).toEqual(before);
    expect(c.violations()).toEqual([]);
  });
});
