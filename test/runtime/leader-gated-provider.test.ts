import { describe, expect, it } from '@jest/globals';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import type { CloudProvider } from '../../providers/provider.js';
import { classifyProviderMethod, createLeaderGatedProvider, NotLeaderError, type MethodKind } from '../../src/runtime/leader-gated-provider.js';

/** Every CloudProvider method, as the gate must treat it. Adding a method to the contract fails type-checking here. */
const EXPECTED: Record<keyof CloudProvider, MethodKind> = {
  describeLoadBalancers: 'read',
  awaitWrites: 'read',
  findLoadBalancersByTags: 'read',
  createLoadBalancer: 'write',
  deleteLoadBalancers: 'write',
  modifyLoadBalancerAttributes: 'write',
  setSecurityGroups: 'write',
  tagLoadBalancer: 'write',
  untagLoadBalancer: 'write',
  describeListeners: 'read',
  createListeners: 'write',
  modifyListener: 'write',
  deleteListeners: 'write',
  createRules: 'write',
  modifyRule: 'write',
  setDomainCertificate: 'write',
  setDefaultDomain: 'write',
  deleteRules: 'write',
  setRedirects: 'write',
  deleteRedirects: 'write',
  describeTargets: 'read',
  registerTargets: 'write',
  deregisterTargets: 'write',
  setTargetWeights: 'write',
  getQuota: 'read',
  describeSubnet: 'read',
};

const VPC = 'vpc-cluster1';

function setUp(leading: boolean) {
  const cloud = createLocalCloud();
  const state = { leading, refused: [] as string[] };
  const provider = createLeaderGatedProvider({ provider: cloud.provider, isLeader: () => state.leading, onRefused: (method) => state.refused.push(method) });
  // DescribeQuota is left out: the simulator's call log files it under writes (it is missing from READ_ACTIONS).
  const writes = () => Object.entries(cloud.simulator.traffic.counters()).reduce((sum, [action, c]) => sum + (action === 'DescribeQuota' ? 0 : c.writes), 0);
  return { cloud, state, provider, writes };
}

describe('classifyProviderMethod', () => {
  it.each(Object.entries(EXPECTED).map(([name, kind]) => ({ name, kind })))('classifies $name as a $kind', ({ name, kind }) => {
    expect(classifyProviderMethod(name)).toBe(kind);
  });

  it('leaves names it does not know unclassified (the gate then treats them as writes)', () => {
    expect(classifyProviderMethod('attachThing')).toBeUndefined();
    expect(classifyProviderMethod('settle')).toBeUndefined();
  });
});

describe('createLeaderGatedProvider', () => {
  it('passes reads and refuses every write with NotLeaderError while not leading, before anything reaches the cloud', async () => {
    const { cloud, provider, state, writes } = setUp(true);
    const lb = await provider.createLoadBalancer({ name: 'web', type: 'OPEN', vpcId: VPC, tags: { owner: 'me' } });
    state.leading = false;
    const before = writes();

    expect((await provider.describeLoadBalancers([lb.id])).map((l) => l.id)).toEqual([lb.id]);
    expect(await provider.findLoadBalancersByTags({ owner: 'me' })).toHaveLength(1);
    expect(await provider.describeListeners(lb.id)).toEqual([]);
    expect(await provider.describeTargets(lb.id)).toEqual([]);
    expect((await provider.getQuota()).openLoadBalancers.limit).toBeGreaterThan(0);
    expect(await provider.describeSubnet('subnet-lb000001')).toMatchObject({ vpcId: VPC });

    const attempts: [string, () => Promise<unknown>][] = [
      ['createLoadBalancer', () => provider.createLoadBalancer({ name: 'other', type: 'OPEN', vpcId: VPC, tags: {} })],
      ['deleteLoadBalancers', () => provider.deleteLoadBalancers([lb.id])],
      ['modifyLoadBalancerAttributes', () => provider.modifyLoadBalancerAttributes(lb.id, { name: 'x' })],
      ['setSecurityGroups', () => provider.setSecurityGroups(lb.id, [])],
      ['tagLoadBalancer', () => provider.tagLoadBalancer(lb.id, { a: 'b' })],
      ['untagLoadBalancer', () => provider.untagLoadBalancer(lb.id, ['owner'])],
      ['createListeners', () => provider.createListeners(lb.id, [{ name: 'l', protocol: 'TCP', port: 80 }])],
      ['registerTargets', () => provider.registerTargets(lb.id, [{ listenerId: 'lbl-1', target: { instanceId: 'ins-1', port: 30000, weight: 10 } }])],
    ];
    for (const [method, attempt] of attempts) {
      const error = await attempt().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(NotLeaderError);
      expect(error).toMatchObject({ method, retryable: false });
    }
    expect(state.refused).toEqual(attempts.map(([method]) => method));
    expect(writes()).toBe(before);
    expect(await cloud.provider.describeLoadBalancers([lb.id])).toMatchObject([{ name: 'web', tags: { owner: 'me' } }]);
  });

  it('lets writes through while leading, and checks at every call', async () => {
    const { provider, state, writes } = setUp(true);
    const lb = await provider.createLoadBalancer({ name: 'web', type: 'OPEN', vpcId: VPC, tags: {} });
    await provider.modifyLoadBalancerAttributes(lb.id, { name: 'renamed' });
    state.leading = false;
    await expect(provider.modifyLoadBalancerAttributes(lb.id, { name: 'refused' })).rejects.toBeInstanceOf(NotLeaderError);
    state.leading = true;
    const before = writes();
    await provider.modifyLoadBalancerAttributes(lb.id, { name: 'again' });
    expect(writes()).toBeGreaterThan(before);
    expect((await provider.describeLoadBalancers([lb.id]))[0]?.name).toBe('again');
  });

  it('counts writes in flight, and idle() resolves when the last one settles', async () => {
    const { cloud, provider } = setUp(true);
    const lb = await provider.createLoadBalancer({ name: 'web', type: 'OPEN', vpcId: VPC, tags: {} });
    await expect(provider.idle()).resolves.toBeUndefined();
    cloud.simulator.traffic.setLatency(30, 'ModifyLoadBalancerAttributes');
    const write = provider.modifyLoadBalancerAttributes(lb.id, { name: 'slow' });
    const read = provider.describeLoadBalancers([lb.id]);
    expect(provider.writesInFlight()).toBe(1);
    let idle = false;
    const idled = provider.idle().then(() => (idle = true));
    await read;
    expect(idle).toBe(false);
    await write;
    await idled;
    expect(provider.writesInFlight()).toBe(0);
  });

  it('gates a method it cannot classify, failing closed', async () => {
    const inner = { attachThing: async () => 'done', describeThing: async () => 'seen' };
    const gated = createLeaderGatedProvider({ provider: inner as unknown as CloudProvider, isLeader: () => false }) as unknown as typeof inner;
    await expect(gated.describeThing()).resolves.toBe('seen');
    await expect(gated.attachThing()).rejects.toBeInstanceOf(NotLeaderError);
  });
});
