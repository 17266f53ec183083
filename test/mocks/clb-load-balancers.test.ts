/**
 * What the simulated CLB API enforces on load balancers: ids, VIPs, creation parameters, quotas,
 * DescribeLoadBalancers (batch size, filters, paging), deletion, tags (CLB create + Tag API) and the VPC facade.
 * Every refusal asserts the real API error code and that the refused call changed nothing.
 */
import { describe, expect, it } from '@jest/globals';
import type { clb } from '../../providers/tencentcloud/api.js';
import {
  LB_SUBNET, LB_SUBNET_CIDR, OTHER_VPC, OTHER_VPC_SUBNET, UNKNOWN_LB, VPC, createClb, createInternalClb, createListener, describeClb,
  expectRefused, ipInCidr, manualClock, simulator,
} from './clb-fixtures.js';

const LB_ID = /^lb-[a-z0-9]{8}$/;
const tags = (n: number): clb.TagInfo[] => Array.from({ length: n }, (_, i) => ({ TagKey: `k${i}`, TagValue: `v${i}` }));

describe('SDK error surface', () => {
  it('throws the SDK TencentCloudSDKHttpException with the API error code and a request id', async () => {
    const sim = simulator();
    const error = await sim.DescribeListeners({ LoadBalancerId: UNKNOWN_LB }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string; requestId?: string },
    );
    expect(error?.constructor.name).toBe('TencentCloudSDKHttpException');
    expect(error).toMatchObject({ code: 'InvalidParameter.LBIdNotFound' });
    expect(error?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns a RequestId on every successful response', async () => {
    const res = await simulator().DescribeLoadBalancers({});
    expect(res.RequestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('CreateLoadBalancer', () => {
  it('returns one lb-xxxxxxxx id per Number, and a DealName', async () => {
    const sim = simulator();
    const res = await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 3 });
    expect(res.LoadBalancerIds).toHaveLength(3);
    for (const id of res.LoadBalancerIds ?? []) expect(id).toMatch(LB_ID);
    expect(new Set(res.LoadBalancerIds).size).toBe(3);
    expect(res.DealName).toEqual(expect.any(String));
  });

  it('gives a public CLB one VIP from the documentation range 203.0.113.0/24', async () => {
    const sim = simulator();
    const lb = await describeClb(sim, await createClb(sim));
    expect(lb).toMatchObject({ LoadBalancerType: 'OPEN', VpcId: VPC, SubnetId: '' });
    expect(lb?.LoadBalancerVips).toHaveLength(1);
    expect(ipInCidr(lb?.LoadBalancerVips?.[0] ?? '', '203.0.113.0/24')).toBe(true);
  });

  it('gives an internal CLB a VIP inside its subnet CIDR, in the subnet VPC', async () => {
    const sim = simulator();
    const lb = await describeClb(sim, await createInternalClb(sim));
    expect(lb).toMatchObject({ LoadBalancerType: 'INTERNAL', VpcId: VPC, SubnetId: LB_SUBNET });
    expect(ipInCidr(lb?.LoadBalancerVips?.[0] ?? '', LB_SUBNET_CIDR)).toBe(true);
  });

  it('gives every CLB a distinct VIP', async () => {
    const sim = simulator();
    const res = await sim.CreateLoadBalancer({ LoadBalancerType: 'INTERNAL', SubnetId: LB_SUBNET, Number: 5 });
    const set = (await sim.DescribeLoadBalancers({ LoadBalancerIds: res.LoadBalancerIds ?? [] })).LoadBalancerSet ?? [];
    expect(new Set(set.map((lb) => lb.LoadBalancerVips?.[0])).size).toBe(5);
  });

  it('with DynamicVip has no VIP, only a domain name', async () => {
    const sim = simulator();
    const id = await createClb(sim, { DynamicVip: true });
    const lb = await describeClb(sim, id);
    expect(lb?.LoadBalancerVips).toEqual([]);
    expect(lb?.Domain).toBe(`${id}.clb.ap-guangzhou.tencentclb.com`);
    expect(lb?.LoadBalancerDomain).toBe(lb?.Domain);
  });

  it('records name, tags, pass-to-target and IP version as given', async () => {
    const sim = simulator();
    const id = await createClb(sim, { LoadBalancerName: 'web', Tags: [{ TagKey: 'tke-clusterId', TagValue: 'cls-1' }], LoadBalancerPassToTarget: true });
    expect(await describeClb(sim, id)).toMatchObject({
      LoadBalancerName: 'web',
      Tags: [{ TagKey: 'tke-clusterId', TagValue: 'cls-1' }],
      LoadBalancerPassToTarget: true,
      AddressIPVersion: 'IPV4',
    });
  });

  it('accepts exactly 20 tags', async () => {
    const sim = simulator();
    const lb = await describeClb(sim, await createClb(sim, { Tags: tags(20) }));
    expect(lb?.Tags).toHaveLength(20);
  });

  it('is idempotent on ClientToken: a retried create returns the same CLB and creates nothing', async () => {
    const sim = simulator();
    const first = await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, ClientToken: 'token-1' });
    const again = await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, ClientToken: 'token-1' });
    expect(again.LoadBalancerIds).toEqual(first.LoadBalancerIds);
    expect(again.DealName).toBe(first.DealName);
    expect((await sim.DescribeLoadBalancers({})).TotalCount).toBe(1);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['LoadBalancerType is missing', { VpcId: VPC }, 'MissingParameter'],
    ['LoadBalancerType is not OPEN/INTERNAL', { LoadBalancerType: 'PUBLIC', VpcId: VPC }, 'InvalidParameterValue'],
    ['an INTERNAL CLB has no SubnetId', { LoadBalancerType: 'INTERNAL', VpcId: VPC }, 'MissingParameter'],
    ['an INTERNAL CLB names an unknown subnet', { LoadBalancerType: 'INTERNAL', VpcId: VPC, SubnetId: 'subnet-zzzzzzzz' }, 'InvalidParameterValue'],
    ['an INTERNAL CLB names a malformed subnet', { LoadBalancerType: 'INTERNAL', VpcId: VPC, SubnetId: 'subnet_1' }, 'InvalidParameterValue'],
    ['the subnet belongs to another VPC than VpcId', { LoadBalancerType: 'INTERNAL', VpcId: VPC, SubnetId: OTHER_VPC_SUBNET }, 'InvalidParameterValue'],
    ['VpcId does not exist', { LoadBalancerType: 'OPEN', VpcId: 'vpc-zzzzzzzz' }, 'InvalidParameterValue'],
    ['a top-level parameter is unknown', { LoadBalancerType: 'OPEN', VpcId: VPC, SubnetID: LB_SUBNET }, 'UnknownParameter'],
    ['more than 20 tags are given', { LoadBalancerType: 'OPEN', VpcId: VPC, Tags: tags(21) }, 'InvalidParameterValue.Length'],
    ['a tag key is repeated', { LoadBalancerType: 'OPEN', VpcId: VPC, Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }] }, 'InvalidParameterValue.Duplicate'],
    ['a tag key is empty', { LoadBalancerType: 'OPEN', VpcId: VPC, Tags: [{ TagKey: '', TagValue: '1' }] }, 'InvalidParameterValue'],
    ['Number is above 20', { LoadBalancerType: 'OPEN', VpcId: VPC, Number: 21 }, 'InvalidParameterValue.Range'],
    ['Number is 0', { LoadBalancerType: 'OPEN', VpcId: VPC, Number: 0 }, 'InvalidParameterValue.Range'],
    ['LoadBalancerName is longer than 60', { LoadBalancerType: 'OPEN', VpcId: VPC, LoadBalancerName: 'x'.repeat(61) }, 'InvalidParameterValue.Length'],
    ['bandwidth is above 2048 Mbps', { LoadBalancerType: 'OPEN', VpcId: VPC, InternetAccessible: { InternetMaxBandwidthOut: 2049 } }, 'InvalidParameterValue.Range'],
    ['bandwidth is 0', { LoadBalancerType: 'OPEN', VpcId: VPC, InternetAccessible: { InternetMaxBandwidthOut: 0 } }, 'InvalidParameterValue.Range'],
    ['an INTERNAL CLB asks for public bandwidth', { LoadBalancerType: 'INTERNAL', SubnetId: LB_SUBNET, InternetAccessible: { InternetMaxBandwidthOut: 10 } }, 'InvalidParameterValue.Range'],
  ])('refuses when %s', async (_rule, req, code) => {
    const sim = simulator();
    await expectRefused(sim, () => sim.CreateLoadBalancer(req as unknown as clb.CreateLoadBalancerRequest), code);
    expect((await sim.DescribeLoadBalancers({})).TotalCount).toBe(0);
  });

  it('refuses with ResourceInsufficient when the subnet has too few free addresses, creating none', async () => {
    // A /29 has 5 usable addresses (network, gateway .1 and broadcast are reserved).
    const sim = simulator({ vpcs: [{ vpcId: 'vpc-tiny0001', cidr: '10.9.0.0/16', subnets: [{ subnetId: 'subnet-tiny0001', cidr: '10.9.0.0/29' }] }] });
    await expectRefused(sim, () => sim.CreateLoadBalancer({ LoadBalancerType: 'INTERNAL', SubnetId: 'subnet-tiny0001', Number: 6 }), 'ResourceInsufficient');
    const five = await sim.CreateLoadBalancer({ LoadBalancerType: 'INTERNAL', SubnetId: 'subnet-tiny0001', Number: 5 });
    expect(five.LoadBalancerIds).toHaveLength(5);
    await expectRefused(sim, () => sim.CreateLoadBalancer({ LoadBalancerType: 'INTERNAL', SubnetId: 'subnet-tiny0001' }), 'ResourceInsufficient');
  });

  it('returns a deleted CLB VIP to the pool', async () => {
    const sim = simulator({ vpcs: [{ vpcId: 'vpc-tiny0001', cidr: '10.9.0.0/16', subnets: [{ subnetId: 'subnet-tiny0001', cidr: '10.9.0.0/29' }] }] });
    const ids = (await sim.CreateLoadBalancer({ LoadBalancerType: 'INTERNAL', SubnetId: 'subnet-tiny0001', Number: 5 })).LoadBalancerIds ?? [];
    const freed = (await describeClb(sim, ids[0] ?? ''))?.LoadBalancerVips?.[0];
    await sim.DeleteLoadBalancer({ LoadBalancerIds: [ids[0] ?? ''] });
    const again = await describeClb(sim, await createInternalClb(sim, 'subnet-tiny0001'));
    expect(again?.LoadBalancerVips).toEqual([freed]);
  });
});

describe('load balancer ids', () => {
  it.each(['lb-ABCDEFGH', 'lb-1234567', 'lb-123456789', 'clb-12345678', 'lb_12345678'])('refuses the malformed LoadBalancerId %s with InvalidParameter.FormatError', async (id) => {
    const sim = simulator();
    await expectRefused(sim, () => sim.DescribeListeners({ LoadBalancerId: id }), 'InvalidParameter.FormatError');
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: id, Protocol: 'TCP', Ports: [80] }), 'InvalidParameter.FormatError');
    await expectRefused(sim, () => sim.DescribeLoadBalancers({ LoadBalancerIds: [id] }), 'InvalidParameter.FormatError');
  });

  it('refuses a well-formed but unknown LoadBalancerId with InvalidParameter.LBIdNotFound, on reads and writes', async () => {
    const sim = simulator();
    await expectRefused(sim, () => sim.DescribeListeners({ LoadBalancerId: UNKNOWN_LB }), 'InvalidParameter.LBIdNotFound');
    await expectRefused(sim, () => sim.DescribeTargets({ LoadBalancerId: UNKNOWN_LB }), 'InvalidParameter.LBIdNotFound');
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: UNKNOWN_LB, Protocol: 'TCP', Ports: [80] }), 'InvalidParameter.LBIdNotFound');
    await expectRefused(sim, () => sim.DeleteLoadBalancer({ LoadBalancerIds: [UNKNOWN_LB] }), 'InvalidParameter.LBIdNotFound');
  });

  it('answers DescribeLoadBalancers for an unknown (well-formed) id with an empty set, not an error', async () => {
    const res = await simulator().DescribeLoadBalancers({ LoadBalancerIds: [UNKNOWN_LB] });
    expect(res).toMatchObject({ TotalCount: 0, LoadBalancerSet: [] });
  });

  it('refuses a write without LoadBalancerId with MissingParameter', async () => {
    const sim = simulator();
    await expectRefused(sim, () => sim.CreateListener({ Protocol: 'TCP', Ports: [80] } as clb.CreateListenerRequest), 'MissingParameter');
  });
});

describe('CLB quotas per region', () => {
  it('refuses a CLB beyond the per-type quota with LimitExceeded; the other type has its own quota', async () => {
    const sim = simulator({ quotas: { openLoadBalancers: 2, internalLoadBalancers: 1 } });
    await createClb(sim);
    await createClb(sim);
    await expectRefused(sim, () => sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC }), 'LimitExceeded');
    await createInternalClb(sim);
    await expectRefused(sim, () => sim.CreateLoadBalancer({ LoadBalancerType: 'INTERNAL', SubnetId: LB_SUBNET }), 'LimitExceeded');
  });

  it('counts Number against the quota: a create that would overshoot creates none', async () => {
    const sim = simulator({ quotas: { openLoadBalancers: 3 } });
    await createClb(sim);
    await expectRefused(sim, () => sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 3 }), 'LimitExceeded');
    expect((await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 2 })).LoadBalancerIds).toHaveLength(2);
  });

  it('frees quota when a CLB is deleted', async () => {
    const sim = simulator({ quotas: { openLoadBalancers: 1 } });
    const id = await createClb(sim);
    await sim.DeleteLoadBalancer({ LoadBalancerIds: [id] });
    await expect(createClb(sim)).resolves.toMatch(LB_ID);
  });

  it('DescribeQuota reports the configured limits and the current CLB count per type', async () => {
    const sim = simulator({ quotas: { openLoadBalancers: 7, internalLoadBalancers: 5, listenersPerLoadBalancer: 4, rulesPerListener: 3, targetsPerRule: 2 } });
    await createClb(sim);
    await createClb(sim);
    await createInternalClb(sim);
    const res = await sim.DescribeQuota();
    expect(res.QuotaSet).toEqual(expect.arrayContaining([
      { QuotaId: 'TOTAL_OPEN_CLB_QUOTA', QuotaCurrent: 2, QuotaLimit: 7 },
      { QuotaId: 'TOTAL_INTERNAL_CLB_QUOTA', QuotaCurrent: 1, QuotaLimit: 5 },
      // Per-CLB quotas have no single "current" value: the live API returns null there (reference §8).
      { QuotaId: 'TOTAL_LISTENER_QUOTA', QuotaCurrent: null, QuotaLimit: 4 },
      { QuotaId: 'TOTAL_LISTENER_RULE_QUOTA', QuotaCurrent: null, QuotaLimit: 3 },
      { QuotaId: 'TOTAL_TARGET_BIND_QUOTA', QuotaCurrent: null, QuotaLimit: 2 },
    ]));
  });

  it('DescribeQuota defaults to the documented quotas (100 public, 100 internal, 50 listeners, 50 rules, 100 targets)', async () => {
    const res = await simulator().DescribeQuota();
    const limits = Object.fromEntries((res.QuotaSet ?? []).map((q) => [q.QuotaId, q.QuotaLimit]));
    expect(limits).toEqual({ TOTAL_OPEN_CLB_QUOTA: 100, TOTAL_INTERNAL_CLB_QUOTA: 100, TOTAL_LISTENER_QUOTA: 50, TOTAL_LISTENER_RULE_QUOTA: 50, TOTAL_TARGET_BIND_QUOTA: 100 });
  });
});

describe('DescribeLoadBalancers', () => {
  it('accepts 20 LoadBalancerIds and refuses 21 with InvalidParameterValue.Length', async () => {
    const sim = simulator();
    const ids = (await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 20 })).LoadBalancerIds ?? [];
    expect((await sim.DescribeLoadBalancers({ LoadBalancerIds: ids, Limit: 100 })).LoadBalancerSet).toHaveLength(20);
    await expectRefused(sim, () => sim.DescribeLoadBalancers({ LoadBalancerIds: [...ids, UNKNOWN_LB] }), 'InvalidParameterValue.Length');
  });

  it.each([101, 0])('refuses Limit %i with InvalidParameterValue.Range (1-100)', async (limit) => {
    const sim = simulator();
    await expectRefused(sim, () => sim.DescribeLoadBalancers({ Limit: limit }), 'InvalidParameterValue.Range');
  });

  it('pages with Offset/Limit in a stable order (creation time, then id); TotalCount is the full match count', async () => {
    const clock = manualClock();
    const sim = simulator({ now: clock.now });
    const early = (await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 3 })).LoadBalancerIds ?? [];
    clock.advance(1000);
    const late = (await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 2 })).LoadBalancerIds ?? [];
    const pages = [];
    for (const Offset of [0, 2, 4]) pages.push(await sim.DescribeLoadBalancers({ Offset, Limit: 2 }));
    expect(pages.map((p) => p.LoadBalancerSet?.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.TotalCount)).toEqual([5, 5, 5]);
    expect(pages.flatMap((p) => p.LoadBalancerSet ?? []).map((lb) => lb.LoadBalancerId)).toEqual([...[...early].sort(), ...[...late].sort()]);
  });

  it('returns 20 per page when Limit is omitted', async () => {
    const sim = simulator();
    await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 20 });
    await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 1 });
    const res = await sim.DescribeLoadBalancers({});
    expect(res.LoadBalancerSet).toHaveLength(20);
    expect(res.TotalCount).toBe(21);
  });

  it('filters on tag-key: CLBs carrying any of the keys', async () => {
    const sim = simulator();
    const tagged = await createClb(sim, { Tags: [{ TagKey: 'tke-clusterId', TagValue: 'cls-1' }] });
    await createClb(sim);
    const res = await sim.DescribeLoadBalancers({ Filters: [{ Name: 'tag-key', Values: ['tke-clusterId'] }] });
    expect(res.LoadBalancerSet?.map((lb) => lb.LoadBalancerId)).toEqual([tagged]);
  });

  it('filters on tag:<key>: CLBs whose tag has one of the values', async () => {
    const sim = simulator();
    const mine = await createClb(sim, { Tags: [{ TagKey: 'tke-clusterId', TagValue: 'cls-1' }] });
    await createClb(sim, { Tags: [{ TagKey: 'tke-clusterId', TagValue: 'cls-2' }] });
    await createClb(sim);
    const res = await sim.DescribeLoadBalancers({ Filters: [{ Name: 'tag:tke-clusterId', Values: ['cls-1'] }] });
    expect(res.LoadBalancerSet?.map((lb) => lb.LoadBalancerId)).toEqual([mine]);
  });

  it('ANDs several filters', async () => {
    const sim = simulator();
    const both = await createClb(sim, { Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'b', TagValue: '2' }] });
    await createClb(sim, { Tags: [{ TagKey: 'a', TagValue: '1' }] });
    const res = await sim.DescribeLoadBalancers({ Filters: [{ Name: 'tag-key', Values: ['a'] }, { Name: 'tag:b', Values: ['2'] }] });
    expect(res.LoadBalancerSet?.map((lb) => lb.LoadBalancerId)).toEqual([both]);
  });

  it('filters on LoadBalancerType and VpcId', async () => {
    const sim = simulator();
    await createClb(sim);
    const internal = await createInternalClb(sim);
    const other = await createClb(sim, { VpcId: OTHER_VPC });
    expect((await sim.DescribeLoadBalancers({ LoadBalancerType: 'INTERNAL' })).LoadBalancerSet?.map((lb) => lb.LoadBalancerId)).toEqual([internal]);
    expect((await sim.DescribeLoadBalancers({ VpcId: OTHER_VPC })).LoadBalancerSet?.map((lb) => lb.LoadBalancerId)).toEqual([other]);
  });

  it('refuses an unsupported filter name with InvalidParameterValue.InvalidFilter', async () => {
    const sim = simulator();
    await createClb(sim);
    await expectRefused(sim, () => sim.DescribeLoadBalancers({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] }), 'InvalidParameterValue.InvalidFilter');
  });
});

describe('DeleteLoadBalancer', () => {
  it('deletes the CLB with everything on it', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    await createListener(sim, id, 'TCP', 80);
    await sim.DeleteLoadBalancer({ LoadBalancerIds: [id] });
    expect(await describeClb(sim, id)).toBeUndefined();
    await expect(sim.DescribeListeners({ LoadBalancerId: id })).rejects.toMatchObject({ code: 'InvalidParameter.LBIdNotFound' });
  });

  it('refuses 21 LoadBalancerIds with InvalidParameterValue.Length', async () => {
    const sim = simulator();
    const ids = (await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 20 })).LoadBalancerIds ?? [];
    const extra = await createClb(sim);
    await expectRefused(sim, () => sim.DeleteLoadBalancer({ LoadBalancerIds: [...ids, extra] }), 'InvalidParameterValue.Length');
  });

  it('refuses a batch with one unknown id as a whole: nothing is deleted', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    await expectRefused(sim, () => sim.DeleteLoadBalancer({ LoadBalancerIds: [id, UNKNOWN_LB] }), 'InvalidParameter.LBIdNotFound');
  });

  it('refuses an empty id list with MissingParameter', async () => {
    const sim = simulator();
    await createClb(sim);
    await expectRefused(sim, () => sim.DeleteLoadBalancer({ LoadBalancerIds: [] }), 'MissingParameter');
  });

  it('refuses a CLB with delete protection with OperationDenied, until protection is turned off', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    await sim.ModifyLoadBalancerAttributes({ LoadBalancerId: id, DeleteProtect: true });
    expect((await describeClb(sim, id))?.AttributeFlags).toContain('DeleteProtect');
    await expectRefused(sim, () => sim.DeleteLoadBalancer({ LoadBalancerIds: [id] }), 'OperationDenied');
    await sim.ModifyLoadBalancerAttributes({ LoadBalancerId: id, DeleteProtect: false });
    await sim.DeleteLoadBalancer({ LoadBalancerIds: [id] });
    expect(await describeClb(sim, id)).toBeUndefined();
  });
});

describe('operate (modification) protection — switched in the console only', () => {
  it('DescribeLBOperateProtect reports it per CLB, at most 20 ids', async () => {
    const sim = simulator();
    const [a, b] = [await createClb(sim), await createClb(sim)];
    sim.setModificationProtection(a, true);
    const res = await sim.DescribeLBOperateProtect({ LoadBalancerIds: [a, b] });
    expect(res.LoadBalancerSet.map((p) => [p.LoadBalancerId, p.ProtectState])).toEqual([[a, true], [b, false]]);
    await expectRefused(sim, () => sim.DescribeLBOperateProtect({ LoadBalancerIds: Array.from({ length: 21 }, () => a) }), 'InvalidParameterValue.Length');
    await expectRefused(sim, () => sim.DescribeLBOperateProtect({ LoadBalancerIds: [UNKNOWN_LB] }), 'InvalidParameter.LBIdNotFound');
  });

  it('while on, every change to the CLB is refused with OperationDenied (reads still answer); off again, changes go through', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    const listenerId = await createListener(sim, id, 'TCP', 80);
    sim.setModificationProtection(id, true);
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: id, Protocol: 'TCP', Ports: [81] }), 'OperationDenied');
    await expectRefused(sim, () => sim.DeleteLoadBalancerListeners({ LoadBalancerId: id, ListenerIds: [listenerId] }), 'OperationDenied');
    await expectRefused(sim, () => sim.BatchRegisterTargets({ LoadBalancerId: id, Targets: [{ ListenerId: listenerId, Port: 8080, EniIp: '10.0.0.5' }] }), 'OperationDenied');
    await expectRefused(sim, () => sim.ModifyLoadBalancerAttributes({ LoadBalancerId: id, DeleteProtect: true }), 'OperationDenied');
    await expectRefused(sim, () => sim.DeleteLoadBalancer({ LoadBalancerIds: [id] }), 'OperationDenied');
    expect((await sim.DescribeListeners({ LoadBalancerId: id })).Listeners).toHaveLength(1);
    sim.setModificationProtection(id, false);
    await sim.CreateListener({ LoadBalancerId: id, Protocol: 'TCP', Ports: [81] });
  });
});

describe('ModifyLoadBalancerAttributes and SetLoadBalancerSecurityGroups', () => {
  it('renames the CLB and switches pass-to-target', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    await sim.ModifyLoadBalancerAttributes({ LoadBalancerId: id, LoadBalancerName: 'renamed', LoadBalancerPassToTarget: true });
    expect(await describeClb(sim, id)).toMatchObject({ LoadBalancerName: 'renamed', LoadBalancerPassToTarget: true });
  });

  it('refuses a name longer than 60 characters with InvalidParameterValue.Length', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    await expectRefused(sim, () => sim.ModifyLoadBalancerAttributes({ LoadBalancerId: id, LoadBalancerName: 'x'.repeat(61) }), 'InvalidParameterValue.Length');
  });

  it('sets the full list of security groups (set semantics: the new list replaces the old)', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    await sim.SetLoadBalancerSecurityGroups({ LoadBalancerId: id, SecurityGroups: ['sg-aaaaaaaa', 'sg-bbbbbbbb'] });
    await sim.SetLoadBalancerSecurityGroups({ LoadBalancerId: id, SecurityGroups: ['sg-cccccccc'] });
    expect((await describeClb(sim, id))?.SecureGroups).toEqual(['sg-cccccccc']);
    await sim.SetLoadBalancerSecurityGroups({ LoadBalancerId: id, SecurityGroups: [] });
    expect((await describeClb(sim, id))?.SecureGroups).toEqual([]);
  });

  it.each<[string, string[], string]>([
    ['more than 5 groups', ['sg-aaaaaaa1', 'sg-aaaaaaa2', 'sg-aaaaaaa3', 'sg-aaaaaaa4', 'sg-aaaaaaa5', 'sg-aaaaaaa6'], 'InvalidParameterValue.Length'],
    ['a malformed group id', ['sg-1'], 'InvalidParameter.FormatError'],
    ['a repeated group id', ['sg-aaaaaaaa', 'sg-aaaaaaaa'], 'InvalidParameterValue.Duplicate'],
  ])('SetLoadBalancerSecurityGroups refuses %s', async (_rule, groups, code) => {
    const sim = simulator();
    const id = await createClb(sim);
    await expectRefused(sim, () => sim.SetLoadBalancerSecurityGroups({ LoadBalancerId: id, SecurityGroups: groups }), code);
  });
});

describe('Tag API (tags on an existing CLB)', () => {
  it('names a CLB qcs::clb:<region>:uin/<uin>:clb/<id>', async () => {
    const sim = simulator({ region: 'ap-shanghai', uin: '12345' });
    expect(sim.resourceName('lb-abcdefgh')).toBe('qcs::clb:ap-shanghai:uin/12345:clb/lb-abcdefgh');
  });

  it('TagResources adds or overwrites tags; DescribeLoadBalancers and its tag filters see them', async () => {
    const sim = simulator();
    const id = await createClb(sim, { Tags: [{ TagKey: 'owner', TagValue: 'a' }] });
    const res = await sim.tag.TagResources({ ResourceList: [sim.resourceName(id)], Tags: [{ TagKey: 'owner', TagValue: 'b' }, { TagKey: 'tke-clusterId', TagValue: 'cls-1' }] });
    expect(res.FailedResources).toEqual([]);
    expect((await describeClb(sim, id))?.Tags).toEqual([{ TagKey: 'owner', TagValue: 'b' }, { TagKey: 'tke-clusterId', TagValue: 'cls-1' }]);
    const found = await sim.DescribeLoadBalancers({ Filters: [{ Name: 'tag:tke-clusterId', Values: ['cls-1'] }] });
    expect(found.LoadBalancerSet?.map((lb) => lb.LoadBalancerId)).toEqual([id]);
  });

  it('tags one CLB only, even when it was created together with others from the same Tags', async () => {
    const sim = simulator();
    const [first = '', second = ''] = (await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 2, Tags: [{ TagKey: 'a', TagValue: '1' }] })).LoadBalancerIds ?? [];
    await sim.tag.TagResources({ ResourceList: [sim.resourceName(first)], Tags: [{ TagKey: 'b', TagValue: '2' }] });
    expect((await describeClb(sim, first))?.Tags).toHaveLength(2);
    expect((await describeClb(sim, second))?.Tags).toEqual([{ TagKey: 'a', TagValue: '1' }]);
  });

  it('UnTagResources removes the keys', async () => {
    const sim = simulator();
    const id = await createClb(sim, { Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'b', TagValue: '2' }] });
    await sim.tag.UnTagResources({ ResourceList: [sim.resourceName(id)], TagKeys: ['a'] });
    expect((await describeClb(sim, id))?.Tags).toEqual([{ TagKey: 'b', TagValue: '2' }]);
    expect((await sim.DescribeLoadBalancers({ Filters: [{ Name: 'tag-key', Values: ['a'] }] })).TotalCount).toBe(0);
  });

  it('reports a CLB that does not exist in FailedResources instead of failing the call', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    const res = await sim.tag.TagResources({ ResourceList: [sim.resourceName(id), sim.resourceName(UNKNOWN_LB)], Tags: [{ TagKey: 'a', TagValue: '1' }] });
    expect(res.FailedResources).toEqual([expect.objectContaining({ Resource: sim.resourceName(UNKNOWN_LB), Code: 'ResourceNotFound' })]);
    expect((await describeClb(sim, id))?.Tags).toEqual([{ TagKey: 'a', TagValue: '1' }]);
  });

  it('refuses a resource of another region or account with InvalidParameterValue.ResourceDescriptionError', async () => {
    const sim = simulator();
    const id = await createClb(sim);
    const foreign = sim.resourceName(id).replace('ap-guangzhou', 'ap-beijing');
    await expectRefused(sim, () => sim.tag.TagResources({ ResourceList: [foreign], Tags: [{ TagKey: 'a', TagValue: '1' }] }), 'InvalidParameterValue.ResourceDescriptionError');
  });

  it('refuses more than 10 resources per call with InvalidParameterValue.Length', async () => {
    const sim = simulator();
    const ids = (await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, Number: 11 })).LoadBalancerIds ?? [];
    await expectRefused(sim, () => sim.tag.TagResources({ ResourceList: ids.map((id) => sim.resourceName(id)), Tags: [{ TagKey: 'a', TagValue: '1' }] }), 'InvalidParameterValue.Length');
  });

  it('refuses tags beyond the per-resource tag quota with LimitExceeded.ResourceAttachedTags', async () => {
    const sim = simulator({ quotas: { tagsPerResource: 3 } });
    const id = await createClb(sim, { Tags: tags(2) });
    await expectRefused(sim, () => sim.tag.TagResources({ ResourceList: [sim.resourceName(id)], Tags: [{ TagKey: 'x', TagValue: '1' }, { TagKey: 'y', TagValue: '1' }] }), 'LimitExceeded.ResourceAttachedTags');
    // Overwriting an existing key does not count as a new tag.
    await sim.tag.TagResources({ ResourceList: [sim.resourceName(id)], Tags: [{ TagKey: 'k0', TagValue: 'new' }, { TagKey: 'x', TagValue: '1' }] });
    expect((await describeClb(sim, id))?.Tags).toHaveLength(3);
  });

  it.each<[string, () => { ResourceList: string[]; Tags?: { TagKey: string; TagValue: string }[]; TagKeys?: string[] }, 'TagResources' | 'UnTagResources']>([
    ['TagResources without Tags', () => ({ ResourceList: [], Tags: [] }), 'TagResources'],
    ['UnTagResources without TagKeys', () => ({ ResourceList: [], TagKeys: [] }), 'UnTagResources'],
  ])('refuses %s with MissingParameter', async (_rule, build, action) => {
    const sim = simulator();
    const id = await createClb(sim, { Tags: tags(1) });
    const req = { ...build(), ResourceList: [sim.resourceName(id)] };
    await expectRefused(sim, () => (action === 'TagResources' ? sim.tag.TagResources(req as never) : sim.tag.UnTagResources(req as never)), 'MissingParameter');
  });
});

describe('VPC DescribeSubnets', () => {
  it('returns a known subnet with its CidrBlock, VpcId and Zone', async () => {
    const res = await simulator().vpc.DescribeSubnets({ SubnetIds: [LB_SUBNET] });
    expect(res.TotalCount).toBe(1);
    expect(res.SubnetSet).toEqual([{ SubnetId: LB_SUBNET, VpcId: VPC, CidrBlock: LB_SUBNET_CIDR, Zone: 'ap-guangzhou-4' }]);
  });

  it('refuses an unknown subnet with ResourceNotFound', async () => {
    const sim = simulator();
    await expectRefused(sim, () => sim.vpc.DescribeSubnets({ SubnetIds: ['subnet-zzzzzzzz'] }), 'ResourceNotFound');
  });

  it('refuses a malformed subnet id with InvalidParameterValue.Malformed', async () => {
    const sim = simulator();
    await expectRefused(sim, () => sim.vpc.DescribeSubnets({ SubnetIds: ['subnet-1'] }), 'InvalidParameterValue.Malformed');
  });

  it('filters on vpc-id', async () => {
    const res = await simulator().vpc.DescribeSubnets({ Filters: [{ Name: 'vpc-id', Values: [OTHER_VPC] }] });
    expect(res.SubnetSet?.map((s) => s.SubnetId)).toEqual([OTHER_VPC_SUBNET]);
  });
});
