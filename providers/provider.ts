/**
 * The contract between the controllers and a cloud: CLB-level operations on plain, read-only data.
 *
 * Promises every implementation keeps:
 * - asynchronous cloud tasks are awaited inside the provider: a CLB is created running; every other write
 *   resolves once the API accepted it, and any later call on the same CLB (a read, a write, or
 *   `awaitWrites`) first waits for it to finish — so reads always see every earlier write;
 * - work is split into API-sized batches, writes to one CLB never overlap, rate limits are respected;
 * - transient failures are retried; what is left surfaces as a typed error from `./errors.ts`;
 * - deleting something that is already gone succeeds;
 * - nothing is ever deleted without naming it by id (no "delete all" calls).
 */
export * from './errors.js';

export type LoadBalancerType = 'OPEN' | 'INTERNAL';
export type ListenerProtocol = 'TCP' | 'UDP' | 'HTTP' | 'HTTPS' | 'TCP_SSL' | 'QUIC';
export const LAYER7_PROTOCOLS: readonly ListenerProtocol[] = ['HTTP', 'HTTPS'];
export type Tags = Readonly<Record<string, string>>;

export interface LoadBalancer {
  readonly id: string;
  readonly name: string;
  readonly type: LoadBalancerType;
  readonly vpcId: string;
  /** Set for INTERNAL load balancers. */
  readonly subnetId?: string;
  /** Empty for a domain-only (dynamic VIP) load balancer. */
  readonly vips: readonly string[];
  readonly domain?: string;
  readonly status: 'creating' | 'running';
  readonly tags: Tags;
  readonly securityGroups: readonly string[];
  readonly passToTarget: boolean;
  readonly deleteProtect: boolean;
  /**
   * Modification ("operate") protection, switched on in the console: while on, the cloud refuses every change to
   * the CLB. Undefined: not read (a CLB the provider has just created, which cannot have it yet).
   */
  readonly modificationProtect?: boolean;
}

export interface CreateLoadBalancerInput {
  readonly name: string;
  readonly type: LoadBalancerType;
  readonly vpcId: string;
  readonly subnetId?: string;
  readonly tags: Tags;
  /** Idempotency token: a retried create with the same token returns the same CLB. */
  readonly clientToken?: string;
  readonly internetChargeType?: 'BANDWIDTH_POSTPAID_BY_HOUR' | 'TRAFFIC_POSTPAID_BY_HOUR';
  readonly internetMaxBandwidthOut?: number;
  readonly passToTarget?: boolean;
  /** Extra CreateLoadBalancer fields (TKE's `service.extensiveParameters`), passed through as-is. */
  readonly extraParameters?: Readonly<Record<string, unknown>>;
}

export interface LoadBalancerAttributes {
  readonly name?: string;
  readonly passToTarget?: boolean;
  readonly deleteProtect?: boolean;
}

/** A listener's (layer 4) or rule's (layer 7) health check; an absent field is left as the CLB has it. */
export interface HealthCheck {
  /** CLB HealthSwitch; undefined: left as the CLB has it. */
  readonly enabled?: boolean;
  /** CLB TimeOut, 2–60 s, less than the interval. */
  readonly timeoutSeconds?: number;
  /** CLB IntervalTime, 2–300 s. */
  readonly intervalSeconds?: number;
  /** CLB HealthNum, 2–10. */
  readonly healthyThreshold?: number;
  /** CLB UnHealthNum, 2–10. */
  readonly unhealthyThreshold?: number;
  /** CLB CheckType: TCP | HTTP | HTTPS | GRPC | PING | CUSTOM. */
  readonly checkType?: string;
  /** CLB CheckPort: the port checked instead of the target's (1–65535). */
  readonly checkPort?: number;
  /** CUSTOM checks: CLB ContextType (HEX | TEXT), SendContext and RecvContext. */
  readonly contextType?: string;
  readonly sendContext?: string;
  readonly recvContext?: string;
  /** HTTP(S) checks. */
  readonly httpCheckPath?: string;
  readonly httpCheckDomain?: string;
  /** CLB HttpCheckMethod: HEAD | GET. */
  readonly httpCheckMethod?: string;
  /** CLB HttpVersion, required for an HTTP check on a TCP listener. */
  readonly httpVersion?: 'HTTP/1.0' | 'HTTP/1.1';
  /** CLB HttpCode, a bit mask of the healthy status classes: 1 = 1xx, 2 = 2xx, 4 = 3xx, 8 = 4xx, 16 = 5xx (1–31). */
  readonly httpCode?: number;
  /** CLB SourceIpType: 0 the CLB's VIP, 1 the 100.64.0.0/10 range. */
  readonly sourceIpType?: number;
}

export interface Certificate {
  readonly mode: 'UNIDIRECTIONAL' | 'MUTUAL';
  readonly certId: string;
  readonly caCertId?: string;
}

export type Scheduler = 'WRR' | 'LEAST_CONN' | 'IP_HASH';

/** The settings of a listener that the controllers manage. */
export interface ListenerSpec {
  readonly name: string;
  readonly protocol: ListenerProtocol;
  readonly port: number;
  /** 0 turns session persistence off; else 30–3600 seconds. Layer-4 only (layer-7 sets it per rule). */
  readonly sessionExpireTime?: number;
  readonly scheduler?: Scheduler;
  readonly healthCheck?: HealthCheck;
  /** HTTPS and TCP_SSL only. */
  readonly certificate?: Certificate;
  /** HTTPS only: per-domain certificates. */
  readonly sniEnabled?: boolean;
  /** Layer 7: CLB KeepaliveEnable (persistent connections to the targets). */
  readonly keepaliveEnable?: boolean;
  /** Layer 4: CLB DeregisterTargetRst — a deregistered target's connections are reset at once (a TCP RST to the client). */
  readonly deregisterTargetRst?: boolean;
  /**
   * Layer 4 (TCP, UDP), CLB's connection rescheduling: when a target's weight goes to 0, when it fails its health
   * check, when targets are added or removed. WRITE-ONLY: DescribeListeners does not return these three (see
   * WRITE_ONLY_LISTENER_SETTINGS).
   */
  readonly rescheduleTargetZeroWeight?: boolean;
  readonly rescheduleUnhealthy?: boolean;
  readonly rescheduleExpandTarget?: boolean;
  /** CLB RescheduleStartTime and RescheduleInterval, 0–3600 s: when rescheduling starts, and how long it spreads the connections over. */
  readonly rescheduleStartTime?: number;
  readonly rescheduleInterval?: number;
}

/** Listener settings CreateListener and ModifyListener take but DescribeListeners does not report (SDK 4.1.313's Listener model lacks them). */
export const WRITE_ONLY_LISTENER_SETTINGS = ['rescheduleTargetZeroWeight', 'rescheduleUnhealthy', 'rescheduleExpandTarget'] as const;
export type WriteOnlyListenerSettings = Partial<Pick<ListenerSpec, (typeof WRITE_ONLY_LISTENER_SETTINGS)[number]>>;

export interface Listener extends ListenerSpec {
  readonly id: string;
  /** Layer-7 only; empty for layer-4 listeners. */
  readonly rules: readonly Rule[];
}

export interface RuleSpec {
  readonly domain: string;
  readonly url: string;
  readonly sessionExpireTime?: number;
  readonly scheduler?: Scheduler;
  readonly healthCheck?: HealthCheck;
  /** With SNI: the certificate of this rule's domain. */
  readonly certificate?: Certificate;
  /** CLB ForwardType, the protocol from the CLB to the targets: HTTP | HTTPS | GRPC. */
  readonly forwardType?: 'HTTP' | 'HTTPS' | 'GRPC' | 'GRPCS';
  /**
   * CLB DefaultServer: this rule's domain is its listener's default domain, which answers requests for hosts no
   * domain names. A listener has exactly one (the first domain, unless another is made default).
   */
  readonly defaultServer?: boolean;
}

export interface Rule extends RuleSpec {
  /** The CLB's LocationId. */
  readonly id: string;
  /** Set when the rule redirects (e.g. HTTP → HTTPS) to a rule of another listener. */
  readonly redirect?: { readonly listenerId: string; readonly ruleId: string };
}

/** A redirect from a rule of one listener to a rule of another (CLB ManualRewrite). */
export interface Redirect {
  readonly sourceListenerId: string;
  readonly sourceRuleId: string;
  readonly targetListenerId: string;
  readonly targetRuleId: string;
}

export type ListenerChanges = Partial<Omit<ListenerSpec, 'protocol' | 'port'>>;
export type RuleChanges = Partial<Pick<RuleSpec, 'url' | 'sessionExpireTime' | 'scheduler' | 'healthCheck' | 'forwardType'>>;

/** A backend: a node (CVM instance) or a Pod's ENI IP, and the port it listens on. */
export type TargetAddress = { readonly instanceId: string; readonly eniIp?: never } | { readonly eniIp: string; readonly instanceId?: never };

export type Target = TargetAddress & {
  readonly port: number;
  /** 0–100; 0 keeps the target bound but sends it no new connections. */
  readonly weight: number;
};

/** A target on a listener (layer 4) or on one rule of a listener (layer 7). */
export interface TargetBinding {
  readonly listenerId: string;
  /** Layer-7 only: the rule's id. */
  readonly ruleId?: string;
  readonly target: Target;
}

export interface ListenerTargets {
  readonly listenerId: string;
  readonly protocol: ListenerProtocol;
  readonly port: number;
  /** Layer-4 listeners. */
  readonly targets: readonly Target[];
  /** Layer-7 listeners, per rule. */
  readonly rules: readonly { readonly ruleId: string; readonly domain: string; readonly url: string; readonly targets: readonly Target[] }[];
}

export interface QuotaUsage {
  readonly limit: number;
  /** Null where the API reports no current value (per-CLB and per-listener quotas). */
  readonly used: number | null;
}

export interface Quota {
  readonly openLoadBalancers: QuotaUsage;
  readonly internalLoadBalancers: QuotaUsage;
  readonly listenersPerLoadBalancer: QuotaUsage;
  readonly rulesPerListener: QuotaUsage;
  readonly targetsPerRule: QuotaUsage;
}

export interface Subnet {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly zone?: string;
}

export interface CloudProvider {
  // Load balancers
  describeLoadBalancers(ids: readonly string[]): Promise<LoadBalancer[]>;
  /** Every CLB carrying all of these tags (paged through). */
  findLoadBalancersByTags(tags: Tags): Promise<LoadBalancer[]>;
  /** Creates a CLB and waits until it is running. */
  createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer>;
  deleteLoadBalancers(ids: readonly string[]): Promise<void>;
  modifyLoadBalancerAttributes(id: string, attributes: LoadBalancerAttributes): Promise<void>;
  /** Replaces the whole set of security groups (an empty list unbinds all). */
  setSecurityGroups(id: string, securityGroupIds: readonly string[]): Promise<void>;
  tagLoadBalancer(id: string, tags: Tags): Promise<void>;
  untagLoadBalancer(id: string, tagKeys: readonly string[]): Promise<void>;

  // Listeners and rules
  describeListeners(loadBalancerId: string): Promise<Listener[]>;
  /** Creates listeners, grouping those with identical settings into one call; returns their ids in input order. */
  createListeners(loadBalancerId: string, listeners: readonly ListenerSpec[]): Promise<string[]>;
  modifyListener(loadBalancerId: string, listenerId: string, changes: ListenerChanges): Promise<void>;
  deleteListeners(loadBalancerId: string, listenerIds: readonly string[]): Promise<void>;
  /** Returns the new rules' ids in input order. */
  createRules(loadBalancerId: string, listenerId: string, rules: readonly RuleSpec[]): Promise<string[]>;
  modifyRule(loadBalancerId: string, listenerId: string, ruleId: string, changes: RuleChanges): Promise<void>;
  /** Swaps the certificate of one domain of an SNI listener without touching its rules. */
  setDomainCertificate(loadBalancerId: string, listenerId: string, domain: string, certificate: Certificate): Promise<void>;
  /** Makes a domain (one with rules on the listener) the listener's default domain. */
  setDefaultDomain(loadBalancerId: string, listenerId: string, domain: string): Promise<void>;
  /** `newDefaultDomain`: the listener's default domain from now on, when the rules deleted are all the current default's. */
  deleteRules(loadBalancerId: string, listenerId: string, ruleIds: readonly string[], newDefaultDomain?: string): Promise<void>;
  /** Makes rules redirect (one call per pair of listeners). Redirects cannot chain. */
  setRedirects(loadBalancerId: string, redirects: readonly Redirect[]): Promise<void>;
  deleteRedirects(loadBalancerId: string, redirects: readonly Redirect[]): Promise<void>;

  // Targets
  describeTargets(loadBalancerId: string, listenerIds?: readonly string[]): Promise<ListenerTargets[]>;
  /** Batched across listeners and rules of one CLB. Throws PartialBatchFailureError naming the listeners that failed. */
  registerTargets(loadBalancerId: string, bindings: readonly TargetBinding[]): Promise<void>;
  deregisterTargets(loadBalancerId: string, bindings: readonly TargetBinding[]): Promise<void>;
  /** Sets each binding's target to its `weight`. */
  setTargetWeights(loadBalancerId: string, bindings: readonly TargetBinding[]): Promise<void>;

  /** Resolves once every write to this CLB has finished (its task done); rejects if one failed. */
  awaitWrites(loadBalancerId: string): Promise<void>;

  // Account and network
  getQuota(): Promise<Quota>;
  /** Undefined when the subnet does not exist. */
  describeSubnet(subnetId: string): Promise<Subnet | undefined>;
}
