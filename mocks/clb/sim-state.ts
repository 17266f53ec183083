/**
 * What every part of the simulator shares: the account and region, the CLBs, the VPC/subnet inventory and its
 * address pools, id allocation, the task engine and the traffic (rate limits, faults, call log). The per-area
 * action modules (`*-actions.ts`) are functions of this state; `ClbSimulator` wires them to the API's methods.
 */
import type { ClbApi, clb } from '../../providers/tencentcloud/api.js';
import { fail } from './api-error.js';
import { DEFAULT_QUOTAS, DEFAULT_RATE_LIMIT_PER_SECOND, DEFAULT_TASK_LATENCY_MS, DEFAULT_VPCS, PUBLIC_VIP_RANGES, type Quotas, type SimulatorOptions, type SubnetSpec, type VpcSpec } from './options.js';
import type { SimListener, SimLoadBalancer } from './state.js';
import { AddressPool, ID_PATTERNS, IdFactory, seededRandom } from './support.js';
import { TaskEngine } from './tasks.js';
import { ApiTraffic } from './traffic.js';

/** Actions the simulator also answers that the provider does not call (it uses the batch and multi-id ones). */
export interface UnusedClbApi {
  DeleteListener(req: clb.DeleteListenerRequest): Promise<clb.DeleteListenerResponse>;
  RegisterTargets(req: clb.RegisterTargetsRequest): Promise<clb.RegisterTargetsResponse>;
  DeregisterTargets(req: clb.DeregisterTargetsRequest): Promise<clb.DeregisterTargetsResponse>;
}

/** Every CLB action the simulator answers. */
export type SimulatedClbApi = ClbApi & UnusedClbApi;

/** How one action is served: from the shared state and the (cloned) request to the response without its RequestId. */
export type Handler<Method> = Method extends (req: infer Req) => Promise<infer Res>
  ? (state: SimState, req: NonNullable<Req>, requestId: string) => Omit<Res, 'RequestId'>
  : never;

/** The handlers of an API's actions, by action name. */
export type ActionTable<Api> = { readonly [Action in keyof Api]: Handler<Api[Action]> };

export class SimState {
  readonly region: string;
  readonly uin: string;
  readonly now: () => number;
  readonly quotas: Quotas;
  readonly traffic: ApiTraffic;
  readonly tasks: TaskEngine;
  readonly ids: IdFactory;
  readonly loadBalancers = new Map<string, SimLoadBalancer>();
  readonly clientTokens = new Map<string, { ids: string[]; dealName: string }>();
  /** The VPC/subnet inventory internal CLBs are checked against; seeding adds to it (seed-network.ts). */
  readonly vpcs: VpcSpec[];
  readonly subnetPools = new Map<string, AddressPool>();
  readonly publicPools: AddressPool[];

  constructor(options: SimulatorOptions) {
    this.region = options.region ?? options.cloudState?.region ?? 'ap-guangzhou';
    this.uin = options.uin ?? '100000000001';
    this.now = options.now ?? Date.now;
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.vpcs = [...(options.vpcs ?? DEFAULT_VPCS)];
    this.ids = new IdFactory(seededRandom(options.seed ?? 1));
    const limit = options.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND;
    this.traffic = new ApiTraffic(this.now, (action) => options.rateLimits?.[action] ?? limit);
    this.tasks = new TaskEngine(this.now, this.traffic, options.taskLatencyMs ?? DEFAULT_TASK_LATENCY_MS);
    for (const v of this.vpcs) for (const s of v.subnets) this.subnetPools.set(s.subnetId, new AddressPool(s.cidr, `subnet ${s.subnetId}`));
    this.publicPools = (options.publicVipRanges ?? PUBLIC_VIP_RANGES).map((cidr) => new AddressPool(cidr, 'the public VIP pool'));
  }

  requireLoadBalancer(id: string | undefined, forWrite: boolean): SimLoadBalancer {
    if (!id) return fail('MissingParameter', 'LoadBalancerId is required.');
    if (!ID_PATTERNS.loadBalancer.test(id)) fail('InvalidParameter.FormatError', `LoadBalancerId ${id} is malformed.`);
    const lb = this.loadBalancers.get(id);
    if (!lb) return fail('InvalidParameter.LBIdNotFound', `LoadBalancer ${id} does not exist.`);
    const task = this.tasks.busyWith(id);
    if (forWrite && task) fail('FailedOperation.ResourceInOperating', `LoadBalancer ${id} is running task ${task}; retry later.`);
    // ⚠ Assumed (the API reference documents only DescribeLBOperateProtect): operate protection refuses every change.
    if (forWrite && lb.modificationProtect) fail('OperationDenied', `LoadBalancer ${id} has operate protection enabled; turn it off in the console to modify it.`);
    return lb;
  }

  requireListener(lb: SimLoadBalancer, id: string | undefined): SimListener {
    if (!id) return fail('MissingParameter', 'ListenerId is required.');
    const listener = lb.listeners.get(id);
    return listener ?? fail('InvalidParameter.ListenerIdNotFound', `Listener ${id} does not exist on ${lb.id}.`);
  }

  /** The listeners a Describe call asks for: of one CLB, by ids (at most `maxIds`), protocol and port. */
  describedListeners(r: { LoadBalancerId?: string; ListenerIds?: string[]; Protocol?: string; Port?: number }, maxIds: number): SimListener[] {
    const lb = this.requireLoadBalancer(r.LoadBalancerId, false);
    const ids = r.ListenerIds;
    if (ids && ids.length > maxIds) fail('InvalidParameterValue.Length', `ListenerIds has ${ids.length} entries; at most ${maxIds} are accepted.`);
    return [...lb.listeners.values()]
      .filter((l) => !ids?.length || ids.includes(l.id))
      .filter((l) => !r.Protocol || l.protocol === r.Protocol)
      .filter((l) => r.Port === undefined || l.port === r.Port);
  }

  findSubnet(subnetId: string): { vpc: VpcSpec; subnet: SubnetSpec } | undefined {
    for (const v of this.vpcs) for (const s of v.subnets) if (s.subnetId === subnetId) return { vpc: v, subnet: s };
    return undefined;
  }

  /** The domain name the API gives a CLB. */
  defaultDomain(loadBalancerId: string): string {
    return `${loadBalancerId}.clb.${this.region}.tencentclb.com`;
  }

  /** The Tag API's six-segment resource name of a CLB. */
  resourceName(loadBalancerId: string): string {
    return `${this.resourcePrefix()}${loadBalancerId}`;
  }

  resourcePrefix(): string {
    return `qcs::clb:${this.region}:uin/${this.uin}:clb/`;
  }
}
