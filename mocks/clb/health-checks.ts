/**
 * Health checks as the API takes them (the SDK's HealthCheck model, clb_models.d.ts): the defaults it fills in, the
 * ranges of each field, the check types each listener protocol (or rule) accepts, and what a check type requires.
 * Where the documentation says a field "only applies" somewhere, the simulator refuses it elsewhere — but only where
 * no check type could use it (a UDP listener never checks over HTTP); ⚠ assumed: the API may instead ignore it, and
 * a refusal is the safe side (a controller never sends what the cloud might silently drop and then reads as drift).
 */
import type { clb } from '../../providers/tencentcloud/api.js';
import { fail } from './api-error.js';
import type { SimLoadBalancer } from './state.js';

/** What the API fills in when a health check is not given. */
export const DEFAULT_HEALTH_CHECK: Readonly<clb.HealthCheck> = { HealthSwitch: 1, TimeOut: 2, IntervalTime: 5, HealthNum: 3, UnHealthNum: 3 };

/** Where a health check is: a listener of `protocol` (layer 4), or a rule of an HTTP or HTTPS listener. */
export interface HealthCheckSite {
  readonly protocol: string;
  readonly rule: boolean;
  readonly lb: SimLoadBalancer;
}

export const listenerSite = (lb: SimLoadBalancer, protocol: string): HealthCheckSite => ({ lb, protocol, rule: false });
export const ruleSite = (lb: SimLoadBalancer, listenerProtocol: string): HealthCheckSite => ({ lb, protocol: listenerProtocol, rule: true });

/** CheckType: "UDP监听器支持PING/CUSTOM，TCP监听器支持TCP/HTTP/CUSTOM，TCP_SSL/QUIC监听器支持TCP/HTTP，HTTP规则支持HTTP/GRPC，HTTPS规则支持HTTP/HTTPS/GRPC". */
const LISTENER_CHECK_TYPES: Readonly<Record<string, readonly string[]>> = { TCP: ['TCP', 'HTTP', 'CUSTOM'], UDP: ['PING', 'CUSTOM'], TCP_SSL: ['TCP', 'HTTP'], QUIC: ['TCP', 'HTTP'] };
const RULE_CHECK_TYPES: Readonly<Record<string, readonly string[]>> = { HTTP: ['HTTP', 'GRPC'], HTTPS: ['HTTP', 'HTTPS', 'GRPC'] };
/** The CUSTOM-check fields and CheckPort: "仅适用于TCP/UDP监听器". */
const CUSTOM_CHECK_PROTOCOLS = new Set(['TCP', 'UDP']);
const HTTP_CHECK_FIELDS = ['HttpCode', 'HttpCheckPath', 'HttpCheckMethod', 'HttpCheckDomain'] as const;
const HTTP_VERSIONS = ['HTTP/1.0', 'HTTP/1.1'];
const CONTEXT_MAX_LENGTH = 500;

/** An integer in [min, max], or absent. */
export function inRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && value !== null && (!Number.isInteger(value) || value < min || value > max)) {
    fail('InvalidParameterValue.Range', `${name} ${value} is out of range [${min}, ${max}].`);
  }
}

function oneOf(name: string, value: string | undefined, accepted: readonly string[], where = ''): void {
  if (value !== undefined && !accepted.includes(value)) fail('InvalidParameterValue', `${name} ${JSON.stringify(value)} is invalid${where}; accepted: ${accepted.join(', ')}.`);
}

export function stripNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

const siteName = (site: HealthCheckSite) => (site.rule ? `a rule of an ${site.protocol} listener` : `a ${site.protocol} listener`);

/** The check a listener runs when CheckType was never set: TCP, TCP_SSL, QUIC check over TCP, UDP pings. */
const listenerDefaultCheckType = (protocol: string) => (protocol === 'UDP' ? 'PING' : 'TCP');

/** `input` over `base` (a new check over the defaults, a modification over the stored check), checked as the API checks it. */
export function healthCheck(input: clb.HealthCheck | undefined, base: clb.HealthCheck, site: HealthCheckSite): clb.HealthCheck {
  const given = stripNulls(input ?? {});
  const merged: clb.HealthCheck = { ...base, ...given };
  // CheckPort: "传参数值-1可恢复默认设置" — -1 goes back to checking the target's own port.
  if (given.CheckPort === -1) delete merged.CheckPort;
  inRange('HealthCheck.HealthSwitch', merged.HealthSwitch, 0, 1);
  inRange('HealthCheck.TimeOut', merged.TimeOut, 2, 60);
  // "IPv4 CLB实例的取值范围为：2-300，IPv6 CLB 实例的取值范围为：5-300".
  inRange('HealthCheck.IntervalTime', merged.IntervalTime, /^IPV6/i.test(site.lb.addressIPVersion) ? 5 : 2, 300);
  inRange('HealthCheck.HealthNum', merged.HealthNum, 2, 10);
  inRange('HealthCheck.UnHealthNum', merged.UnHealthNum, 2, 10);
  // "响应超时时间要小于检查间隔时间" (the code is ⚠ assumed).
  if (merged.TimeOut !== undefined && merged.IntervalTime !== undefined && merged.TimeOut >= merged.IntervalTime) {
    fail('InvalidParameterValue', `HealthCheck.TimeOut ${merged.TimeOut} must be less than HealthCheck.IntervalTime ${merged.IntervalTime}.`);
  }
  inRange('HealthCheck.SourceIpType', merged.SourceIpType, 0, 1);
  const checkTypes = (site.rule ? RULE_CHECK_TYPES : LISTENER_CHECK_TYPES)[site.protocol];
  if (checkTypes) oneOf('HealthCheck.CheckType', merged.CheckType, checkTypes, ` on ${siteName(site)}`);
  else if (merged.CheckType !== undefined) fail('InvalidParameter', `HealthCheck.CheckType is not accepted on ${siteName(site)}.`);
  customCheckFields(merged, site);
  httpCheckFields(merged, site);
  return merged;
}

/** CheckPort, ContextType, SendContext, RecvContext: TCP and UDP listeners; a CUSTOM check needs the last three. */
function customCheckFields(hc: clb.HealthCheck, site: HealthCheckSite): void {
  const customSite = !site.rule && CUSTOM_CHECK_PROTOCOLS.has(site.protocol);
  for (const key of ['CheckPort', 'ContextType', 'SendContext', 'RecvContext'] as const) {
    if (hc[key] !== undefined && !customSite) fail('InvalidParameter', `HealthCheck.${key} is only accepted on TCP and UDP listeners, not on ${siteName(site)}.`);
  }
  if (!customSite) return;
  inRange('HealthCheck.CheckPort', hc.CheckPort, 1, 65535);
  oneOf('HealthCheck.ContextType', hc.ContextType, ['HEX', 'TEXT']);
  if ((hc.CheckType ?? listenerDefaultCheckType(site.protocol)) === 'CUSTOM') {
    for (const key of ['ContextType', 'SendContext', 'RecvContext'] as const) {
      if (!hc[key]) fail('MissingParameter', `HealthCheck.${key} is required when HealthCheck.CheckType is CUSTOM.`);
    }
  }
  for (const key of ['SendContext', 'RecvContext'] as const) {
    const context = hc[key];
    if (context === undefined) continue;
    // "只允许ASCII可见字符，最大长度限制500" (⚠ assumed: the space counts as visible).
    if (typeof context !== 'string' || !/^[\x20-\x7e]*$/.test(context)) fail('InvalidParameterValue', `HealthCheck.${key} must be visible ASCII characters.`);
    if (context.length > CONTEXT_MAX_LENGTH) fail('InvalidParameterValue.Length', `HealthCheck.${key} is ${context.length} characters long; at most ${CONTEXT_MAX_LENGTH} are accepted.`);
    // "取值为HEX时，SendContext和RecvContext的字符只能在0123456789ABCDEF中选取且长度必须是偶数位".
    if (hc.ContextType === 'HEX' && !/^(?:[0-9A-F]{2})*$/.test(context)) {
      fail('InvalidParameterValue', `HealthCheck.${key} ${JSON.stringify(context)} is not HEX: an even number of the characters 0123456789ABCDEF.`);
    }
  }
}

/**
 * HttpCode, HttpCheckPath, HttpCheckMethod, HttpCheckDomain: rules, and listeners whose check can be HTTP (UDP's never
 * is); HttpVersion: TCP listeners only. A TCP listener's HTTP check needs HttpCheckDomain and HttpVersion ("必填", "必传").
 */
function httpCheckFields(hc: clb.HealthCheck, site: HealthCheckSite): void {
  const httpSite = site.rule || LISTENER_CHECK_TYPES[site.protocol]?.includes('HTTP') === true;
  for (const key of HTTP_CHECK_FIELDS) {
    if (hc[key] !== undefined && !httpSite) fail('InvalidParameter', `HealthCheck.${key} is only accepted where the check can be HTTP, not on ${siteName(site)}.`);
  }
  const tcpListener = !site.rule && site.protocol === 'TCP';
  if (hc.HttpVersion !== undefined && !tcpListener) fail('InvalidParameter', `HealthCheck.HttpVersion is only accepted on TCP listeners, not on ${siteName(site)}.`);
  // "健康检查状态码 … 可选值：1~31": a bit mask of 1xx (1), 2xx (2), 3xx (4), 4xx (8), 5xx (16).
  inRange('HealthCheck.HttpCode', hc.HttpCode, 1, 31);
  oneOf('HealthCheck.HttpCheckMethod', hc.HttpCheckMethod, ['HEAD', 'GET']);
  if (hc.HttpCheckPath !== undefined && !String(hc.HttpCheckPath).startsWith('/')) fail('InvalidParameterValue', `HealthCheck.HttpCheckPath ${JSON.stringify(hc.HttpCheckPath)} must start with /.`);
  oneOf('HealthCheck.HttpVersion', hc.HttpVersion, HTTP_VERSIONS);
  if (tcpListener && hc.CheckType === 'HTTP') {
    if (!hc.HttpCheckDomain) fail('MissingParameter', 'HealthCheck.HttpCheckDomain is required for an HTTP check on a TCP listener.');
    if (!hc.HttpVersion) fail('MissingParameter', `HealthCheck.HttpVersion is required for an HTTP check on a TCP listener; accepted: ${HTTP_VERSIONS.join(', ')}.`);
  }
}
