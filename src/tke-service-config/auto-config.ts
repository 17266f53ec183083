/**
 * `tke-service-config-auto: "true"`: the controller keeps a TkeServiceConfig named `<owner>-auto-service-config`
 * (`-auto-ingress-config` for an Ingress) holding the settings the owner's listeners have on the CLB. The user
 * edits it to change them (it is then read like any named config); the controller adds an entry when a listener or
 * rule appears, drops the entry of one that is gone, and deletes the config with its owner. PURE, but for the
 * writer interface at the end.
 *
 * An entry the config already has is never rewritten: it is the user's to edit. A new entry takes what the CLB has
 * (one DescribeListeners, only when an entry is added), so the defaults the cloud chose become visible and editable.
 */
import { isDeepStrictEqual } from 'node:util';
import type { CustomObjectsApi, KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { HealthCheck, Listener } from '../../providers/provider.js';
import { DEFAULT_DOMAIN, listenerKey, type DesiredListener } from '../model/desired.js';
import { dropUndefined } from '../annotations/parse.js';
import { autoConfigName, parseTkeServiceConfig, TKE_SERVICE_CONFIG, type ConfigAnnotations, type TkeServiceConfig } from './tke-service-config.js';

const MANAGED_BY = 'app.kubernetes.io/managed-by';
const CONTROLLER = 'clb-controller';

/** Is this config the one the controller keeps for this owner (and so its to update and delete)? */
export function isAutoConfigOf(config: TkeServiceConfig, owner: KubernetesObject): boolean {
  return config.metadata?.labels?.[MANAGED_BY] === CONTROLLER
    && (config.metadata?.ownerReferences ?? []).some((ref) => ref.kind === owner.kind && ref.name === owner.metadata?.name && (!ref.uid || !owner.metadata?.uid || ref.uid === owner.metadata.uid));
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const items = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const keyOfItem = (item: Json) => listenerKey({ protocol: String(item.protocol ?? '').toUpperCase() as never, port: Number(item.port) });
const domainOf = (domain: string) => (domain === DEFAULT_DOMAIN ? '' : domain);
const ruleKeyOf = (domain: string, url: string) => `${domain || DEFAULT_DOMAIN}${url}`;

/** A CLB health check in TKE's field names. */
function healthCheckFields(hc: HealthCheck | undefined): Json | undefined {
  if (!hc) return undefined;
  if (hc.enabled === false) return { enable: false };
  return dropUndefined({
    enable: true,
    intervalTime: hc.intervalSeconds,
    healthNum: hc.healthyThreshold,
    unHealthNum: hc.unhealthyThreshold,
    timeout: hc.timeoutSeconds,
    checkType: hc.checkType,
    checkPort: hc.checkPort,
    contextType: hc.contextType,
    sendContext: hc.sendContext,
    recvContext: hc.recvContext,
    httpCheckPath: hc.httpCheckPath,
    httpCheckDomain: hc.httpCheckDomain,
    httpCheckMethod: hc.httpCheckMethod,
    httpVersion: hc.httpVersion,
    httpCode: hc.httpCode,
    sourceIpType: hc.sourceIpType,
  });
}

const sessionFields = (time: number | undefined): Json | undefined => (time === undefined ? undefined : time > 0 ? { enable: true, sessionExpireTime: time } : { enable: false });

/**
 * Takes out of a new entry the settings our reader would refuse (a value the cloud allows but TKE's range does
 * not, e.g. a 2 s interval): the entry then leaves them as they are, rather than making the whole entry a Warning.
 */
function readable(entry: Json, layer: 'l4Listeners' | 'l7Listeners', settingsAt: (e: Json) => Json): Json {
  const settings = settingsAt(entry);
  // Only the settings the reader names go (the field after the entry's path: `…l4Listeners[0].healthCheck.timeout`).
  for (let tries = 0; tries < 4; tries++) {
    const { problems } = parseTkeServiceConfig({ spec: { loadBalancer: { [layer]: [entry] } } });
    const fields = new Set(problems.map((p) => /(?:l4Listeners|rules)\[\d+\]\.(\w+)/.exec(p.field)?.[1]).filter((f): f is string => f !== undefined && f in settings));
    if (!fields.size) break;
    for (const field of fields) delete settings[field];
  }
  return entry;
}

/** A layer-4 listener's entry. Session persistence is left out: the Service's sessionAffinity sets it. */
function l4Entry(l: Listener): Json {
  const entry = dropUndefined<Json>({ protocol: l.protocol, port: l.port, scheduler: l.scheduler, healthCheck: healthCheckFields(l.healthCheck) });
  return readable(entry, 'l4Listeners', (e) => e);
}

/** A layer-7 rule's entry; `sessions`: false where the owner's spec sets session persistence (a Service's sessionAffinity). */
function ruleEntry(rule: Listener['rules'][number], protocol: string, sessions: boolean): Json {
  const entry = dropUndefined<Json>({
    url: rule.url,
    forwardType: rule.forwardType === 'GRPCS' ? undefined : rule.forwardType,
    scheduler: rule.scheduler,
    session: sessions ? sessionFields(rule.sessionExpireTime) : undefined,
    healthCheck: healthCheckFields(rule.healthCheck),
  });
  const wrapped = { protocol, port: 80, domains: [{ domain: '', rules: [entry] }] };
  readable(wrapped, 'l7Listeners', () => entry);
  return entry;
}

/**
 * Does the config lack an entry for one of these listeners or rules that the CLB has (`actual`, as remembered), so
 * that its settings must be read fresh? One the CLB lacks (a quota, a conflict) gets no entry, and costs no read.
 */
export function lacksEntries(spec: TkeServiceConfig['spec'], model: readonly DesiredListener[], actual: readonly Listener[]): boolean {
  const onCloud = new Map(actual.map((l) => [listenerKey(l), new Set(l.rules.map((r) => `${r.domain}${r.url}`))]));
  const listeners = model.filter((l) => onCloud.has(listenerKey(l))).map((l) => ({ ...l, rules: l.rules.filter((r) => onCloud.get(listenerKey(l))!.has(`${r.domain}${r.url}`)) }));
  const l4 = new Set(items(spec?.loadBalancer?.l4Listeners).map(keyOfItem));
  const l7 = new Map(items(spec?.loadBalancer?.l7Listeners).map((item) => [keyOfItem(item), item]));
  return listeners.some((listener) => {
    const key = listenerKey(listener);
    if (listener.rules.length === 0) return !l4.has(key);
    const rules = new Set(items(l7.get(key)?.domains).flatMap((d) => items(d.rules).map((r) => ruleKeyOf(String(d.domain ?? ''), String(r.url ?? '')))));
    return listener.rules.some((rule) => !rule.redirect && !rules.has(ruleKeyOf(domainOf(rule.domain), rule.url)));
  });
}

/**
 * The spec of an auto config: one entry per listener (layer 4) and per rule (layer 7) of the owner's model that the
 * CLB has — the existing entry where there is one, else what the CLB has; entries of listeners and rules that are
 * gone are dropped. `actual` is the CLB's listeners (those of other owners are not looked at).
 */
export function autoConfigSpec(
  listeners: readonly DesiredListener[], actual: readonly Listener[], existing: TkeServiceConfig['spec'],
  options: { /** Rules left out of the model for a problem: their entries stay while the CLB has them. */ readonly keepExisting?: boolean; /** Record rules' sessions (an Ingress; a Service's come from its spec). */ readonly ruleSessions?: boolean } = {},
): TkeServiceConfig['spec'] {
  const onCloud = new Map(actual.map((l) => [listenerKey(l), l]));
  const kept4 = new Map(items(existing?.loadBalancer?.l4Listeners).map((item) => [keyOfItem(item), item]));
  const kept7 = new Map(items(existing?.loadBalancer?.l7Listeners).map((item) => [keyOfItem(item), item]));
  const l4Listeners: Json[] = [];
  const l7Listeners: Json[] = [];
  for (const listener of listeners) {
    const key = listenerKey(listener);
    const cloud = onCloud.get(key);
    if (listener.rules.length === 0) {
      const entry = kept4.get(key) ?? (cloud ? l4Entry(cloud) : undefined);
      if (entry) l4Listeners.push(entry);
      continue;
    }
    const was = kept7.get(key);
    if (!was && !cloud) continue;
    const keptRules = new Map(items(was?.domains).flatMap((d) => items(d.rules).map((r) => [ruleKeyOf(String(d.domain ?? ''), String(r.url ?? '')), r] as const)));
    const domains = new Map<string, Json[]>();
    const modelled = listener.rules.filter((rule) => !rule.redirect); // a redirect has no backends to check
    // While rules are left out for a problem, the entries of those the CLB still has stay (the user's edits with them).
    const leftOut = options.keepExisting ? (cloud?.rules ?? []).filter((r) => !modelled.some((m) => m.domain === r.domain && m.url === r.url) && keptRules.has(ruleKeyOf(domainOf(r.domain), r.url))) : [];
    for (const rule of [...modelled, ...leftOut]) {
      const domain = domainOf(rule.domain);
      const onCloudRule = cloud?.rules.find((r) => r.domain === rule.domain && r.url === rule.url);
      const entry = keptRules.get(ruleKeyOf(domain, rule.url)) ?? (onCloudRule ? ruleEntry(onCloudRule, listener.protocol, options.ruleSessions ?? false) : undefined);
      if (entry) domains.set(domain, [...(domains.get(domain) ?? []), entry]);
    }
    const keepalive = cloud?.keepaliveEnable === undefined ? undefined : cloud.keepaliveEnable ? 1 : 0;
    const defaultHost = cloud?.rules.find((r) => r.defaultServer)?.domain;
    const defaultServer = defaultHost && defaultHost !== DEFAULT_DOMAIN && domains.has(defaultHost) ? defaultHost : undefined;
    const kept = was ? Object.fromEntries(Object.entries(was).filter(([k]) => k !== 'domains')) : undefined;
    // A default domain whose rules are gone would be a Warning for a value the user may never have written.
    if (kept && typeof kept.defaultServer === 'string' && !domains.has(kept.defaultServer)) delete kept.defaultServer;
    const head = kept ?? dropUndefined<Json>({ protocol: listener.protocol, port: listener.port, keepaliveEnable: keepalive, defaultServer });
    l7Listeners.push({ ...head, domains: [...domains].map(([domain, rules]) => ({ domain, rules })) });
  }
  return { loadBalancer: dropUndefined({ l4Listeners: l4Listeners.length ? l4Listeners : undefined, l7Listeners: l7Listeners.length ? l7Listeners : undefined }) };
}

/** The whole auto config object for an owner: its spec, the controller's label, and an owner reference (Kubernetes' GC deletes it with the owner too). */
export function autoConfigObject(owner: KubernetesObject, annotations: ConfigAnnotations, spec: TkeServiceConfig['spec'], existing?: TkeServiceConfig): TkeServiceConfig {
  const ownerReference: V1OwnerReference = { apiVersion: owner.apiVersion ?? '', kind: owner.kind ?? '', name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '' };
  // Another owner reference someone added stays; ours is the owner as it is now (its uid).
  const others = (existing?.metadata?.ownerReferences ?? []).filter((ref) => !(ref.kind === ownerReference.kind && ref.name === ownerReference.name));
  return {
    apiVersion: `${TKE_SERVICE_CONFIG.group}/${TKE_SERVICE_CONFIG.version}`,
    kind: TKE_SERVICE_CONFIG.kind,
    metadata: {
      ...(existing?.metadata ?? {}),
      name: autoConfigName(owner, annotations),
      namespace: owner.metadata?.namespace ?? 'default',
      labels: { ...(existing?.metadata?.labels ?? {}), [MANAGED_BY]: CONTROLLER },
      ownerReferences: [...others, ownerReference],
    },
    ...(spec ? { spec } : {}),
  };
}

/** Equal in what the controller writes (an API server returns maps with their keys sorted: order does not count). */
export const sameConfig = (a: TkeServiceConfig | undefined, b: TkeServiceConfig): boolean =>
  a !== undefined && isDeepStrictEqual(a.spec ?? {}, b.spec ?? {}) && isDeepStrictEqual(a.metadata?.ownerReferences ?? [], b.metadata?.ownerReferences ?? []) && a.metadata?.labels?.[MANAGED_BY] === CONTROLLER;

/** Writes of auto configs: create, replace (carrying the resourceVersion read, so a concurrent user edit wins), delete. */
export interface AutoConfigWriter {
  create(config: TkeServiceConfig): Promise<unknown>;
  replace(config: TkeServiceConfig): Promise<unknown>;
  delete(name: string, namespace: string): Promise<void>;
}

export function autoConfigWriter(custom: CustomObjectsApi): AutoConfigWriter {
  const { group, version, plural } = TKE_SERVICE_CONFIG;
  return {
    create: (config) => custom.createNamespacedCustomObject({ group, version, plural, namespace: config.metadata?.namespace ?? 'default', body: config }),
    replace: (config) => custom.replaceNamespacedCustomObject({ group, version, plural, namespace: config.metadata?.namespace ?? 'default', name: config.metadata?.name ?? '', body: config }),
    delete: async (name, namespace) => {
      try {
        await custom.deleteNamespacedCustomObject({ group, version, plural, namespace, name });
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
      }
    },
  };
}
