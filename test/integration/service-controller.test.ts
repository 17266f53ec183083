/**
 * service-controller end to end: real client-node informers against the fake Kubernetes API, the real provider
 * against the CLB simulator. Assertions are on the cloud's state, the Service's status and its Events.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { instance, node, service, SETTINGS, startServiceRig, waitFor, type ServiceRig, type SnapshotLoadBalancer } from '../support/service-rig.js';

const LB_ID = 'service.kubernetes.io/loadbalance-id';
const EXISTED = 'service.kubernetes.io/tke-existed-lbid';
const FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

let rig: ServiceRig;
afterEach(async () => rig?.close());

const converged = (name: string, listeners = 1) =>
  waitFor(() => {
    const lb = rig.loadBalancerOf(name);
    const ingress = rig.get(name)?.status?.loadBalancer?.ingress;
    return lb && ingress?.length && lb.listeners.length >= listeners ? lb : undefined;
  }, `${name} to converge`);
const targetIds = (lb: SnapshotLoadBalancer | undefined, port = 80) => lb?.listeners.find((l) => l.port === port)?.targets.map((t) => t.instanceId).sort();
const allLoadBalancers = () => rig.cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[];
/** The controller's read-modify-write must leave nothing to do: a reconcile now makes no cloud write. */
async function expectIdle(name: string) {
  await rig.reconcileWhenIdle(name);
  rig.cloud.simulator.traffic.reset();
  await rig.reconcileWhenIdle(name);
  expect(rig.cloud.simulator.traffic.mutatingCalls()).toBe(0);
}

describe('a LoadBalancer Service', () => {
  beforeEach(async () => {
    rig = await startServiceRig({ nodes: [node(1), node(2), node(3), node(4, { ready: false }), node(5, { labels: { 'node-role.kubernetes.io/control-plane': '' } })] });
  });

  it('gets a tagged public CLB with one listener per port, the eligible nodes\' NodePorts, status, annotation, finalizer and events', async () => {
    rig.kube.state.seed(service('web', { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }));
    const lb = await converged('web', 2);
    const svc = rig.get('web')!;
    expect(lb).toMatchObject({ type: 'OPEN', tags: { 'tke-createdBy-flag': 'yes', 'tke-clusterId': SETTINGS.clusterId, 'tke-lb-serviceuuid': svc.metadata?.uid } });
    expect(lb.listeners.map((l) => `${l.protocol}:${l.port}`).sort()).toEqual(['TCP:80', 'UDP:53']);
    const nodePort = svc.spec?.ports?.[0]?.nodePort;
    expect(lb.listeners.find((l) => l.port === 80)?.targets).toEqual([1, 2, 3].map((i) => ({ instanceId: instance(i), port: nodePort, weight: 10 })));
    expect(svc.status?.loadBalancer?.ingress).toEqual([{ ip: lb.vips[0] }]);
    expect(svc.metadata?.annotations?.[LB_ID]).toBe(lb.id);
    expect(svc.metadata?.finalizers).toContain(FINALIZER);
    await waitFor(() => rig.events('web').some((e) => e.reason === 'EnsuredLoadBalancer'), 'EnsuredLoadBalancer');
    expect(rig.events('web').map((e) => e.reason)).toContain('EnsuringLoadBalancer');
    await expectIdle('web');
  });

  it('makes an internal CLB in the annotated subnet, and refuses an unknown subnet with a Warning and no cloud write', async () => {
    rig.kube.state.seed(service('internal', { annotations: { 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-lb000001' } }));
    rig.kube.state.seed(service('nowhere', { annotations: { 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-missing1' } }));
    const lb = await converged('internal');
    expect(lb.type).toBe('INTERNAL');
    expect(lb.vips[0]).toMatch(/^10\.0\.2\./);
    const warning = await waitFor(() => rig.events('nowhere').find((e) => e.reason === 'SubnetNotFound'), 'SubnetNotFound');
    expect(warning).toMatchObject({ type: 'Warning', message: expect.stringContaining('service.kubernetes.io/qcloud-loadbalancer-internal-subnetid') });
    expect(allLoadBalancers()).toHaveLength(1);
    expect(rig.get('nowhere')?.metadata?.finalizers ?? []).not.toContain(FINALIZER);
  });

  it('follows the nodes: added, made NotReady, cordoned, removed', async () => {
    rig.kube.state.seed(service('web'));
    await converged('web');
    rig.kube.state.seed(node(6));
    await waitFor(() => targetIds(rig.loadBalancerOf('web'))?.includes(instance(6)), 'node 6 added');
    rig.kube.state.setStatus('nodes', node(2).metadata!.name!, { conditions: [{ type: 'Ready', status: 'False' }] });
    rig.kube.state.patch('nodes', node(3).metadata!.name!, { spec: { unschedulable: true } });
    rig.kube.state.delete('nodes', node(1).metadata!.name!);
    rig.kube.state.setStatus('nodes', node(4).metadata!.name!, { conditions: [{ type: 'Ready', status: 'True' }] });
    await waitFor(() => JSON.stringify(targetIds(rig.loadBalancerOf('web'))) === JSON.stringify([instance(4), instance(6)]), 'targets to follow the nodes');
    await expectIdle('web');
  });

  it('cleans up on delete: the CLB it created is deleted, then the finalizer goes and the Service with it', async () => {
    rig.kube.state.seed(service('web'));
    const lb = await converged('web');
    await rig.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    await waitFor(() => !rig.get('web'), 'the Service to be gone');
    expect(allLoadBalancers().find((l) => l.id === lb.id)).toBeUndefined();
    expect(rig.kube.state.list('events', 'default').map((e) => (e as { reason: string }).reason)).toEqual(expect.arrayContaining(['DeletingLoadBalancer', 'DeletedLoadBalancer']));
  });

  it('cleans up a Service that stops being a LoadBalancer, and clears its status', async () => {
    rig.kube.state.seed(service('web'));
    await converged('web');
    rig.kube.state.patch('services', 'default/web', { spec: { type: 'ClusterIP' } });
    await waitFor(() => allLoadBalancers().length === 0 && !rig.get('web')?.metadata?.finalizers?.includes(FINALIZER), 'cleanup');
    expect(rig.get('web')?.status?.loadBalancer?.ingress ?? []).toEqual([]);
    expect(rig.get('web')?.metadata?.annotations?.[LB_ID]).toBeUndefined();
  });

  it('adopts the CLB a crashed controller created before it wrote status: exactly one CLB', async () => {
    await rig.stopController();
    const svc = rig.kube.state.seed(service('web'))[0] as { metadata: { uid: string } };
    // What a controller that crashed right after CreateLoadBalancer leaves behind: a tagged CLB, no status.
    await rig.cloud.provider.createLoadBalancer({
      name: 'crashed', type: 'OPEN', vpcId: SETTINGS.vpcId,
      tags: { 'tke-createdBy-flag': 'yes', 'tke-clusterId': SETTINGS.clusterId, 'tke-lb-serviceuuid': svc.metadata.uid },
    });
    await rig.startController();
    const lb = await converged('web');
    expect(allLoadBalancers().map((l) => l.id)).toEqual([lb.id]);
  });

  it('makes zero mutating cloud calls after a restart when everything has converged', async () => {
    rig.kube.state.seed(service('web'), service('api', { ports: [{ port: 8080 }] }));
    await converged('web');
    await converged('api');
    await rig.stopController();
    rig.cloud.simulator.traffic.reset();
    await rig.startController();
    // Settled: both Services reconciled again (the cloud re-read: one tag query, listeners and targets of each CLB).
    let quietSince = Date.now();
    await waitFor(() => {
      if (rig.controller.controller.queue.pending > 0 || rig.cloud.simulator.traffic.log.length < 5) quietSince = Date.now();
      return Date.now() - quietSince > 200;
    }, 'the restart to settle');
    expect(rig.cloud.simulator.traffic.mutatingCalls()).toBe(0);
  });

  it('refuses to switch from its own CLB to an existing one, and reports a failing cloud as SyncLoadBalancerFailed', async () => {
    rig.kube.state.seed(service('web'));
    const before = await converged('web');
    const other = await rig.cloud.provider.createLoadBalancer({ name: 'spare', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: {} });
    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { [EXISTED]: other.id } } });
    const warning = await waitFor(() => rig.events('web').find((e) => e.reason === 'ImmutableLoadBalancerChange'), 'ImmutableLoadBalancerChange');
    expect(warning.message).toContain(before.id);
    expect(rig.loadBalancerOf('web')).toEqual(before);

    rig.cloud.simulator.traffic.failNext('CreateListener', 'UnauthorizedOperation', 1);
    rig.kube.state.patch('services', 'default/web', {
      metadata: { annotations: { [EXISTED]: null } },
      spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 81, protocol: 'TCP', targetPort: 8081 }] },
    });
    const failed = await waitFor(() => rig.events('web').find((e) => e.reason === 'SyncLoadBalancerFailed'), 'SyncLoadBalancerFailed');
    expect(failed).toMatchObject({ type: 'Warning', message: expect.stringContaining('UnauthorizedOperation') });
  });

  it('refuses immutable changes with a Warning and leaves the CLB as it is', async () => {
    rig.kube.state.seed(service('web'));
    const before = await converged('web');
    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-lb000001' } } });
    const warning = await waitFor(() => rig.events('web').find((e) => e.reason === 'ImmutableLoadBalancerChange'), 'ImmutableLoadBalancerChange');
    expect(warning.message).toContain('public/internal cannot change');
    expect(allLoadBalancers()).toEqual([before]);
  });
});

describe('reusing an existing CLB (tke-existed-lbid)', () => {
  let existing: string;
  beforeEach(async () => {
    rig = await startServiceRig();
    const userLb = await rig.cloud.provider.createLoadBalancer({ name: 'user-owned', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: { team: 'web' } });
    existing = userLb.id;
    // A listener the user made by hand: never ours to change.
    await rig.cloud.provider.createListeners(existing, [{ name: 'ssh-by-hand', protocol: 'TCP', port: 22 }]);
  });

  it('shares one CLB between Services (TCP and UDP on one port), blocks only a newcomer whose port is taken, and never deletes the CLB', async () => {
    rig.kube.state.seed(service('tcp', { annotations: { [EXISTED]: existing } }), service('udp', { annotations: { [EXISTED]: existing }, ports: [{ port: 80, protocol: 'UDP' }] }));
    await waitFor(() => rig.loadBalancerOf('tcp')?.listeners.length === 3 && rig.get('udp')?.status?.loadBalancer?.ingress?.length, 'both Services on the CLB');
    const shared = rig.loadBalancerOf('tcp')!;
    expect(shared.tags).toEqual({ team: 'web', 'tke-clusterId': SETTINGS.clusterId });
    const tcpListener = shared.listeners.find((l) => l.protocol === 'TCP' && l.port === 80);

    rig.kube.state.seed(service('late', { annotations: { [EXISTED]: existing } }));
    const conflict = await waitFor(() => rig.events('late').find((e) => e.reason === 'PortConflict'), 'PortConflict');
    expect(conflict.type).toBe('Warning');
    expect(rig.loadBalancerOf('tcp')!.listeners.find((l) => l.protocol === 'TCP' && l.port === 80)).toEqual(tcpListener);

    // The first Service leaves: its listener goes, the CLB and everyone else's listeners stay, and the port is free again.
    await rig.core.deleteNamespacedService({ name: 'tcp', namespace: 'default' });
    await waitFor(() => !rig.get('tcp'), 'tcp Service gone');
    rig.kube.state.patch('services', 'default/late', { metadata: { labels: { retry: 'now' } } });
    const after = await waitFor(() => {
      const lb = allLoadBalancers().find((l) => l.id === existing);
      return lb?.listeners.some((l) => l.name.includes('_late_')) ? lb : undefined;
    }, 'the newcomer to take the freed port');
    expect(after.listeners.map((l) => `${l.protocol}:${l.port}:${l.name}`).sort()).toEqual([
      'TCP:22:ssh-by-hand',
      'TCP:80:k8s_cls-itest_svc_default_late_TCP_80',
      'UDP:80:k8s_cls-itest_svc_default_udp_UDP_80',
    ]);
  });

  it.each([
    ['a CLB that does not exist', () => 'lb-missing0', 'ExistingLoadBalancerNotFound'],
    ['a malformed id', () => 'lb-BAD', 'InvalidAnnotation'],
  ])('refuses %s with a Warning naming the annotation', async (_name, id, reason) => {
    rig.kube.state.seed(service('web', { annotations: { [EXISTED]: id() } }));
    const warning = await waitFor(() => rig.events('web').find((e) => e.reason === reason), reason);
    expect(warning).toMatchObject({ type: 'Warning', message: expect.stringContaining(EXISTED) });
    expect(rig.cloud.simulator.traffic.mutatingCalls()).toBe(2);
    expect(rig.get('web')?.metadata?.finalizers ?? []).not.toContain(FINALIZER);
  });

  it.each([
    ['an auto-created CLB', { 'tke-createdBy-flag': 'yes', 'tke-clusterId': SETTINGS.clusterId }, SETTINGS.vpcId, 'E4012'],
    ['another cluster\'s CLB', { 'tke-clusterId': 'cls-other' }, SETTINGS.vpcId, 'E4013'],
    ['a CLB in another VPC', {}, 'vpc-another1', 'not in the cluster\'s VPC'],
  ])('refuses %s and makes no write to it', async (_name, tags, vpcId, code) => {
    const target = await rig.cloud.provider.createLoadBalancer({ name: 'not-yours', type: 'OPEN', vpcId, tags });
    rig.cloud.simulator.traffic.reset();
    rig.kube.state.seed(service('web', { annotations: { [EXISTED]: target.id } }));
    const warning = await waitFor(() => rig.events('web').find((e) => e.reason === 'ExistingLoadBalancerRefused'), 'refusal');
    expect(warning.message).toContain(code);
    const writesToIt = rig.cloud.simulator.traffic.log.filter((c) => c.kind === 'write' && JSON.stringify(c.request).includes(target.id));
    expect(writesToIt).toEqual([]);
  });
});
