/**
 * What the simulated CLB API enforces on backends (targets): where they live (layer-4 listener vs layer-7 rule),
 * one target per address+port, InstanceId xor EniIp, weights 0-100 (default 10), quotas, per-call limits, the
 * partial-failure contract of BatchRegisterTargets (FailListenerIdSet), and the DescribeTargets shapes (reference §8).
 */
import { describe, expect, it } from '@jest/globals';
import type { clb } from '../../providers/tencentcloud/api.js';
import type { ClbSimulator } from '../../mocks/clb/simulator.js';
import {
  INSTANCE_A, INSTANCE_B, INSTANCE_C, UNKNOWN_LISTENER, UNKNOWN_LOCATION, backendKeys, createClb, createListener, createRule, expectRefused,
  listenerTargets, simulator,
} from './clb-fixtures.js';

interface Fixture {
  sim: ClbSimulator;
  lb: string;
  /** TCP:80 and TCP:81: layer-4, targets on the listener. */
  tcp: string;
  tcp2: string;
  /** HTTP:8080 with rule a.com/ (loc): layer-7, targets on the rule. */
  http: string;
  loc: string;
}

async function fixture(options: Parameters<typeof simulator>[0] = {}): Promise<Fixture> {
  const sim = simulator(options);
  const lb = await createClb(sim);
  const tcp = await createListener(sim, lb, 'TCP', 80);
  const tcp2 = await createListener(sim, lb, 'TCP', 81);
  const http = await createListener(sim, lb, 'HTTP', 8080);
  const loc = await createRule(sim, lb, http, 'a.com', '/');
  return { sim, lb, tcp, tcp2, http, loc };
}

const l4Targets = async (f: Fixture, listenerId: string) => backendKeys((await listenerTargets(f.sim, f.lb, listenerId))?.Targets);
const ruleTargets = async (f: Fixture) => backendKeys((await listenerTargets(f.sim, f.lb, f.http))?.Rules?.[0]?.Targets);
const many = (n: number, listenerId: string, startPort = 30000): clb.BatchTarget[] =>
  Array.from({ length: n }, (_, i) => ({ ListenerId: listenerId, InstanceId: INSTANCE_A, Port: startPort + i }));

describe('BatchRegisterTargets', () => {
  it('binds layer-4 targets to the listener and layer-7 targets to the rule (LocationId), with default weight 10', async () => {
    const f = await fixture();
    const res = await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [
      { ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080 },
      { ListenerId: f.http, LocationId: f.loc, EniIp: '10.0.1.17', Port: 8080, Weight: 50 },
    ] });
    expect(res.FailListenerIdSet).toEqual([]);
    expect(await l4Targets(f, f.tcp)).toEqual([`${INSTANCE_A}:30080@10`]);
    expect(await ruleTargets(f)).toEqual(['10.0.1.17:8080@50']);
  });

  it.each([0, 100])('accepts weight %i (range 0-100)', async (weight) => {
    const f = await fixture();
    await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [{ ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080, Weight: weight }] });
    expect(await l4Targets(f, f.tcp)).toEqual([`${INSTANCE_A}:30080@${weight}`]);
  });

  it('refuses a target already bound to the address+port: that listener lands in FailListenerIdSet, the others are applied', async () => {
    const f = await fixture();
    await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [{ ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080 }] });
    const res = await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [
      { ListenerId: f.tcp, InstanceId: INSTANCE_B, Port: 30080 },
      { ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080, Weight: 99 },
      { ListenerId: f.tcp2, InstanceId: INSTANCE_A, Port: 30081 },
    ] });
    expect(res.FailListenerIdSet).toEqual([f.tcp]);
    expect(res.Message).toContain(f.tcp);
    // The failed listener is untouched as a whole (INSTANCE_B was not bound either, the weight did not change).
    expect(await l4Targets(f, f.tcp)).toEqual([`${INSTANCE_A}:30080@10`]);
    expect(await l4Targets(f, f.tcp2)).toEqual([`${INSTANCE_A}:30081@10`]);
  });

  it('refuses the same address+port twice in one call: that listener lands in FailListenerIdSet', async () => {
    const f = await fixture();
    const res = await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [
      { ListenerId: f.tcp, EniIp: '10.0.1.5', Port: 80 },
      { ListenerId: f.tcp, EniIp: '10.0.1.5', Port: 80 },
    ] });
    expect(res.FailListenerIdSet).toEqual([f.tcp]);
    expect(await l4Targets(f, f.tcp)).toEqual([]);
  });

  it('allows one instance on several ports, and several instances on one port', async () => {
    const f = await fixture();
    const res = await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [
      { ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080 },
      { ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30081 },
      { ListenerId: f.tcp, InstanceId: INSTANCE_B, Port: 30080 },
    ] });
    expect(res.FailListenerIdSet).toEqual([]);
    expect(await l4Targets(f, f.tcp)).toHaveLength(3);
  });

  it.each<[string, Partial<clb.BatchTarget>, string]>([
    ['both InstanceId and EniIp', { InstanceId: INSTANCE_A, EniIp: '10.0.1.5', Port: 80 }, 'InvalidParameter'],
    ['neither InstanceId nor EniIp', { Port: 80 }, 'InvalidParameter'],
    ['a malformed InstanceId', { InstanceId: 'i-123', Port: 80 }, 'InvalidParameter.FormatError'],
    ['an EniIp that is not an IPv4 address', { EniIp: '10.0.1', Port: 80 }, 'InvalidParameter.FormatError'],
    ['weight 101', { InstanceId: INSTANCE_A, Port: 80, Weight: 101 }, 'InvalidParameterValue.Range'],
    ['weight -1', { InstanceId: INSTANCE_A, Port: 80, Weight: -1 }, 'InvalidParameterValue.Range'],
    ['a fractional weight', { InstanceId: INSTANCE_A, Port: 80, Weight: 1.5 }, 'InvalidParameterValue.Range'],
    ['port 0', { InstanceId: INSTANCE_A, Port: 0 }, 'InvalidParameterValue.Range'],
    ['port 65536', { InstanceId: INSTANCE_A, Port: 65536 }, 'InvalidParameterValue.Range'],
  ])('fails the whole call (nothing applied, even to other listeners) for a target with %s', async (_rule, target, code) => {
    const f = await fixture();
    await expectRefused(f.sim, () => f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [
      { ListenerId: f.tcp2, InstanceId: INSTANCE_C, Port: 30000 },
      { ListenerId: f.tcp, ...target } as clb.BatchTarget,
    ] }), code);
  });

  it.each<[string, (f: Fixture) => clb.BatchTarget]>([
    ['an unknown listener', () => ({ ListenerId: UNKNOWN_LISTENER, InstanceId: INSTANCE_A, Port: 80 })],
    ['a layer-7 listener without LocationId', (f) => ({ ListenerId: f.http, InstanceId: INSTANCE_A, Port: 80 })],
    ['a layer-7 listener with an unknown LocationId', (f) => ({ ListenerId: f.http, LocationId: UNKNOWN_LOCATION, InstanceId: INSTANCE_A, Port: 80 })],
    ['a layer-4 listener with a LocationId', (f) => ({ ListenerId: f.tcp, LocationId: f.loc, InstanceId: INSTANCE_A, Port: 80 })],
  ])('puts the listener in FailListenerIdSet for %s, applying the rest', async (_rule, bad) => {
    const f = await fixture();
    const target = bad(f);
    const res = await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [target, { ListenerId: f.tcp2, InstanceId: INSTANCE_B, Port: 30081 }] });
    expect(res.FailListenerIdSet).toEqual([target.ListenerId]);
    expect(await l4Targets(f, f.tcp2)).toEqual([`${INSTANCE_B}:30081@10`]);
  });

  it('enforces the targets-per-listener quota through FailListenerIdSet, not as a thrown error', async () => {
    const f = await fixture({ quotas: { targetsPerRule: 2 } });
    await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: many(1, f.tcp) });
    const res = await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [...many(2, f.tcp, 31000), ...many(2, f.tcp2)] });
    expect(res.FailListenerIdSet).toEqual([f.tcp]);
    expect(res.Message).toMatch(/quota/);
    expect(await l4Targets(f, f.tcp)).toHaveLength(1);
    expect(await l4Targets(f, f.tcp2)).toHaveLength(2);
  });

  it('enforces the targets-per-rule quota on layer-7 rules through FailListenerIdSet', async () => {
    const f = await fixture({ quotas: { targetsPerRule: 2 } });
    const res = await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: many(3, f.http).map((t) => ({ ...t, LocationId: f.loc })) });
    expect(res.FailListenerIdSet).toEqual([f.http]);
    expect(await ruleTargets(f)).toEqual([]);
  });

  it('accepts 500 targets in one call and refuses 501 with InvalidParameterValue.Length', async () => {
    const f = await fixture({ quotas: { targetsPerRule: 500 } });
    await expectRefused(f.sim, () => f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: many(501, f.tcp) }), 'InvalidParameterValue.Length');
    const res = await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: many(500, f.tcp) });
    expect(res.FailListenerIdSet).toEqual([]);
    expect(await l4Targets(f, f.tcp)).toHaveLength(500);
  });

  it('refuses an empty Targets list with MissingParameter', async () => {
    const f = await fixture();
    await expectRefused(f.sim, () => f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [] }), 'MissingParameter');
  });

  it('accepts numbers sent as strings (as older examples do)', async () => {
    const f = await fixture();
    await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [{ ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: '30080', Weight: '20' } as unknown as clb.BatchTarget] });
    expect(await l4Targets(f, f.tcp)).toEqual([`${INSTANCE_A}:30080@20`]);
  });
});

describe('BatchDeregisterTargets', () => {
  it('unbinds targets from listeners and rules', async () => {
    const f = await fixture();
    await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [
      { ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080 },
      { ListenerId: f.tcp, InstanceId: INSTANCE_B, Port: 30080 },
      { ListenerId: f.http, LocationId: f.loc, InstanceId: INSTANCE_A, Port: 30090 },
    ] });
    const res = await f.sim.BatchDeregisterTargets({ LoadBalancerId: f.lb, Targets: [
      { ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080 },
      { ListenerId: f.http, LocationId: f.loc, InstanceId: INSTANCE_A, Port: 30090 },
    ] });
    expect(res.FailListenerIdSet).toEqual([]);
    expect(await l4Targets(f, f.tcp)).toEqual([`${INSTANCE_B}:30080@10`]);
    expect(await ruleTargets(f)).toEqual([]);
  });

  it('treats unbinding a target that is not bound as a no-op (idempotent delete)', async () => {
    const f = await fixture();
    const res = await f.sim.BatchDeregisterTargets({ LoadBalancerId: f.lb, Targets: [{ ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080 }] });
    expect(res.FailListenerIdSet).toEqual([]);
  });

  it('puts an unknown listener in FailListenerIdSet', async () => {
    const f = await fixture();
    const res = await f.sim.BatchDeregisterTargets({ LoadBalancerId: f.lb, Targets: [{ ListenerId: UNKNOWN_LISTENER, InstanceId: INSTANCE_A, Port: 30080 }] });
    expect(res.FailListenerIdSet).toEqual([UNKNOWN_LISTENER]);
  });
});

describe('RegisterTargets / DeregisterTargets (single listener, ≤ 20 targets)', () => {
  const targets = (n: number): clb.Target[] => Array.from({ length: n }, (_, i) => ({ InstanceId: INSTANCE_A, Port: 30000 + i }));

  it('accepts 20 targets and refuses 21 with InvalidParameterValue.Length', async () => {
    const f = await fixture();
    await expectRefused(f.sim, () => f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.tcp, Targets: targets(21) }), 'InvalidParameterValue.Length');
    await f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.tcp, Targets: targets(20) });
    expect(await l4Targets(f, f.tcp)).toHaveLength(20);
  });

  it('addresses a layer-7 rule by LocationId or by Domain+Url', async () => {
    const f = await fixture();
    await f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.http, LocationId: f.loc, Targets: [{ InstanceId: INSTANCE_A, Port: 1 }] });
    await f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.http, Domain: 'a.com', Url: '/', Targets: [{ InstanceId: INSTANCE_B, Port: 1 }] });
    expect(await ruleTargets(f)).toEqual([`${INSTANCE_A}:1@10`, `${INSTANCE_B}:1@10`]);
  });

  it('refuses a layer-7 listener without a rule with MissingParameter', async () => {
    const f = await fixture();
    await expectRefused(f.sim, () => f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.http, Targets: targets(1) }), 'MissingParameter');
  });

  it('refuses an already-bound target with InvalidParameterValue.Duplicate (single calls have no FailListenerIdSet)', async () => {
    const f = await fixture();
    await f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.tcp, Targets: targets(1) });
    await expectRefused(f.sim, () => f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.tcp, Targets: targets(2) }), 'InvalidParameterValue.Duplicate');
  });

  it('refuses targets beyond the quota with LimitExceeded', async () => {
    const f = await fixture({ quotas: { targetsPerRule: 2 } });
    await expectRefused(f.sim, () => f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.tcp, Targets: targets(3) }), 'LimitExceeded');
  });

  it('DeregisterTargets unbinds', async () => {
    const f = await fixture();
    await f.sim.RegisterTargets({ LoadBalancerId: f.lb, ListenerId: f.tcp, Targets: targets(2) });
    await f.sim.DeregisterTargets({ LoadBalancerId: f.lb, ListenerId: f.tcp, Targets: targets(1) });
    expect(await l4Targets(f, f.tcp)).toEqual([`${INSTANCE_A}:30001@10`]);
  });
});

describe('BatchModifyTargetWeight', () => {
  async function bound(): Promise<Fixture> {
    const f = await fixture();
    await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [
      { ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080 },
      { ListenerId: f.tcp, InstanceId: INSTANCE_B, Port: 30080 },
      { ListenerId: f.http, LocationId: f.loc, EniIp: '10.0.1.5', Port: 80 },
    ] });
    return f;
  }

  it('sets per-target weights, or the entry Weight for targets without one', async () => {
    const f = await bound();
    await f.sim.BatchModifyTargetWeight({ LoadBalancerId: f.lb, ModifyList: [
      { ListenerId: f.tcp, Weight: 0, Targets: [{ InstanceId: INSTANCE_A, Port: 30080 }, { InstanceId: INSTANCE_B, Port: 30080, Weight: 70 }] },
      { ListenerId: f.http, LocationId: f.loc, Targets: [{ EniIp: '10.0.1.5', Port: 80, Weight: 100 }] },
    ] });
    expect(await l4Targets(f, f.tcp)).toEqual([`${INSTANCE_A}:30080@0`, `${INSTANCE_B}:30080@70`]);
    expect(await ruleTargets(f)).toEqual(['10.0.1.5:80@100']);
  });

  it('refuses a target that is not bound with InvalidParameter: all or nothing, the valid entries are not applied', async () => {
    const f = await bound();
    await expectRefused(f.sim, () => f.sim.BatchModifyTargetWeight({ LoadBalancerId: f.lb, ModifyList: [
      { ListenerId: f.tcp, Targets: [{ InstanceId: INSTANCE_A, Port: 30080, Weight: 0 }] },
      { ListenerId: f.tcp, Targets: [{ InstanceId: INSTANCE_C, Port: 30080, Weight: 0 }] },
    ] }), 'InvalidParameter');
  });

  it('refuses 101 ModifyList entries with InvalidParameterValue.Length', async () => {
    const f = await bound();
    const entry = { ListenerId: f.tcp, Targets: [{ InstanceId: INSTANCE_A, Port: 30080, Weight: 5 }] };
    await expectRefused(f.sim, () => f.sim.BatchModifyTargetWeight({ LoadBalancerId: f.lb, ModifyList: Array.from({ length: 101 }, () => entry) }), 'InvalidParameterValue.Length');
  });

  it('refuses more than 500 targets in total with InvalidParameterValue.Length', async () => {
    const f = await bound();
    const entry = { ListenerId: f.tcp, Targets: Array.from({ length: 51 }, () => ({ InstanceId: INSTANCE_A, Port: 30080, Weight: 5 })) };
    await expectRefused(f.sim, () => f.sim.BatchModifyTargetWeight({ LoadBalancerId: f.lb, ModifyList: Array.from({ length: 10 }, () => entry) }), 'InvalidParameterValue.Length');
  });

  it('refuses weight 101 with InvalidParameterValue.Range', async () => {
    const f = await bound();
    await expectRefused(f.sim, () => f.sim.BatchModifyTargetWeight({ LoadBalancerId: f.lb, ModifyList: [{ ListenerId: f.tcp, Targets: [{ InstanceId: INSTANCE_A, Port: 30080, Weight: 101 }] }] }), 'InvalidParameterValue.Range');
  });

  it('refuses a target without any weight with MissingParameter', async () => {
    const f = await bound();
    await expectRefused(f.sim, () => f.sim.BatchModifyTargetWeight({ LoadBalancerId: f.lb, ModifyList: [{ ListenerId: f.tcp, Targets: [{ InstanceId: INSTANCE_A, Port: 30080 }] }] }), 'MissingParameter');
  });
});

describe('DescribeTargets', () => {
  it('gives a layer-4 listener Targets[] and Rules null', async () => {
    const f = await fixture();
    await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [{ ListenerId: f.tcp, InstanceId: INSTANCE_A, Port: 30080 }] });
    const listener = await listenerTargets(f.sim, f.lb, f.tcp);
    expect(listener).toMatchObject({ ListenerId: f.tcp, Protocol: 'TCP', Port: 80, Rules: null });
    expect(listener?.Targets).toEqual([expect.objectContaining({ Type: 'CVM', InstanceId: INSTANCE_A, Port: 30080, Weight: 10 })]);
  });

  it('gives a layer-7 listener Targets null and its backends under Rules[].Targets', async () => {
    const f = await fixture();
    await f.sim.BatchRegisterTargets({ LoadBalancerId: f.lb, Targets: [{ ListenerId: f.http, LocationId: f.loc, EniIp: '10.0.1.5', Port: 80 }] });
    const listener = await listenerTargets(f.sim, f.lb, f.http);
    expect(listener).toMatchObject({ ListenerId: f.http, Protocol: 'HTTP', Port: 8080, Targets: null });
    expect(listener?.Rules).toEqual([expect.objectContaining({
      LocationId: f.loc, Domain: 'a.com', Url: '/',
      Targets: [expect.objectContaining({ Type: 'ENI', PrivateIpAddresses: ['10.0.1.5'], Port: 80, Weight: 10 })],
    })]);
  });

  it('lists every listener when ListenerIds is omitted, or filters on Protocol and Port', async () => {
    const f = await fixture();
    const all = (await f.sim.DescribeTargets({ LoadBalancerId: f.lb })).Listeners ?? [];
    expect(all.map((l) => l.ListenerId).sort()).toEqual([f.tcp, f.tcp2, f.http].sort());
    const http = (await f.sim.DescribeTargets({ LoadBalancerId: f.lb, Protocol: 'HTTP' })).Listeners ?? [];
    expect(http.map((l) => l.ListenerId)).toEqual([f.http]);
    const port81 = (await f.sim.DescribeTargets({ LoadBalancerId: f.lb, Port: 81 })).Listeners ?? [];
    expect(port81.map((l) => l.ListenerId)).toEqual([f.tcp2]);
  });

  it('refuses 21 ListenerIds with InvalidParameterValue.Length', async () => {
    const f = await fixture();
    await expectRefused(f.sim, () => f.sim.DescribeTargets({ LoadBalancerId: f.lb, ListenerIds: Array.from({ length: 21 }, () => f.tcp) }), 'InvalidParameterValue.Length');
  });
});
