/**
 * An in-process Tencent Cloud CLB API (2018-03-17) that keeps real state and enforces what the real API
 * enforces. Its methods have the SDK client's names and models, so the provider cannot tell it from the
 * real client except by transport. Facades for the VPC (`DescribeSubnets`) and Tag APIs share its state.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClbApi, TagApi, VpcApi, clb, tag, vpc } from '../../providers/tencentcloud/api.js';
import { ApiFailure, apiError, fail } from './api-error.js';
import { BATCH_LIMITS, DEFAULT_QUOTAS, DEFAULT_RATE_LIMIT_PER_SECOND, DEFAULT_TASK_LATENCY_MS, DEFAULT_VPCS, PUBLIC_VIP_RANGES, type Quotas, type SimulatorOptions, type SubnetSpec, type VpcSpec } from './options.js';
import { LAYER7, TCP_FAMILY, snapshotLoadBalancer, toSdkBackend, toSdkListener, toSdkLoadBalancer, type SimListener, type SimLoadBalancer } from './state.js';
import { AddressPool, ID_PATTERNS, IdFactory, clone, isValidDomain, isValidUrl, seededRandom } from './support.js';
import { parseTarget, planBatch, planWeights, targetSet } from './targets.js';
import { ApiTraffic } from './traffic.js';
import { createListenerFields, createRuleFields, modifyListenerFields } from './listeners.js';

interface Task {
  readonly id: string;
  readonly action: string;
  readonly loadBalancerIds: readonly string[];
  readonly doneAt: number;
  readonly apply: () => void;
  /** Undoes what the call itself did up front (a CLB is visible, Status 0, while its create task runs). */
  readonly rollback: (() => void) | undefined;
  readonly fails: boolean;
  status: 0 | 1 | 2;
}

const CREATE_LOAD_BALANCER_FIELDS = new Set([
  'LoadBalancerType', 'Forward', 'LoadBalancerName', 'VpcId', 'SubnetId', 'ProjectId', 'AddressIPVersion', 'Number', 'MasterZoneId',
  'ZoneId', 'InternetAccessible', 'VipIsp', 'Tags', 'Vip', 'BandwidthPackageId', 'ExclusiveCluster', 'SlaType', 'ClusterIds', 'ClientToken',
  'SnatPro', 'SnatIps', 'ClusterTag', 'SlaveZoneId', 'EipAddressId', 'LoadBalancerPassToTarget', 'DynamicVip', 'Egress', 'LBChargePrepaid',
  'LBChargeType', 'AccessLogTopicId', 'AdvancedRoute', 'AvailableZoneAffinityInfo',
]);

export class ClbSimulator implements ClbApi {
  readonly region: string;
  readonly uin: string;
  readonly traffic: ApiTraffic;
  readonly quotas: Quotas;
  readonly vpc: VpcApi;
  readonly tag: TagApi;
  taskLatencyMs: number;

  private readonly loadBalancers = new Map<string, SimLoadBalancer>();
  private readonly tasks = new Map<string, Task>();
  /** Tasks still running: settling looks only at these (the map above keeps every task for DescribeTaskStatus). */
  private readonly running = new Set<Task>();
  private readonly deals = new Map<string, string>();
  private readonly busy = new Map<string, string>();
  private readonly clientTokens = new Map<string, { ids: string[]; dealName: string }>();
  private readonly vpcs: readonly VpcSpec[];
  private readonly subnetPools = new Map<string, AddressPool>();
  private readonly publicPools: AddressPool[];
  private readonly ids: IdFactory;
  private readonly now: () => number;

  constructor(options: SimulatorOptions = {}) {
    this.region = options.region ?? 'ap-guangzhou';
    this.uin = options.uin ?? '100000000001';
    this.now = options.now ?? Date.now;
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.taskLatencyMs = options.taskLatencyMs ?? DEFAULT_TASK_LATENCY_MS;
    this.vpcs = options.vpcs ?? DEFAULT_VPCS;
    this.ids = new IdFactory(seededRandom(options.seed ?? 1));
    const limit = options.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND;
    this.traffic = new ApiTraffic(this.now, (action) => options.rateLimits?.[action] ?? limit);
    for (const v of this.vpcs) for (const s of v.subnets) this.subnetPools.set(s.subnetId, new AddressPool(s.cidr, `subnet ${s.subnetId}`));
    this.publicPools = PUBLIC_VIP_RANGES.map((cidr) => new AddressPool(cidr, 'the public VIP pool'));
    this.vpc = { DescribeSubnets: (req) => this.handle('DescribeSubnets', req, (r) => this.describeSubnets(r)) };
    this.tag = {
      TagResources: (req) => this.handle('TagResources', req, (r) => this.tagResources(r)),
      UnTagResources: (req) => this.handle('UnTagResources', req, (r) => this.untagResources(r)),
    };
  }

  // ---- infrastructure -------------------------------------------------------------------------

  private async handle<Req, Res>(action: string, req: Req, handler: (req: Req, requestId: string) => Omit<Res, 'RequestId'>): Promise<Res> {
    const requestId = randomUUID();
    const latency = this.traffic.latencyFor(action);
    await (latency > 0 ? sleep(latency) : Promise.resolve());
    const request = clone(req ?? ({} as Req));
    this.settle();
    try {
      this.traffic.admit(action);
      const result = handler(request, requestId);
      this.traffic.record(action, request);
      return clone({ ...result, RequestId: requestId }) as Res;
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      this.traffic.record(action, request, error.code);
      throw apiError(error.code, error.message, requestId);
    }
  }

  /** Completes every task whose latency has elapsed; a task's changes become visible only then. */
  private settle(): void {
    const now = this.now();
    for (const task of this.running) {
      if (task.doneAt > now) continue;
      this.running.delete(task);
      task.status = task.fails ? 1 : 0;
      if (task.fails) task.rollback?.();
      else task.apply();
      for (const id of task.loadBalancerIds) if (this.busy.get(id) === task.id) this.busy.delete(id);
    }
  }

  private startTask(action: string, requestId: string, loadBalancerIds: readonly string[], apply: () => void, rollback?: () => void): void {
    const task: Task = { id: requestId, action, loadBalancerIds, doneAt: this.now() + this.taskLatencyMs, apply, rollback, fails: this.traffic.takeTaskFailure(action), status: 2 };
    this.tasks.set(requestId, task);
    this.running.add(task);
    for (const id of loadBalancerIds) this.busy.set(id, requestId);
  }

  private requireLoadBalancer(id: string | undefined, forWrite: boolean): SimLoadBalancer {
    if (!id) return fail('MissingParameter', 'LoadBalancerId is required.');
    if (!ID_PATTERNS.loadBalancer.test(id)) fail('InvalidParameter.FormatError', `LoadBalancerId ${id} is malformed.`);
    const lb = this.loadBalancers.get(id);
    if (!lb) return fail('InvalidParameter.LBIdNotFound', `LoadBalancer ${id} does not exist.`);
    if (forWrite && this.busy.has(id)) fail('FailedOperation.ResourceInOperating', `LoadBalancer ${id} is running task ${this.busy.get(id)}; retry later.`);
    return lb;
  }

  private requireListener(lb: SimLoadBalancer, id: string | undefined): SimListener {
    if (!id) return fail('MissingParameter', 'ListenerId is required.');
    const listener = lb.listeners.get(id);
    return listener ?? fail('InvalidParameter.ListenerIdNotFound', `Listener ${id} does not exist on ${lb.id}.`);
  }

  private findSubnet(subnetId: string): { vpc: VpcSpec; subnet: SubnetSpec } | undefined {
    for (const v of this.vpcs) for (const s of v.subnets) if (s.subnetId === subnetId) return { vpc: v, subnet: s };
    return undefined;
  }

  // ---- test-facing helpers --------------------------------------------------------------------

  /** Every CLB, listener, rule and target, deterministic and JSON-friendly. */
  snapshot(): { region: string; loadBalancers: unknown[]; runningTasks: number } {
    this.settle();
    const loadBalancers = [...this.loadBalancers.values()].sort((a, b) => a.id.localeCompare(b.id)).map(snapshotLoadBalancer);
    return clone({ region: this.region, loadBalancers, runningTasks: this.running.size });
  }

  /** Every target bound on a CLB (any listener or rule), as `address:port` → weight; cheap enough to poll. */
  boundTargets(loadBalancerId: string): Map<string, number> {
    this.settle();
    const bound = new Map<string, number>();
    const lb = this.loadBalancers.get(loadBalancerId);
    for (const listener of lb?.listeners.values() ?? []) {
      for (const t of listener.targets.values()) bound.set(`${t.instanceId ?? t.eniIp}:${t.port}`, t.weight);
      for (const rule of listener.rules.values()) for (const t of rule.targets.values()) bound.set(`${t.instanceId ?? t.eniIp}:${t.port}`, t.weight);
    }
    return bound;
  }

  /** The Tag API's six-segment resource name of a CLB. */
  resourceName(loadBalancerId: string): string {
    return `qcs::clb:${this.region}:uin/${this.uin}:clb/${loadBalancerId}`;
  }

  // ---- load balancers -------------------------------------------------------------------------

  CreateLoadBalancer(req: clb.CreateLoadBalancerRequest): Promise<clb.CreateLoadBalancerResponse> {
    return this.handle('CreateLoadBalancer', req, (r, requestId) => {
      const unknown = Object.keys(r).filter((k) => !CREATE_LOAD_BALANCER_FIELDS.has(k));
      if (unknown.length) fail('UnknownParameter', `The parameter ${unknown[0]} is not recognized.`);
      const previous = r.ClientToken ? this.clientTokens.get(r.ClientToken) : undefined;
      if (previous) return { LoadBalancerIds: previous.ids, DealName: previous.dealName };
      const type = r.LoadBalancerType;
      if (!type) fail('MissingParameter', 'LoadBalancerType is required.');
      if (type !== 'OPEN' && type !== 'INTERNAL') fail('InvalidParameterValue', `LoadBalancerType ${type} is invalid; accepted: OPEN, INTERNAL.`);
      const number = r.Number ?? 1;
      if (!Number.isInteger(number) || number < 1 || number > 20) fail('InvalidParameterValue.Range', `Number ${number} is out of range [1, 20].`);
      if ((r.LoadBalancerName ?? '').length > 60) fail('InvalidParameterValue.Length', 'LoadBalancerName is longer than 60 characters.');
      const tags = this.validateNewTags(r.Tags ?? []);
      const placement = this.placement(type as 'OPEN' | 'INTERNAL', r);
      const bandwidth = r.InternetAccessible?.InternetMaxBandwidthOut;
      if (bandwidth !== undefined && (type === 'INTERNAL' || bandwidth < 1 || bandwidth > 2048)) {
        fail('InvalidParameterValue.Range', `InternetAccessible.InternetMaxBandwidthOut ${bandwidth} is invalid; public CLBs accept 1-2048.`);
      }
      const used = [...this.loadBalancers.values()].filter((lb) => lb.type === type).length;
      const quota = type === 'OPEN' ? this.quotas.openLoadBalancers : this.quotas.internalLoadBalancers;
      if (used + number > quota) fail('LimitExceeded', `Creating ${number} ${type} CLB(s) exceeds the quota of ${quota} per region (${used} in use).`);

      const vips = r.DynamicVip === true ? [] : this.allocateVips(placement.pools, number);
      const ids: string[] = [];
      for (let i = 0; i < number; i++) {
        const id = this.ids.next('lb');
        const vip = vips[i];
        this.loadBalancers.set(id, {
          id,
          name: r.LoadBalancerName ?? id,
          type: type as 'OPEN' | 'INTERNAL',
          vpcId: placement.vpcId,
          subnetId: placement.subnetId,
          vips: vip ? [vip] : [],
          domain: `${id}.clb.${this.region}.tencentclb.com`,
          status: 0,
          createdAt: new Date(this.now()).toISOString(),
          tags: new Map(tags),
          securityGroups: [],
          passToTarget: r.LoadBalancerPassToTarget ?? false,
          deleteProtect: false,
          addressIPVersion: r.AddressIPVersion ?? 'IPV4',
          internetAccessible: { ...r.InternetAccessible },
          listeners: new Map(),
        });
        ids.push(id);
      }
      const dealName = `${new Date(this.now()).toISOString().slice(0, 10).replaceAll('-', '')}${randomUUID().slice(0, 12)}`;
      this.deals.set(dealName, requestId);
      if (r.ClientToken) this.clientTokens.set(r.ClientToken, { ids, dealName });
      this.startTask('CreateLoadBalancer', requestId, ids, () => {
        for (const id of ids) {
          const lb = this.loadBalancers.get(id);
          if (lb) lb.status = 1;
        }
      }, () => {
        // A failed create leaves nothing behind: no CLB, no VIP, no quota used.
        for (const id of ids) {
          const lb = this.loadBalancers.get(id);
          if (lb) this.releaseVips(lb);
          this.loadBalancers.delete(id);
        }
        if (r.ClientToken) this.clientTokens.delete(r.ClientToken);
      });
      return { LoadBalancerIds: ids, DealName: dealName };
    });
  }

  private placement(type: 'OPEN' | 'INTERNAL', r: clb.CreateLoadBalancerRequest): { vpcId: string; subnetId: string; pools: readonly AddressPool[] } {
    if (r.VpcId && !this.vpcs.some((v) => v.vpcId === r.VpcId)) fail('InvalidParameterValue', `VpcId ${r.VpcId} does not exist.`);
    if (type === 'OPEN') return { vpcId: r.VpcId ?? this.vpcs[0]?.vpcId ?? '', subnetId: '', pools: this.publicPools };
    if (!r.SubnetId) return fail('MissingParameter', 'SubnetId is required for an INTERNAL load balancer.');
    if (!ID_PATTERNS.subnet.test(r.SubnetId)) fail('InvalidParameterValue', `SubnetId ${r.SubnetId} is malformed.`);
    const found = this.findSubnet(r.SubnetId);
    if (!found) return fail('InvalidParameterValue', `SubnetId ${r.SubnetId} does not exist.`);
    if (r.VpcId && found.vpc.vpcId !== r.VpcId) fail('InvalidParameterValue', `SubnetId ${r.SubnetId} does not belong to VpcId ${r.VpcId}.`);
    return { vpcId: found.vpc.vpcId, subnetId: r.SubnetId, pools: [this.subnetPools.get(r.SubnetId)!] };
  }

  /** All or nothing: every new CLB gets a VIP, or none is taken and the call fails ResourceInsufficient. */
  private allocateVips(pools: readonly AddressPool[], count: number): string[] {
    const vips: string[] = [];
    try {
      for (let i = 0; i < count; i++) vips.push((pools.find((p) => p.hasFree()) ?? pools[0]!).allocate());
    } catch (error) {
      for (const vip of vips) pools.find((p) => p.owns(vip))?.release(vip);
      throw error;
    }
    return vips;
  }

  private releaseVips(lb: SimLoadBalancer): void {
    const pools = lb.subnetId ? [this.subnetPools.get(lb.subnetId)] : this.publicPools;
    for (const vip of lb.vips) pools.find((p) => p?.owns(vip))?.release(vip);
  }

  private validateNewTags(tags: readonly clb.TagInfo[]): Map<string, string> {
    if (tags.length > BATCH_LIMITS.createTags) fail('InvalidParameterValue.Length', `Tags has ${tags.length} entries; at most ${BATCH_LIMITS.createTags} are accepted.`);
    const result = new Map<string, string>();
    for (const t of tags) {
      if (!t.TagKey || t.TagKey.length > 127 || (t.TagValue ?? '').length > 255) fail('InvalidParameterValue', `Tag ${t.TagKey}=${t.TagValue} is invalid.`);
      if (result.has(t.TagKey)) fail('InvalidParameterValue.Duplicate', `Tag key ${t.TagKey} is repeated.`);
      result.set(t.TagKey, t.TagValue ?? '');
    }
    return result;
  }

  DescribeLoadBalancers(req: clb.DescribeLoadBalancersRequest): Promise<clb.DescribeLoadBalancersResponse> {
    return this.handle('DescribeLoadBalancers', req, (r) => {
      const ids = r.LoadBalancerIds;
      if (ids && ids.length > BATCH_LIMITS.loadBalancerIds) fail('InvalidParameterValue.Length', `LoadBalancerIds has ${ids.length} entries; at most ${BATCH_LIMITS.loadBalancerIds} are accepted.`);
      for (const id of ids ?? []) if (!ID_PATTERNS.loadBalancer.test(id)) fail('InvalidParameter.FormatError', `LoadBalancerId ${id} is malformed.`);
      const limit = r.Limit ?? 20;
      if (limit < 1 || limit > BATCH_LIMITS.describePageSize) fail('InvalidParameterValue.Range', `Limit ${limit} is out of range [1, ${BATCH_LIMITS.describePageSize}].`);
      const offset = r.Offset ?? 0;
      const matches = [...this.loadBalancers.values()]
        .filter((lb) => !ids?.length || ids.includes(lb.id))
        .filter((lb) => !r.LoadBalancerType || lb.type === r.LoadBalancerType)
        .filter((lb) => !r.VpcId || lb.vpcId === r.VpcId)
        .filter((lb) => (r.Filters ?? []).every((f) => this.matchesFilter(lb, f)))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
      return { TotalCount: matches.length, LoadBalancerSet: matches.slice(offset, offset + limit).map(toSdkLoadBalancer) };
    });
  }

  private matchesFilter(lb: SimLoadBalancer, filter: clb.Filter): boolean {
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

  DeleteLoadBalancer(req: clb.DeleteLoadBalancerRequest): Promise<clb.DeleteLoadBalancerResponse> {
    return this.handle('DeleteLoadBalancer', req, (r, requestId) => {
      const ids = r.LoadBalancerIds ?? [];
      if (!ids.length) fail('MissingParameter', 'LoadBalancerIds is required.');
      if (ids.length > BATCH_LIMITS.loadBalancerIds) fail('InvalidParameterValue.Length', `LoadBalancerIds has ${ids.length} entries; at most ${BATCH_LIMITS.loadBalancerIds} are accepted.`);
      const lbs = ids.map((id) => this.requireLoadBalancer(id, true));
      const protectedLb = lbs.find((lb) => lb.deleteProtect);
      if (protectedLb) fail('OperationDenied', `LoadBalancer ${protectedLb.id} has delete protection enabled.`);
      this.startTask('DeleteLoadBalancer', requestId, ids, () => {
        for (const lb of lbs) {
          this.loadBalancers.delete(lb.id);
          this.releaseVips(lb);
        }
      });
      return {};
    });
  }

  ModifyLoadBalancerAttributes(req: clb.ModifyLoadBalancerAttributesRequest): Promise<clb.ModifyLoadBalancerAttributesResponse> {
    return this.handle('ModifyLoadBalancerAttributes', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      if (r.LoadBalancerName !== undefined && (r.LoadBalancerName.length < 1 || r.LoadBalancerName.length > 60)) {
        fail('InvalidParameterValue.Length', 'LoadBalancerName must be 1-60 characters.');
      }
      this.startTask('ModifyLoadBalancerAttributes', requestId, [lb.id], () => {
        if (r.LoadBalancerName !== undefined) lb.name = r.LoadBalancerName;
        if (r.LoadBalancerPassToTarget !== undefined) lb.passToTarget = r.LoadBalancerPassToTarget;
        if (r.DeleteProtect !== undefined) lb.deleteProtect = r.DeleteProtect;
      });
      return {};
    });
  }

  SetLoadBalancerSecurityGroups(req: clb.SetLoadBalancerSecurityGroupsRequest): Promise<clb.SetLoadBalancerSecurityGroupsResponse> {
    return this.handle('SetLoadBalancerSecurityGroups', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const groups = r.SecurityGroups ?? [];
      if (groups.length > BATCH_LIMITS.securityGroups) fail('InvalidParameterValue.Length', `SecurityGroups has ${groups.length} entries; at most ${BATCH_LIMITS.securityGroups} are accepted.`);
      for (const sg of groups) if (!ID_PATTERNS.securityGroup.test(sg)) fail('InvalidParameter.FormatError', `Security group ${sg} is malformed.`);
      if (new Set(groups).size !== groups.length) fail('InvalidParameterValue.Duplicate', 'SecurityGroups repeats an id.');
      this.startTask('SetLoadBalancerSecurityGroups', requestId, [lb.id], () => {
        lb.securityGroups = [...groups];
      });
      return {};
    });
  }

  DescribeTaskStatus(req: clb.DescribeTaskStatusRequest): Promise<clb.DescribeTaskStatusResponse> {
    return this.handle('DescribeTaskStatus', req, (r) => {
      const taskId = r.TaskId ?? (r.DealName ? this.deals.get(r.DealName) : undefined);
      if (!r.TaskId && !r.DealName) fail('MissingParameter', 'TaskId or DealName is required.');
      const task = taskId ? this.tasks.get(taskId) : undefined;
      if (!task) return fail('InvalidParameterValue', `Task ${r.TaskId ?? r.DealName} does not exist.`);
      return { Status: task.status, ...(r.DealName ? { LoadBalancerIds: [...task.loadBalancerIds] } : {}), Message: task.status === 1 ? `Task ${task.action} failed.` : '' };
    });
  }

  DescribeQuota(req: clb.DescribeQuotaRequest = null): Promise<clb.DescribeQuotaResponse> {
    return this.handle('DescribeQuota', req, () => {
      const count = (type: string) => [...this.loadBalancers.values()].filter((lb) => lb.type === type).length;
      return {
        QuotaSet: [
          { QuotaId: 'TOTAL_OPEN_CLB_QUOTA', QuotaCurrent: count('OPEN'), QuotaLimit: this.quotas.openLoadBalancers },
          { QuotaId: 'TOTAL_INTERNAL_CLB_QUOTA', QuotaCurrent: count('INTERNAL'), QuotaLimit: this.quotas.internalLoadBalancers },
          { QuotaId: 'TOTAL_LISTENER_QUOTA', QuotaCurrent: null as never, QuotaLimit: this.quotas.listenersPerLoadBalancer },
          { QuotaId: 'TOTAL_LISTENER_RULE_QUOTA', QuotaCurrent: null as never, QuotaLimit: this.quotas.rulesPerListener },
          { QuotaId: 'TOTAL_TARGET_BIND_QUOTA', QuotaCurrent: null as never, QuotaLimit: this.quotas.targetsPerRule },
        ],
      };
    });
  }

  // ---- listeners and rules --------------------------------------------------------------------

  CreateListener(req: clb.CreateListenerRequest): Promise<clb.CreateListenerResponse> {
    return this.handle('CreateListener', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const ports = (r.Ports ?? []).map(Number);
      if (!ports.length) fail('MissingParameter', 'Ports is required.');
      if (r.ListenerNames && r.ListenerNames.length !== ports.length) fail('InvalidParameter', 'ListenerNames must have one name per port.');
      const longName = r.ListenerNames?.find((n) => n.length > 80);
      if (longName !== undefined) fail('InvalidParameterValue.Length', `ListenerName ${longName} is longer than 80 characters.`);
      const fields = createListenerFields(r);
      if (lb.listeners.size + ports.length > this.quotas.listenersPerLoadBalancer) {
        fail('LimitExceeded', `Creating ${ports.length} listener(s) exceeds the quota of ${this.quotas.listenersPerLoadBalancer} per CLB (${lb.listeners.size} in use).`);
      }
      const family = TCP_FAMILY.has(fields.protocol) ? TCP_FAMILY : null;
      const taken = (port: number) => [...lb.listeners.values()].some((l) => l.port === port && (l.protocol === fields.protocol || (family?.has(l.protocol) ?? false)));
      ports.forEach((port, i) => {
        if (!Number.isInteger(port) || port < 1 || port > 65535) fail('InvalidParameterValue.Range', `Port ${port} is out of range [1, 65535].`);
        if (taken(port) || ports.indexOf(port) !== i) fail('InvalidParameter.PortCheckFailed', `Port ${port} is already used by a ${fields.protocol}-compatible listener on ${lb.id}.`);
      });
      const created = ports.map((port, i): SimListener => ({
        ...fields,
        id: this.ids.next('lbl'),
        name: r.ListenerNames?.[i] ?? '',
        port,
        createdAt: new Date(this.now()).toISOString(),
        targets: new Map(),
        rules: new Map(),
        domainCertificates: new Map(),
      }));
      this.startTask('CreateListener', requestId, [lb.id], () => created.forEach((l) => lb.listeners.set(l.id, l)));
      return { ListenerIds: created.map((l) => l.id) };
    });
  }

  DescribeListeners(req: clb.DescribeListenersRequest): Promise<clb.DescribeListenersResponse> {
    return this.handle('DescribeListeners', req, (r) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, false);
      const ids = r.ListenerIds;
      if (ids && ids.length > BATCH_LIMITS.describeListenerIds) fail('InvalidParameterValue.Length', `ListenerIds has ${ids.length} entries; at most ${BATCH_LIMITS.describeListenerIds} are accepted.`);
      const listeners = [...lb.listeners.values()]
        .filter((l) => !ids?.length || ids.includes(l.id))
        .filter((l) => !r.Protocol || l.protocol === r.Protocol)
        .filter((l) => r.Port === undefined || l.port === r.Port);
      return { Listeners: listeners.map(toSdkListener), TotalCount: listeners.length };
    });
  }

  ModifyListener(req: clb.ModifyListenerRequest): Promise<clb.ModifyListenerResponse> {
    return this.handle('ModifyListener', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const listener = this.requireListener(lb, r.ListenerId);
      const changes = modifyListenerFields(listener, r);
      this.startTask('ModifyListener', requestId, [lb.id], () => Object.assign(listener, changes));
      return {};
    });
  }

  DeleteListener(req: clb.DeleteListenerRequest): Promise<clb.DeleteListenerResponse> {
    return this.handle('DeleteListener', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const listener = this.requireListener(lb, r.ListenerId);
      this.startTask('DeleteListener', requestId, [lb.id], () => lb.listeners.delete(listener.id));
      return {};
    });
  }

  /**
   * As the real API: with no ListenerIds (omitted or empty, as every other list parameter here) this deletes EVERY
   * listener of the CLB, however many; the 20-id limit applies to the ids given.
   */
  DeleteLoadBalancerListeners(req: clb.DeleteLoadBalancerListenersRequest): Promise<clb.DeleteLoadBalancerListenersResponse> {
    return this.handle('DeleteLoadBalancerListeners', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const given = r.ListenerIds ?? [];
      if (given.length > BATCH_LIMITS.deleteListenerIds) fail('InvalidParameterValue.Length', `ListenerIds has ${given.length} entries; at most ${BATCH_LIMITS.deleteListenerIds} are accepted.`);
      const ids = given.length ? given : [...lb.listeners.keys()];
      for (const id of ids) this.requireListener(lb, id);
      this.startTask('DeleteLoadBalancerListeners', requestId, [lb.id], () => {
        const gone = new Set(ids.flatMap((id) => [...(lb.listeners.get(id)?.rules.keys() ?? [])]));
        ids.forEach((id) => lb.listeners.delete(id));
        this.dropRewritesTo(lb, gone);
      });
      return {};
    });
  }

  CreateRule(req: clb.CreateRuleRequest): Promise<clb.CreateRuleResponse> {
    return this.handle('CreateRule', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const listener = this.requireListener(lb, r.ListenerId);
      if (!LAYER7.has(listener.protocol)) fail('InvalidParameter.ProtocolCheckFailed', `Listener ${listener.id} is ${listener.protocol}: rules need an HTTP or HTTPS listener.`);
      const rules = r.Rules ?? [];
      if (!rules.length) fail('MissingParameter', 'Rules is required.');
      if (listener.rules.size + rules.length > this.quotas.rulesPerListener) {
        fail('LimitExceeded', `Creating ${rules.length} rule(s) exceeds the quota of ${this.quotas.rulesPerListener} per listener (${listener.rules.size} in use).`);
      }
      const seen = new Set([...listener.rules.values()].map((x) => `${x.domain}${x.url}`));
      const newDomainCerts = new Map<string, clb.CertificateInput>();
      const created = rules.map((input) => {
        const fields = createRuleFields(input, lb);
        if (!isValidDomain(fields.domain)) fail('InvalidParameterValue', `Domain ${fields.domain} is not a valid host name.`);
        if (!isValidUrl(fields.url)) fail('InvalidParameterValue', `Url ${fields.url} is invalid: 1-120 characters of a-z A-Z 0-9 . - / = ?, starting with /.`);
        if (seen.has(`${fields.domain}${fields.url}`)) fail('InvalidParameterValue.Duplicate', `A rule for ${fields.domain}${fields.url} already exists on ${listener.id}.`);
        seen.add(`${fields.domain}${fields.url}`);
        const knownDomain = listener.domainCertificates.has(fields.domain) || newDomainCerts.has(fields.domain) || [...listener.rules.values()].some((x) => x.domain === fields.domain);
        if (listener.sniSwitch === 1 && !knownDomain) {
          if (!input.Certificate?.CertId) fail('MissingParameter', `Listener ${listener.id} has SNI on: the new domain ${fields.domain} needs a Certificate.`);
          newDomainCerts.set(fields.domain, input.Certificate!);
        }
        return { ...fields, id: this.ids.next('loc'), targets: new Map() };
      });
      this.startTask('CreateRule', requestId, [lb.id], () => {
        created.forEach((rule) => listener.rules.set(rule.id, rule));
        newDomainCerts.forEach((cert, domain) => listener.domainCertificates.set(domain, cert));
      });
      return { LocationIds: created.map((rule) => rule.id) };
    });
  }

  ModifyRule(req: clb.ModifyRuleRequest): Promise<clb.ModifyRuleResponse> {
    return this.handle('ModifyRule', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const listener = this.requireListener(lb, r.ListenerId);
      const rule = listener.rules.get(r.LocationId) ?? fail('InvalidParameter.LocationNotFound', `Rule ${r.LocationId} does not exist on ${listener.id}.`);
      if (r.Url !== undefined) {
        if (!isValidUrl(r.Url)) fail('InvalidParameterValue', `Url ${r.Url} is invalid.`);
        if ([...listener.rules.values()].some((x) => x !== rule && x.domain === rule.domain && x.url === r.Url)) fail('InvalidParameterValue.Duplicate', `A rule for ${rule.domain}${r.Url} already exists.`);
      }
      const update = createRuleFields({ Url: r.Url ?? rule.url, Domain: rule.domain, HealthCheck: r.HealthCheck ?? rule.healthCheck, Scheduler: r.Scheduler ?? rule.scheduler, SessionExpireTime: r.SessionExpireTime ?? rule.sessionExpireTime, ForwardType: r.ForwardType ?? rule.forwardType }, lb);
      this.startTask('ModifyRule', requestId, [lb.id], () => Object.assign(rule, update));
      return {};
    });
  }

  ModifyDomainAttributes(req: clb.ModifyDomainAttributesRequest): Promise<clb.ModifyDomainAttributesResponse> {
    return this.handle('ModifyDomainAttributes', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const listener = this.requireListener(lb, r.ListenerId);
      const rules = [...listener.rules.values()].filter((x) => x.domain === r.Domain);
      if (!rules.length) fail('InvalidParameter', `Domain ${r.Domain} has no rules on listener ${listener.id}.`);
      if (r.Certificate && listener.protocol !== 'HTTPS') fail('InvalidParameter.ProtocolCheckFailed', 'Certificates need an HTTPS listener.');
      if (r.Certificate && !r.Certificate.CertId) fail('MissingParameter', 'Certificate.CertId is required.');
      if (r.NewDomain !== undefined && !isValidDomain(r.NewDomain)) fail('InvalidParameterValue', `Domain ${r.NewDomain} is not a valid host name.`);
      this.startTask('ModifyDomainAttributes', requestId, [lb.id], () => {
        if (r.Certificate) listener.domainCertificates.set(r.Domain, r.Certificate);
        if (r.NewDomain) {
          rules.forEach((rule) => (rule.domain = r.NewDomain!));
          const cert = listener.domainCertificates.get(r.Domain);
          listener.domainCertificates.delete(r.Domain);
          if (cert) listener.domainCertificates.set(r.NewDomain, cert);
        }
      });
      return {};
    });
  }

  DeleteRule(req: clb.DeleteRuleRequest): Promise<clb.DeleteRuleResponse> {
    return this.handle('DeleteRule', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const listener = this.requireListener(lb, r.ListenerId);
      const ids = r.LocationIds?.length
        ? r.LocationIds
        : [...listener.rules.values()].filter((x) => r.Domain !== undefined && x.domain === r.Domain && x.url === r.Url).map((x) => x.id);
      if (!ids.length) fail('InvalidParameter.LocationNotFound', 'No rule matches LocationIds or Domain+Url.');
      for (const id of ids) if (!listener.rules.has(id)) fail('InvalidParameter.LocationNotFound', `Rule ${id} does not exist on ${listener.id}.`);
      this.startTask('DeleteRule', requestId, [lb.id], () => {
        ids.forEach((id) => listener.rules.delete(id));
        this.dropRewritesTo(lb, new Set(ids));
        const domains = new Set([...listener.rules.values()].map((x) => x.domain));
        for (const domain of listener.domainCertificates.keys()) if (!domains.has(domain)) listener.domainCertificates.delete(domain);
      });
      return {};
    });
  }

  /** Redirects whose target rule is gone are dropped with it (decision: the API's behaviour is not documented). */
  private dropRewritesTo(lb: SimLoadBalancer, locationIds: ReadonlySet<string>): void {
    for (const l of lb.listeners.values()) for (const r of l.rules.values()) if (r.rewrite && locationIds.has(r.rewrite.locationId)) delete r.rewrite;
  }

  /** Redirects rules of one listener to rules of another (HTTP → HTTPS). Redirects cannot chain. */
  ManualRewrite(req: clb.ManualRewriteRequest): Promise<clb.ManualRewriteResponse> {
    return this.handle('ManualRewrite', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const source = this.requireListener(lb, r.SourceListenerId);
      const target = this.requireListener(lb, r.TargetListenerId);
      if (!LAYER7.has(source.protocol) || !LAYER7.has(target.protocol)) fail('InvalidParameter.ProtocolCheckFailed', 'Redirects need HTTP/HTTPS listeners.');
      if (source.id === target.id) fail('InvalidParameter', 'A rule cannot redirect to its own listener.');
      const infos = r.RewriteInfos ?? [];
      if (!infos.length) fail('MissingParameter', 'RewriteInfos is required.');
      const pairs = infos.map((info) => {
        const from = source.rules.get(info.SourceLocationId) ?? fail('InvalidParameter.LocationNotFound', `Rule ${info.SourceLocationId} does not exist on ${source.id}.`);
        const to = target.rules.get(info.TargetLocationId) ?? fail('InvalidParameter.LocationNotFound', `Rule ${info.TargetLocationId} does not exist on ${target.id}.`);
        if (to.rewrite) fail('InvalidParameter.RewriteAlreadyExist', `Rule ${to.id} redirects itself: redirects cannot chain.`);
        const redirectedTo = [...lb.listeners.values()].some((l) => [...l.rules.values()].some((x) => x.rewrite?.locationId === from.id));
        if (redirectedTo) fail('InvalidParameter.RewriteAlreadyExist', `Rule ${from.id} is the target of a redirect: redirects cannot chain.`);
        return { from, to };
      });
      this.startTask('ManualRewrite', requestId, [lb.id], () => pairs.forEach(({ from, to }) => (from.rewrite = { listenerId: target.id, locationId: to.id })));
      return {};
    });
  }

  DeleteRewrite(req: clb.DeleteRewriteRequest): Promise<clb.DeleteRewriteResponse> {
    return this.handle('DeleteRewrite', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      const source = this.requireListener(lb, r.SourceListenerId);
      this.requireListener(lb, r.TargetListenerId);
      const rules = (r.RewriteInfos ?? []).map((info) => source.rules.get(info.SourceLocationId) ?? fail('InvalidParameter.LocationNotFound', `Rule ${info.SourceLocationId} does not exist on ${source.id}.`));
      if (rules.some((rule) => !rule.rewrite)) fail('InvalidParameter.SomeRewriteNotFound', 'A rule named in RewriteInfos has no redirect.');
      this.startTask('DeleteRewrite', requestId, [lb.id], () => rules.forEach((rule) => delete rule.rewrite));
      return {};
    });
  }

  // ---- targets --------------------------------------------------------------------------------

  DescribeTargets(req: clb.DescribeTargetsRequest): Promise<clb.DescribeTargetsResponse> {
    return this.handle('DescribeTargets', req, (r) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, false);
      const ids = r.ListenerIds;
      if (ids && ids.length > BATCH_LIMITS.describeTargetListenerIds) fail('InvalidParameterValue.Length', `ListenerIds has ${ids.length} entries; at most ${BATCH_LIMITS.describeTargetListenerIds} are accepted.`);
      const listeners = [...lb.listeners.values()]
        .filter((l) => !ids?.length || ids.includes(l.id))
        .filter((l) => !r.Protocol || l.protocol === r.Protocol)
        .filter((l) => r.Port === undefined || l.port === r.Port);
      return {
        Listeners: listeners.map((l) =>
          LAYER7.has(l.protocol)
            ? { ListenerId: l.id, Protocol: l.protocol, Port: l.port, Targets: null as never, Rules: [...l.rules.values()].map((rule) => ({ LocationId: rule.id, Domain: rule.domain, Url: rule.url, Targets: [...rule.targets.values()].map(toSdkBackend), FunctionTargets: null as never })) }
            : { ListenerId: l.id, Protocol: l.protocol, Port: l.port, Targets: [...l.targets.values()].map(toSdkBackend), Rules: null as never },
        ),
      };
    });
  }

  BatchRegisterTargets(req: clb.BatchRegisterTargetsRequest): Promise<clb.BatchRegisterTargetsResponse> {
    return this.handle('BatchRegisterTargets', req, (r, requestId) => this.batchTargets('BatchRegisterTargets', r, requestId, 'register'));
  }

  BatchDeregisterTargets(req: clb.BatchDeregisterTargetsRequest): Promise<clb.BatchDeregisterTargetsResponse> {
    return this.handle('BatchDeregisterTargets', req, (r, requestId) => this.batchTargets('BatchDeregisterTargets', r, requestId, 'deregister'));
  }

  private batchTargets(action: string, r: clb.BatchRegisterTargetsRequest, requestId: string, mode: 'register' | 'deregister') {
    const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
    const outcome = planBatch(lb, r.Targets, mode, this.quotas.targetsPerRule);
    this.startTask(action, requestId, [lb.id], outcome.apply);
    return { FailListenerIdSet: outcome.failedListenerIds, Message: outcome.messages.join('; ') };
  }

  /** The single-listener variants (≤ 20 targets); the provider uses the batch ones. */
  RegisterTargets(req: clb.RegisterTargetsRequest): Promise<clb.RegisterTargetsResponse> {
    return this.handle('RegisterTargets', req, (r, requestId) => this.singleListenerTargets('RegisterTargets', r, requestId, 'register'));
  }

  DeregisterTargets(req: clb.DeregisterTargetsRequest): Promise<clb.DeregisterTargetsResponse> {
    return this.handle('DeregisterTargets', req, (r, requestId) => this.singleListenerTargets('DeregisterTargets', r, requestId, 'deregister'));
  }

  private singleListenerTargets(action: string, r: clb.RegisterTargetsRequest, requestId: string, mode: 'register' | 'deregister') {
    const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
    const targets = r.Targets ?? [];
    if (targets.length > BATCH_LIMITS.targetsPerCall) fail('InvalidParameterValue.Length', `Targets has ${targets.length} entries; at most ${BATCH_LIMITS.targetsPerCall} are accepted.`);
    const listener = this.requireListener(lb, r.ListenerId);
    const locationId = r.LocationId || (r.Domain !== undefined ? [...listener.rules.values()].find((x) => x.domain === r.Domain && x.url === r.Url)?.id : undefined);
    targetSet(lb, listener.id, locationId);
    targets.forEach((t) => parseTarget(t, 10));
    const outcome = planBatch(lb, targets.map((t) => ({ ...t, ListenerId: listener.id, ...(locationId ? { LocationId: locationId } : {}) })), mode, this.quotas.targetsPerRule);
    const firstFailure = outcome.failures[0];
    if (firstFailure) fail(firstFailure.code, firstFailure.message);
    this.startTask(action, requestId, [lb.id], outcome.apply);
    return {};
  }

  BatchModifyTargetWeight(req: clb.BatchModifyTargetWeightRequest): Promise<clb.BatchModifyTargetWeightResponse> {
    return this.handle('BatchModifyTargetWeight', req, (r, requestId) => {
      const lb = this.requireLoadBalancer(r.LoadBalancerId, true);
      this.startTask('BatchModifyTargetWeight', requestId, [lb.id], planWeights(lb, r.ModifyList));
      return {};
    });
  }

  // ---- VPC and Tag APIs -----------------------------------------------------------------------

  private describeSubnets(r: vpc.DescribeSubnetsRequest): Omit<vpc.DescribeSubnetsResponse, 'RequestId'> {
    const ids = r.SubnetIds ?? [];
    for (const id of ids) if (!ID_PATTERNS.subnet.test(id)) fail('InvalidParameterValue.Malformed', `SubnetId ${id} is malformed.`);
    const missing = ids.find((id) => !this.findSubnet(id));
    if (missing) fail('ResourceNotFound', `Subnet ${missing} does not exist.`);
    const vpcFilter = r.Filters?.find((f) => f.Name === 'vpc-id')?.Values;
    const subnets = this.vpcs.flatMap((v) => v.subnets.map((s) => ({ v, s })))
      .filter(({ s }) => !ids.length || ids.includes(s.subnetId))
      .filter(({ v }) => !vpcFilter || vpcFilter.includes(v.vpcId));
    return {
      TotalCount: subnets.length,
      SubnetSet: subnets.map(({ v, s }) => ({ VpcId: v.vpcId, SubnetId: s.subnetId, CidrBlock: s.cidr, ...(s.zone ? { Zone: s.zone } : {}) })),
    };
  }

  private taggedLoadBalancers(resources: readonly string[]): { found: SimLoadBalancer[]; failed: tag.FailedResource[] } {
    if (!resources?.length) fail('MissingParameter', 'ResourceList is required.');
    if (resources.length > BATCH_LIMITS.tagResources) fail('InvalidParameterValue.Length', `ResourceList has ${resources.length} entries; at most ${BATCH_LIMITS.tagResources} are accepted.`);
    const prefix = `qcs::clb:${this.region}:uin/${this.uin}:clb/`;
    const found: SimLoadBalancer[] = [];
    const failed: tag.FailedResource[] = [];
    for (const resource of resources) {
      if (!resource.startsWith(prefix)) fail('InvalidParameterValue.ResourceDescriptionError', `Resource ${resource} is not a CLB of this account and region.`);
      const lb = this.loadBalancers.get(resource.slice(prefix.length));
      if (lb) found.push(lb);
      else failed.push({ Resource: resource, Code: 'ResourceNotFound', Message: 'The resource does not exist.' });
    }
    return { found, failed };
  }

  private tagResources(r: tag.TagResourcesRequest): Omit<tag.TagResourcesResponse, 'RequestId'> {
    const { found, failed } = this.taggedLoadBalancers(r.ResourceList);
    const tags = r.Tags ?? [];
    if (!tags.length) fail('MissingParameter', 'Tags is required.');
    for (const lb of found) {
      const keys = new Set([...lb.tags.keys(), ...tags.map((t) => t.TagKey)]);
      if (keys.size > this.quotas.tagsPerResource) fail('LimitExceeded.ResourceAttachedTags', `${lb.id} would carry ${keys.size} tags; at most ${this.quotas.tagsPerResource} are allowed.`);
    }
    for (const lb of found) for (const t of tags) lb.tags.set(t.TagKey, t.TagValue);
    return { FailedResources: failed };
  }

  private untagResources(r: tag.UnTagResourcesRequest): Omit<tag.UnTagResourcesResponse, 'RequestId'> {
    const { found } = this.taggedLoadBalancers(r.ResourceList);
    if (!r.TagKeys?.length) fail('MissingParameter', 'TagKeys is required.');
    for (const lb of found) for (const key of r.TagKeys) lb.tags.delete(key);
    return {};
  }
}
