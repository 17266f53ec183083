/**
 * PURE: desired listeners, rules and targets of one owner vs what the CLB has → the fewest changes that
 * make them equal. Only listeners the owner owns (by name) are changed or deleted; a desired listener whose
 * port is held by someone else's listener is reported as a conflict and left out, nothing else is blocked.
 * Both sides are normalised first (defaults the cloud fills in never cause a diff), so a converged owner
 * plans nothing.
 */
import { WRITE_ONLY_LISTENER_SETTINGS, type Certificate, type HealthCheck, type Listener, type ListenerChanges, type ListenerTargets, type LoadBalancer, type Redirect, type RuleChanges, type Target, type TargetBinding } from '../../providers/provider.js';
import { problem, type Problem } from '../model/problems.js';
import { DEFAULT_DOMAIN, listenerKey, portFamily, ruleKey, targetKey, type DesiredListener, type DesiredRule } from '../model/desired.js';

/** A target on a listener or rule that may not exist yet: resolved to ids by apply. */
export interface PlannedBinding {
  readonly listenerKey: string;
  readonly ruleKey?: string;
  readonly target: Target;
}

/** A rule on a listener, by keys (it may not exist yet). */
export interface RuleRef {
  readonly listenerKey: string;
  readonly ruleKey: string;
}

export interface Plan {
  /** Own listeners that hold a port a new listener needs (e.g. TCP:80 becoming HTTP:80): deleted first. */
  readonly deleteListenersFirst: readonly string[];
  readonly createListeners: readonly DesiredListener[];
  readonly modifyListeners: readonly { readonly listenerId: string; readonly changes: ListenerChanges }[];
  readonly createRules: readonly { readonly listenerKey: string; readonly rules: readonly DesiredRule[] }[];
  readonly modifyRules: readonly { readonly listenerId: string; readonly ruleId: string; readonly changes: RuleChanges }[];
  readonly setDomainCertificates: readonly { readonly listenerId: string; readonly domain: string; readonly certificate: Certificate }[];
  /** A configured default domain (TkeServiceConfig defaultServer) that an existing listener does not have as its default. */
  readonly setDefaultDomains: readonly { readonly listenerId: string; readonly domain: string }[];
  /** Redirects to remove (wrong or no longer wanted), before any are set. */
  readonly deleteRedirects: readonly Redirect[];
  readonly setRedirects: readonly { readonly source: RuleRef; readonly target: RuleRef }[];
  /** At a target quota: gone targets removed before the new ones are added, to make room (never the last bound one). */
  readonly deregisterFirst: readonly TargetBinding[];
  readonly register: readonly PlannedBinding[];
  readonly reweight: readonly TargetBinding[];
  readonly deregister: readonly TargetBinding[];
  /**
   * With `newDefaultDomain` when the rules deleted are all the current default domain's and others stay: a listener
   * must keep a default domain (CLB DeleteRule NewDefaultServerDomain).
   */
  readonly deleteRules: readonly { readonly listenerId: string; readonly ruleIds: readonly string[]; readonly newDefaultDomain?: string }[];
  readonly deleteListeners: readonly string[];
  /** Desired listeners left out because another owner's listener holds the port. */
  readonly conflicts: readonly Problem[];
  /** Targets that fit only once this plan's removals are done: the next reconcile adds them. */
  readonly deferredTargets: number;
}

export interface ActualState {
  readonly loadBalancer: LoadBalancer;
  readonly listeners: readonly Listener[];
  /** Targets of the owner's listeners, by listener id. */
  readonly targets: ReadonlyMap<string, ListenerTargets>;
}

export function planCount(plan: Plan): number {
  return (
    plan.deleteListenersFirst.length + plan.createListeners.length + plan.modifyListeners.length + plan.createRules.length + plan.modifyRules.length +
    plan.setDomainCertificates.length + plan.setDefaultDomains.length + plan.deleteRedirects.length + plan.setRedirects.length + plan.deregisterFirst.length + plan.register.length + plan.reweight.length + plan.deregister.length +
    plan.deleteRules.length + plan.deleteListeners.length
  );
}

/** The domain a rule without a host gets: the CLB's VIP, or its domain for a domain-only CLB. */
export function defaultDomain(lb: LoadBalancer): string {
  return lb.vips[0] ?? lb.domain ?? '';
}

/** A CLB listener whose rules on the VIP (those of rules without a host) are named as the model names them. */
export function withModelledDomains(listener: Listener, lb: LoadBalancer): Listener {
  const vip = defaultDomain(lb);
  return listener.rules.some((r) => r.domain === vip) ? { ...listener, rules: listener.rules.map((r) => (r.domain === vip ? { ...r, domain: DEFAULT_DOMAIN } : r)) } : listener;
}

export function planChanges(desiredListeners: readonly DesiredListener[], actual: ActualState, isOwn: (listener: Listener) => boolean, targetLimit = Infinity): Plan {
  const vip = defaultDomain(actual.loadBalancer);
  const atVip = <T extends { domain: string }>(x: T): T => (x.domain === DEFAULT_DOMAIN ? { ...x, domain: vip } : x);
  const desired = desiredListeners.map((l) => ({ ...l, rules: l.rules.map((r) => ({ ...atVip(r), ...(r.redirect ? { redirect: atVip(r.redirect) } : {}) })) }));
  const own = actual.listeners.filter(isOwn);
  const foreign = actual.listeners.filter((l) => !isOwn(l));
  const ownByKey = new Map(own.map((l) => [listenerKey(l), l]));
  const plan = emptyPlan(targetLimit);
  const kept = new Set<string>();

  for (const listener of desired) {
    const holder = foreign.find((f) => f.port === listener.port && portFamily(f.protocol) === portFamily(listener.protocol));
    if (holder) {
      plan.conflicts.push(
        problem('PortConflict', `${listener.protocol}:${listener.port}`, String(listener.port), `port ${listener.port} is already used by listener ${holder.id} (${holder.protocol}, "${holder.name}") which this Service does not own`, 'E4014'),
      );
      continue;
    }
    const existing = ownByKey.get(listenerKey(listener));
    if (!existing) {
      const collides = own.filter((o) => o.port === listener.port && portFamily(o.protocol) === portFamily(listener.protocol) && listenerKey(o) !== listenerKey(listener));
      plan.deleteListenersFirst.push(...collides.map((o) => o.id));
      collides.forEach((o) => kept.add(o.id));
      plan.createListeners.push(listener);
      planNewListenerTargets(listener, plan);
      continue;
    }
    kept.add(existing.id);
    const changes = listenerChanges(listener, existing);
    if (Object.keys(changes).length) plan.modifyListeners.push({ listenerId: existing.id, changes });
    const targets = actual.targets.get(existing.id);
    if (listener.rules.length || existing.rules.length) planRules(listener, existing, targets, plan);
    else planTargets(listenerKey(listener), undefined, listener.targets, targets?.targets ?? [], existing.id, undefined, plan);
  }
  plan.deleteListeners.push(...own.filter((o) => !kept.has(o.id)).map((o) => o.id));
  planRedirects(desired, own, plan);
  const { targetLimit: _limit, ...result } = plan;
  return result;
}

/** Redirects (HTTP → HTTPS): matched by the keys of their source and target rules. */
function planRedirects(desired: readonly DesiredListener[], own: readonly Listener[], plan: MutablePlan): void {
  const listenerByPort = new Map(desired.map((l) => [l.port, listenerKey(l)]));
  const actualByKey = new Map(own.map((l) => [listenerKey(l), l]));
  const keysOfRule = new Map(own.flatMap((l) => l.rules.map((r) => [r.id, { listenerKey: listenerKey(l), ruleKey: ruleKey(r) }] as const)));
  const blocked = new Set(plan.conflicts.map((c) => c.field));
  for (const listener of desired) {
    if (blocked.has(listenerKey(listener))) continue;
    const actual = actualByKey.get(listenerKey(listener));
    for (const rule of listener.rules) {
      const existing = actual?.rules.find((r) => ruleKey(r) === ruleKey(rule));
      const current = existing?.redirect ? keysOfRule.get(existing.redirect.ruleId) : undefined;
      const targetListener = rule.redirect ? listenerByPort.get(rule.redirect.port) : undefined;
      const wanted = rule.redirect && targetListener ? { listenerKey: targetListener, ruleKey: ruleKey(rule.redirect) } : undefined;
      if (current && wanted && current.listenerKey === wanted.listenerKey && current.ruleKey === wanted.ruleKey) continue;
      if (existing?.redirect && actual) {
        plan.deleteRedirects.push({ sourceListenerId: actual.id, sourceRuleId: existing.id, targetListenerId: existing.redirect.listenerId, targetRuleId: existing.redirect.ruleId });
      }
      if (wanted) plan.setRedirects.push({ source: { listenerKey: listenerKey(listener), ruleKey: ruleKey(rule) }, target: wanted });
    }
  }
}

type MutablePlan = { -readonly [K in keyof Plan]: Plan[K] extends readonly (infer T)[] ? T[] : Plan[K] } & { targetLimit: number };

function emptyPlan(targetLimit: number): MutablePlan {
  return {
    deleteListenersFirst: [], createListeners: [], modifyListeners: [], createRules: [], modifyRules: [], setDomainCertificates: [], setDefaultDomains: [],
    deleteRedirects: [], setRedirects: [], deregisterFirst: [], register: [], reweight: [], deregister: [], deleteRules: [], deleteListeners: [], conflicts: [],
    deferredTargets: 0, targetLimit,
  };
}

function planNewListenerTargets(listener: DesiredListener, plan: MutablePlan): void {
  const key = listenerKey(listener);
  if (listener.rules.length) {
    plan.createRules.push({ listenerKey: key, rules: listener.rules });
    for (const rule of listener.rules) plan.register.push(...rule.targets.map((target) => ({ listenerKey: key, ruleKey: ruleKey(rule), target })));
  } else {
    plan.register.push(...listener.targets.map((target) => ({ listenerKey: key, target })));
  }
}

const sameHealthCheck = (desired: HealthCheck | undefined, actual: HealthCheck | undefined): boolean =>
  desired === undefined || (actual !== undefined && (Object.keys(desired) as (keyof HealthCheck)[]).every((k) => desired[k] === actual[k]));

const sameCertificate = (desired: Certificate | undefined, actual: Certificate | undefined): boolean =>
  desired === undefined || (actual !== undefined && desired.certId === actual.certId && desired.mode === actual.mode && (desired.caCertId ?? '') === (actual.caCertId ?? ''));

/** A setting the model leaves undefined is left as the CLB has it (TKE's rule: only what is configured is enforced). */
const differs = <V>(desired: V | undefined, actual: V | undefined, cloudDefault: V): desired is V => desired !== undefined && desired !== (actual ?? cloudDefault);

/**
 * CLB's rescheduling settings. The three switches are write-only (DescribeListeners does not return them): `actual`
 * has them only as the controller last sent them (the actual-state cache remembers), and unknown — after a
 * restart — they are sent once.
 */
function rescheduleChanges(desired: DesiredListener, actual: Listener): ListenerChanges {
  const changes: Record<string, boolean | number> = {};
  for (const key of WRITE_ONLY_LISTENER_SETTINGS) if (desired[key] !== undefined && desired[key] !== actual[key]) changes[key] = desired[key];
  for (const key of ['rescheduleStartTime', 'rescheduleInterval'] as const) if (differs(desired[key], actual[key], 0)) changes[key] = desired[key];
  return changes;
}

function listenerChanges(desired: DesiredListener, actual: Listener): ListenerChanges {
  const layer7 = desired.protocol === 'HTTP' || desired.protocol === 'HTTPS';
  return {
    ...(desired.name !== actual.name ? { name: desired.name } : {}),
    ...(!layer7 && differs(desired.sessionExpireTime, actual.sessionExpireTime, 0) ? { sessionExpireTime: desired.sessionExpireTime } : {}),
    ...(!layer7 && differs(desired.scheduler, actual.scheduler, 'WRR') ? { scheduler: desired.scheduler } : {}),
    ...(!layer7 && !sameHealthCheck(desired.healthCheck, actual.healthCheck) ? { healthCheck: desired.healthCheck! } : {}),
    ...(!layer7 && differs(desired.deregisterTargetRst, actual.deregisterTargetRst, false) ? { deregisterTargetRst: desired.deregisterTargetRst } : {}),
    ...(!layer7 ? rescheduleChanges(desired, actual) : {}),
    ...(layer7 && differs(desired.keepaliveEnable, actual.keepaliveEnable, false) ? { keepaliveEnable: desired.keepaliveEnable } : {}),
    ...(!desired.sniEnabled && !sameCertificate(desired.certificate, actual.certificate) ? { certificate: desired.certificate! } : {}),
    ...(desired.protocol === 'HTTPS' && Boolean(desired.sniEnabled) !== Boolean(actual.sniEnabled) ? { sniEnabled: Boolean(desired.sniEnabled) } : {}),
  };
}

function planRules(listener: DesiredListener, actual: Listener, targets: ListenerTargets | undefined, plan: MutablePlan): void {
  const lKey = listenerKey(listener);
  const actualByKey = new Map(actual.rules.map((r) => [ruleKey(r), r]));
  const desiredKeys = new Set(listener.rules.map(ruleKey));
  const toCreate: DesiredRule[] = [];
  const certificateSet = new Set<string>();
  for (const rule of listener.rules) {
    const existing = actualByKey.get(ruleKey(rule));
    if (!existing) {
      toCreate.push(rule);
      plan.register.push(...rule.targets.map((target) => ({ listenerKey: lKey, ruleKey: ruleKey(rule), target })));
      continue;
    }
    const changes: RuleChanges = {
      ...(differs(rule.sessionExpireTime, existing.sessionExpireTime, 0) ? { sessionExpireTime: rule.sessionExpireTime } : {}),
      ...(differs(rule.scheduler, existing.scheduler, 'WRR') ? { scheduler: rule.scheduler } : {}),
      ...(!sameHealthCheck(rule.healthCheck, existing.healthCheck) ? { healthCheck: rule.healthCheck! } : {}),
      ...(differs(rule.forwardType, existing.forwardType, 'HTTP') ? { forwardType: rule.forwardType } : {}),
    };
    if (Object.keys(changes).length) plan.modifyRules.push({ listenerId: actual.id, ruleId: existing.id, changes });
    if (rule.certificate && !sameCertificate(rule.certificate, existing.certificate) && !certificateSet.has(rule.domain)) {
      certificateSet.add(rule.domain);
      plan.setDomainCertificates.push({ listenerId: actual.id, domain: rule.domain, certificate: rule.certificate });
    }
    const actualTargets = targets?.rules.find((r) => r.ruleId === existing.id)?.targets ?? [];
    planTargets(lKey, ruleKey(rule), rule.targets, actualTargets, actual.id, existing.id, plan);
  }
  if (toCreate.length) plan.createRules.push({ listenerKey: lKey, rules: toCreate });
  // A default domain new to the listener is made so by its CreateRule (apply.ts ruleSpecs); an existing one, here.
  const wantedDefault = listener.rules.find((r) => r.defaultServer)?.domain;
  const existingDomain = actual.rules.filter((r) => r.domain === wantedDefault);
  if (wantedDefault !== undefined && existingDomain.length && !existingDomain.some((r) => r.defaultServer)) plan.setDefaultDomains.push({ listenerId: actual.id, domain: wantedDefault });
  const stale = actual.rules.filter((r) => !desiredKeys.has(ruleKey(r))).map((r) => r.id);
  if (stale.length) {
    const currentDefault = actual.rules.find((r) => r.defaultServer)?.domain;
    const defaultGoes = currentDefault !== undefined && !listener.rules.some((r) => r.domain === currentDefault);
    const next = wantedDefault ?? listener.rules[0]?.domain;
    plan.deleteRules.push({ listenerId: actual.id, ruleIds: stale, ...(defaultGoes && next !== undefined ? { newDefaultDomain: next } : {}) });
  }
}

function planTargets(lKey: string, rKey: string | undefined, desired: readonly Target[], actual: readonly Target[], listenerId: string, ruleId: string | undefined, plan: MutablePlan): void {
  const actualByKey = new Map(actual.map((t) => [targetKey(t), t]));
  const desiredKeys = new Set<string>();
  const at = ruleId ? { listenerId, ruleId } : { listenerId };
  const adds: PlannedBinding[] = [];
  for (const target of desired) {
    desiredKeys.add(targetKey(target));
    const existing = actualByKey.get(targetKey(target));
    if (!existing) adds.push({ listenerKey: lKey, ...(rKey ? { ruleKey: rKey } : {}), target });
    else if (existing.weight !== target.weight) plan.reweight.push({ ...at, target });
  }
  const gone = actual.filter((t) => !desiredKeys.has(targetKey(t))).map((target) => ({ ...at, target }));
  // Add before remove — unless the quota has no room for the adds: then as many gone targets go first as make room,
  // never the last one bound; adds that still do not fit wait for the next reconcile, after the removals.
  const overflow = actual.length + adds.length - plan.targetLimit;
  const first = overflow > 0 ? Math.min(overflow, gone.length, actual.length - 1) : 0;
  const room = plan.targetLimit - (actual.length - first);
  plan.deregisterFirst.push(...gone.slice(0, first));
  plan.deregister.push(...gone.slice(first));
  plan.register.push(...adds.slice(0, Math.max(0, room)));
  plan.deferredTargets += Math.max(0, adds.length - Math.max(0, room));
}
