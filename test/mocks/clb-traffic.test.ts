/**
 * How the simulated CLB API behaves over time and under load: asynchronous tasks and the one-task-per-CLB rule,
 * DescribeTaskStatus, rate limits, injected faults and latency, the call log, and snapshot().
 */
import { describe, expect, it } from '@jest/globals';
import type { ClbSimulator } from '../../mocks/clb/simulator.js';
import { INSTANCE_A, VPC, createClb, createInternalClb, createListener, createRule, describeClb, expectRefused, listeners, manualClock, simulator, sleep } from './clb-fixtures.js';

describe('asynchronous writes (taskLatencyMs)', () => {
  async function twoRunningClbs() {
    const clock = manualClock();
    const sim = simulator({ taskLatencyMs: 50, now: clock.now });
    const [a = '', b = ''] = (await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 2 })).LoadBalancerIds ?? [];
    clock.advance(50);
    return { sim, clock, a, b };
  }

  it('shows a new CLB with Status 0 (creating) until its create task finishes, then Status 1 (running)', async () => {
    const clock = manualClock();
    const sim = simulator({ taskLatencyMs: 50, now: clock.now });
    const id = await createClb(sim);
    expect((await describeClb(sim, id))?.Status).toBe(0);
    clock.advance(49);
    expect((await describeClb(sim, id))?.Status).toBe(0);
    clock.advance(1);
    expect((await describeClb(sim, id))?.Status).toBe(1);
  });

  it('refuses a write to a CLB that is still being created with FailedOperation.ResourceInOperating', async () => {
    const clock = manualClock();
    const sim = simulator({ taskLatencyMs: 50, now: clock.now });
    const id = await createClb(sim);
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: id, Protocol: 'TCP', Ports: [80] }), 'FailedOperation.ResourceInOperating');
  });

  it('applies a write only when its task finishes: until then the change is invisible and DescribeTaskStatus says 2 (running)', async () => {
    const { sim, clock, a } = await twoRunningClbs();
    const res = await sim.CreateListener({ LoadBalancerId: a, Protocol: 'TCP', Ports: [80] });
    expect(res.ListenerIds).toHaveLength(1);
    expect(await listeners(sim, a)).toEqual([]);
    expect((await sim.DescribeTaskStatus({ TaskId: res.RequestId ?? '' })).Status).toBe(2);
    clock.advance(50);
    expect((await sim.DescribeTaskStatus({ TaskId: res.RequestId ?? '' })).Status).toBe(0);
    expect((await listeners(sim, a)).map((l) => l.ListenerId)).toEqual(res.ListenerIds);
  });

  it('refuses a second write to the same CLB while a task runs with FailedOperation.ResourceInOperating; reads are still served', async () => {
    const { sim, a } = await twoRunningClbs();
    await sim.CreateListener({ LoadBalancerId: a, Protocol: 'TCP', Ports: [80] });
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: a, Protocol: 'UDP', Ports: [80] }), 'FailedOperation.ResourceInOperating');
    await expect(sim.DescribeListeners({ LoadBalancerId: a })).resolves.toBeDefined();
    await expect(sim.DescribeTargets({ LoadBalancerId: a })).resolves.toBeDefined();
  });

  it('runs tasks on different CLBs independently: a write to ANOTHER CLB succeeds', async () => {
    const { sim, clock, a, b } = await twoRunningClbs();
    await sim.CreateListener({ LoadBalancerId: a, Protocol: 'TCP', Ports: [80] });
    await sim.CreateListener({ LoadBalancerId: b, Protocol: 'TCP', Ports: [80] });
    clock.advance(50);
    expect(await listeners(sim, a)).toHaveLength(1);
    expect(await listeners(sim, b)).toHaveLength(1);
  });

  it('frees the CLB for the next write once the task is done', async () => {
    const { sim, clock, a } = await twoRunningClbs();
    await sim.CreateListener({ LoadBalancerId: a, Protocol: 'TCP', Ports: [80] });
    clock.advance(50);
    await sim.CreateListener({ LoadBalancerId: a, Protocol: 'UDP', Ports: [80] });
    clock.advance(50);
    expect(await listeners(sim, a)).toHaveLength(2);
  });

  it('keeps a CLB being deleted visible and busy until the delete task finishes; then it is gone', async () => {
    const { sim, clock, a } = await twoRunningClbs();
    await sim.DeleteLoadBalancer({ LoadBalancerIds: [a] });
    expect(await describeClb(sim, a)).toBeDefined();
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: a, Protocol: 'TCP', Ports: [80] }), 'FailedOperation.ResourceInOperating');
    clock.advance(50);
    expect(await describeClb(sim, a)).toBeUndefined();
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: a, Protocol: 'TCP', Ports: [80] }), 'InvalidParameter.LBIdNotFound');
  });

  it('settles tasks lazily on the next call, in real time too', async () => {
    const sim = simulator({ taskLatencyMs: 30 });
    const id = await createClb(sim);
    await sleep(40);
    expect((await describeClb(sim, id))?.Status).toBe(1);
  });

  it('with the default taskLatencyMs 0, a write is visible (and its task done) on the very next call', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    const res = await sim.CreateListener({ LoadBalancerId: id, Protocol: 'TCP', Ports: [80] });
    expect((await sim.DescribeTaskStatus({ TaskId: res.RequestId ?? '' })).Status).toBe(0);
    expect(await listeners(sim, id)).toHaveLength(1);
  });

  it('DescribeTaskStatus by DealName reports the create task and its LoadBalancerIds', async () => {
    const clock = manualClock();
    const sim = simulator({ taskLatencyMs: 50, now: clock.now });
    const res = await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 2 });
    expect(await sim.DescribeTaskStatus({ DealName: res.DealName ?? '' })).toMatchObject({ Status: 2, LoadBalancerIds: res.LoadBalancerIds });
    clock.advance(50);
    expect(await sim.DescribeTaskStatus({ DealName: res.DealName ?? '' })).toMatchObject({ Status: 0, LoadBalancerIds: res.LoadBalancerIds });
  });

  it('DescribeTaskStatus refuses an unknown task with InvalidParameterValue and a request without TaskId or DealName with MissingParameter', async () => {
    const sim = simulator();
    await expectRefused(sim, () => sim.DescribeTaskStatus({ TaskId: '00000000-0000-0000-0000-000000000000' }), 'InvalidParameterValue');
    await expectRefused(sim, () => sim.DescribeTaskStatus({}), 'MissingParameter');
  });

  it('failNextTasks: the task ends with Status 1 and changes nothing; the CLB is free again afterwards', async () => {
    const { sim, clock, a } = await twoRunningClbs();
    const before = sim.snapshot();
    sim.traffic.failNextTasks('CreateListener');
    const res = await sim.CreateListener({ LoadBalancerId: a, Protocol: 'TCP', Ports: [80] });
    clock.advance(50);
    expect(await sim.DescribeTaskStatus({ TaskId: res.RequestId ?? '' })).toMatchObject({ Status: 1, Message: expect.stringContaining('failed') });
    expect(sim.snapshot()).toEqual(before);
    await sim.CreateListener({ LoadBalancerId: a, Protocol: 'TCP', Ports: [80] });
    clock.advance(50);
    expect(await listeners(sim, a)).toHaveLength(1);
  });

  it('failNextTasks on CreateLoadBalancer: the deal fails and the CLB disappears, leaving its quota free', async () => {
    const clock = manualClock();
    const sim = simulator({ taskLatencyMs: 50, now: clock.now, quotas: { openLoadBalancers: 1 } });
    sim.traffic.failNextTasks('CreateLoadBalancer');
    const res = await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC });
    expect((await describeClb(sim, res.LoadBalancerIds?.[0] ?? ''))?.Status).toBe(0);
    clock.advance(50);
    expect((await sim.DescribeTaskStatus({ DealName: res.DealName ?? '' })).Status).toBe(1);
    expect((await sim.DescribeLoadBalancers({})).TotalCount).toBe(0);
    await expect(createClb(sim)).resolves.toMatch(/^lb-/);
  });
});

describe('rate limits', () => {
  it('refuses the 4th call of one action within a second with RequestLimitExceeded (rateLimitPerSecond: 3); other actions still pass', async () => {
    const clock = manualClock();
    const sim = simulator({ rateLimitPerSecond: 3, now: clock.now });
    for (let i = 0; i < 3; i++) await sim.DescribeLoadBalancers({});
    await expectRefused(sim, () => sim.DescribeLoadBalancers({}), 'RequestLimitExceeded');
    await expect(sim.DescribeQuota()).resolves.toBeDefined();
  });

  it('counts calls over a sliding one-second window', async () => {
    const clock = manualClock();
    const sim = simulator({ rateLimitPerSecond: 3, now: clock.now });
    for (let i = 0; i < 3; i++) await sim.DescribeLoadBalancers({});
    clock.advance(999);
    await expect(sim.DescribeLoadBalancers({})).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    clock.advance(1);
    await expect(sim.DescribeLoadBalancers({})).resolves.toBeDefined();
  });

  it('throttles writes without applying them', async () => {
    const clock = manualClock();
    const sim = simulator({ rateLimits: { CreateListener: 1 }, now: clock.now });
    const id = await createClb(sim);
    await createListener(sim, id, 'TCP', 80);
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: id, Protocol: 'TCP', Ports: [81] }), 'RequestLimitExceeded');
  });

  it('takes per-action overrides from rateLimits, the default from rateLimitPerSecond', async () => {
    const clock = manualClock();
    const sim = simulator({ rateLimitPerSecond: 5, rateLimits: { DescribeListeners: 1 }, now: clock.now });
    const id = await createClb(sim);
    await sim.DescribeListeners({ LoadBalancerId: id });
    await expect(sim.DescribeListeners({ LoadBalancerId: id })).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    for (let i = 0; i < 5; i++) await sim.DescribeLoadBalancers({});
    await expect(sim.DescribeLoadBalancers({})).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
  });

  it('defaults to the documented 20 requests per second per action', async () => {
    const clock = manualClock();
    const sim = simulator({ now: clock.now });
    for (let i = 0; i < 20; i++) await sim.DescribeLoadBalancers({});
    await expect(sim.DescribeLoadBalancers({})).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
  });

  it('rate-limits the VPC and Tag facades per action too', async () => {
    const clock = manualClock();
    const sim = simulator({ rateLimits: { DescribeSubnets: 1 }, now: clock.now });
    await sim.vpc.DescribeSubnets({});
    await expect(sim.vpc.DescribeSubnets({})).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
  });
});

describe('fault injection', () => {
  it('failNext(action, code, n) fails exactly the next n calls of that action, changing nothing', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    sim.traffic.failNext('CreateListener', 'InternalError', 2);
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: id, Protocol: 'TCP', Ports: [80] }), 'InternalError');
    await expect(sim.DescribeListeners({ LoadBalancerId: id })).resolves.toBeDefined();
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: id, Protocol: 'TCP', Ports: [80] }), 'InternalError');
    await createListener(sim, id, 'TCP', 80);
    expect(await listeners(sim, id)).toHaveLength(1);
  });

  it('failNext queues in order: one scripted failure after another', async () => {
    const sim = simulator();
    sim.traffic.failNext('DescribeLoadBalancers', 'InternalError');
    sim.traffic.failNext('DescribeLoadBalancers', 'RequestLimitExceeded');
    await expect(sim.DescribeLoadBalancers({})).rejects.toMatchObject({ code: 'InternalError' });
    await expect(sim.DescribeLoadBalancers({})).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    await expect(sim.DescribeLoadBalancers({})).resolves.toBeDefined();
  });

  async function randomRun(seed: number): Promise<string[]> {
    const sim = simulator({ rateLimitPerSecond: 1000 });
    sim.traffic.failRandomly({ probability: 0.3, seed, codes: ['InternalError', 'FailedOperation.InvalidLBStatus'] });
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      outcomes.push(await sim.DescribeQuota().then(() => 'ok', (e: { code?: string }) => e.code ?? '?'));
    }
    return outcomes;
  }

  it('failRandomly is reproducible: the same seed gives the same sequence of failures in two simulators', async () => {
    const [first, second] = [await randomRun(7), await randomRun(7)];
    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'InternalError', 'FailedOperation.InvalidLBStatus']));
  });

  it('failRandomly with another seed gives another sequence', async () => {
    expect(await randomRun(8)).not.toEqual(await randomRun(7));
  });

  it('failRandomly can be limited to some actions', async () => {
    const sim = simulator();
    sim.traffic.failRandomly({ probability: 1, seed: 1, codes: ['InternalError'], actions: ['DescribeQuota'] });
    await expect(sim.DescribeQuota()).rejects.toMatchObject({ code: 'InternalError' });
    await expect(sim.DescribeLoadBalancers({})).resolves.toBeDefined();
  });

  it('setLatency(ms) delays every call by at least ms', async () => {
    const sim = simulator();
    sim.traffic.setLatency(30);
    const started = performance.now();
    await sim.DescribeLoadBalancers({});
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('setLatency(ms, action) delays only that action', () => {
    const sim = simulator();
    sim.traffic.setLatency(30, 'DescribeListeners');
    expect(sim.traffic.latencyFor('DescribeListeners')).toBe(30);
    expect(sim.traffic.latencyFor('DescribeLoadBalancers')).toBe(0);
  });

  it('clearFaults removes scripted failures, failing tasks, random faults and latency', async () => {
    const sim = simulator();
    sim.traffic.failNext('DescribeQuota', 'InternalError');
    sim.traffic.failRandomly({ probability: 1, seed: 1, codes: ['InternalError'] });
    sim.traffic.setLatency(1000);
    sim.traffic.failNextTasks('CreateLoadBalancer');
    sim.traffic.clearFaults();
    await expect(sim.DescribeQuota()).resolves.toBeDefined();
    const res = await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC });
    expect((await sim.DescribeTaskStatus({ DealName: res.DealName ?? '' })).Status).toBe(0);
  });
});

describe('call log', () => {
  it('counters() counts calls per action: reads vs writes, errors and throttled calls', async () => {
    const clock = manualClock();
    const sim = simulator({ now: clock.now, rateLimits: { DescribeListeners: 2 } });
    const id = await createClb(sim);
    await sim.DescribeListeners({ LoadBalancerId: id });
    await expect(sim.DescribeListeners({ LoadBalancerId: 'lb-zzzzzzzz' })).rejects.toBeDefined();
    await expect(sim.DescribeListeners({ LoadBalancerId: id })).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    await expect(sim.CreateListener({ LoadBalancerId: id, Protocol: 'SCTP', Ports: [80] })).rejects.toBeDefined();
    expect(sim.traffic.counters()).toEqual({
      CreateLoadBalancer: { calls: 1, reads: 0, writes: 1, errors: 0, throttled: 0 },
      DescribeListeners: { calls: 3, reads: 3, writes: 0, errors: 2, throttled: 1 },
      CreateListener: { calls: 1, reads: 0, writes: 1, errors: 1, throttled: 0 },
    });
  });

  it('mutatingCalls() counts only writes the API accepted', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    await sim.DescribeLoadBalancers({});
    await expect(sim.CreateListener({ LoadBalancerId: id, Protocol: 'SCTP', Ports: [80] })).rejects.toBeDefined();
    await createListener(sim, id, 'TCP', 80);
    await sim.tag.TagResources({ ResourceList: [sim.resourceName(id)], Tags: [{ TagKey: 'a', TagValue: '1' }] });
    expect(sim.traffic.mutatingCalls()).toBe(3);
  });

  it('logs each call with its action, kind, request and error code; reset() clears the log', async () => {
    const sim = simulator();
    await expect(sim.DescribeListeners({ LoadBalancerId: 'lb-zzzzzzzz' })).rejects.toBeDefined();
    expect(sim.traffic.log).toEqual([expect.objectContaining({ action: 'DescribeListeners', kind: 'read', request: { LoadBalancerId: 'lb-zzzzzzzz' }, errorCode: 'InvalidParameter.LBIdNotFound' })]);
    sim.traffic.reset();
    expect(sim.traffic.log).toEqual([]);
  });
});

describe('snapshot()', () => {
  async function scenario(sim: ClbSimulator): Promise<void> {
    const lb = await createClb(sim, { Tags: [{ TagKey: 'owner', TagValue: 'svc-1' }] });
    const tcp = await createListener(sim, lb, 'TCP', 80);
    const http = await createListener(sim, lb, 'HTTP', 8080);
    const loc = await createRule(sim, lb, http, 'a.com', '/');
    await sim.BatchRegisterTargets({ LoadBalancerId: lb, Targets: [
      { ListenerId: tcp, InstanceId: INSTANCE_A, Port: 30080 },
      { ListenerId: http, LocationId: loc, EniIp: '10.0.1.5', Port: 80, Weight: 30 },
    ] });
    await createInternalClb(sim);
  }

  it('contains every CLB with its listeners, rules and targets', async () => {
    const sim = simulator();
    await scenario(sim);
    const snap = sim.snapshot();
    expect(snap.runningTasks).toBe(0);
    expect(snap.loadBalancers).toHaveLength(2);
    expect(snap.loadBalancers).toContainEqual(expect.objectContaining({
      type: 'OPEN',
      tags: { owner: 'svc-1' },
      listeners: [
        expect.objectContaining({ protocol: 'TCP', port: 80, rules: [], targets: [{ instanceId: INSTANCE_A, port: 30080, weight: 10 }] }),
        expect.objectContaining({ protocol: 'HTTP', port: 8080, targets: [], rules: [expect.objectContaining({ domain: 'a.com', url: '/', targets: [{ eniIp: '10.0.1.5', port: 80, weight: 30 }] })] }),
      ],
    }));
  });

  it('is JSON-serialisable', async () => {
    const sim = simulator();
    await scenario(sim);
    const snap = sim.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('is deterministic: the same seed and the same calls give the same snapshot', async () => {
    const [a, b] = [simulator({ seed: 42 }), simulator({ seed: 42 })];
    await scenario(a);
    await scenario(b);
    expect(a.snapshot()).toEqual(b.snapshot());
    expect(JSON.stringify(a.snapshot())).toBe(JSON.stringify(b.snapshot()));
  });

  it('derives ids from the seed', async () => {
    const [a, b] = [simulator({ seed: 1 }), simulator({ seed: 2 })];
    expect(await createClb(a)).not.toBe(await createClb(b));
  });

  it('counts running tasks', async () => {
    const clock = manualClock();
    const sim = simulator({ taskLatencyMs: 50, now: clock.now });
    await createClb(sim);
    expect(sim.snapshot().runningTasks).toBe(1);
    clock.advance(50);
    expect(sim.snapshot().runningTasks).toBe(0);
  });

  it('is a copy: mutating it does not change the simulator', async () => {
    const sim = simulator();
    await createClb(sim);
    const snap = sim.snapshot();
    (snap.loadBalancers as unknown[]).length = 0;
    expect(sim.snapshot().loadBalancers).toHaveLength(1);
  });
});
