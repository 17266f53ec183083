/**
 * Carries out a plan on one CLB with the fewest calls the API allows: all new listeners in as few
 * CreateListener calls as their settings permit, one CreateRule per listener, and every target change of
 * the CLB in one batched call per kind (up to 500 targets each). Order: listeners → rules → targets added
 * → weights → targets removed → rules → listeners, so traffic never loses its last backend mid-change.
 */
import { InvalidRequestError, WRITE_ONLY_LISTENER_SETTINGS, type WriteOnlyListenerSettings, type CloudProvider, type Listener, type ListenerSpec, type LoadBalancer, type RuleSpec, type TargetBinding } from '../../providers/provider.js';
import { dropUndefined } from '../annotations/parse.js';
import { problem, type Problem } from '../model/problems.js';
import { DEFAULT_DOMAIN, listenerKey, ruleKey, type DesiredListener } from '../model/desired.js';
import type { ActualStateCache, ObservedListeners } from './actual-cache.js';
import { attributeChanges, type LoadBalancerPlan } from './plan-load-balancer.js';
import { observedAfter, type AppliedIds } from './observed-after.js';
import { planCount, type Plan } from './plan.js';

export interface ApplyContext {
  readonly provider: CloudProvider;
  readonly loadBalancerId: string;
  /** The CLB's listeners as observed before the plan was made (to resolve ids of existing ones). */
  readonly listeners: readonly Listener[];
}

function listenerSpec(l: DesiredListener): ListenerSpec {
  return {
    name: l.name,
    protocol: l.protocol,
    port: l.port,
    ...(l.sessionExpireTime !== undefined && l.rules.length === 0 && l.protocol !== 'HTTP' && l.protocol !== 'HTTPS' ? { sessionExpireTime: l.sessionExpireTime } : {}),
    ...(l.scheduler !== undefined ? { scheduler: l.scheduler } : {}),
    ...(l.healthCheck !== undefined ? { healthCheck: l.healthCheck } : {}),
    ...(l.keepaliveEnable !== undefined ? { keepaliveEnable: l.keepaliveEnable } : {}),
    ...(l.deregisterTargetRst !== undefined ? { deregisterTargetRst: l.deregisterTargetRst } : {}),
    ...dropUndefined({ rescheduleTargetZeroWeight: l.rescheduleTargetZeroWeight, rescheduleUnhealthy: l.rescheduleUnhealthy, rescheduleExpandTarget: l.rescheduleExpandTarget, rescheduleStartTime: l.rescheduleStartTime, rescheduleInterval: l.rescheduleInterval }),
    ...(l.certificate !== undefined && !l.sniEnabled ? { certificate: l.certificate } : {}),
    ...(l.protocol === 'HTTPS' ? { sniEnabled: Boolean(l.sniEnabled) } : {}),
  };
}

/** Rule specs for CreateRule: with SNI, only the first new rule of a domain carries its certificate. */
function ruleSpecs(rules: Plan['createRules'][number]['rules'], knownDomains: ReadonlySet<string>): RuleSpec[] {
  const seen = new Set(knownDomains);
  return rules.map((r) => {
    const first = !seen.has(r.domain);
    seen.add(r.domain);
    return {
      domain: r.domain,
      url: r.url,
      ...(r.sessionExpireTime !== undefined ? { sessionExpireTime: r.sessionExpireTime } : {}),
      ...(r.scheduler !== undefined ? { scheduler: r.scheduler } : {}),
      ...(r.healthCheck !== undefined ? { healthCheck: r.healthCheck } : {}),
      ...(r.forwardType !== undefined ? { forwardType: r.forwardType } : {}),
      ...(r.certificate !== undefined && first ? { certificate: r.certificate } : {}),
      ...(r.defaultServer && first ? { defaultServer: true } : {}),
    };
  });
}

/** What an applied plan changed: whether listeners or rules changed (new ids exist), and the target writes. */
export interface Applied extends AppliedIds {
  readonly structural: boolean;
  /** Listener or rule settings the cloud refused (the user's values: a Warning each; the rest of the plan went on). */
  readonly refusedSettings: readonly Problem[];
}

export async function applyPlan(plan: Plan, context: ApplyContext): Promise<Applied> {
  const { provider, loadBalancerId: lb } = context;
  const listenerIds = new Map(context.listeners.map((l) => [listenerKey(l), l.id]));
  const ruleIds = new Map(context.listeners.flatMap((l) => l.rules.map((r) => [`${listenerKey(l)}|${ruleKey(r)}`, r.id] as const)));
  const domainsOf = (key: string) => new Set(context.listeners.find((l) => listenerKey(l) === key)?.rules.map((r) => r.domain) ?? []);

  // A create that fails does not stop the rest: target changes on listeners and rules that exist go on, and the
  // failure is thrown once they are done.
  let createFailed: unknown;
  const creating = async (create: () => Promise<void>) => {
    try {
      await create();
    } catch (error) {
      createFailed ??= error;
    }
  };
  if (plan.deleteListenersFirst.length) await provider.deleteListeners(lb, plan.deleteListenersFirst);
  if (plan.createListeners.length) {
    await creating(async () => {
      const ids = await provider.createListeners(lb, plan.createListeners.map(listenerSpec));
      plan.createListeners.forEach((l, i) => listenerIds.set(listenerKey(l), ids[i]!));
    });
  }
  // Settings the cloud refuses are the user's values (a config's): told, and the targets still follow the cluster.
  const refusedSettings: Problem[] = [];
  const nameOf = (listenerId: string) => {
    const l = context.listeners.find((x) => x.id === listenerId);
    return l ? listenerKey(l) : listenerId;
  };
  const setting = async (what: string, changes: object, write: () => Promise<void>) => {
    try {
      await write();
    } catch (error) {
      // Only a refusal of the values (InvalidParameter…, MissingParameter) is the user's; OperationDenied and the like are retried.
      if (!(error instanceof InvalidRequestError) || !/^(InvalidParameter|MissingParameter|UnknownParameter)/.test(error.code ?? '')) return void (createFailed ??= error);
      refusedSettings.push(problem('InvalidTkeServiceConfig', what, JSON.stringify(changes), `the CLB refused these settings (${error.message}); they stay as the CLB has them`, 'C4008'));
    }
  };
  for (const { listenerId, changes } of plan.modifyListeners) await setting(`listener ${nameOf(listenerId)}`, changes, () => provider.modifyListener(lb, listenerId, changes));
  for (const { listenerKey: key, rules } of plan.createRules) {
    const listenerId = listenerIds.get(key);
    if (!listenerId) continue; // its listener could not be created
    await creating(async () => {
      const ids = await provider.createRules(lb, listenerId, ruleSpecs(rules, domainsOf(key)));
      rules.forEach((r, i) => ruleIds.set(`${key}|${ruleKey(r)}`, ids[i]!));
    });
  }
  const ruleName = (listenerId: string, ruleId: string) => {
    const rule = context.listeners.find((x) => x.id === listenerId)?.rules.find((r) => r.id === ruleId);
    return `rule ${rule ? `${rule.domain}${rule.url}` : ruleId} of listener ${nameOf(listenerId)}`;
  };
  for (const { listenerId, ruleId, changes } of plan.modifyRules) await setting(ruleName(listenerId, ruleId), changes, () => provider.modifyRule(lb, listenerId, ruleId, changes));
  for (const { listenerId, domain, certificate } of plan.setDomainCertificates) await provider.setDomainCertificate(lb, listenerId, domain, certificate);
  for (const { listenerId, domain } of plan.setDefaultDomains) await setting(`the default domain of listener ${nameOf(listenerId)}`, { defaultServer: domain }, () => provider.setDefaultDomain(lb, listenerId, domain));
  if (plan.deleteRedirects.length) await provider.deleteRedirects(lb, plan.deleteRedirects);
  const ruleOf = (r: { listenerKey: string; ruleKey: string }) => ruleIds.get(`${r.listenerKey}|${r.ruleKey}`);
  const redirects = plan.setRedirects.filter(({ source, target }) => ruleOf(source) && ruleOf(target));
  if (redirects.length) {
    const ref = (r: { listenerKey: string; ruleKey: string }) => ({ listenerId: listenerIds.get(r.listenerKey)!, ruleId: ruleOf(r)! });
    await provider.setRedirects(
      lb,
      redirects.map(({ source, target }) => {
        const [from, to] = [ref(source), ref(target)];
        return { sourceListenerId: from.listenerId, sourceRuleId: from.ruleId, targetListenerId: to.listenerId, targetRuleId: to.ruleId };
      }),
    );
  }

  // Targets of listeners and rules that exist (a failed create leaves its own out).
  const register: TargetBinding[] = plan.register.flatMap((b) => {
    const listenerId = listenerIds.get(b.listenerKey);
    const ruleId = b.ruleKey ? ruleIds.get(`${b.listenerKey}|${b.ruleKey}`) : undefined;
    return listenerId && (!b.ruleKey || ruleId) ? [{ listenerId, ...(ruleId ? { ruleId } : {}), target: b.target }] : [];
  });
  if (plan.deregisterFirst.length) await provider.deregisterTargets(lb, plan.deregisterFirst);
  if (register.length) await provider.registerTargets(lb, register);
  if (plan.reweight.length) await provider.setTargetWeights(lb, plan.reweight);
  if (plan.deregister.length) await provider.deregisterTargets(lb, plan.deregister);
  for (const { listenerId, ruleIds: ids, newDefaultDomain } of plan.deleteRules) await provider.deleteRules(lb, listenerId, ids, newDefaultDomain);
  if (plan.deleteListeners.length) await provider.deleteListeners(lb, plan.deleteListeners);
  if (createFailed) throw createFailed;
  const structural =
    plan.deleteListenersFirst.length + plan.createListeners.length + plan.modifyListeners.length + plan.createRules.length + plan.modifyRules.length +
      plan.setDomainCertificates.length + plan.setDefaultDomains.length + plan.deleteRedirects.length + plan.setRedirects.length + plan.deleteRules.length + plan.deleteListeners.length > 0;
  return { structural, listenerIds, ruleIds, registered: register, reweighted: plan.reweight, deregistered: [...plan.deregisterFirst, ...plan.deregister], refusedSettings };
}

export interface ApplyDeps {
  readonly provider: CloudProvider;
  readonly cache: ActualStateCache;
}

export interface ApplyOptions {
  /** The annotation that passes extra CreateLoadBalancer parameters through, named when the cloud refuses them. */
  readonly extraParametersField?: string;
  /** Wait for the CLB's tasks even when this plan wrote nothing (a release: the finalizer goes only once all is done). */
  readonly awaitTasks: boolean;
  /**
   * Checks what a create answered: an idempotent create (ClientToken) may answer with a CLB made earlier whose
   * ownership tags were removed since — then it is not taken as new and empty, nor written to.
   */
  readonly refuseCreated?: (lb: LoadBalancer) => Problem | undefined;
}

export type ApplyOutcome =
  | { readonly ok: true; readonly loadBalancer: LoadBalancer | undefined; readonly created: boolean; readonly refusedSettings?: readonly Problem[] }
  /** The cloud refused parameters the user passed through: the user's error, not a retry loop. */
  | { readonly ok: false; readonly problem: Problem };

/**
 * Step 6, apply: the whole plan of one CLB, in order — create → claim → attributes → listeners, rules and
 * targets → untag → delete — keeping the actual-state cache true to what was written.
 */
export async function applyLoadBalancerPlan(plan: LoadBalancerPlan, actual: { readonly loadBalancer: LoadBalancer } & ObservedListeners | undefined, deps: ApplyDeps, options: ApplyOptions): Promise<ApplyOutcome> {
  const { provider, cache } = deps;
  let lb = actual?.loadBalancer;
  let created = false;
  let before: ObservedListeners | undefined = actual;
  if (plan.create) {
    const input = plan.create;
    const made = await provider.createLoadBalancer(input).catch((error: unknown) => {
      if (!(error instanceof InvalidRequestError) || !input.extraParameters || !options.extraParametersField) throw error;
      return problem('InvalidAnnotation', options.extraParametersField, JSON.stringify(input.extraParameters), `CreateLoadBalancer refused the CLB with these parameters: ${error.message}`);
    });
    if ('field' in made) return { ok: false, problem: made };
    const notOurs = options.refuseCreated?.(made);
    if (notOurs) return { ok: false, problem: notOurs };
    before = cache.rememberCreated(made);
    lb = made;
    created = true;
  }
  if (!lb) return { ok: true, loadBalancer: undefined, created };
  const id = lb.id;
  // A CLB just created is compared with what the cloud made of it, not with the defaults the plan assumed.
  const { securityGroups, attributes } = created && plan.attributesAfterCreate ? attributeChanges(plan.attributesAfterCreate, lb) : plan;
  let refused: readonly Problem[] = [];
  try {
    if (plan.tag) await provider.tagLoadBalancer(id, plan.tag);
    if (securityGroups) await provider.setSecurityGroups(id, securityGroups);
    if (attributes) await provider.modifyLoadBalancerAttributes(id, attributes);
    const listenerPlan = created ? bindDefaultDomain(plan.listeners, lb.vips[0] ?? lb.domain ?? '') : plan.listeners;
    const applied = await applyPlan(listenerPlan, { provider, loadBalancerId: id, listeners: before?.listeners ?? [] });
    refused = applied.refusedSettings;
    if (plan.untag) await provider.untagLoadBalancer(id, plan.untag);
    if (plan.deleteLoadBalancer) await provider.deleteLoadBalancers([id]);
    // Nothing written is trusted before the cloud confirms it: the CLB's tasks are awaited once, here, for all of
    // this plan's writes (each write already waited for the one before: a CLB runs one task at a time). A failed
    // task fails this reconcile — its Warning now, its retry after the queue's backoff.
    const wrote = Boolean(plan.tag || securityGroups || attributes || plan.untag || plan.deleteLoadBalancer) || planCount(listenerPlan) > 0;
    if (wrote || options.awaitTasks) await cache.awaitWrites(id);
    if (plan.tag || securityGroups || attributes) {
      // The CLB as written: its listeners are as they were, so only the CLB's own record changes.
      lb = { ...lb, tags: { ...lb.tags, ...plan.tag }, ...(securityGroups ? { securityGroups } : {}), ...attributes };
      cache.rememberLoadBalancer(lb);
    }
    // What was written is what the CLB now holds: remembered as such, so the next change needs no describe.
    if (applied.structural) cache.rememberWriteOnly(id, sentWriteOnly(listenerPlan, applied));
    // A refused setting makes the plan's picture of the listeners untrue: described again next time.
    if (applied.refusedSettings.length) cache.forget(id);
    else if (applied.structural && before) cache.recordObserved(id, before, observedAfter(before, listenerPlan, applied));
    else if (applied.structural) cache.forget(id);
    else cache.recordTargets(id, applied);
  } catch (error) {
    cache.forget(id);
    throw error;
  }
  // Gone, or the user's now: never to be adopted from memory again. Else forgotten after the writes, as another
  // owner of a shared CLB may have described it meanwhile.
  if (plan.deleteLoadBalancer || plan.release === 'retained') cache.drop(id);
  else if (plan.release) cache.forget(id);
  return { ok: true, loadBalancer: lb, created, ...(refused.length ? { refusedSettings: refused } : {}) };
}

/** A CLB just created: rules without a host get its VIP (or domain) where the plan held the placeholder. */
function bindDefaultDomain(plan: Plan, domain: string): Plan {
  const at = (d: string) => (d === DEFAULT_DOMAIN ? domain : d);
  const key = (k: string) => (k.startsWith(DEFAULT_DOMAIN) ? domain + k.slice(DEFAULT_DOMAIN.length) : k);
  const ref = (r: { listenerKey: string; ruleKey: string }) => ({ ...r, ruleKey: key(r.ruleKey) });
  return {
    ...plan,
    createListeners: plan.createListeners.map((l) => ({ ...l, rules: l.rules.map((r) => ({ ...r, domain: at(r.domain), ...(r.redirect ? { redirect: { ...r.redirect, domain: at(r.redirect.domain) } } : {}) })) })),
    createRules: plan.createRules.map((c) => ({ ...c, rules: c.rules.map((r) => ({ ...r, domain: at(r.domain) })) })),
    register: plan.register.map((b) => (b.ruleKey ? { ...b, ruleKey: key(b.ruleKey) } : b)),
    setRedirects: plan.setRedirects.map((r) => ({ source: ref(r.source), target: ref(r.target) })),
  };
}

/** The write-only listener settings (rescheduling switches) this plan sent, by listener id: the cache remembers them, as no describe can tell. */
function sentWriteOnly(plan: Plan, applied: AppliedIds): Map<string, WriteOnlyListenerSettings> {
  const sent = new Map<string, WriteOnlyListenerSettings>();
  const pick = (from: WriteOnlyListenerSettings): WriteOnlyListenerSettings => dropUndefined(Object.fromEntries(WRITE_ONLY_LISTENER_SETTINGS.map((k) => [k, from[k]])));
  for (const l of plan.createListeners) {
    const id = applied.listenerIds.get(listenerKey(l));
    if (id && Object.keys(pick(l)).length) sent.set(id, pick(l));
  }
  for (const m of plan.modifyListeners) if (Object.keys(pick(m.changes)).length) sent.set(m.listenerId, { ...sent.get(m.listenerId), ...pick(m.changes) });
  return sent;
}
