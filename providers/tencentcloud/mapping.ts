/**
 * Between the SDK's models and the contract's plain data. Parsing is defensive (reference §8): fields
 * may be null where the API reference does not say so, enum spellings vary in case, numbers may arrive
 * as strings, and unknown fields are ignored.
 */
import type {
  Certificate, HealthCheck, Listener, ListenerProtocol, ListenerSpec, ListenerTargets, LoadBalancer, Rule, RuleSpec, Scheduler, Target, TargetBinding,
} from '../provider.js';
import type { clb } from './api.js';

const num = (value: unknown): number | undefined => (value === null || value === undefined || value === '' ? undefined : Number(value));
const present = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;

export function toLoadBalancer(lb: clb.LoadBalancer): LoadBalancer {
  const type = String(lb.LoadBalancerType ?? '').toUpperCase();
  const flags = lb.AttributeFlags ?? [];
  return {
    id: lb.LoadBalancerId ?? '',
    name: lb.LoadBalancerName ?? '',
    // DescribeLoadBalancersDetail spells these Public/Private; DescribeLoadBalancers OPEN/INTERNAL.
    type: type === 'INTERNAL' || type === 'PRIVATE' ? 'INTERNAL' : 'OPEN',
    vpcId: lb.VpcId ?? '',
    ...(lb.SubnetId ? { subnetId: lb.SubnetId } : {}),
    vips: (lb.LoadBalancerVips ?? []).filter(Boolean),
    ...(lb.LoadBalancerDomain || lb.Domain ? { domain: (lb.LoadBalancerDomain || lb.Domain)! } : {}),
    status: num(lb.Status) === 1 ? 'running' : 'creating',
    tags: Object.fromEntries((lb.Tags ?? []).filter(present).map((t) => [t.TagKey, t.TagValue ?? ''])),
    securityGroups: (lb.SecureGroups ?? []).filter(Boolean),
    passToTarget: Boolean(num(lb.LoadBalancerPassToTarget as unknown) ?? lb.LoadBalancerPassToTarget),
    deleteProtect: flags.includes('DeleteProtect'),
  };
}

/** A string field: absent when null or empty; `upper` for enums, whose spelling varies in case (reference §8). */
const text = (value: unknown, upper = false): string | undefined => (value === null || value === undefined || value === '' ? undefined : upper ? String(value).toUpperCase() : String(value));
const defined = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
/** A boolean the API may spell true, 1 or "true". */
const flag = (value: unknown): boolean => value === true || num(value) === 1 || String(value).toLowerCase() === 'true';

function toHealthCheck(hc: clb.HealthCheck | null | undefined): HealthCheck | undefined {
  if (!present(hc)) return undefined;
  const checkPort = num(hc.CheckPort);
  return {
    enabled: num(hc.HealthSwitch) === 1,
    ...defined('timeoutSeconds', num(hc.TimeOut)),
    ...defined('intervalSeconds', num(hc.IntervalTime)),
    ...defined('healthyThreshold', num(hc.HealthNum)),
    ...defined('unhealthyThreshold', num(hc.UnHealthNum)),
    ...defined('checkType', text(hc.CheckType, true)),
    // -1 (what a request sends to go back to it) or 0: the target's own port.
    ...defined('checkPort', checkPort !== undefined && checkPort > 0 ? checkPort : undefined),
    ...defined('contextType', text(hc.ContextType, true)),
    ...defined('sendContext', text(hc.SendContext)),
    ...defined('recvContext', text(hc.RecvContext)),
    ...defined('httpCheckPath', hc.HttpCheckPath ?? undefined),
    ...defined('httpCheckDomain', hc.HttpCheckDomain ?? undefined),
    ...defined('httpCheckMethod', text(hc.HttpCheckMethod, true)),
    ...defined('httpVersion', hc.HttpVersion === 'HTTP/1.0' || hc.HttpVersion === 'HTTP/1.1' ? hc.HttpVersion : undefined),
    ...defined('httpCode', num(hc.HttpCode)),
    ...defined('sourceIpType', num(hc.SourceIpType)),
  };
}

export function fromHealthCheck(hc: HealthCheck): clb.HealthCheck {
  return {
    ...(hc.enabled !== undefined ? { HealthSwitch: hc.enabled ? 1 : 0 } : {}),
    ...defined('TimeOut', hc.timeoutSeconds),
    ...defined('IntervalTime', hc.intervalSeconds),
    ...defined('HealthNum', hc.healthyThreshold),
    ...defined('UnHealthNum', hc.unhealthyThreshold),
    ...defined('CheckType', hc.checkType),
    ...defined('CheckPort', hc.checkPort),
    ...defined('ContextType', hc.contextType),
    ...defined('SendContext', hc.sendContext),
    ...defined('RecvContext', hc.recvContext),
    ...defined('HttpCheckPath', hc.httpCheckPath),
    ...defined('HttpCheckDomain', hc.httpCheckDomain),
    ...defined('HttpCheckMethod', hc.httpCheckMethod),
    ...defined('HttpVersion', hc.httpVersion),
    ...defined('HttpCode', hc.httpCode),
    ...defined('SourceIpType', hc.sourceIpType),
  };
}

function toCertificate(cert: clb.CertificateOutput | null | undefined): Certificate | undefined {
  if (!present(cert) || !cert.CertId) return undefined;
  return {
    mode: String(cert.SSLMode ?? '').toUpperCase() === 'MUTUAL' ? 'MUTUAL' : 'UNIDIRECTIONAL',
    certId: cert.CertId,
    ...(cert.CertCaId ? { caCertId: cert.CertCaId } : {}),
  };
}

export function fromCertificate(cert: Certificate): clb.CertificateInput {
  return { SSLMode: cert.mode, CertId: cert.certId, ...(cert.caCertId ? { CertCaId: cert.caCertId } : {}) };
}

function toRule(rule: clb.RuleOutput): Rule {
  const healthCheck = toHealthCheck(rule.HealthCheck);
  const certificate = toCertificate(rule.Certificate);
  const sessionExpireTime = num(rule.SessionExpireTime);
  const rewrite = rule.RewriteTarget;
  return {
    ...(rewrite?.TargetListenerId && rewrite.TargetLocationId ? { redirect: { listenerId: rewrite.TargetListenerId, ruleId: rewrite.TargetLocationId } } : {}),
    id: rule.LocationId ?? '',
    domain: rule.Domain ?? '',
    url: rule.Url ?? '',
    ...(sessionExpireTime !== undefined ? { sessionExpireTime } : {}),
    ...(rule.Scheduler ? { scheduler: rule.Scheduler as Scheduler } : {}),
    ...(healthCheck ? { healthCheck } : {}),
    ...(certificate ? { certificate } : {}),
    ...defined('forwardType', text(rule.ForwardType, true) as Rule['forwardType']),
    ...defined('defaultServer', present(rule.DefaultServer) ? flag(rule.DefaultServer) : undefined),
  };
}

export function toListener(listener: clb.Listener): Listener {
  const healthCheck = toHealthCheck(listener.HealthCheck);
  const certificate = toCertificate(listener.Certificate);
  const sessionExpireTime = num(listener.SessionExpireTime);
  return {
    id: listener.ListenerId ?? '',
    name: listener.ListenerName ?? '',
    protocol: String(listener.Protocol ?? '').toUpperCase() as ListenerProtocol,
    port: num(listener.Port) ?? 0,
    ...(sessionExpireTime !== undefined ? { sessionExpireTime } : {}),
    ...(listener.Scheduler ? { scheduler: listener.Scheduler as Scheduler } : {}),
    ...(healthCheck ? { healthCheck } : {}),
    ...(certificate ? { certificate } : {}),
    sniEnabled: num(listener.SniSwitch) === 1,
    // Either may be null where it means nothing (KeepaliveEnable is for HTTP/HTTPS, DeregisterTargetRst for TCP/UDP): absent then.
    ...defined('keepaliveEnable', present(listener.KeepaliveEnable) ? num(listener.KeepaliveEnable) === 1 : undefined),
    ...defined('deregisterTargetRst', present(listener.DeregisterTargetRst) ? flag(listener.DeregisterTargetRst) : undefined),
    ...defined('rescheduleStartTime', present(listener.RescheduleStartTime) ? num(listener.RescheduleStartTime) : undefined),
    ...defined('rescheduleInterval', present(listener.RescheduleInterval) ? num(listener.RescheduleInterval) : undefined),
    rules: (listener.Rules ?? []).filter(present).map(toRule),
  };
}

/** The CreateListener fields that must be equal for listeners to share one call (the grouping key of createListeners). */
export function listenerSettings(spec: ListenerSpec): Omit<clb.CreateListenerRequest, 'LoadBalancerId' | 'Ports' | 'ListenerNames'> {
  return {
    Protocol: spec.protocol,
    ...(spec.sessionExpireTime !== undefined ? { SessionExpireTime: spec.sessionExpireTime } : {}),
    ...(spec.scheduler !== undefined ? { Scheduler: spec.scheduler } : {}),
    ...(spec.healthCheck !== undefined ? { HealthCheck: fromHealthCheck(spec.healthCheck) } : {}),
    ...(spec.certificate !== undefined ? { Certificate: fromCertificate(spec.certificate) } : {}),
    ...(spec.sniEnabled !== undefined ? { SniSwitch: spec.sniEnabled ? 1 : 0 } : {}),
    ...(spec.keepaliveEnable !== undefined ? { KeepaliveEnable: spec.keepaliveEnable ? 1 : 0 } : {}),
    ...defined('DeregisterTargetRst', spec.deregisterTargetRst),
    ...rescheduleFields(spec),
  };
}

/** CLB's rescheduling switches (CreateListener and ModifyListener take the same fields). */
export function rescheduleFields(spec: Partial<ListenerSpec>): Pick<clb.CreateListenerRequest, 'RescheduleTargetZeroWeight' | 'RescheduleUnhealthy' | 'RescheduleExpandTarget' | 'RescheduleStartTime' | 'RescheduleInterval'> {
  return {
    ...defined('RescheduleTargetZeroWeight', spec.rescheduleTargetZeroWeight),
    ...defined('RescheduleUnhealthy', spec.rescheduleUnhealthy),
    ...defined('RescheduleExpandTarget', spec.rescheduleExpandTarget),
    ...defined('RescheduleStartTime', spec.rescheduleStartTime),
    ...defined('RescheduleInterval', spec.rescheduleInterval),
  };
}

export function fromRuleSpec(rule: RuleSpec): clb.RuleInput {
  return {
    Domain: rule.domain,
    Url: rule.url,
    ...(rule.sessionExpireTime !== undefined ? { SessionExpireTime: rule.sessionExpireTime } : {}),
    ...(rule.scheduler !== undefined ? { Scheduler: rule.scheduler } : {}),
    ...(rule.healthCheck !== undefined ? { HealthCheck: fromHealthCheck(rule.healthCheck) } : {}),
    ...(rule.certificate !== undefined ? { Certificate: fromCertificate(rule.certificate) } : {}),
    ...defined('ForwardType', rule.forwardType),
    ...(rule.defaultServer ? { DefaultServer: true } : {}),
  };
}

function toTarget(backend: clb.Backend): Target {
  const port = num(backend.Port) ?? 0;
  const weight = num(backend.Weight) ?? 10;
  // Target Type arrives as CVM, cvm or ENI; an ENI backend is addressed by its private IP.
  if (String(backend.Type ?? '').toUpperCase() === 'ENI' || (!backend.InstanceId && backend.PrivateIpAddresses?.length)) {
    return { eniIp: backend.PrivateIpAddresses?.[0] ?? '', port, weight };
  }
  return { instanceId: backend.InstanceId ?? '', port, weight };
}

export function toListenerTargets(listener: clb.ListenerBackend): ListenerTargets {
  return {
    listenerId: listener.ListenerId ?? '',
    protocol: String(listener.Protocol ?? '').toUpperCase() as ListenerProtocol,
    port: num(listener.Port) ?? 0,
    targets: (listener.Targets ?? []).filter(present).map(toTarget),
    rules: (listener.Rules ?? []).filter(present).map((rule) => ({
      ruleId: rule.LocationId ?? '',
      domain: rule.Domain ?? '',
      url: rule.Url ?? '',
      targets: (rule.Targets ?? []).filter(present).map(toTarget),
    })),
  };
}

export function toBatchTarget(binding: TargetBinding, withWeight: boolean): clb.BatchTarget {
  const { target } = binding;
  return {
    ListenerId: binding.listenerId,
    Port: target.port,
    ...(target.instanceId !== undefined ? { InstanceId: target.instanceId } : { EniIp: target.eniIp }),
    ...(withWeight ? { Weight: target.weight } : {}),
    ...(binding.ruleId ? { LocationId: binding.ruleId } : {}),
  };
}

export function toSdkTarget(target: Target): clb.Target {
  return { Port: target.port, Weight: target.weight, ...(target.instanceId !== undefined ? { InstanceId: target.instanceId } : { EniIp: target.eniIp }) };
}
