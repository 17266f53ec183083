/**
 * The desired state of one owner's (a Service's or an Ingress's) part of a CLB: plain, read-only data,
 * built by a pure function from Kubernetes objects and compared with what the cloud has.
 */
import type { ListenerProtocol, ListenerSpec, LoadBalancerType, RuleSpec, Tags, Target } from '../../providers/provider.js';

/** Which CLB to use: one the controller creates (and owns), or one the user names (reused, never deleted). */
export type DesiredLoadBalancer =
  | {
      readonly kind: 'create';
      readonly name: string;
      readonly type: LoadBalancerType;
      readonly vpcId: string;
      readonly subnetId?: string;
      /** The tags a created CLB gets; also how the controller finds it again after a restart. */
      readonly tags: Tags;
      /** Idempotency token for CreateLoadBalancer. */
      readonly clientToken: string;
      readonly internetChargeType?: 'BANDWIDTH_POSTPAID_BY_HOUR' | 'TRAFFIC_POSTPAID_BY_HOUR';
      readonly internetMaxBandwidthOut?: number;
      readonly extraParameters?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'existing';
      readonly id: string;
    };

/** CLB attributes managed only when the user asked for them (undefined: leave as is). */
export interface DesiredAttributes {
  readonly securityGroups?: readonly string[];
  readonly passToTarget?: boolean;
  /** Managed only on a CLB this controller created (never on a user's reused CLB). */
  readonly deleteProtect?: boolean;
  /**
   * Modification protection as the user asked for it. The CLB API cannot switch it (only the console can), so it
   * is compared, never written: a CLB that differs is told in a Warning.
   */
  readonly modificationProtect?: boolean;
}

/** The placeholder a rule's domain takes when it has no host: the CLB's VIP, known once the CLB exists. */
export const DEFAULT_DOMAIN = '*default-vip*';

/** Where a redirecting rule sends its requests: the rule `domain`+`url` on the listener at `port`. */
export interface DesiredRedirect {
  readonly port: number;
  readonly domain: string;
  readonly url: string;
}

/** A layer-7 rule with the targets it should forward to, or a redirect to another rule (then no targets). */
export interface DesiredRule extends RuleSpec {
  readonly targets: readonly Target[];
  readonly redirect?: DesiredRedirect;
}

/** A listener with its layer-4 targets or its layer-7 rules. The name is the ownership marker. */
export interface DesiredListener extends ListenerSpec {
  /** Layer-4 targets. */
  readonly targets: readonly Target[];
  /** Layer-7 rules (HTTP/HTTPS listeners). */
  readonly rules: readonly DesiredRule[];
}

export interface DesiredState {
  readonly loadBalancer: DesiredLoadBalancer;
  readonly attributes: DesiredAttributes;
  readonly listeners: readonly DesiredListener[];
}

export const listenerKey = (l: { protocol: string; port: number }): string => `${l.protocol}:${l.port}`;
export const ruleKey = (r: { domain: string; url: string }): string => `${r.domain}${r.url}`;
export const targetKey = (t: Target): string => `${t.instanceId ?? t.eniIp}:${t.port}`;

/** Protocols that share a port namespace on one CLB (CLB refuses TCP 80 next to HTTP 80). */
export const portFamily = (protocol: ListenerProtocol): 'tcp' | 'udp' => (protocol === 'UDP' || protocol === 'QUIC' ? 'udp' : 'tcp');
