/**
 * The load-balancer actions: CreateLoadBalancer (placement in a VPC or subnet, VIP allocation, quotas,
 * ClientToken idempotency), DescribeLoadBalancers (ids, filters, paging), DeleteLoadBalancer,
 * ModifyLoadBalancerAttributes, SetLoadBalancerSecurityGroups, DescribeQuota and DescribeLBOperateProtect.
 */
import { randomUUID } from 'node:crypto';
import type { ClbApi, clb } from '../../providers/tencentcloud/api.js';
import { fail } from './api-error.js';
import { BATCH_LIMITS } from './options.js';
import type { ActionTable, SimState } from './sim-state.js';
import { toSdkLoadBalancer, type SimLoadBalancer } from './state.js';
import { ID_PATTERNS, type AddressPool } from './support.js';

type Result<Res> = Omit<Res, 'RequestId'>;

const CREATE_LOAD_BALANCER_FIELDS = new Set([
  'LoadBalancerType', 'Forward', 'LoadBalancerName', 'VpcId', 'SubnetId', 'ProjectId', 'AddressIPVersion', 'Number', 'MasterZoneId',
  'ZoneId', 'InternetAccessible', 'VipIsp', 'Tags', 'Vip', 'BandwidthPackageId', 'ExclusiveCluster', 'SlaType', 'ClusterIds', 'ClientToken',
  'SnatPro', 'SnatIps', 'ClusterTag', 'SlaveZoneId', 'EipAddressId', 'LoadBalancerPassToTarget', 'DynamicVip', 'Egress', 'LBChargePrepaid',
  'LBChargeType', 'AccessLogTopicId', 'AdvancedRoute', 'AvailableZoneAffinityInfo',
]);

function createLoadBalancer(s: SimState, r: clb.CreateLoadBalancerRequest, requestId: string): Result<clb.CreateLoadBalancerResponse> {
  const unknown = Object.keys(r).filter((k) => !CREATE_LOAD_BALANCER_FIELDS.has(k));
  if (unknown.length) fail('UnknownParameter', `The parameter ${unknown[0]} is not recognized.`);
  const previous = r.ClientToken ? s.clientTokens.get(r.ClientToken) : undefined;
  if (previous) return { LoadBalancerIds: previous.ids, DealName: previous.dealName };
  const type = r.LoadBalancerType;
  if (!type) fail('MissingParameter', 'LoadBalancerType is required.');
  if (type !== 'OPEN' && type !== 'INTERNAL') fail('InvalidParameterValue', `LoadBalancerType ${type} is invalid; accepted: OPEN, INTERNAL.`);
  const number = r.Number ?? 1;
  if (!Number.isInteger(number) || number < 1 || number > 20) fail('InvalidParameterValue.Range', `Number ${number} is out of range [1, 20].`);
  if ((r.LoadBalancerName ?? '').length > 60) fail('InvalidParameterValue.Length', 'LoadBalancerName is longer than 60 characters.');
  const tags = validateNewTags(r.Tags ?? []);
  const placement = placementOf(s, type as 'OPEN' | 'INTERNAL', r);
  const bandwidth = r.InternetAccessible?.InternetMaxBandwidthOut;
  if (bandwidth !== undefined && (type === 'INTERNAL' || bandwidth < 1 || bandwidth > 2048)) {
    fail('InvalidParameterValue.Range', `InternetAccessible.InternetMaxBandwidthOut ${bandwidth} is invalid; public CLBs accept 1-2048.`);
  }
  checkLoadBalancerQuota(s, type as 'OPEN' | 'INTERNAL', number);

  const vips = r.DynamicVip === true ? [] : allocateVips(placement.pools, number);
  const ids: string[] = [];
  for (let i = 0; i < number; i++) {
    const id = s.ids.next('lb');
    const vip = vips[i];
    s.loadBalancers.set(id, {
      id,
      name: r.LoadBalancerName ?? id,
      type: type as 'OPEN' | 'INTERNAL',
      vpcId: placement.vpcId,
      subnetId: placement.subnetId,
      vips: vip ? [vip] : [],
      domain: s.defaultDomain(id),
      status: 0,
      createdAt: new Date(s.now()).toISOString(),
      tags: new Map(tags),
      securityGroups: [],
      passToTarget: r.LoadBalancerPassToTarget ?? false,
      deleteProtect: false,
      modificationProtect: false,
      addressIPVersion: r.AddressIPVersion ?? 'IPV4',
      internetAccessible: { ...r.InternetAccessible },
      listeners: new Map(),
    });
    ids.push(id);
  }
  const dealName = `${new Date(s.now()).toISOString().slice(0, 10).replaceAll('-', '')}${randomUUID().slice(0, 12)}`;
  s.tasks.addDeal(dealName, requestId);
  if (r.ClientToken) s.clientTokens.set(r.ClientToken, { ids, dealName });
  s.tasks.start('CreateLoadBalancer', requestId, ids, () => {
    for (const id of ids) {
      const lb = s.loadBalancers.get(id);
      if (lb) lb.status = 1;
    }
  }, () => {
    // A failed create leaves nothing behind: no CLB, no VIP, no quota used.
    for (const id of ids) {
      const lb = s.loadBalancers.get(id);
      if (lb) releaseVips(s, lb);
      s.loadBalancers.delete(id);
    }
    if (r.ClientToken) s.clientTokens.delete(r.ClientToken);
  });
  return { LoadBalancerIds: ids, DealName: dealName };
}

/** TOTAL_OPEN_CLB_QUOTA / TOTAL_INTERNAL_CLB_QUOTA: `count` more CLBs of `type` must fit. */
export function checkLoadBalancerQuota(s: SimState, type: 'OPEN' | 'INTERNAL', count: number): void {
  const quota = type === 'OPEN' ? s.quotas.openLoadBalancers : s.quotas.internalLoadBalancers;
  // Far from the quota, counting by type (every CLB, at every create) cannot change the answer.
  if (s.loadBalancers.size + count <= quota) return;
  const used = [...s.loadBalancers.values()].filter((lb) => lb.type === type).length;
  if (used + count > quota) fail('LimitExceeded', `Creating ${count} ${type} CLB(s) exceeds the quota of ${quota} per region (${used} in use).`);
}

function placementOf(s: SimState, type: 'OPEN' | 'INTERNAL', r: clb.CreateLoadBalancerRequest): { vpcId: string; subnetId: string; pools: readonly AddressPool[] } {
  if (r.VpcId && !s.vpcs.some((v) => v.vpcId === r.VpcId)) fail('InvalidParameterValue', `VpcId ${r.VpcId} does not exist.`);
  if (type === 'OPEN') return { vpcId: r.VpcId ?? s.vpcs[0]?.vpcId ?? '', subnetId: '', pools: s.publicPools };
  if (!r.SubnetId) return fail('MissingParameter', 'SubnetId is required for an INTERNAL load balancer.');
  if (!ID_PATTERNS.subnet.test(r.SubnetId)) fail('InvalidParameterValue', `SubnetId ${r.SubnetId} is malformed.`);
  const found = s.findSubnet(r.SubnetId);
  if (!found) return fail('InvalidParameterValue', `SubnetId ${r.SubnetId} does not exist.`);
  if (r.VpcId && found.vpc.vpcId !== r.VpcId) fail('InvalidParameterValue', `SubnetId ${r.SubnetId} does not belong to VpcId ${r.VpcId}.`);
  return { vpcId: found.vpc.vpcId, subnetId: r.SubnetId, pools: [s.subnetPools.get(r.SubnetId)!] };
}

/** All or nothing: every new CLB gets a VIP, or none is taken and the call fails ResourceInsufficient. */
function allocateVips(pools: readonly AddressPool[], count: number): string[] {
  const vips: string[] = [];
  try {
    for (let i = 0; i < count; i++) vips.push((pools.find((p) => p.hasFree()) ?? pools[0]!).allocate());
  } catch (error) {
    for (const vip of vips) pools.find((p) => p.owns(vip))?.release(vip);
    throw error;
  }
  return vips;
}

function releaseVips(s: SimState, lb: SimLoadBalancer): void {
  const pools = lb.subnetId ? [s.subnetPools.get(lb.subnetId)] : s.publicPools;
  for (const vip of lb.vips) pools.find((p) => p?.owns(vip))?.release(vip);
}

/** A tag the Tag API accepts: a key of 1-127 characters, a value of at most 255. */
export function checkTag(key: string | undefined, value: string | undefined): void {
  if (!key || key.length > 127 || (value ?? '').length > 255) fail('InvalidParameterValue', `Tag ${key}=${value} is invalid.`);
}

function validateNewTags(tags: readonly clb.TagInfo[]): Map<string, string> {
  if (tags.length > BATCH_LIMITS.createTags) fail('InvalidParameterValue.Length', `Tags has ${tags.length} entries; at most ${BATCH_LIMITS.createTags} are accepted.`);
  const result = new Map<string, string>();
  for (const t of tags) {
    checkTag(t.TagKey, t.TagValue);
    if (result.has(t.TagKey)) fail('InvalidParameterValue.Duplicate', `Tag key ${t.TagKey} is repeated.`);
    result.set(t.TagKey, t.TagValue ?? '');
  }
  return result;
}

function describeLoadBalancers(s: SimState, r: clb.DescribeLoadBalancersRequest): Result<clb.DescribeLoadBalancersResponse> {
  const ids = r.LoadBalancerIds;
  if (ids && ids.length > BATCH_LIMITS.loadBalancerIds) fail('InvalidParameterValue.Length', `LoadBalancerIds has ${ids.length} entries; at most ${BATCH_LIMITS.loadBalancerIds} are accepted.`);
  for (const id of ids ?? []) if (!ID_PATTERNS.loadBalancer.test(id)) fail('InvalidParameter.FormatError', `LoadBalancerId ${id} is malformed.`);
  const limit = r.Limit ?? 20;
  if (limit < 1 || limit > BATCH_LIMITS.describePageSize) fail('InvalidParameterValue.Range', `Limit ${limit} is out of range [1, ${BATCH_LIMITS.describePageSize}].`);
  const offset = r.Offset ?? 0;
  // By id when ids are given (the controller's usual call): the CLBs asked for, not a scan of every CLB.
  const candidates = ids?.length ? [...new Set(ids)].flatMap((id) => s.loadBalancers.get(id) ?? []) : [...s.loadBalancers.values()];
  const matches = candidates
    .filter((lb) => !r.LoadBalancerType || lb.type === r.LoadBalancerType)
    .filter((lb) => !r.VpcId || lb.vpcId === r.VpcId)
    .filter((lb) => (r.Filters ?? []).every((f) => matchesFilter(lb, f)))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return { TotalCount: matches.length, LoadBalancerSet: matches.slice(offset, offset + limit).map(toSdkLoadBalancer) };
}

function matchesFilter(lb: SimLoadBalancer, filter: clb.Filter): boolean {
  const values = filter.Values ?? [];
  if (filter.Name === 'tag-key') return values.some((v) => lb.tags.has(v));
  if (filter.Name.startsWith('tag:')) {
    const value = lb.tags.get(filter.Name.slice(4));
    return value !== undefined && values.includes(value);
  }
  if (filter.Name === 'vpc-id') return values.includes(lb.vpcId);
  if (filter.Name === 'load-balancer-type') return values.includes(lb.type);
  return fail('InvalidParameterValue.InvalidFilter', `Filter ${filter.Name} is not supported.`);
}

function deleteLoadBalancer(s: SimState, r: clb.DeleteLoadBalancerRequest, requestId: string): Result<clb.DeleteLoadBalancerResponse> {
  const ids = r.LoadBalancerIds ?? [];
  if (!ids.length) fail('MissingParameter', 'LoadBalancerIds is required.');
  if (ids.length > BATCH_LIMITS.loadBalancerIds) fail('InvalidParameterValue.Length', `LoadBalancerIds has ${ids.length} entries; at most ${BATCH_LIMITS.loadBalancerIds} are accepted.`);
  const lbs = ids.map((id) => s.requireLoadBalancer(id, true));
  const protectedLb = lbs.find((lb) => lb.deleteProtect);
  if (protectedLb) fail('OperationDenied', `LoadBalancer ${protectedLb.id} has delete protection enabled.`);
  s.tasks.start('DeleteLoadBalancer', requestId, ids, () => {
    for (const lb of lbs) {
      s.loadBalancers.delete(lb.id);
      releaseVips(s, lb);
    }
  });
  return {};
}

function modifyLoadBalancerAttributes(s: SimState, r: clb.ModifyLoadBalancerAttributesRequest, requestId: string): Result<clb.ModifyLoadBalancerAttributesResponse> {
  const lb = s.requireLoadBalancer(r.LoadBalancerId, true);
  if (r.LoadBalancerName !== undefined && (r.LoadBalancerName.length < 1 || r.LoadBalancerName.length > 60)) {
    fail('InvalidParameterValue.Length', 'LoadBalancerName must be 1-60 characters.');
  }
  s.tasks.start('ModifyLoadBalancerAttributes', requestId, [lb.id], () => {
    if (r.LoadBalancerName !== undefined) lb.name = r.LoadBalancerName;
    if (r.LoadBalancerPassToTarget !== undefined) lb.passToTarget = r.LoadBalancerPassToTarget;
    if (r.DeleteProtect !== undefined) lb.deleteProtect = r.DeleteProtect;
  });
  return {};
}

/** At most five well-formed, distinct security group ids. */
export function checkSecurityGroups(groups: readonly string[]): void {
  if (groups.length > BATCH_LIMITS.securityGroups) fail('InvalidParameterValue.Length', `SecurityGroups has ${groups.length} entries; at most ${BATCH_LIMITS.securityGroups} are accepted.`);
  for (const sg of groups) if (!ID_PATTERNS.securityGroup.test(sg)) fail('InvalidParameter.FormatError', `Security group ${sg} is malformed.`);
  if (new Set(groups).size !== groups.length) fail('InvalidParameterValue.Duplicate', 'SecurityGroups repeats an id.');
}

function setLoadBalancerSecurityGroups(s: SimState, r: clb.SetLoadBalancerSecurityGroupsRequest, requestId: string): Result<clb.SetLoadBalancerSecurityGroupsResponse> {
  const lb = s.requireLoadBalancer(r.LoadBalancerId, true);
  const groups = r.SecurityGroups ?? [];
  checkSecurityGroups(groups);
  s.tasks.start('SetLoadBalancerSecurityGroups', requestId, [lb.id], () => {
    lb.securityGroups = [...groups];
  });
  return {};
}

function describeQuota(s: SimState): Result<clb.DescribeQuotaResponse> {
  const count = (type: string) => [...s.loadBalancers.values()].filter((lb) => lb.type === type).length;
  return {
    QuotaSet: [
      { QuotaId: 'TOTAL_OPEN_CLB_QUOTA', QuotaCurrent: count('OPEN'), QuotaLimit: s.quotas.openLoadBalancers },
      { QuotaId: 'TOTAL_INTERNAL_CLB_QUOTA', QuotaCurrent: count('INTERNAL'), QuotaLimit: s.quotas.internalLoadBalancers },
      { QuotaId: 'TOTAL_LISTENER_QUOTA', QuotaCurrent: null as never, QuotaLimit: s.quotas.listenersPerLoadBalancer },
      { QuotaId: 'TOTAL_LISTENER_RULE_QUOTA', QuotaCurrent: null as never, QuotaLimit: s.quotas.rulesPerListener },
      { QuotaId: 'TOTAL_TARGET_BIND_QUOTA', QuotaCurrent: null as never, QuotaLimit: s.quotas.targetsPerRule },
    ],
  };
}

/** Operate (modification) protection of up to 20 CLBs. */
function describeLBOperateProtect(s: SimState, r: clb.DescribeLBOperateProtectRequest): Result<clb.DescribeLBOperateProtectResponse> {
  const ids = r.LoadBalancerIds ?? [];
  if (!ids.length) fail('MissingParameter', 'LoadBalancerIds is required.');
  if (ids.length > BATCH_LIMITS.loadBalancerIds) fail('InvalidParameterValue.Length', `LoadBalancerIds has ${ids.length} entries; at most ${BATCH_LIMITS.loadBalancerIds} are accepted.`);
  const lbs = ids.map((id) => s.requireLoadBalancer(id, false));
  return {
    LoadBalancerSet: lbs.map((lb) => ({ LoadBalancerId: lb.id, ProtectState: lb.modificationProtect, OperatorUin: lb.modificationProtect ? s.uin : null as never, Description: null as never, ModifyTime: null as never })),
  };
}

export const loadBalancerActions = {
  CreateLoadBalancer: createLoadBalancer,
  DescribeLoadBalancers: describeLoadBalancers,
  DeleteLoadBalancer: deleteLoadBalancer,
  ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
  SetLoadBalancerSecurityGroups: setLoadBalancerSecurityGroups,
  DescribeQuota: describeQuota,
  DescribeLBOperateProtect: describeLBOperateProtect,
} satisfies Partial<ActionTable<ClbApi>>;
