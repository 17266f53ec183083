/**
 * TkeServiceConfig (cloud.tencent.com/v1alpha1, TKE doc 457/45490): per-listener settings a Service or an Ingress
 * names by annotation — health checks, schedulers, session persistence, and per-rule settings on layer 7. PURE:
 * the config object and the built model in, the model with the configured settings out.
 *
 * TKE's semantics: a setting the config has is enforced (console drift is put back); a setting it lacks is left as
 * the CLB has it (the plan compares only what the model sets). A listener or rule whose config has a bad field
 * keeps ALL its settings as they are — never half a health check — with a Warning naming the field, the value and
 * the accepted range.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { HealthCheck, Scheduler } from '../../providers/provider.js';
import { DEFAULT_DOMAIN, listenerKey, type DesiredListener, type DesiredRule } from '../model/desired.js';
import { problem, type Problem } from '../model/problems.js';
import { dropUndefined } from '../annotations/parse.js';

export const TKE_SERVICE_CONFIG = { group: 'cloud.tencent.com', version: 'v1alpha1', plural: 'tkeserviceconfigs', kind: 'TkeServiceConfig' } as const;

export interface TkeServiceConfig extends KubernetesObject {
  spec?: { loadBalancer?: { l4Listeners?: unknown; l7Listeners?: unknown } };
}

/** The settings of one layer-4 listener, or of one layer-7 rule, as the model carries them. */
export interface ConfiguredSettings {
  readonly sessionExpireTime?: number;
  readonly scheduler?: Scheduler;
  readonly healthCheck?: HealthCheck;
  readonly deregisterTargetRst?: boolean;
  readonly rescheduleTargetZeroWeight?: boolean;
  readonly rescheduleUnhealthy?: boolean;
  readonly rescheduleExpandTarget?: boolean;
  readonly rescheduleStartTime?: number;
  readonly rescheduleInterval?: number;
  readonly forwardType?: 'HTTP' | 'HTTPS' | 'GRPC';
}

/** Our extension (CLB's connection rescheduling), TCP and UDP listeners only. */
const RESCHEDULING_FIELDS = ['deregisterTargetRst', 'rescheduleTargetZeroWeight', 'rescheduleUnhealthy', 'rescheduleExpandTarget', 'rescheduleStartTime', 'rescheduleInterval'] as const;

export interface ConfiguredL7Listener {
  readonly keepaliveEnable?: boolean;
  /** The listener's default domain (CLB DefaultServer): a host of its rules; `at` is the field, for a Warning. */
  readonly defaultServer?: { readonly domain: string; readonly at: string; readonly config: string };
  /** Rules by `domain` + `url` (the model's ruleKey). */
  readonly rules: ReadonlyMap<string, ConfiguredSettings>;
}

export interface ListenerSettings {
  /** By `PROTOCOL:port`. */
  readonly l4: ReadonlyMap<string, ConfiguredSettings>;
  readonly l7: ReadonlyMap<string, ConfiguredL7Listener>;
  /** Entries left out for a bad field: their listener (`PROTOCOL:port`) or rule (`PROTOCOL:port|domain+url`) keeps every setting it has. */
  readonly refused: ReadonlySet<string>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads fields of one object of the config, collecting a Problem per bad field. */
class FieldReader {
  bad = false;
  constructor(
    readonly at: string,
    private readonly object: Json,
    private readonly configName: string,
    private readonly problems: Problem[],
  ) {}

  refuse(key: string, value: unknown, accepted: string): undefined {
    this.bad = true;
    const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    this.problems.push(problem('InvalidTkeServiceConfig', `TkeServiceConfig ${this.configName}: ${this.at}.${key}`, shown, `expected ${accepted}; the listener or rule it configures keeps the settings it has`));
    return undefined;
  }

  int(key: string, min: number, max: number): number | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : this.refuse(key, v, `an integer from ${min} to ${max}`);
  }

  bool(key: string): boolean | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.refuse(key, v, 'true or false');
  }

  oneOf<T extends string>(key: string, accepted: readonly T[]): T | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' && (accepted as readonly string[]).includes(v.toUpperCase()) ? (v.toUpperCase() as T) : this.refuse(key, v, accepted.join(' | '));
  }

  text(key: string, check: (s: string) => boolean, accepted: string): string | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' && check(v) ? v : this.refuse(key, v, accepted);
  }

  child(key: string): FieldReader | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) return this.refuse(key, v, 'an object');
    return new FieldReader(`${this.at}.${key}`, v, this.configName, this.problems);
  }

  list(key: string): FieldReader[] {
    const v = this.object[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return this.refuse(key, v, 'a list') ?? [];
    return v.flatMap((item, i) => (isObject(item) ? [new FieldReader(`${this.at}.${key}[${i}]`, item, this.configName, this.problems)] : (this.refuse(`${key}[${i}]`, item, 'an object') ?? [])));
  }

  raw(key: string): unknown {
    return this.object[key];
  }
}

/** Where a health check is: a layer-4 listener of `protocol`, or a rule of an HTTP or HTTPS listener. */
interface CheckSite {
  readonly protocol: string;
  readonly rule: boolean;
}

/** CheckType by site, as the CLB API reference lists them (HealthCheck.CheckType). */
const LISTENER_CHECK_TYPES: Readonly<Record<string, readonly string[]>> = { TCP: ['TCP', 'HTTP', 'CUSTOM'], UDP: ['PING', 'CUSTOM'], TCP_SSL: ['TCP', 'HTTP'], QUIC: ['TCP', 'HTTP'] };
const RULE_CHECK_TYPES: Readonly<Record<string, readonly string[]>> = { HTTP: ['HTTP', 'GRPC'], HTTPS: ['HTTP', 'HTTPS', 'GRPC'] };

/**
 * TKE's health check fields with CLB's ranges (TKE doc 457/45490; CLB HealthCheck model), and the CLB's rules of
 * where each applies — so a value the CLB would refuse is a Warning here, before any write.
 */
function healthCheckOf(r: FieldReader, site: CheckSite): HealthCheck | undefined {
  const enabled = r.bool('enable');
  const contextType = r.oneOf('contextType', ['HEX', 'TEXT']);
  const visible = (s: string) => s.length <= 500 && /^[\x20-\x7e]*$/.test(s) && (contextType !== 'HEX' || /^(?:[0-9a-f]{2})*$/i.test(s));
  const contextRule = contextType === 'HEX' ? 'an even number of hex digits, at most 500' : 'visible ASCII characters, at most 500';
  // CLB takes HEX contexts in upper case only.
  const hexUpper = (context: string | undefined) => (contextType === 'HEX' ? context?.toUpperCase() : context);
  const checkTypes = (site.rule ? RULE_CHECK_TYPES : LISTENER_CHECK_TYPES)[site.protocol] ?? [];
  const hc = dropUndefined<HealthCheck>({
    // Absent: the switch is left as the CLB has it (only what the config sets is enforced).
    enabled,
    intervalSeconds: r.int('intervalTime', 5, 300),
    healthyThreshold: r.int('healthNum', 2, 10),
    unhealthyThreshold: r.int('unHealthNum', 2, 10),
    timeoutSeconds: r.int('timeout', 2, 60),
    checkType: r.oneOf('checkType', checkTypes),
    checkPort: r.int('checkPort', 1, 65535),
    contextType,
    sendContext: hexUpper(r.text('sendContext', visible, contextRule)),
    recvContext: hexUpper(r.text('recvContext', visible, contextRule)),
    httpCheckPath: r.text('httpCheckPath', (s) => /^\/[\x21-\x7e]{0,199}$/.test(s), 'a path starting with /, at most 200 printable characters'),
    httpCheckDomain: r.text('httpCheckDomain', (s) => s.length <= 80 && /^[a-z0-9.*-]*$/i.test(s), 'a domain name, at most 80 characters'),
    httpCheckMethod: r.oneOf('httpCheckMethod', ['HEAD', 'GET']),
    httpVersion: r.oneOf('httpVersion', ['HTTP/1.0', 'HTTP/1.1']),
    httpCode: r.int('httpCode', 1, 31),
    sourceIpType: r.int('sourceIpType', 0, 1),
  });
  if (hc.timeoutSeconds !== undefined && hc.intervalSeconds !== undefined && hc.timeoutSeconds >= hc.intervalSeconds) {
    r.refuse('timeout', hc.timeoutSeconds, `a timeout shorter than intervalTime (${hc.intervalSeconds}), as CLB requires`);
  }
  const where = site.rule ? `a rule of an ${site.protocol} listener` : `a ${site.protocol} listener`;
  const customSite = !site.rule && (site.protocol === 'TCP' || site.protocol === 'UDP');
  for (const key of ['checkPort', 'contextType', 'sendContext', 'recvContext'] as const) {
    if (r.raw(key) !== undefined && !customSite) r.refuse(key, r.raw(key), `nothing on ${where}: CLB takes it on TCP and UDP listeners only`);
  }
  if (hc.checkType === 'CUSTOM') {
    for (const [key, field] of [['contextType', 'contextType'], ['sendContext', 'sendContext'], ['recvContext', 'recvContext']] as const) {
      if (hc[key] === undefined) r.refuse(field, '(none)', 'a value: a CUSTOM check needs contextType, sendContext and recvContext');
    }
  }
  const httpSite = site.rule || (LISTENER_CHECK_TYPES[site.protocol] ?? []).includes('HTTP');
  for (const key of ['httpCheckPath', 'httpCheckDomain', 'httpCheckMethod', 'httpCode'] as const) {
    if (r.raw(key) !== undefined && !httpSite) r.refuse(key, r.raw(key), `nothing on ${where}: its check is never HTTP`);
  }
  const tcpListener = !site.rule && site.protocol === 'TCP';
  if (r.raw('httpVersion') !== undefined && !tcpListener) r.refuse('httpVersion', r.raw('httpVersion'), `nothing on ${where}: CLB takes it on TCP listeners only`);
  if (tcpListener && hc.checkType === 'HTTP') {
    if (!hc.httpCheckDomain) r.refuse('httpCheckDomain', '(none)', 'a domain: CLB requires it for an HTTP check on a TCP listener');
    if (!hc.httpVersion) r.refuse('httpVersion', '(none)', 'HTTP/1.0 or HTTP/1.1: CLB requires it for an HTTP check on a TCP listener');
  }
  // Switched off, the rest is not sent (CLB keeps its last values for when it is switched on again).
  return enabled === false ? { enabled: false } : hc;
}

function sessionOf(r: FieldReader, layer7: boolean): number | undefined {
  const enabled = r.bool('enable');
  const time = r.int('sessionExpireTime', 30, layer7 ? 86_400 : 3600);
  if (enabled === false) return 0;
  return enabled === true ? (time ?? 30) : time;
}

/** Was a field of one listener's or rule's readers refused? Then its settings are left out, all of them. */
const anyRefused = (readers: readonly FieldReader[]) => readers.some((r) => r.bad);

/** The config's settings, by listener and rule; a listener or rule with a bad field is left out (its settings stay). */
export function parseTkeServiceConfig(config: TkeServiceConfig): { settings: ListenerSettings; problems: Problem[] } {
  const problems: Problem[] = [];
  const name = `${config.metadata?.namespace ?? 'default'}/${config.metadata?.name ?? ''}`;
  const l4 = new Map<string, ConfiguredSettings>();
  const l7 = new Map<string, ConfiguredL7Listener>();
  const refused = new Set<string>();
  const spec = isObject(config.spec) ? config.spec : {};
  const root = new FieldReader('spec.loadBalancer', isObject(spec.loadBalancer) ? spec.loadBalancer : {}, name, problems);

  for (const listener of root.list('l4Listeners')) {
    const made: FieldReader[] = [listener];
    const protocol = listener.oneOf('protocol', ['TCP', 'UDP', 'TCP_SSL', 'QUIC']);
    const port = listener.int('port', 1, 65535);
    const track = (r: FieldReader | undefined) => (r && made.push(r), r);
    const settings = settingsOf(listener, { protocol: protocol ?? 'TCP', rule: false }, track);
    const rescheduling = RESCHEDULING_FIELDS.find((key) => listener.raw(key) !== undefined && listener.raw(key) !== null);
    if (rescheduling && protocol !== undefined && protocol !== 'TCP' && protocol !== 'UDP') listener.refuse(rescheduling, listener.raw(rescheduling), `a setting of TCP and UDP listeners only (CLB refuses it on ${protocol})`);
    if (protocol === undefined || port === undefined) continue;
    if (anyRefused(made)) {
      refused.add(listenerKey({ protocol, port }));
      continue;
    }
    l4.set(listenerKey({ protocol, port }), settings);
  }

  for (const listener of root.list('l7Listeners')) {
    const protocol = listener.oneOf('protocol', ['HTTP', 'HTTPS']);
    const port = listener.int('port', 1, 65535);
    // TKE documents keepaliveEnable as 0 | 1; a boolean is taken too.
    const keepaliveEnable = typeof listener.raw('keepaliveEnable') === 'number' ? listener.int('keepaliveEnable', 0, 1) === 1 : listener.bool('keepaliveEnable');
    const defaultServer = listener.text('defaultServer', (s) => /^[a-z0-9*]([a-z0-9.*-]{0,253})$/i.test(s), 'a host name of one of the listener\'s rules');
    if (protocol === undefined || port === undefined || listener.bad) continue;
    const rules = new Map<string, ConfiguredSettings>();
    for (const domain of listener.list('domains')) {
      const host = domain.text('domain', (s) => s === '' || /^[a-z0-9*]([a-z0-9.*-]{0,253})$/i.test(s), 'a host name, or "" for the CLB\'s VIP') ?? '';
      for (const rule of domain.list('rules')) {
        const made: FieldReader[] = [rule];
        const url = rule.text('url', (s) => s.startsWith('/') || s.startsWith('=/'), 'a path starting with / (or =/ for an exact match)');
        const track = (r: FieldReader | undefined) => (r && made.push(r), r);
        const settings = settingsOf(rule, { protocol, rule: true }, track);
        if (url === undefined) continue;
        if (domain.bad || anyRefused(made)) {
          refused.add(`${listenerKey({ protocol, port })}|${host || DEFAULT_DOMAIN}${url}`);
          continue;
        }
        rules.set(`${host || DEFAULT_DOMAIN}${url}`, settings);
      }
    }
    const at = `${listener.at}.defaultServer`;
    l7.set(listenerKey({ protocol, port }), dropUndefined({ keepaliveEnable, rules, defaultServer: defaultServer === undefined ? undefined : { domain: defaultServer, at, config: name } }));
  }
  return { settings: { l4, l7, refused }, problems };
}

/** One listener's (layer 4) or rule's (layer 7) settings; the nested readers it opens are tracked, so a bad nested field leaves the whole listener or rule out. */
function settingsOf(r: FieldReader, site: CheckSite, track: (r: FieldReader | undefined) => FieldReader | undefined): ConfiguredSettings {
  const layer7 = site.rule;
  const session = track(r.child('session'));
  const healthCheck = track(r.child('healthCheck'));
  return dropUndefined<ConfiguredSettings>({
    scheduler: r.oneOf('scheduler', layer7 ? ['WRR', 'LEAST_CONN', 'IP_HASH'] : ['WRR', 'LEAST_CONN']),
    sessionExpireTime: session ? sessionOf(session, layer7) : undefined,
    healthCheck: healthCheck ? healthCheckOf(healthCheck, site) : undefined,
    ...(layer7
      ? { forwardType: r.oneOf('forwardType', site.protocol === 'HTTPS' ? ['HTTP', 'HTTPS', 'GRPC'] : ['HTTP']) }
      : {
          deregisterTargetRst: r.bool('deregisterTargetRst'),
          rescheduleTargetZeroWeight: r.bool('rescheduleTargetZeroWeight'),
          rescheduleUnhealthy: r.bool('rescheduleUnhealthy'),
          rescheduleExpandTarget: r.bool('rescheduleExpandTarget'),
          rescheduleStartTime: r.int('rescheduleStartTime', 0, 3600),
          rescheduleInterval: r.int('rescheduleInterval', 0, 3600),
        }),
  });
}

/**
 * The model's listeners with the configured settings over the built ones (the config wins where it has a value);
 * a default domain no rule of its listener has is a Warning, and left out.
 */
export function withConfiguredSettings(listeners: readonly DesiredListener[], settings: ListenerSettings): { listeners: DesiredListener[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const configured = listeners.map((listener) => {
    const key = listenerKey(listener);
    if (settings.refused.has(key)) return withoutSessions(listener);
    const l4 = settings.l4.get(key);
    if (l4 && listener.rules.length === 0) return { ...listener, ...l4 };
    const l7 = settings.l7.get(key);
    if (!l7) return listener;
    const wanted = l7.defaultServer;
    if (wanted && !listener.rules.some((r) => r.domain === wanted.domain && !r.redirect)) {
      problems.push(problem('InvalidTkeServiceConfig', `TkeServiceConfig ${wanted.config}: ${wanted.at}`, wanted.domain, `no rule of listener ${key} has this host; expected one of ${[...new Set(listener.rules.map((r) => r.domain))].filter((d) => d !== DEFAULT_DOMAIN).join(', ') || '(none)'}; the default domain stays as it is`));
    }
    const rules = withoutSessions(listener, (rule) => settings.refused.has(`${key}|${rule.domain}${rule.url}`)).rules.map((rule): DesiredRule => {
      const configured = l7.rules.get(`${rule.domain}${rule.url}`);
      const withSettings = configured && !rule.redirect ? { ...rule, ...configured } : rule;
      return wanted && rule.domain === wanted.domain && !rule.redirect ? { ...withSettings, defaultServer: true } : withSettings;
    });
    return { ...listener, ...(l7.keepaliveEnable !== undefined ? { keepaliveEnable: l7.keepaliveEnable } : {}), rules };
  });
  return { listeners: configured, problems };
}

/** A kind's two config annotations, and the suffix of the config `-auto` makes. */
export interface ConfigAnnotations {
  readonly named: string;
  readonly auto: string;
  readonly autoSuffix: '-auto-service-config' | '-auto-ingress-config';
}

/** Which config an owner uses: one it names, the one `-auto` keeps, or none; and what is wrong with its annotations. */
export interface ConfigChoice {
  readonly name?: string;
  readonly auto: boolean;
  readonly problems: readonly Problem[];
}

export const autoConfigName = (owner: KubernetesObject, annotations: ConfigAnnotations): string => `${owner.metadata?.name ?? ''}${annotations.autoSuffix}`;

export function configChoice(owner: KubernetesObject, annotations: ConfigAnnotations): ConfigChoice {
  const named = owner.metadata?.annotations?.[annotations.named]?.trim();
  const auto = owner.metadata?.annotations?.[annotations.auto]?.trim();
  if (auto !== undefined && auto !== 'true' && auto !== 'false') {
    const bad = problem('InvalidAnnotation', annotations.auto, auto, `expected "true" or "false"; ${named ? `the config ${named} is used` : 'no config is kept for this object'}`);
    return { ...(named ? { name: named } : {}), auto: false, problems: [bad] };
  }
  if (named && auto === 'true') {
    const both = problem('InvalidAnnotation', annotations.auto, auto, `exclusive with ${annotations.named} (set to "${named}"): the named config is used and no auto config is kept; remove one of the two`);
    return { name: named, auto: false, problems: [both] };
  }
  if (named) return { name: named, auto: false, problems: [] };
  if (auto === 'true') return { name: autoConfigName(owner, annotations), auto: true, problems: [] };
  return { auto: false, problems: [] };
}

/**
 * Without the session persistence the builder gave (the Service's implicit "off"): while a config cannot be
 * applied — missing, not listed yet, a bad entry — the CLB keeps the session it has. The whole listener, or the
 * rules `which` picks.
 */
function withoutSessions(listener: DesiredListener, which?: (rule: DesiredRule) => boolean): DesiredListener {
  const strip = <T extends { readonly sessionExpireTime?: number }>({ sessionExpireTime: _dropped, ...kept }: T): Omit<T, 'sessionExpireTime'> => kept;
  const rules = listener.rules.map((rule) => (!which || which(rule) ? strip(rule) : rule));
  return { ...(which ? listener : strip(listener)), rules };
}

/** The configs a reconcile can look up, and whether that view can be trusted yet (the CRD may not be installed). */
export interface ConfigStore {
  get(name: string, namespace?: string): TkeServiceConfig | undefined;
  readonly hasSynced?: boolean;
}

export type ConfigLookup =
  | { readonly kind: 'none' }
  /** The configs are not listed yet (or the CRD is not installed): the listeners are left as they are meanwhile. */
  | { readonly kind: 'waiting' }
  | { readonly kind: 'found'; readonly settings: ListenerSettings; readonly problems: readonly Problem[] }
  | { readonly kind: 'missing'; readonly problem: Problem };

/** The TkeServiceConfig an owner uses (in its namespace), parsed; `field` is the annotation a missing config is told under. */
function lookUpConfig(owner: KubernetesObject, choice: ConfigChoice, store: ConfigStore | undefined, field: string): ConfigLookup {
  const { name } = choice;
  if (!name) return { kind: 'none' };
  if (!store || store.hasSynced === false) return { kind: 'waiting' };
  const config = store.get(name, owner.metadata?.namespace ?? 'default');
  // An auto config not made yet is made after this reconcile, from what the CLB has: nothing to apply meanwhile.
  if (!config && choice.auto) return { kind: 'none' };
  if (!config) {
    return { kind: 'missing', problem: problem('TkeServiceConfigNotFound', field, name, `no TkeServiceConfig ${name} in namespace ${owner.metadata?.namespace ?? 'default'}; the listeners keep the settings they have`, 'E4043') };
  }
  const { settings, problems } = parseTkeServiceConfig(config);
  return { kind: 'found', settings, problems };
}

/**
 * A built model with the settings of the TkeServiceConfig its owner uses (steps 1–2, after the kind's builder):
 * the config's problems, a missing config and conflicting annotations are Warnings, and the listeners keep their
 * settings meanwhile.
 */
export function withTkeServiceConfig<B extends { readonly model: { readonly listeners: readonly DesiredListener[] }; readonly warnings: readonly Problem[] }>(
  built: B, owner: KubernetesObject, annotations: ConfigAnnotations, store: ConfigStore | undefined,
): B {
  const choice = configChoice(owner, annotations);
  const lookup = lookUpConfig(owner, choice, store, annotations.named);
  const warned = choice.problems.length ? { ...built, warnings: [...built.warnings, ...choice.problems] } : built;
  switch (lookup.kind) {
    case 'none':
      return warned;
    case 'waiting': // looked at again when the configs are listed (the controllers enqueue every owner using one)
      // An auto config holds no session the owner's spec does not set (l4 entries leave it out): the spec's stands.
      return choice.auto ? warned : { ...warned, model: { ...built.model, listeners: built.model.listeners.map((l) => withoutSessions(l)) } };
    case 'missing':
      return { ...warned, model: { ...built.model, listeners: built.model.listeners.map((l) => withoutSessions(l)) }, warnings: [...warned.warnings, lookup.problem] };
    case 'found': {
      const { listeners, problems } = withConfiguredSettings(built.model.listeners, lookup.settings);
      return { ...warned, model: { ...built.model, listeners }, warnings: [...warned.warnings, ...lookup.problems, ...problems] };
    }
  }
}
