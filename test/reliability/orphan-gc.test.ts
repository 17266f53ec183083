/**
 * Garbage collection of orphans (src/deploy/orphan-gc.ts) with a fake clock, against the mock cloud: what this
 * cluster created or named for an owner that no longer exists goes after the safety delay — not before, not in a
 * dry run, not if the owner comes back meanwhile — and a CLB without the cluster's tags is never looked at.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import type { V1Service } from '@kubernetes/client-node';
import { createLocalCloud, type LocalCloud } from '../../mocks/clb/local-cloud.js';
import { TAGS } from '../../src/annotations/keys.js';
import { liveOwnersFrom, OrphanCollector, startOrphanCollector, type LiveOwners } from '../../src/deploy/orphan-gc.js';
import { createLogger } from '../../src/runtime/logger.js';
import { loadBalancer, loadBalancers, writes, writesNaming } from './support.js';
import { waitFor } from '../support/service-rig.js';

const CLUSTER = 'cls-gc';
const DELAY = 10 * 60_000;
const VPC = 'vpc-cluster1';

const created = (uid: string, clusterId = CLUSTER) => ({ [TAGS.createdBy]: 'yes', [TAGS.clusterId]: clusterId, [TAGS.ownerUid]: uid });
const svc = (name: string, uid: string): V1Service => ({ metadata: { name, namespace: 'default', uid } });

interface Harness {
  readonly cloud: LocalCloud;
  readonly clock: { now: number };
  live: LiveOwners;
  readonly logs: string[];
  collector(options?: { dryRun?: boolean; ready?: () => boolean }): OrphanCollector;
}

function harness(): Harness {
  const cloud = createLocalCloud();
  const logs: string[] = [];
  const logger = createLogger('debug', new Writable({ write: (chunk, _e, done) => (logs.push(String(chunk)), done()) }));
  const h: Harness = {
    cloud,
    clock: { now: 1_000_000 },
    live: liveOwnersFrom([], [], CLUSTER),
    logs,
    collector: (options = {}) =>
      new OrphanCollector({
        provider: cloud.provider, settings: { clusterId: CLUSTER }, owners: () => h.live, safetyDelayMs: DELAY, logger, now: () => h.clock.now,
        ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}), ...(options.ready ? { ready: options.ready } : {}),
      }),
  };
  return h;
}

async function orphan(h: Harness, uid = 'gone-uid', listeners: { name: string; port: number }[] = [{ name: `k8s_${CLUSTER}_svc_default_gone_TCP_80`, port: 80 }]) {
  const lb = await h.cloud.provider.createLoadBalancer({ name: 'orphan', type: 'OPEN', vpcId: VPC, tags: created(uid) });
  if (listeners.length) await h.cloud.provider.createListeners(lb.id, listeners.map((l) => ({ name: l.name, protocol: 'TCP' as const, port: l.port })));
  return lb.id;
}

describe('orphan garbage collection', () => {
  it('deletes an orphaned CLB only once it has been orphaned for the safety delay', async () => {
    const h = harness();
    const id = await orphan(h);
    const gc = h.collector();
    h.cloud.simulator.traffic.reset();

    expect(await gc.sweep()).toMatchObject({ orphanLoadBalancers: [id], deletedLoadBalancers: [] });
    h.clock.now += DELAY - 1;
    expect(await gc.sweep()).toMatchObject({ orphanLoadBalancers: [id], deletedLoadBalancers: [] });
    expect(writes(h.cloud.simulator.traffic.log)).toEqual([]);
    expect(loadBalancer(h, id)).toBeDefined();

    h.clock.now += 1;
    expect(await gc.sweep()).toMatchObject({ deletedLoadBalancers: [id] });
    expect(loadBalancers(h)).toEqual([]);
    expect(h.logs.some((l) => l.includes('Deleted orphaned load balancer'))).toBe(true);
  });

  it('deletes nothing in dry run, and says what it would delete', async () => {
    const h = harness();
    const id = await orphan(h);
    const listenerOwner = await h.cloud.provider.createLoadBalancer({ name: 'reused', type: 'OPEN', vpcId: VPC, tags: { [TAGS.clusterId]: CLUSTER } });
    await h.cloud.provider.createListeners(listenerOwner.id, [{ name: `k8s_${CLUSTER}_svc_default_gone_TCP_80`, protocol: 'TCP', port: 80 }]);
    const before = h.cloud.simulator.snapshot();
    const gc = h.collector({ dryRun: true });
    h.cloud.simulator.traffic.reset();
    await gc.sweep();
    h.clock.now += DELAY;
    const report = await gc.sweep();
    expect(report).toMatchObject({ dryRun: true, deletedLoadBalancers: [id], deletedListeners: [{ loadBalancerId: listenerOwner.id }] });
    expect(writes(h.cloud.simulator.traffic.log)).toEqual([]);
    expect(h.cloud.simulator.snapshot()).toEqual(before);
    expect(h.logs.filter((l) => l.includes('Would delete'))).toHaveLength(2);
  });

  it('never looks at a CLB without the cluster\'s tags, nor at another cluster\'s', async () => {
    const h = harness();
    const mine = await orphan(h);
    const users = await h.cloud.provider.createLoadBalancer({ name: 'users', type: 'OPEN', vpcId: VPC, tags: { team: 'web' } });
    await h.cloud.provider.createListeners(users.id, [{ name: `k8s_${CLUSTER}_svc_default_gone_TCP_80`, protocol: 'TCP', port: 80 }]);
    const theirs = await h.cloud.provider.createLoadBalancer({ name: 'theirs', type: 'OPEN', vpcId: VPC, tags: created('gone-uid', 'cls-other') });
    const foreign = [loadBalancer(h, users.id), loadBalancer(h, theirs.id)];
    const gc = h.collector();
    h.cloud.simulator.traffic.reset();
    for (let i = 0; i < 3; i++) {
      await gc.sweep();
      h.clock.now += DELAY;
    }
    expect(loadBalancer(h, mine)).toBeUndefined();
    expect([loadBalancer(h, users.id), loadBalancer(h, theirs.id)]).toEqual(foreign);
    // No call ever named them: the tag query for the cluster's CLBs does not return them, and nothing else asks.
    for (const id of [users.id, theirs.id]) expect(h.cloud.simulator.traffic.log.filter((c) => JSON.stringify(c.request).includes(id))).toEqual([]);
    expect(h.cloud.simulator.traffic.log.filter((c) => c.action === 'DescribeLoadBalancers').every((c) => JSON.stringify(c.request).includes(`tag:${TAGS.clusterId}`) || JSON.stringify(c.request).includes(mine))).toBe(true);
  });

  it('spares a CLB whose owner reappears, and starts the delay over if it is orphaned again', async () => {
    const h = harness();
    const id = await orphan(h, 'flaky-uid');
    const gc = h.collector();
    await gc.sweep();
    h.clock.now += DELAY / 2;
    h.live = liveOwnersFrom([svc('flaky', 'flaky-uid')], [], CLUSTER);
    expect(await gc.sweep()).toMatchObject({ orphanLoadBalancers: [], deletedLoadBalancers: [] });
    h.live = liveOwnersFrom([], [], CLUSTER);
    h.clock.now += DELAY / 2 + 1;
    expect(await gc.sweep()).toMatchObject({ orphanLoadBalancers: [id], deletedLoadBalancers: [] });
    h.clock.now += DELAY - 1;
    expect((await gc.sweep()).deletedLoadBalancers).toEqual([]);
    h.clock.now += 1;
    expect((await gc.sweep()).deletedLoadBalancers).toEqual([id]);
    expect(writesNaming(h.cloud.simulator.traffic.log, id).map((c) => c.action)).toEqual(['CreateListener', 'DeleteLoadBalancer']);
  });

  it('deletes the cluster\'s listeners of gone owners on any of its CLBs, and leaves every other listener byte-identical', async () => {
    const h = harness();
    const shared = await h.cloud.provider.createLoadBalancer({ name: 'reused', type: 'OPEN', vpcId: VPC, tags: { team: 'web', [TAGS.clusterId]: CLUSTER } });
    await h.cloud.provider.createListeners(shared.id, [
      { name: 'ssh-by-hand', protocol: 'TCP', port: 22 },
      { name: `k8s_${CLUSTER}_svc_default_gone_TCP_80`, protocol: 'TCP', port: 80 },
      { name: `k8s_${CLUSTER}_svc_default_live_TCP_81`, protocol: 'TCP', port: 81 },
      { name: `k8s_${CLUSTER}_ing_default_shop_HTTP_8080`, protocol: 'HTTP', port: 8080 },
      { name: 'k8s_cls-other_svc_default_gone_TCP_82', protocol: 'TCP', port: 82 },
    ]);
    h.live = liveOwnersFrom([svc('live', 'live-uid')], [{ metadata: { name: 'shop', namespace: 'default', uid: 'shop-uid' } }], CLUSTER);
    const before = loadBalancer(h, shared.id)!;
    const gc = h.collector();
    await gc.sweep();
    h.clock.now += DELAY;
    const report = await gc.sweep();
    expect(report.deletedListeners).toEqual([{ loadBalancerId: shared.id, listenerIds: [before.listeners.find((l) => l.port === 80)!.id] }]);
    expect(loadBalancer(h, shared.id)).toEqual({ ...before, listeners: before.listeners.filter((l) => l.port !== 80) });
  });

  it('keeps an orphaned CLB that carries someone else\'s listener: only the cluster\'s listeners go, with a warning', async () => {
    const h = harness();
    const id = await orphan(h, 'gone-uid', [{ name: `k8s_${CLUSTER}_svc_default_gone_TCP_80`, port: 80 }, { name: 'added-by-hand', port: 22 }]);
    const gc = h.collector();
    await gc.sweep();
    h.clock.now += DELAY;
    await gc.sweep();
    expect(loadBalancer(h, id)?.listeners.map((l) => l.name)).toEqual(['added-by-hand']);
    expect(h.logs.some((l) => l.includes('Kept orphaned load balancer'))).toBe(true);
  });

  it('leaves the CLBs of live owners alone, and does nothing while the caches are not synced', async () => {
    const h = harness();
    const live = await orphan(h, 'live-uid', [{ name: `k8s_${CLUSTER}_svc_default_web_TCP_80`, port: 80 }]);
    const gone = await orphan(h, 'gone-uid', []);
    h.live = liveOwnersFrom([svc('web', 'live-uid')], [], CLUSTER);
    let synced = false;
    const gc = h.collector({ ready: () => synced });
    h.cloud.simulator.traffic.reset();
    for (let i = 0; i < 3; i++) {
      await gc.sweep();
      h.clock.now += DELAY;
    }
    expect(h.cloud.simulator.traffic.log).toEqual([]);
    synced = true;
    await gc.sweep();
    h.clock.now += DELAY;
    await gc.sweep();
    expect(loadBalancers(h).map((lb) => lb.id)).toEqual([live]);
    expect(gone).not.toBe(live);
  });

  it('sweeps on a timer, one sweep at a time, and stops', async () => {
    const h = harness();
    await orphan(h);
    const gc = h.collector();
    let sweeps = 0;
    const sweep = gc.sweep.bind(gc);
    gc.sweep = async () => {
      sweeps += 1;
      h.clock.now += DELAY;
      return sweep();
    };
    const running = startOrphanCollector(gc, 5);
    await waitFor(() => loadBalancers(h).length === 0, 'the timer to collect the orphan');
    await running.stop();
    const after = sweeps;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sweeps).toBe(after);
  });
});
