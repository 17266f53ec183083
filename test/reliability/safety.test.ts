/**
 * Reliability scenarios about what the controller must never do: delete or empty a CLB on a view that is not
 * yet (or not any more) the truth (2), touch a CLB it refuses (3), damage a shared CLB's other listeners (4),
 * fight over a port (5). Assertions are on full cloud snapshots and the call log.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { TAGS } from '../../src/annotations/keys.js';
import { instance, node, service, SETTINGS, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';
import { callsOf, converged, endpointSlice, EXISTED, FINALIZER, LB_ID, loadBalancer, loadBalancers, resync, settle, sleep, watching, writes, writesNaming } from './support.js';

let rig: ServiceRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const DIRECT = { 'service.cloud.tencent.com/direct-access': 'true' };
const LOCAL_ONLY = { 'service.kubernetes.io/local-svc-only-bind-node-with-pod': 'true' };

describe('2. informers not yet synced, the API briefly unavailable, endpoints briefly empty', () => {
  it('never deletes a CLB and never deregisters all targets', async () => {
    rig = await startServiceRig();
    const r = rig;
    const local = service('local', { annotations: LOCAL_ONLY });
    local.spec = { ...local.spec, externalTrafficPolicy: 'Local' };
    r.kube.state.seed(
      service('web'),
      endpointSlice('direct', [{ ip: '172.16.0.10' }, { ip: '172.16.0.11' }]),
      service('direct', { annotations: DIRECT }),
      endpointSlice('local', [{ ip: '172.16.0.20', node: '10.0.1.1' }, { ip: '172.16.0.21', node: '10.0.1.2' }]),
      local,
    );
    await converged(r, 'three Services');
    await settle(r);
    const before = r.cloud.simulator.snapshot();
    const ids = ['web', 'direct', 'local'].map((name) => r.get(name)!.metadata!.annotations![LB_ID]!);
    // Sampled all along: every CLB exists and keeps at least one target.
    const emptied = () => {
      for (const id of ids) {
        const bound = r.cloud.simulator.boundTargets(id);
        if (!loadBalancer(r, id)) return `${id} deleted`;
        if (bound.size === 0) return `${id} has no target`;
      }
      return undefined;
    };
    r.cloud.simulator.traffic.reset();

    const { seen } = await watching(emptied, async () => {
      // (a) A restart whose node and endpoint lists keep failing: the controller must wait for every cache.
      await r.stopController();
      r.kube.faults.failNext(12, { verb: 'list', resource: 'nodes', status: 500 });
      r.kube.faults.failNext(12, { verb: 'list', resource: 'endpointslices', status: 503 });
      await r.startController();
      await settle(r);
      // Synced for real: not holding back an empty view, and still watching (a new node is bound).
      expect(await r.controller.reconciler.reconcile('default/web')).toBeUndefined();
      r.kube.state.seed(node(4));
      await waitFor(() => r.cloud.simulator.boundTargets(ids[0]!).has(`${instance(4)}:${r.get('web')!.spec!.ports![0]!.nodePort}`), 'node 4 to be bound');
      r.kube.state.delete('nodes', node(4).metadata!.name!);
      await settle(r);

      // (b) The API away for a while: watches cut, every request refused; resyncs meanwhile.
      r.kube.faults.failNext(60, { status: 503 });
      r.kube.faults.dropWatches('destroy');
      for (const name of ['web', 'direct', 'local']) r.controller.controller.enqueue(`default/${name}`);
      await sleep(300);
      r.kube.faults.reset();
      await settle(r, 300);

      // (c) Endpoints briefly empty (a rollout, an EndpointSlice controller relisting), then back.
      r.kube.state.apply(endpointSlice('direct', []));
      r.kube.state.apply(endpointSlice('local', []));
      await sleep(300);
      r.kube.state.apply(endpointSlice('direct', [{ ip: '172.16.0.10' }, { ip: '172.16.0.11' }]));
      r.kube.state.apply(endpointSlice('local', [{ ip: '172.16.0.20', node: '10.0.1.1' }, { ip: '172.16.0.21', node: '10.0.1.2' }]));
      await settle(r, 300);
    });

    expect(seen).toEqual([]);
    const log = r.cloud.simulator.traffic.log;
    expect(callsOf(log, 'DeleteLoadBalancer')).toEqual([]);
    expect(log.filter((c) => /DeleteLoadBalancerListeners|DeleteListener/.test(c.action))).toEqual([]);
    // The only targets ever removed are node 4's, once it left.
    expect(log.filter((c) => /Deregister/.test(c.action) && !JSON.stringify(c.request).includes(instance(4)))).toEqual([]);
    expect(r.cloud.simulator.snapshot()).toEqual(before);
  });
});

describe('3. tke-existed-lbid pointing at a CLB it must refuse', () => {
  it.each([
    ['an auto-created CLB (another Service\'s)', 'auto', 'ExistingLoadBalancerRefused', 'E4012'],
    ['another cluster\'s CLB', 'other-cluster', 'ExistingLoadBalancerRefused', 'E4013'],
    ['a nonexistent id', 'missing', 'ExistingLoadBalancerNotFound', 'E4011'],
    ['a malformed id', 'malformed', 'InvalidAnnotation', 'lb-xxxxxxxx'],
  ])('refuses %s with a Warning naming the annotation, and makes zero mutating calls to that CLB', async (_name, kind, reason, text) => {
    rig = await startServiceRig();
    const r = rig;
    r.kube.state.seed(service('owner'));
    await converged(r, 'the owner of an auto-created CLB');
    const other = await r.cloud.provider.createLoadBalancer({ name: 'theirs', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: { [TAGS.clusterId]: 'cls-other' } });
    const target = { auto: r.get('owner')!.metadata!.annotations![LB_ID]!, 'other-cluster': other.id, missing: 'lb-missing0', malformed: 'lb-NOT_AN_ID' }[kind]!;
    await settle(r);
    const before = r.cloud.simulator.snapshot();
    r.cloud.simulator.traffic.reset();

    r.kube.state.seed(service('web', { annotations: { [EXISTED]: target } }));
    const warning = await waitFor(() => r.events('web').find((e) => e.reason === reason), reason);
    expect(warning.type).toBe('Warning');
    expect(warning.message).toContain(EXISTED);
    expect(warning.message).toContain(text);
    // Refused again and again (a resync each time): still nothing written, anywhere.
    for (let i = 0; i < 3; i++) await r.controller.reconciler.reconcile('default/web').catch(() => undefined);
    await settle(r);
    expect(writesNaming(r.cloud.simulator.traffic.log, target)).toEqual([]);
    expect(writes(r.cloud.simulator.traffic.log)).toEqual([]);
    expect(r.cloud.simulator.snapshot()).toEqual(before);
    expect(r.get('web')?.metadata?.finalizers ?? []).not.toContain(FINALIZER);
    expect(r.get('web')?.status?.loadBalancer?.ingress ?? []).toEqual([]);
  });
});

describe('4. a Service on a reused, shared CLB is deleted', () => {
  it('leaves the CLB, the other Services\' listeners and the user\'s listeners byte-identical', async () => {
    rig = await startServiceRig();
    const r = rig;
    const shared = await r.cloud.provider.createLoadBalancer({ name: 'shared', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: { team: 'web' } });
    const [byHand] = await r.cloud.provider.createListeners(shared.id, [{ name: 'ssh-by-hand', protocol: 'TCP', port: 22 }]);
    await r.cloud.provider.registerTargets(shared.id, [{ listenerId: byHand!, target: { instanceId: instance(1), port: 22, weight: 7 } }]);
    r.kube.state.seed(
      service('a', { annotations: { [EXISTED]: shared.id }, ports: [{ port: 80 }] }),
      service('b', { annotations: { [EXISTED]: shared.id }, ports: [{ port: 81 }, { port: 53, protocol: 'UDP' }] }),
    );
    await converged(r, 'both Services on the shared CLB');
    await settle(r);
    const before = loadBalancer(r, shared.id)!;
    const aPrefix = 'k8s_cls-itest_svc_default_a_';

    await r.core.deleteNamespacedService({ name: 'a', namespace: 'default' });
    await waitFor(() => !r.get('a'), 'Service a to be gone');
    await settle(r);
    const after = loadBalancer(r, shared.id)!;
    expect(after).toEqual({ ...before, listeners: before.listeners.filter((l) => !l.name.startsWith(aPrefix)) });
    expect(after.listeners.map((l) => l.name)).toEqual(['ssh-by-hand', 'k8s_cls-itest_svc_default_b_UDP_53', 'k8s_cls-itest_svc_default_b_TCP_81']);

    // The last Service goes: the CLB stays with the user's listener as it was, and the cluster's claim is released.
    await r.core.deleteNamespacedService({ name: 'b', namespace: 'default' });
    await waitFor(() => !r.get('b'), 'Service b to be gone');
    await settle(r);
    const last = loadBalancer(r, shared.id)!;
    const { [TAGS.clusterId]: _claim, ...userTags } = before.tags;
    expect(last).toEqual({ ...before, tags: userTags, listeners: before.listeners.filter((l) => l.name === 'ssh-by-hand') });
    expect(callsOf(r.cloud.simulator.traffic.log, 'DeleteLoadBalancer')).toEqual([]);
  });
});

describe('5. two Services claim the same port', () => {
  it('warns the second, and leaves the first\'s listener unchanged across 10 resyncs (no flapping)', async () => {
    rig = await startServiceRig();
    const r = rig;
    const shared = await r.cloud.provider.createLoadBalancer({ name: 'shared', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: {} });
    r.kube.state.seed(service('first', { annotations: { [EXISTED]: shared.id } }));
    await converged(r, 'the first Service');
    r.kube.state.seed(service('second', { annotations: { [EXISTED]: shared.id }, ports: [{ port: 80 }, { port: 90 }] }));
    const warning = await waitFor(() => r.events('second').find((e) => e.reason === 'PortConflict'), 'PortConflict');
    expect(warning).toMatchObject({ type: 'Warning', message: expect.stringContaining('port 80') });
    await settle(r);
    const before = loadBalancer(r, shared.id)!;
    const first = before.listeners.find((l) => l.port === 80);
    expect(first?.name).toBe('k8s_cls-itest_svc_default_first_TCP_80');
    // The second got what was free: only port 90.
    expect(before.listeners.map((l) => `${l.port}:${l.name}`)).toEqual(['80:k8s_cls-itest_svc_default_first_TCP_80', '90:k8s_cls-itest_svc_default_second_TCP_90']);

    // Ten resyncs as the period does them (remembered cloud state forgotten, everything read and reconciled again).
    for (let i = 0; i < 10; i++) {
      const from = r.cloud.simulator.traffic.log.length;
      await r.controller.resync();
      await settle(r, 50);
      const log = r.cloud.simulator.traffic.log.slice(from);
      expect(callsOf(log, 'DescribeListeners').length).toBeGreaterThan(0);
      expect(writes(log)).toEqual([]);
      expect(loadBalancer(r, shared.id)).toEqual(before);
    }
    // And the reconciles one by one, in both orders: still nothing to write.
    expect(await resync(r, ['second', 'first'])).toEqual([]);
    expect(loadBalancers(r)).toHaveLength(1);
  });
});
