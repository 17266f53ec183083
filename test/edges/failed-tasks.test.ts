/**
 * [edges] 1 — a failed asynchronous task is surfaced in the reconcile that made the write, and retried after the
 * queue's backoff: the CLB is right within one requeue, never "at the next resync" (the rig's resync is an hour).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { instance, node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

let rig: ServiceRig;
afterEach(async () => rig?.close());

const boundInstances = (name: string) => rig.loadBalancerOf(name)?.listeners[0]?.targets.map((t) => t.instanceId).sort() ?? [];
const warnings = (name: string) => rig.events(name).filter((e) => e.type === 'Warning');

async function converged(name: string, nodes: number) {
  await waitFor(() => boundInstances(name).length === nodes && rig.get(name)?.status?.loadBalancer?.ingress?.length, `${name} to converge`);
  return rig.loadBalancerOf(name)!;
}

describe('a write whose task fails', () => {
  it('BatchRegisterTargets for a joining node: a Warning naming the action, the CLB and the cloud\'s message, and the node bound within one requeue', async () => {
    rig = await startServiceRig({ nodes: [node(1), node(2)] });
    rig.kube.state.seed(service('web'));
    const lb = await converged('web', 2);
    rig.cloud.simulator.traffic.failNextTasks('BatchRegisterTargets');
    const started = Date.now();
    rig.kube.state.seed(node(3));
    const warning = await waitFor(() => warnings('web').find((e) => e.reason === 'SyncLoadBalancerFailed'), 'the Warning');
    expect(warning.message).toContain('BatchRegisterTargets');
    expect(warning.message).toContain(lb.id);
    expect(warning.message).toContain('Task BatchRegisterTargets failed.');
    await waitFor(() => boundInstances('web').length === 3, 'the node bound after the retry', 5_000);
    expect(boundInstances('web')).toEqual([instance(1), instance(2), instance(3)]);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Two registrations: the failed one, and its retry — not a loop.
    expect(rig.cloud.simulator.traffic.log.filter((c) => c.action === 'BatchRegisterTargets' && c.kind === 'write').length).toBeLessThanOrEqual(3);
  });

  it('BatchDeregisterTargets for a leaving node: it is unbound within one requeue, not at the resync', async () => {
    rig = await startServiceRig({ nodes: [node(1), node(2), node(3)] });
    rig.kube.state.seed(service('web'));
    await converged('web', 3);
    rig.cloud.simulator.traffic.failNextTasks('BatchDeregisterTargets');
    rig.kube.state.delete('nodes', node(3).metadata?.name ?? '');
    await waitFor(() => warnings('web').some((e) => e.message.includes('BatchDeregisterTargets')), 'the Warning');
    await waitFor(() => boundInstances('web').length === 2, 'the node unbound after the retry', 5_000);
    expect(boundInstances('web')).toEqual([instance(1), instance(2)]);
  });

  it('CreateListener for a new port: the listener exists within one requeue, and what was remembered is the truth', async () => {
    rig = await startServiceRig({ nodes: [node(1)] });
    rig.kube.state.seed(service('web'));
    await converged('web', 1);
    rig.cloud.simulator.traffic.failNextTasks('CreateListener');
    rig.kube.state.patch('services', 'default/web', { spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 443, protocol: 'TCP', targetPort: 8443 }] } });
    await waitFor(() => warnings('web').some((e) => e.message.includes('CreateListener')), 'the Warning');
    await waitFor(() => rig.loadBalancerOf('web')?.listeners.length === 2 && rig.loadBalancerOf('web')!.listeners.every((l) => l.targets.length === 1), 'the listener after the retry', 5_000);
    // Converged: a reconcile now writes nothing.
    await rig.reconcileWhenIdle('web');
    rig.cloud.simulator.traffic.reset();
    await rig.reconcileWhenIdle('web');
    expect(rig.cloud.simulator.traffic.mutatingCalls()).toBe(0);
  });
});

describe('task status as the API returns it', () => {
  it.each([
    ['0', 'resolves at the first poll'],
    ['1', 'fails at the first poll'],
  ])('a string status "%s" %s instead of polling until the timeout', async (status) => {
    const { createLocalCloud } = await import('../../mocks/clb/local-cloud.js');
    const { TaskFailedError } = await import('../../providers/provider.js');
    const cloud = createLocalCloud({}, { taskPoll: { firstPollMs: 0, maxPollMs: 5, timeoutMs: 60_000 } });
    const describe = cloud.simulator.DescribeTaskStatus.bind(cloud.simulator);
    // Some gateways answer with the status as a string.
    cloud.simulator.DescribeTaskStatus = async (r) => ({ ...(await describe(r)), Status: status as never });
    const lb = await cloud.provider.createLoadBalancer({ name: 'web', type: 'OPEN', vpcId: 'vpc-cluster1', tags: {} });
    await cloud.provider.createListeners(lb.id, [{ name: 'l', protocol: 'TCP', port: 80 }]);
    const settled = cloud.provider.awaitWrites(lb.id);
    if (status === '0') await expect(settled).resolves.toBeUndefined();
    else await expect(settled).rejects.toBeInstanceOf(TaskFailedError);
    expect(cloud.simulator.traffic.log.filter((c) => c.action === 'DescribeTaskStatus').length).toBeLessThanOrEqual(2);
  });
});
