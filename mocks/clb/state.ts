/** The simulator's state, and how it is rendered in the API's response shapes (nulls included, see reference §8). */
import type { clb } from '../../providers/tencentcloud/api.js';

export interface SimTarget {
  instanceId?: string;
  eniIp?: string;
  port: number;
  weight: number;
}

export interface SimRule {
  id: string;
  domain: string;
  url: string;
  sessionExpireTime: number;
  scheduler: string;
  healthCheck: clb.HealthCheck;
  forwardType: string;
  targets: Map<string, SimTarget>;
  /** A redirect (ManualRewrite) to a rule of another listener. */
  rewrite?: { listenerId: string; locationId: string };
}

export interface SimListener {
  id: string;
  name: string;
  protocol: string;
  port: number;
  sessionExpireTime: number;
  scheduler: string;
  healthCheck: clb.HealthCheck;
  certificate?: clb.CertificateInput;
  sniSwitch: number;
  /** KeepaliveEnable 0|1 (HTTP and HTTPS listeners). */
  keepaliveEnable: number;
  /** DeregisterTargetRst (TCP and UDP listeners). */
  deregisterTargetRst: boolean;
  /** Rescheduling (TCP and UDP listeners): the three switches, which DescribeListeners does not return, and the two times, which it does. */
  reschedule: Reschedule;
  createdAt: string;
  targets: Map<string, SimTarget>;
  rules: Map<string, SimRule>;
  /** SNI: the certificate of each domain. */
  domainCertificates: Map<string, clb.CertificateInput>;
  /** The default domain (DefaultServer): one with rules; a listener with rules always has one. */
  defaultServer?: string;
}

/**
 * Keeps a layer-7 listener's default domain true after its rules changed: `wanted` when it has rules, else the one
 * it had, else (⚠ assumed: the API says a listener must have one, not which it picks) the first domain left.
 */
export function settleDefaultServer(listener: SimListener, wanted?: string): void {
  const domains = [...listener.rules.values()].map((r) => r.domain);
  if (wanted !== undefined && domains.includes(wanted)) listener.defaultServer = wanted;
  else if (listener.defaultServer === undefined || !domains.includes(listener.defaultServer)) {
    if (domains.length) listener.defaultServer = domains[0]!;
    else delete listener.defaultServer;
  }
}

export interface SimLoadBalancer {
  id: string;
  name: string;
  type: 'OPEN' | 'INTERNAL';
  vpcId: string;
  subnetId: string;
  vips: string[];
  domain: string;
  status: 0 | 1;
  createdAt: string;
  tags: Map<string, string>;
  securityGroups: string[];
  passToTarget: boolean;
  deleteProtect: boolean;
  /** Operate (modification) protection: set in the console only — no API action turns it on or off. */
  modificationProtect: boolean;
  addressIPVersion: string;
  internetAccessible: clb.InternetAccessible;
  listeners: Map<string, SimListener>;
}

export const LAYER7 = new Set(['HTTP', 'HTTPS']);
export const TCP_FAMILY = new Set(['TCP', 'HTTP', 'HTTPS', 'TCP_SSL']);
/** The listeners that take DeregisterTargetRst ("仅TCP/UDP监听器支持"). */
export const RESCHEDULING = new Set(['TCP', 'UDP']);

export interface Reschedule {
  targetZeroWeight: boolean;
  unhealthy: boolean;
  expandTarget: boolean;
  startTime: number;
  interval: number;
}
/** ⚠ assumed: the API documents no defaults; off, and 0 s. */
export const NO_RESCHEDULE: Reschedule = { targetZeroWeight: false, unhealthy: false, expandTarget: false, startTime: 0, interval: 0 };

export const targetKey = (t: { instanceId?: string | undefined; eniIp?: string | undefined; port: number }): string =>
  `${t.instanceId ?? t.eniIp}:${t.port}`;

export function toSdkLoadBalancer(lb: SimLoadBalancer): clb.LoadBalancer {
  return {
    LoadBalancerId: lb.id,
    LoadBalancerName: lb.name,
    LoadBalancerType: lb.type,
    Forward: 1,
    Domain: lb.vips.length ? '' : lb.domain,
    LoadBalancerDomain: lb.domain,
    LoadBalancerVips: [...lb.vips],
    Status: lb.status,
    CreateTime: lb.createdAt,
    VpcId: lb.vpcId,
    SubnetId: lb.subnetId,
    Tags: [...lb.tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    SecureGroups: [...lb.securityGroups],
    AddressIPVersion: lb.addressIPVersion,
    NetworkAttributes: { ...lb.internetAccessible },
    LoadBalancerPassToTarget: lb.passToTarget,
    // The real API reports delete protection through AttributeFlags.
    AttributeFlags: lb.deleteProtect ? ['DeleteProtect'] : [],
  };
}

function toSdkCertificate(cert: clb.CertificateInput | undefined): clb.CertificateOutput | undefined {
  if (!cert) return undefined;
  return { SSLMode: cert.SSLMode ?? 'UNIDIRECTIONAL', CertId: cert.CertId ?? '', ...(cert.CertCaId ? { CertCaId: cert.CertCaId } : {}) };
}

export function toSdkListener(listener: SimListener): clb.Listener {
  const layer7 = LAYER7.has(listener.protocol);
  // Null where the live API returns null (layer-7 listener-level settings, absent certificates, layer-4 rules), and
  // (⚠ assumed) where a setting does not apply: KeepaliveEnable but on HTTP/HTTPS, DeregisterTargetRst but on TCP/UDP.
  return {
    ListenerId: listener.id,
    ListenerName: listener.name,
    Protocol: listener.protocol,
    Port: listener.port,
    Certificate: toSdkCertificate(listener.certificate) ?? (null as never),
    HealthCheck: layer7 ? (null as never) : { ...listener.healthCheck },
    Scheduler: layer7 ? (null as never) : listener.scheduler,
    SessionExpireTime: layer7 ? (null as never) : listener.sessionExpireTime,
    SniSwitch: listener.sniSwitch,
    KeepaliveEnable: layer7 ? listener.keepaliveEnable : (null as never),
    DeregisterTargetRst: RESCHEDULING.has(listener.protocol) ? listener.deregisterTargetRst : (null as never),
    RescheduleStartTime: RESCHEDULING.has(listener.protocol) ? listener.reschedule.startTime : (null as never),
    RescheduleInterval: RESCHEDULING.has(listener.protocol) ? listener.reschedule.interval : (null as never),
    CreateTime: listener.createdAt,
    Rules: layer7
      ? [...listener.rules.values()].map((rule) => ({
          LocationId: rule.id,
          Domain: rule.domain,
          Url: rule.url,
          SessionExpireTime: rule.sessionExpireTime,
          HealthCheck: { ...rule.healthCheck },
          Scheduler: rule.scheduler,
          ForwardType: rule.forwardType,
          DefaultServer: rule.domain === listener.defaultServer,
          ListenerId: listener.id,
          Certificate: toSdkCertificate(listener.domainCertificates.get(rule.domain)) ?? (null as never),
          RewriteTarget: rule.rewrite ? { TargetListenerId: rule.rewrite.listenerId, TargetLocationId: rule.rewrite.locationId, RewriteCode: 301, TakeUrl: false } : { TargetListenerId: null as never, TargetLocationId: null as never },
        }))
      : (null as never),
  };
}

export function toSdkBackend(target: SimTarget): clb.Backend {
  return target.eniIp
    ? { Type: 'ENI', Port: target.port, Weight: target.weight, PrivateIpAddresses: [target.eniIp], InstanceId: '' }
    : { Type: 'CVM', Port: target.port, Weight: target.weight, InstanceId: target.instanceId ?? '', PrivateIpAddresses: [] };
}

/** A deterministic, JSON-friendly picture of everything, for assertions and debugging. */
export function snapshotLoadBalancer(lb: SimLoadBalancer): unknown {
  const targets = (m: Map<string, SimTarget>) => [...m.values()].map((t) => ({ ...t })).sort((a, b) => targetKey(a).localeCompare(targetKey(b)));
  return {
    id: lb.id,
    name: lb.name,
    type: lb.type,
    vpcId: lb.vpcId,
    subnetId: lb.subnetId,
    vips: lb.vips,
    domain: lb.domain,
    status: lb.status,
    tags: Object.fromEntries([...lb.tags].sort()),
    securityGroups: lb.securityGroups,
    passToTarget: lb.passToTarget,
    deleteProtect: lb.deleteProtect,
    ...(lb.modificationProtect ? { modificationProtect: true } : {}),
    listeners: [...lb.listeners.values()]
      .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol))
      .map((l) => ({
        id: l.id,
        name: l.name,
        protocol: l.protocol,
        port: l.port,
        sessionExpireTime: l.sessionExpireTime,
        scheduler: l.scheduler,
        healthCheck: l.healthCheck,
        certificate: l.certificate ?? null,
        sniSwitch: l.sniSwitch,
        keepaliveEnable: l.keepaliveEnable,
        deregisterTargetRst: l.deregisterTargetRst,
        reschedule: { ...l.reschedule },
        domainCertificates: Object.fromEntries([...l.domainCertificates].sort()),
        defaultServer: l.defaultServer ?? null,
        targets: targets(l.targets),
        rules: [...l.rules.values()]
          .sort((a, b) => a.domain.localeCompare(b.domain) || a.url.localeCompare(b.url))
          .map((r) => ({ id: r.id, domain: r.domain, url: r.url, sessionExpireTime: r.sessionExpireTime, scheduler: r.scheduler, healthCheck: r.healthCheck, forwardType: r.forwardType, rewrite: r.rewrite ?? null, targets: targets(r.targets) })),
      })),
  };
}
