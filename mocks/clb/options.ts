/** The simulator's knobs and their defaults, with where each default comes from. */
import type { CloudState } from '../../providers/cloud-state.js';

export interface SubnetSpec {
  readonly subnetId: string;
  readonly cidr: string;
  readonly zone?: string;
}

export interface VpcSpec {
  readonly vpcId: string;
  readonly cidr: string;
  readonly subnets: readonly SubnetSpec[];
}

export interface Quotas {
  /** TOTAL_OPEN_CLB_QUOTA: public CLBs per region (CLB doc 214/6187: 100). */
  readonly openLoadBalancers: number;
  /** TOTAL_INTERNAL_CLB_QUOTA: internal CLBs per region (214/6187: 100). */
  readonly internalLoadBalancers: number;
  /** TOTAL_LISTENER_QUOTA: listeners per CLB (214/6187: 50). */
  readonly listenersPerLoadBalancer: number;
  /** TOTAL_LISTENER_RULE_QUOTA: rules per layer-7 listener (214/6187: 50). */
  readonly rulesPerListener: number;
  /** TOTAL_TARGET_BIND_QUOTA: backends per rule, and per layer-4 listener (214/6187: 100). */
  readonly targetsPerRule: number;
  /** Tags per resource (Tag API limit: 50). */
  readonly tagsPerResource: number;
}

export const DEFAULT_QUOTAS: Quotas = {
  openLoadBalancers: 100,
  internalLoadBalancers: 100,
  listenersPerLoadBalancer: 50,
  rulesPerListener: 50,
  targetsPerRule: 100,
  tagsPerResource: 50,
};

/** Per-call size limits from the CLB API reference (reference §5). */
export const BATCH_LIMITS = {
  /** DescribeLoadBalancers.LoadBalancerIds, DeleteLoadBalancer.LoadBalancerIds. */
  loadBalancerIds: 20,
  /** DescribeLoadBalancers.Limit. */
  describePageSize: 100,
  /** DeleteLoadBalancerListeners.ListenerIds. */
  deleteListenerIds: 20,
  /** DescribeListeners.ListenerIds. */
  describeListenerIds: 100,
  /** DescribeTargets.ListenerIds. */
  describeTargetListenerIds: 20,
  /** RegisterTargets / DeregisterTargets / ModifyTargetWeight .Targets. */
  targetsPerCall: 20,
  /** BatchRegisterTargets / BatchDeregisterTargets .Targets, and BatchModifyTargetWeight's total targets. */
  batchTargets: 500,
  /** BatchModifyTargetWeight.ModifyList. */
  weightRules: 100,
  /** CreateLoadBalancer.Tags. */
  createTags: 20,
  /** SetLoadBalancerSecurityGroups.SecurityGroups. */
  securityGroups: 5,
  /** TagResources / UnTagResources .ResourceList. */
  tagResources: 10,
} as const;

export interface SimulatorOptions {
  readonly region?: string;
  readonly uin?: string;
  /** The VPC/subnet inventory internal CLBs are checked against. */
  readonly vpcs?: readonly VpcSpec[];
  readonly quotas?: Partial<Quotas>;
  /** Requests per second per action (CLB doc 214/33789: 20). */
  readonly rateLimitPerSecond?: number;
  /** Per-action overrides of the rate limit. */
  readonly rateLimits?: Readonly<Record<string, number>>;
  /** How long an asynchronous task runs before DescribeTaskStatus reports it done. */
  readonly taskLatencyMs?: number;
  /** Seeds ids and VIP order so runs are reproducible. */
  readonly seed?: number;
  /**
   * What the cloud holds to begin with (see ClbSimulator.seed): CLBs with their listeners, rules and targets, and
   * VPCs/subnets added to `vpcs`. Its `region`, when set, is the simulator's region unless `region` is given.
   */
  readonly cloudState?: CloudState;
  readonly now?: () => number;
  /**
   * Where public VIPs come from (default PUBLIC_VIP_RANGES, documentation ranges). The data path (data-path/) uses
   * LOOPBACK_VIP_RANGES, so that a CLB's VIP answers on this machine: `curl http://VIP/` reaches its listener.
   */
  readonly publicVipRanges?: readonly string[];
}

export const DEFAULT_VPCS: readonly VpcSpec[] = [
  {
    vpcId: 'vpc-cluster1',
    cidr: '10.0.0.0/16',
    subnets: [
      { subnetId: 'subnet-node0001', cidr: '10.0.1.0/24', zone: 'ap-guangzhou-3' },
      { subnetId: 'subnet-lb000001', cidr: '10.0.2.0/24', zone: 'ap-guangzhou-4' },
    ],
  },
  {
    vpcId: 'vpc-another1',
    cidr: '172.16.0.0/16',
    subnets: [{ subnetId: 'subnet-other001', cidr: '172.16.1.0/24', zone: 'ap-guangzhou-3' }],
  },
];

export const DEFAULT_RATE_LIMIT_PER_SECOND = 20;
export const DEFAULT_TASK_LATENCY_MS = 0;

/** Public VIPs: the documentation ranges (RFC 5737), then the benchmarking range (RFC 2544) for large runs. */
export const PUBLIC_VIP_RANGES = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '198.18.0.0/15'] as const;
/** Public VIPs a data path serves: loopback addresses (every one of 127.0.0.0/8 is on `lo`), apart from those cluster addresses map to. */
export const LOOPBACK_VIP_RANGES = ['127.100.0.0/16'] as const;

/** The default inventory with the cluster's VPC under the given id (the mock cloud of `run --provider mock` and `plan`). */
export const clusterVpcs = (vpcId: string): VpcSpec[] => DEFAULT_VPCS.map((vpc, i) => (i === 0 ? { ...vpc, vpcId } : vpc));
