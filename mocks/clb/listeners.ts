/**
 * Listener and rule settings: what CreateListener / ModifyListener / CreateRule accept, with the API's defaults,
 * and the checks on ports, quotas, rules and redirects that both the API actions and seeding apply.
 */
import type { clb } from '../../providers/tencentcloud/api.js';
import { fail } from './api-error.js';
import { LAYER7, TCP_FAMILY, type SimListener, type SimLoadBalancer, type SimRule } from './state.js';
import { isValidDomain, isValidUrl } from './support.js';

const PROTOCOLS = new Set(['TCP', 'UDP', 'HTTP', 'HTTPS', 'TCP_SSL', 'QUIC']);
const SCHEDULERS = new Set(['WRR', 'LEAST_CONN', 'IP_HASH']);
const CERTIFIED = new Set(['HTTPS', 'TCP_SSL', 'QUIC']);

/** What the API fills in when a health check is not given. */
export const DEFAULT_HEALTH_CHECK: Readonly<clb.HealthCheck> = { HealthSwitch: 1, TimeOut: 2, IntervalTime: 5, HealthNum: 3, UnHealthNum: 3 };

function inRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && value !== null && (!Number.isInteger(value) || value < min || value > max)) {
    fail('InvalidParameterValue.Range', `${name} ${value} is out of range [${min}, ${max}].`);
  }
}

function healthCheck(input: clb.HealthCheck | undefined, base: clb.HealthCheck = DEFAULT_HEALTH_CHECK): clb.HealthCheck {
  const merged = { ...base, ...stripNulls(input ?? {}) };
  inRange('HealthCheck.HealthSwitch', merged.HealthSwitch, 0, 1);
  inRange('HealthCheck.TimeOut', merged.TimeOut, 2, 60);
  inRange('HealthCheck.IntervalTime', merged.IntervalTime, 2, 300);
  inRange('HealthCheck.HealthNum', merged.HealthNum, 2, 10);
  inRange('HealthCheck.UnHealthNum', merged.UnHealthNum, 2, 10);
  return merged;
}

function sessionExpireTime(value: number | undefined): number {
  if (value === undefined || value === null || value === 0) return 0;
  inRange('SessionExpireTime', value, 30, 3600);
  return value;
}

function scheduler(value: string | undefined, fallback = 'WRR'): string {
  if (value === undefined || value === null) return fallback;
  if (!SCHEDULERS.has(value)) fail('InvalidParameterValue', `Scheduler ${value} is invalid; accepted: WRR, LEAST_CONN, IP_HASH.`);
  return value;
}

function stripNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

type ListenerFields = Pick<SimListener, 'protocol' | 'sessionExpireTime' | 'scheduler' | 'healthCheck' | 'certificate' | 'sniSwitch'>;

export function createListenerFields(r: clb.CreateListenerRequest): ListenerFields {
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
    healthCheck: healthCheck(r.HealthCheck),
    ...(r.Certificate ? { certificate: { SSLMode: r.Certificate.SSLMode ?? 'UNIDIRECTIONAL', ...stripNulls(r.Certificate) } } : {}),
    sniSwitch,
  };
}

export function modifyListenerFields(listener: SimListener, r: clb.ModifyListenerRequest): Partial<SimListener> {
  const layer7 = LAYER7.has(listener.protocol);
  if (layer7 && (r.SessionExpireTime !== undefined || r.Scheduler !== undefined || r.HealthCheck !== undefined)) {
    fail('InvalidParameter', 'HealthCheck, Scheduler and SessionExpireTime are set per rule on HTTP/HTTPS listeners.');
  }
  if (r.SniSwitch !== undefined && listener.protocol !== 'HTTPS') fail('InvalidParameter', 'SniSwitch is only accepted for HTTPS listeners.');
  if (r.Certificate && !CERTIFIED.has(listener.protocol)) fail('InvalidParameter', `A ${listener.protocol} listener does not take a Certificate.`);
  if (r.Certificate && !r.Certificate.CertId) fail('MissingParameter', 'Certificate.CertId is required.');
  if (r.ListenerName !== undefined && r.ListenerName.length > 80) fail('InvalidParameterValue.Length', 'ListenerName is longer than 80 characters.');
  return {
    ...(r.ListenerName !== undefined ? { name: r.ListenerName } : {}),
    ...(r.SessionExpireTime !== undefined ? { sessionExpireTime: sessionExpireTime(r.SessionExpireTime) } : {}),
    ...(r.Scheduler !== undefined ? { scheduler: scheduler(r.Scheduler) } : {}),
    ...(r.HealthCheck !== undefined ? { healthCheck: healthCheck(r.HealthCheck, listener.healthCheck) } : {}),
    ...(r.Certificate ? { certificate: { SSLMode: r.Certificate.SSLMode ?? 'UNIDIRECTIONAL', ...stripNulls(r.Certificate) } } : {}),
    ...(r.SniSwitch !== undefined ? { sniSwitch: r.SniSwitch } : {}),
  };
}

type RuleFields = Pick<SimRule, 'domain' | 'url' | 'sessionExpireTime' | 'scheduler' | 'healthCheck' | 'forwardType'>;

export function createRuleFields(input: Partial<clb.RuleInput>, lb: SimLoadBalancer): RuleFields {
  if (!input.Url) return fail('MissingParameter', 'Rules.Url is required.');
  if (!input.Domain) return fail('MissingParameter', `Rules.Domain is required (use the VIP ${lb.vips[0] ?? lb.domain} for rules without a host).`);
  const forwardType = input.ForwardType ?? 'HTTP';
  if (!['HTTP', 'HTTPS', 'GRPC', 'GRPCS', 'TRPC'].includes(forwardType)) fail('InvalidParameterValue', `ForwardType ${forwardType} is invalid.`);
  return {
    domain: input.Domain,
    url: input.Url,
    sessionExpireTime: sessionExpireTime(input.SessionExpireTime),
    scheduler: scheduler(input.Scheduler),
    healthCheck: healthCheck(input.HealthCheck),
    forwardType,
  };
}

/** A new rule's settings, checked as CreateRule checks them; `seen` holds the domain+url of the listener's rules so far. */
export function newRuleFields(input: Partial<clb.RuleInput>, lb: SimLoadBalancer, listener: SimListener, seen: Set<string>): RuleFields {
  const fields = createRuleFields(input, lb);
  if (!isValidDomain(fields.domain)) fail('InvalidParameterValue', `Domain ${fields.domain} is not a valid host name.`);
  if (!isValidUrl(fields.url)) fail('InvalidParameterValue', `Url ${fields.url} is invalid: 1-120 characters of a-z A-Z 0-9 . - / = ?, starting with /.`);
  if (seen.has(`${fields.domain}${fields.url}`)) fail('InvalidParameterValue.Duplicate', `A rule for ${fields.domain}${fields.url} already exists on ${listener.id}.`);
  seen.add(`${fields.domain}${fields.url}`);
  return fields;
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
