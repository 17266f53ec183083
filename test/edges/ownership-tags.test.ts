/**
 * [edges] 4 — ownership tags removed in the console: a CLB whose tags do not say it is this owner's is never
 * written to or deleted from — the answer of an idempotent create included. An OwnershipTagsMissing Warning (TKE's
 * E4017) names the CLB, the missing tags and how to restore them; meanwhile its listeners and targets stay as
 * they are.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

const OWNERSHIP = ['tke-createdBy-flag', 'tke-clusterId', 'tke-lb-serviceuuid'];
let rig: ServiceRig;
afterEach(async () => rig?.close());

const writesTo = (id: string) => rig.cloud.simulator.traffic.log.filter((c) => c.kind === 'write' && JSON.stringify(c.request).includes(id));

async function untaggedCreatedClb() {
  rig = await startServiceRig({ nodes: [node(1), node(2)] });
  rig.kube.state.seed(service('web'));
  await waitFor(() => rig.get('web')?.status?.loadBalancer?.ingress?.length, 'the CLB');
  const lb = rig.loadBalancerOf('web')!;
  await rig.cloud.provider.untagLoadBalancer(lb.id, OWNERSHIP); // someone, in the console
  rig.cloud.simulator.traffic.reset();
  return lb;
}

describe('a created CLB whose ownership tags were removed', () => {
  it('is refused with OwnershipTagsMissing naming the CLB and the tags, and nothing is written to it — a joining node included', async () => {
    const lb = await untaggedCreatedClb();
    await rig.controller.resync();
    const warning = await waitFor(() => rig.events('web').find((e) => e.reason === 'OwnershipTagsMissing'), 'the Warning');
    expect(warning.message).toContain(lb.id);
    for (const tag of OWNERSHIP) expect(warning.message).toContain(tag);
    expect(warning.message).toContain('E4017');
    expect(rig.events('web').some((e) => e.reason === 'ImmutableLoadBalancerChange')).toBe(false);
    rig.kube.state.seed(node(3));
    await expect(rig.reconcileWhenIdle('web')).rejects.toThrow('E4017');
    expect(writesTo(lb.id)).toEqual([]);
    expect(rig.loadBalancerOf('web')?.listeners[0]?.targets).toHaveLength(2);
  });

  it('deleting the Service deletes nothing from it: blocked with the Warning until the tags are back or mode: skip lets it go', async () => {
    const lb = await untaggedCreatedClb();
    rig.kube.state.delete('services', 'default/web');
    await waitFor(() => rig.events('web').some((e) => e.reason === 'OwnershipTagsMissing'), 'the Warning');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writesTo(lb.id)).toEqual([]);
    expect(rig.get('web')?.metadata?.finalizers).toContain('service.kubernetes.io/load-balancer-cleanup');
    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.cloud.tencent.com/mode': 'skip' } } });
    await waitFor(() => !rig.get('web'), 'the Service to go with mode: skip');
    expect(writesTo(lb.id)).toEqual([]);
    expect(rig.cloud.simulator.snapshot().loadBalancers).toHaveLength(1);
  });

  it('after a restart that lost the loadbalance-id annotation too, the idempotent create\'s answer is not taken as new and empty', async () => {
    const lb = await untaggedCreatedClb();
    await rig.stopController();
    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.kubernetes.io/loadbalance-id': null } } });
    await rig.startController();
    const warning = await waitFor(() => rig.events('web').find((e) => e.reason === 'OwnershipTagsMissing'), 'the Warning');
    expect(warning.message).toContain(lb.id);
    const writes = rig.cloud.simulator.traffic.log.filter((c) => c.kind === 'write').map((c) => c.action);
    expect(writes.filter((a) => a !== 'CreateLoadBalancer')).toEqual([]);
    expect(rig.cloud.simulator.snapshot().loadBalancers).toHaveLength(1);
  });

  it('once the tags are restored, the next resync repairs', async () => {
    const lb = await untaggedCreatedClb();
    await rig.controller.resync(); // the resync sees what the console did
    rig.kube.state.seed(node(3));
    await waitFor(() => rig.events('web').some((e) => e.reason === 'OwnershipTagsMissing'), 'the Warning');
    const uid = rig.get('web')?.metadata?.uid ?? '';
    await rig.cloud.provider.tagLoadBalancer(lb.id, { 'tke-createdBy-flag': 'yes', 'tke-clusterId': 'cls-itest', 'tke-lb-serviceuuid': uid });
    await rig.controller.resync();
    await waitFor(() => rig.loadBalancerOf('web')?.listeners[0]?.targets.length === 3, 'the node bound after the tags are back');
  });
});
