/**
 * Listener and rule settings: what CreateListener / ModifyListener / CreateRule / ModifyRule accept (health checks in
 * health-checks.ts, keep-alive, deregister-RST, forward types), with the API's defaults, and the checks on ports,
 * quotas, rules and redirects that both the API actions and seeding apply.
 */
import type { clb } from '../../providers/tencentcloud/api.js';
import { fail } from './api-error.js';
import { DEFAULT_HEALTH_CHECK, healthCheck, inRange, listenerSite, ruleSite, stripNulls } from './health-checks.js';
import { LAYER7, NO_RESCHEDULE, RESCHEDULING, TCP_FAMILY, type Reschedule, type SimListener, type SimLoadBalancer, type SimRule } from './state.js';
import { isValidDomain, isValidUrl } from './support.js';

const PROTOCOLS = new Set(['TCP', 'UDP', 'HTTP', 'HTTPS', 'TCP_SSL', 'QUIC']);
const SCHEDULERS = new Set(['WRR', 'LEAST_CONN', 'IP_HASH']);
const CERTIFIED = new Set(['HTTPS', 'TCP_SSL', 'QUIC']);
/**
 * RuleInput.ForwardType: "目前支持 HTTP/HTTPS/GRPC/GRPCS/TRPC，TRPC暂未对外开放" (⚠ assumed: TRPC, not open, is refused);
 * ModifyRule.ForwardType: "可取值：HTTP、HTTPS、GRPC。仅HTTPS监听器该参数有效".
 */
const CREATE_FORWARD_TYPES = ['HTTP', 'HTTPS', 'GRPC', 'GRPCS'];
const MODIFY_FORWARD_TYPES = ['HTTP', 'HTTPS', 'GRPC'];

const RULE_SESSION_MAX = 86_400;

/** 0 (off) or 30–3600 s on a TCP/UDP listener; 30–86400 s on a layer-7 rule (RuleInput, ModifyRule). */
function sessionExpireTime(value: number | undefined, max = 3600): number {
  if (value === undefined || value === null || value === 0) return 0;
  inRange('SessionExpireTime', value, 30, max);
  return value;
}

function scheduler(value: string | undefined, fallback = 'WRR'): string {
  if (value === undefined || value === null) return fallback;
  if (!SCHEDULERS.has(value)) fail('InvalidParameterValue', `Scheduler ${value} is invalid; accepted: WRR, LEAST_CONN, IP_HASH.`);
  return value;
}

/** KeepaliveEnable 0|1, HTTP and HTTPS listeners only ("此参数仅适用于HTTP/HTTPS监听器"). */
function keepaliveEnable(value: number | undefined, protocol: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!LAYER7.has(protocol)) fail('InvalidParameter', `KeepaliveEnable is only accepted on HTTP and HTTPS listeners, not on a ${protocol} listener.`);
  inRange('KeepaliveEnable', value, 0, 1);
  return value;
}

/** DeregisterTargetRst true|false, TCP and UDP listeners only. */
function deregisterTargetRst(value: boolean | undefined, protocol: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (!RESCHEDULING.has(protocol)) fail('InvalidParameter', `DeregisterTargetRst is only accepted on TCP and UDP listeners, not on a ${protocol} listener.`);
  if (typeof value !== 'boolean') fail('InvalidParameterValue', `DeregisterTargetRst ${JSON.stringify(value)} is invalid; accepted: true, false.`);
  return value;
}

type RescheduleRequest = Pick<clb.CreateListenerRequest, 'RescheduleTargetZeroWeight' | 'RescheduleUnhealthy' | 'RescheduleExpandTarget' | 'RescheduleStartTime' | 'RescheduleInterval'>;

/** The rescheduling fields of a CreateListener or ModifyListener over `base`: TCP and UDP only, switches boolean, times 0–3600 s. */
function reschedule(r: RescheduleRequest, protocol: string, base: Reschedule): Reschedule | undefined {
  const given = (['RescheduleTargetZeroWeight', 'RescheduleUnhealthy', 'RescheduleExpandTarget', 'RescheduleStartTime', 'RescheduleInterval'] as const).filter((k) => r[k] !== undefined && r[k] !== null);
  if (!given.length) return undefined;
  if (!RESCHEDULING.has(protocol)) fail('InvalidParameter', `${given[0]} is only accepted on TCP and UDP listeners, not on a ${protocol} listener.`);
  const flag = (key: 'RescheduleTargetZeroWeight' | 'RescheduleUnhealthy' | 'RescheduleExpandTarget', was: boolean) => {
    const v = r[key];
    if (v === undefined || v === null) return was;
    return typeof v === 'boolean' ? v : fail('InvalidParameterValue', `${key} ${JSON.stringify(v)} is invalid; accepted: true, false.`);
  };
  const seconds = (key: 'RescheduleStartTime' | 'RescheduleInterval', was: number) => {
    const v = r[key];
    if (v === undefined || v === null) return was;
    return Number.isInteger(v) && v >= 0 && v <= 3600 ? v : fail('InvalidParameterValue', `${key} ${JSON.stringify(v)} is invalid; accepted: an integer from 0 to 3600.`);
  };
  return {
    targetZeroWeight: flag('RescheduleTargetZeroWeight', base.targetZeroWeight),
    unhealthy: flag('RescheduleUnhealthy', base.unhealthy),
    expandTarget: flag('RescheduleExpandTarget', base.expandTarget),
    startTime: seconds('RescheduleStartTime', base.startTime),
    interval: seconds('RescheduleInterval', base.interval),
  };
}

/**
 * A rule's ForwardType, of `accepted`. Only an HTTPS listener forwards anything but HTTP (⚠ assumed: the API
 * refuses another value on an HTTP listener rather than ignoring it).
 */
function forwardType(value: string | undefined, listener: SimListener, accepted: readonly string[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!accepted.includes(value)) fail('InvalidParameterValue', `ForwardType ${JSON.stringify(value)} is invalid; accepted: ${accepted.join(', ')}.`);
  if (value !== 'HTTP' && listener.protocol !== 'HTTPS') fail('InvalidParameter', `ForwardType ${value} needs an HTTPS listener; ${listener.id} is ${listener.protocol} and forwards HTTP.`);
  return value;
}

type ListenerFields = Pick<SimListener, 'protocol' | 'sessionExpireTime' | 'scheduler' | 'healthCheck' | 'certificate' | 'sniSwitch' | 'keepaliveEnable' | 'deregisterTargetRst' | 'reschedule'>;

export function createListenerFields(r: clb.CreateListenerRequest, lb: SimLoadBalancer): ListenerFields {
  const protocol = r.Protocol;
  if (!protocol) return fail('MissingParameter', 'Protocol is required.');
  if (!PROTOCOLS.has(protocol)) fail('InvalidParameterValue', `Protocol ${protocol} is invalid; accepted: TCP, UDP, HTTP, HTTPS, TCP_SSL, QUIC.`);
  const layer7 = LAYER7.has(protocol);
  if (layer7 && (r.SessionExpireTime || r.Scheduler || r.HealthCheck)) {
    fail('InvalidParameter', 'HealthCheck, Scheduler and SessionExpireTime are set per rule on HTTP/HTTPS listeners.');
  }
  const sniSwitch = r.SniSwitch ?? 0;
  if (sniSwitch && protocol !== 'HTTPS') fail('InvalidParameter', 'SniSwitch is only accepted for HTTPS listeners.');
  const needsCertificate = CERTIFIED.has(protocol) && !sniSwitch;
  if (needsCertificate && !r.Certificate?.CertId) fail('MissingParameter', `Certificate.CertId is required for a ${protocol} listener.`);
  if (r.Certificate && !CERTIFIED.has(protocol)) fail('InvalidParameter', `A ${protocol} listener does not take a Certificate.`);
  return {
    protocol,
    sessionExpireTime: sessionExpireTime(r.SessionExpireTime),
    scheduler: scheduler(r.Scheduler),
    healthCheck: healthCheck(r.HealthCheck, DEFAULT_HEALTH_CHECK, listenerSite(lb, protocol)),
    ...(r.Certificate ? { certificate: { SSLMode: r.Certificate.SSLMode ?? 'UNIDIRECTIONAL', ...stripNulls(r.Certificate) } } : {}),
    sniSwitch,
    // Off unless asked: "默认值0表示不开启" (KeepaliveEnable); DeregisterTargetRst has no documented default (⚠ assumed off).
    keepaliveEnable: keepaliveEnable(r.KeepaliveEnable, protocol) ?? 0,
    deregisterTargetRst: deregisterTargetRst(r.DeregisterTargetRst, protocol) ?? false,
    reschedule: reschedule(r, protocol, NO_RESCHEDULE) ?? { ...NO_RESCHEDULE },
  };
}

export function modifyListenerFields(lb: SimLoadBalancer, listener: SimListener, r: clb.ModifyListenerRequest): Partial<SimListener> {
  const layer7 = LAYER7.has(listener.protocol);
  if (layer7 && (r.SessionExpireTime !== undefined || r.Scheduler !== undefined || r.HealthCheck !== undefined)) {
    fail('InvalidParameter', 'HealthCheck, Scheduler and SessionExpireTime are set per rule on HTTP/HTTPS listeners.');
  }
  if (r.SniSwitch !== undefined && listener.protocol !== 'HTTPS') fail('InvalidParameter', 'SniSwitch is only accepted for HTTPS listeners.');
  if (r.Certificate && !CERTIFIED.has(listener.protocol)) fail('InvalidParameter', `A ${listener.protocol} listener does not take a Certificate.`);
  if (r.Certificate && !r.Certificate.CertId) fail('MissingParameter', 'Certificate.CertId is required.');
  if (r.ListenerName !== undefined && r.ListenerName.length > 80) fail('InvalidParameterValue.Length', 'ListenerName is longer than 80 characters.');
  const keepalive = keepaliveEnable(r.KeepaliveEnable, listener.protocol);
  const rst = deregisterTargetRst(r.DeregisterTargetRst, listener.protocol);
  const rescheduled = reschedule(r, listener.protocol, listener.reschedule);
  return {
    ...(r.ListenerName !== undefined ? { name: r.ListenerName } : {}),
    ...(r.SessionExpireTime !== undefined ? { sessionExpireTime: sessionExpireTime(r.SessionExpireTime) } : {}),
    ...(r.Scheduler !== undefined ? { scheduler: scheduler(r.Scheduler) } : {}),
    ...(r.HealthCheck !== undefined ? { healthCheck: healthCheck(r.HealthCheck, listener.healthCheck, listenerSite(lb, listener.protocol)) } : {}),
    ...(r.Certificate ? { certificate: { SSLMode: r.Certificate.SSLMode ?? 'UNIDIRECTIONAL', ...stripNulls(r.Certificate) } } : {}),
    ...(r.SniSwitch !== undefined ? { sniSwitch: r.SniSwitch } : {}),
    ...(keepalive !== undefined ? { keepaliveEnable: keepalive } : {}),
    ...(rst !== undefined ? { deregisterTargetRst: rst } : {}),
    ...(rescheduled ? { reschedule: rescheduled } : {}),
  };
}

type RuleFields = Pick<SimRule, 'domain' | 'url' | 'sessionExpireTime' | 'scheduler' | 'healthCheck' | 'forwardType'>;

/** A new rule's settings, checked as CreateRule checks them; `seen` holds the domain+url of the listener's rules so far. */
export function newRuleFields(input: Partial<clb.RuleInput>, lb: SimLoadBalancer, listener: SimListener, seen: Set<string>): RuleFields {
  if (!input.Url) return fail('MissingParameter', 'Rules.Url is required.');
  if (!input.Domain) return fail('MissingParameter', `Rules.Domain is required (use the VIP ${lb.vips[0] ?? lb.domain} for rules without a host).`);
  const fields: RuleFields = {
    domain: input.Domain,
    url: input.Url,
    sessionExpireTime: sessionExpireTime(input.SessionExpireTime, RULE_SESSION_MAX),
    scheduler: scheduler(input.Scheduler),
    healthCheck: healthCheck(input.HealthCheck, DEFAULT_HEALTH_CHECK, ruleSite(lb, listener.protocol)),
    forwardType: forwardType(input.ForwardType, listener, CREATE_FORWARD_TYPES) ?? 'HTTP',
  };
  if (!isValidDomain(fields.domain)) fail('InvalidParameterValue', `Domain ${fields.domain} is not a valid host name.`);
  if (!isValidUrl(fields.url)) fail('InvalidParameterValue', `Url ${fields.url} is invalid: 1-120 characters of a-z A-Z 0-9 . - / = ?, starting with /.`);
  if (seen.has(`${fields.domain}${fields.url}`)) fail('InvalidParameterValue.Duplicate', `A rule for ${fields.domain}${fields.url} already exists on ${listener.id}.`);
  seen.add(`${fields.domain}${fields.url}`);
  return fields;
}

/** What ModifyRule changes, checked as it checks them: a given health check is merged over the rule's own. */
export function modifyRuleFields(lb: SimLoadBalancer, listener: SimListener, rule: SimRule, r: clb.ModifyRuleRequest): Partial<RuleFields> {
  if (r.Url !== undefined) {
    if (!isValidUrl(r.Url)) fail('InvalidParameterValue', `Url ${r.Url} is invalid.`);
    if ([...listener.rules.values()].some((x) => x !== rule && x.domain === rule.domain && x.url === r.Url)) fail('InvalidParameterValue.Duplicate', `A rule for ${rule.domain}${r.Url} already exists.`);
  }
  const forward = forwardType(r.ForwardType, listener, MODIFY_FORWARD_TYPES);
  return {
    ...(r.Url !== undefined ? { url: r.Url } : {}),
    ...(r.SessionExpireTime !== undefined ? { sessionExpireTime: sessionExpireTime(r.SessionExpireTime, RULE_SESSION_MAX) } : {}),
    ...(r.Scheduler !== undefined ? { scheduler: scheduler(r.Scheduler) } : {}),
    ...(r.HealthCheck !== undefined ? { healthCheck: healthCheck(r.HealthCheck, rule.healthCheck, ruleSite(lb, listener.protocol)) } : {}),
    ...(forward !== undefined ? { forwardType: forward } : {}),
  };
}

/** A listener port must be in range and free: TCP, HTTP, HTTPS and TCP_SSL share one port space, UDP and QUIC another. */
export function checkListenerPort(lb: SimLoadBalancer, protocol: string, port: number, repeatedInCall = false): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail('InvalidParameterValue.Range', `Port ${port} is out of range [1, 65535].`);
  const family = TCP_FAMILY.has(protocol) ? TCP_FAMILY : null;
  const taken = [...lb.listeners.values()].some((l) => l.port === port && (l.protocol === protocol || (family?.has(l.protocol) ?? false)));
  if (taken || repeatedInCall) fail('InvalidParameter.PortCheckFailed', `Port ${port} is already used by a ${protocol}-compatible listener on ${lb.id}.`);
}

/** TOTAL_LISTENER_QUOTA: `count` more listeners must fit on the CLB. */
export function checkListenerQuota(lb: SimLoadBalancer, count: number, quota: number): void {
  if (lb.listeners.size + count > quota) fail('LimitExceeded', `Creating ${count} listener(s) exceeds the quota of ${quota} per CLB (${lb.listeners.size} in use).`);
}

/** TOTAL_LISTENER_RULE_QUOTA: `count` more rules must fit on the listener. */
export function checkRuleQuota(listener: SimListener, count: number, quota: number): void {
  if (listener.rules.size + count > quota) fail('LimitExceeded', `Creating ${count} rule(s) exceeds the quota of ${quota} per listener (${listener.rules.size} in use).`);
}

export function requireRule(listener: SimListener, id: string | undefined): SimRule {
  return (id !== undefined ? listener.rules.get(id) : undefined) ?? fail('InvalidParameter.LocationNotFound', `Rule ${id} does not exist on ${listener.id}.`);
}

/** Redirects go from an HTTP/HTTPS listener to another one. */
export function checkRedirectListeners(source: SimListener, target: SimListener): void {
  if (!LAYER7.has(source.protocol) || !LAYER7.has(target.protocol)) fail('InvalidParameter.ProtocolCheckFailed', 'Redirects need HTTP/HTTPS listeners.');
  if (source.id === target.id) fail('InvalidParameter', 'A rule cannot redirect to its own listener.');
}

/** The rules of one redirect, which cannot chain: its target does not redirect, its source is no redirect's target. */
export function redirectRules(lb: SimLoadBalancer, source: SimListener, target: SimListener, sourceRuleId: string, targetRuleId: string): { from: SimRule; to: SimRule } {
  const from = requireRule(source, sourceRuleId);
  const to = requireRule(target, targetRuleId);
  if (to.rewrite) fail('InvalidParameter.RewriteAlreadyExist', `Rule ${to.id} redirects itself: redirects cannot chain.`);
  const redirectedTo = [...lb.listeners.values()].some((l) => [...l.rules.values()].some((x) => x.rewrite?.locationId === from.id));
  if (redirectedTo) fail('InvalidParameter.RewriteAlreadyExist', `Rule ${from.id} is the target of a redirect: redirects cannot chain.`);
  return { from, to };
}
