/**
 * Scenario 10: node churn costs the cloud as little as it can. A node flapping NotReady↔Ready inside its grace
 * window costs nothing at all; a node that stays NotReady is unbound when the window ends; a node that goes away
 * costs one batched update per CLB.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { CallRecord } from '../../mocks/clb/traffic.js';
import { instance, node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';
import { converged, LB_ID, loadBalancer, settle, sleep, writes } from './support.js';

let rig: ServiceRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const readyAt = (status: 'True' | 'False' | 'Unknown', at: Date) => ({ conditions: [{ type: 'Ready', status, lastTransitionTime: at.toISOString() }] });
const nodeName = (i: number) => node(i).metadata!.name!;
const writesPerLoadBalancer = (log: readonly CallRecord[]) => {
  const counts = new Map<string, string[]>();
  for (const call of writes(log)) {
    const id = (call.request as { LoadBalancerId?: string }).LoadBalancerId ?? '?';
    counts.set(id, [...(counts.get(id) ?? []), call.action]);
  }
  return Object.fromEntries([...counts].sort());
};

async function threeServices(r: ServiceRig): Promise<string[]> {
  r.kube.state.seed(
    service('a', { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }),
    service('b', { ports: [{ port: 80 }, { port: 443 }] }),
    service('c', { annotations: { 'service.cloud.tencent.com/specify-protocol': '{"80":{"protocol":["HTTP"],"hosts":{"a.example.com":{},"b.example.com":{}}}}' } }),
  );
  await converged(r, 'three Services');
  await settle(r);
  return ['a', 'b', 'c'].map((name) => r.get(name)!.metadata!.annotations![LB_ID]!);
}

describe('10. a node flapping NotReady↔Ready, a node removed', () => {
  it('makes zero CLB calls for flaps within the grace window, and keeps the node bound', async () => {
    rig = await startServiceRig({ nodes: [node(1), node(2), node(3)] }); // default grace: 60 s
    const r = rig;
    const ids = await threeServices(r);
    const before = r.cloud.simulator.snapshot();
    r.cloud.simulator.traffic.reset();
    // Not even a reconcile: a flap inside the window cannot change which nodes are bound.
    let reconciles = 0;
    const reconcile = r.controller.reconciler.reconcile.bind(r.controller.reconciler);
    r.controller.reconciler.reconcile = (key) => {
      reconciles += 1;
      return reconcile(key);
    };
    for (let flap = 0; flap < 5; flap++) {
      r.kube.state.setStatus('nodes', nodeName(2), readyAt(flap % 2 ? 'Unknown' : 'False', new Date()));
      await sleep(40);
      r.kube.state.setStatus('nodes', nodeName(2), readyAt('True', new Date()));
      await sleep(40);
    }
    r.kube.state.setStatus('nodes', nodeName(3), readyAt('False', new Date()));
    await settle(r, 300);
    expect(reconciles).toBe(0);
    expect(r.cloud.simulator.traffic.log).toEqual([]);
    expect(r.cloud.simulator.snapshot()).toEqual(before);
    for (const id of ids) expect(loadBalancer(r, id)!.listeners.every((l) => [...l.targets, ...l.rules.flatMap((x) => x.targets)].some((t) => t.instanceId === instance(3)))).toBe(true);
  });

  it('unbinds a node that stays NotReady when its grace window ends, with one batched update per CLB', async () => {
    const graceMs = 700;
    rig = await startServiceRig({ nodes: [node(1), node(2), node(3)], nodeReadyGraceMs: graceMs });
    const r = rig;
    const ids = await threeServices(r);
    r.cloud.simulator.traffic.reset();
    const wentNotReady = new Date(Date.now() - 100);
    r.kube.state.setStatus('nodes', nodeName(2), readyAt('False', wentNotReady));
    await waitFor(() => ids.every((id) => ![...r.cloud.simulator.boundTargets(id).keys()].some((k) => k.startsWith(instance(2)))), 'node 2 to be unbound', 5000);
    await settle(r);
    const log = r.cloud.simulator.traffic.log;
    // Nothing at all during the window; after it, exactly one write per CLB (both listeners, or both rules, at once).
    expect(log.filter((c) => c.at < wentNotReady.getTime() + graceMs)).toEqual([]);
    expect(writesPerLoadBalancer(log)).toEqual(Object.fromEntries(ids.map((id) => [id, ['BatchDeregisterTargets']]).sort()));
  });

  it('updates each CLB with one batched call when a node is removed', async () => {
    rig = await startServiceRig({ nodes: [node(1), node(2), node(3)] });
    const r = rig;
    const ids = await threeServices(r);
    r.cloud.simulator.traffic.reset();
    r.kube.state.delete('nodes', nodeName(1));
    await waitFor(() => ids.every((id) => ![...r.cloud.simulator.boundTargets(id).keys()].some((k) => k.startsWith(instance(1)))), 'node 1 to be unbound');
    await settle(r);
    expect(writesPerLoadBalancer(r.cloud.simulator.traffic.log)).toEqual(Object.fromEntries(ids.map((id) => [id, ['BatchDeregisterTargets']]).sort()));
    for (const id of ids) {
      const [call] = writes(r.cloud.simulator.traffic.log).filter((c) => (c.request as { LoadBalancerId: string }).LoadBalancerId === id);
      expect((call!.request as { Targets: unknown[] }).Targets).toHaveLength(2);
    }
  });
});
