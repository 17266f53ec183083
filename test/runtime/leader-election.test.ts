import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { NotLeaderError } from '../../src/runtime/leader-gated-provider.js';
import { LeaderElector, type LeaseApi } from '../../src/runtime/leader-election.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { clock, LEASE, overlappingWrites, sleep, startLeaderRig, TIMINGS, waitFor, type LeaderRig, type Replica, type WriteRecord } from '../support/leader-rig.js';

interface LeaseSpecWire {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

let rig: LeaderRig;

beforeEach(async () => {
  rig = await startLeaderRig();
});

afterEach(async () => {
  await rig.close();
});

const leaseSpec = (name: string = LEASE.name): LeaseSpecWire =>
  rig.kube.state.get<{ spec?: LeaseSpecWire }>('leases', `${LEASE.namespace}/${name}`)?.spec ?? {};

const writesBy = (replica: string): WriteRecord[] => rig.writes.filter((w) => w.replica === replica);

/** Samples `leaders()` every few ms for `ms`; returns the most replicas seen leading at once. */
async function mostLeadersAtOnce(ms: number): Promise<number> {
  let most = 0;
  for (const until = clock() + ms; clock() < until; await sleep(5)) most = Math.max(most, rig.leaders().length);
  return most;
}

async function electedFirst(first: Replica, ...others: Replica[]): Promise<void> {
  first.elector.start();
  await waitFor(() => first.elector.isLeader(), `${first.id} to lead`);
  for (const other of others) other.elector.start();
  for (const replica of [first, ...others]) replica.startWriting();
  await waitFor(() => writesBy(first.id).length >= 3, `${first.id} to write`);
}

function expectNeverTwoWriters(): void {
  expect(overlappingWrites(rig.writes)).toEqual([]);
}

describe('LeaderElector', () => {
  it('lets exactly one of two electors lead; the Lease names it and only it writes', async () => {
    const a = rig.replica('replica-a');
    const b = rig.replica('replica-b');
    a.elector.start();
    b.elector.start();
    a.startWriting();
    b.startWriting();
    const [leader] = await waitFor(() => rig.leaders().length === 1 && rig.leaders(), 'a leader');
    const first = leaseSpec();
    expect(await mostLeadersAtOnce(300)).toBe(1);
    expect(rig.leaders()).toEqual([leader]);

    const now = leaseSpec();
    expect(now).toMatchObject({ holderIdentity: leader, leaseDurationSeconds: 1, leaseTransitions: 0, acquireTime: first.acquireTime });
    expect(Date.parse(now.renewTime!)).toBeGreaterThan(Date.parse(first.renewTime!));
    expect(now.renewTime).toMatch(/\.\d{6}Z$/); // MicroTime on the wire
    const standby = leader === a.id ? b : a;
    expect(writesBy(standby.id)).toEqual([]);
    expect(standby.refused).toBeGreaterThan(0);
    expect(writesBy(leader!).length).toBeGreaterThan(0);
  });

  it('releases the Lease on stop, after the write in flight ends; the standby takes over well within leaseDuration', async () => {
    const a = rig.replica('replica-a', { writeDelayMs: 200 });
    const b = rig.replica('replica-b');
    await electedFirst(a, b);
    const acquiredByA = leaseSpec().acquireTime!;
    await waitFor(() => a.provider.writesInFlight() > 0, 'a write in flight');

    const stoppedAt = clock();
    await a.elector.stop();
    expect(a.elector.isLeader()).toBe(false);
    await waitFor(() => b.elector.isLeader(), 'b to take over', TIMINGS.leaseDurationMs);
    const tookOverIn = rig.firstEvent(b.id, 'started')!.at - stoppedAt;

    // Released: b did not wait out the lease (a's in-flight write, 200 ms, is drained first).
    expect(tookOverIn).toBeLessThan(TIMINGS.leaseDurationMs - 200);
    expect(leaseSpec()).toMatchObject({ holderIdentity: b.id, leaseTransitions: 1 });
    expect(Date.parse(leaseSpec().acquireTime!)).toBeGreaterThan(Date.parse(acquiredByA));
    await waitFor(() => writesBy(b.id).length >= 3, 'b to write');
    const lastOfA = Math.max(...writesBy(a.id).map((w) => w.end));
    expect(lastOfA).toBeLessThanOrEqual(Math.min(...writesBy(b.id).map((w) => w.start)));
    expectNeverTwoWriters();
  });

  it('steps down at renewDeadline when the API rejects its renewals with 500s, and refuses writes from then on', async () => {
    const a = rig.replica('replica-a');
    const b = rig.replica('replica-b');
    await electedFirst(a, b);

    rig.kube.faults.failNext(100_000, { resource: 'leases', verb: 'update', status: 500 });
    const faultAt = clock();
    const stopped = await waitFor(() => rig.firstEvent(a.id, 'stopped'), 'a to step down', TIMINGS.renewDeadlineMs + 500);
    expect(a.elector.isLeader()).toBe(false);
    // It kept leading through failed renewals until renewDeadline after the last one that landed, and no longer.
    const lastRenewal = Date.parse(leaseSpec().renewTime!);
    expect(stopped.wall - lastRenewal).toBeGreaterThanOrEqual(TIMINGS.renewDeadlineMs);
    expect(stopped.at - faultAt).toBeLessThan(TIMINGS.renewDeadlineMs + 250);
    await expect(a.provider.modifyLoadBalancerAttributes(rig.loadBalancerId, { name: 'late' })).rejects.toBeInstanceOf(NotLeaderError);
    const admitted = writesBy(a.id).length;
    expect(await mostLeadersAtOnce(100)).toBe(0);
    expect(writesBy(a.id).length).toBe(admitted);
    expect(rig.kube.requests.all({ resource: 'leases', verb: 'update' }).some((r) => r.status === 500)).toBe(true);

    // The API recovers: the record still names a, so a renews it and nobody else may take it meanwhile.
    rig.kube.faults.reset();
    await waitFor(() => rig.leaders().length === 1, 'a leader again');
    expect(await mostLeadersAtOnce(100)).toBe(1);
    expectNeverTwoWriters();
  });

  it('steps down at once when another identity overwrites the Lease; nobody acquires until that holder lets it expire', async () => {
    const a = rig.replica('replica-a');
    const b = rig.replica('replica-b');
    await electedFirst(a, b);

    const lease = await rig.api.readNamespacedLease(LEASE);
    const now = new V1MicroTime(Date.now());
    const spec = { ...lease.spec, holderIdentity: 'intruder', acquireTime: now, renewTime: now, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 };
    await rig.api.replaceNamespacedLease({ ...LEASE, body: { ...lease, spec } });
    const overwrittenAt = clock();

    const aStopped = (await waitFor(() => rig.firstEvent(a.id, 'stopped'), 'a to step down', TIMINGS.renewDeadlineMs)).at;
    // At its next renewal (every retryPeriod), not at renewDeadline.
    expect(aStopped - overwrittenAt).toBeLessThan(TIMINGS.renewDeadlineMs - TIMINGS.retryPeriodMs);
    expect(a.elector.isLeader()).toBe(false);
    await expect(a.provider.setSecurityGroups(rig.loadBalancerId, [])).rejects.toBeInstanceOf(NotLeaderError);

    // Both are candidates now; either may win once the intruder's record has gone unrenewed for leaseDuration.
    const [next] = await waitFor(() => rig.leaders().length === 1 && rig.leaders(), 'a new leader', 2 * TIMINGS.leaseDurationMs);
    const nextStarted = rig.firstEvent(next!, 'started', overwrittenAt)!.at;
    // Judged from when each saw the intruder's record, never from its (remote) renewTime.
    expect(nextStarted - overwrittenAt).toBeGreaterThanOrEqual(TIMINGS.leaseDurationMs - 10);
    expect(aStopped).toBeLessThan(nextStarted);
    expect(leaseSpec()).toMatchObject({ holderIdentity: next, leaseTransitions: 2 });
    const writesAfter = (at: number) => rig.writes.filter((w) => w.start >= at);
    expect(writesAfter(aStopped).filter((w) => w.start < nextStarted)).toEqual([]);
    await waitFor(() => writesAfter(nextStarted).length >= 3, 'the new leader to write');
    expect(new Set(writesAfter(nextStarted).map((w) => w.replica))).toEqual(new Set([next]));
    expectNeverTwoWriters();
  });

  it('steps down at renewDeadline when cut off from the API (requests hang), before the standby can acquire', async () => {
    let partitioned = false;
    const real = rig.api;
    // The partitioned replica's requests never answer; only its own request timeout ends them.
    const hangWhenPartitioned = <T>(call: () => Promise<T>): Promise<T> => (partitioned ? new Promise<T>(() => undefined) : call());
    const cutOff: LeaseApi = {
      readNamespacedLease: (param, options) => hangWhenPartitioned(() => real.readNamespacedLease(param, options)),
      createNamespacedLease: (param, options) => hangWhenPartitioned(() => real.createNamespacedLease(param, options)),
      replaceNamespacedLease: (param, options) => hangWhenPartitioned(() => real.replaceNamespacedLease(param, options)),
    };
    const a = rig.replica('replica-a', { api: cutOff });
    const b = rig.replica('replica-b');
    await electedFirst(a, b);

    partitioned = true;
    const cutAt = clock();
    await waitFor(() => b.elector.isLeader(), 'b to take over', 2 * TIMINGS.leaseDurationMs);
    const aStopped = rig.firstEvent(a.id, 'stopped')!.at;
    const bStarted = rig.firstEvent(b.id, 'started')!.at;

    expect(aStopped - cutAt).toBeLessThan(TIMINGS.renewDeadlineMs + 250);
    // The margin leaseDuration − renewDeadline (600 ms here) is what keeps the two apart; allow for timer lag.
    expect(bStarted - aStopped).toBeGreaterThanOrEqual((TIMINGS.leaseDurationMs - TIMINGS.renewDeadlineMs) / 2);
    await waitFor(() => writesBy(b.id).length >= 3, 'b to write');
    expectNeverTwoWriters();

    // Healed, a finds b holding the Lease and stays a standby.
    partitioned = false;
    expect(await mostLeadersAtOnce(150)).toBe(1);
    expect(rig.leaders()).toEqual([b.id]);
  });

  it('judges expiry by when it saw the record change, whatever the holder clock wrote (skew either way)', async () => {
    const seed = async (name: string, renewTime: Date): Promise<void> => {
      const spec = { holderIdentity: 'skewed-holder', leaseDurationSeconds: 1, acquireTime: new V1MicroTime(renewTime.getTime()), renewTime: new V1MicroTime(renewTime.getTime()), leaseTransitions: 3 };
      const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: LEASE.namespace }, spec };
      await rig.api.createNamespacedLease({ namespace: LEASE.namespace, body });
    };
    await seed('behind', new Date('2000-01-01T00:00:00Z'));
    await seed('ahead', new Date('2100-01-01T00:00:00Z'));
    const behind = rig.replica('candidate-1', { name: 'behind' });
    const ahead = rig.replica('candidate-2', { name: 'ahead' });
    const startedAt = clock();
    behind.elector.start();
    ahead.elector.start();

    await waitFor(() => behind.elector.isLeader() && ahead.elector.isLeader(), 'both to acquire', 2 * TIMINGS.leaseDurationMs);
    for (const replica of [behind, ahead]) {
      const waited = rig.firstEvent(replica.id, 'started')!.at - startedAt;
      expect(waited).toBeGreaterThanOrEqual(TIMINGS.leaseDurationMs - 10);
      expect(waited).toBeLessThan(TIMINGS.leaseDurationMs + 800);
    }
    expect(leaseSpec('behind')).toMatchObject({ holderIdentity: 'candidate-1', leaseTransitions: 4 });
    expect(leaseSpec('ahead')).toMatchObject({ holderIdentity: 'candidate-2', leaseTransitions: 4 });
  });

  it.each([
    { name: 'renewDeadline not below leaseDuration', given: { leaseDurationMs: 1000, renewDeadlineMs: 1000, retryPeriodMs: 100 }, want: /leaseDuration/ },
    { name: 'renewDeadline within 1.2 × retryPeriod', given: { leaseDurationMs: 1000, renewDeadlineMs: 120, retryPeriodMs: 100 }, want: /renewDeadline/ },
    { name: 'no retryPeriod', given: { leaseDurationMs: 1000, renewDeadlineMs: 500, retryPeriodMs: 0 }, want: /retryPeriod/ },
    { name: 'an empty identity', given: { identity: '' }, want: /identity/ },
  ])('refuses $name', ({ given, want }) => {
    expect(() => new LeaderElector({ api: rig.api, ...LEASE, identity: 'x', logger: silentLogger(), ...given })).toThrow(want);
  });

  it('uses client-go default timings when none are given', () => {
    const elector = new LeaderElector({ api: rig.api, ...LEASE, identity: 'x', logger: silentLogger() });
    expect(elector.timings).toEqual({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect(elector.isLeader()).toBe(false);
  });
});
