/**
 * Carries out a plan on one CLB with the fewest calls the API allows: all new listeners in as few
 * CreateListener calls as their settings permit, one CreateRule per listener, and every target change of
 * the CLB in one batched call per kind (up to 500 targets each). Order: listeners → rules → targets added
 * → weights → targets removed → rules → listeners, so traffic never loses its last backend mid-change.
 */
import type { CloudProvider, Listener, ListenerSpec, RuleSpec, TargetBinding } from '../../providers/provider.js';
import { listenerKey, ruleKey, type DesiredListener } from '../model/desired.js';
import type { Plan } from './plan.js';

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
      ...(r.certificate !== undefined && first ? { certificate: r.certificate } : {}),
    };
  });
}

/** What an applied plan changed: whether listeners or rules changed (new ids exist), and the target writes. */
export interface Applied {
  readonly structural: boolean;
  readonly registered: readonly TargetBinding[];
  readonly reweighted: readonly TargetBinding[];
  readonly deregistered: readonly TargetBinding[];
}

export async function applyPlan(plan: Plan, context: ApplyContext): Promise<Applied> {
  const { provider, loadBalancerId: lb } = context;
  const listenerIds = new Map(context.listeners.map((l) => [listenerKey(l), l.id]));
  const ruleIds = new Map(context.listeners.flatMap((l) => l.rules.map((r) => [`${listenerKey(l)}|${ruleKey(r)}`, r.id] as const)));
  const domainsOf = (key: string) => new Set(context.listeners.find((l) => listenerKey(l) === key)?.rules.map((r) => r.domain) ?? []);

  if (plan.deleteListenersFirst.length) await provider.deleteListeners(lb, plan.deleteListenersFirst);
  if (plan.createListeners.length) {
    const ids = await provider.createListeners(lb, plan.createListeners.map(listenerSpec));
    plan.createListeners.forEach((l, i) => listenerIds.set(listenerKey(l), ids[i]!));
  }
  for (const { listenerId, changes } of plan.modifyListeners) await provider.modifyListener(lb, listenerId, changes);
  for (const { listenerKey: key, rules } of plan.createRules) {
    const listenerId = listenerIds.get(key)!;
    const ids = await provider.createRules(lb, listenerId, ruleSpecs(rules, domainsOf(key)));
    rules.forEach((r, i) => ruleIds.set(`${key}|${ruleKey(r)}`, ids[i]!));
  }
  for (const { listenerId, ruleId, changes } of plan.modifyRules) await provider.modifyRule(lb, listenerId, ruleId, changes);
  for (const { listenerId, domain, certificate } of plan.setDomainCertificates) await provider.setDomainCertificate(lb, listenerId, domain, certificate);
  if (plan.deleteRedirects.length) await provider.deleteRedirects(lb, plan.deleteRedirects);
  if (plan.setRedirects.length) {
    const ref = (r: { listenerKey: string; ruleKey: string }) => ({ listenerId: listenerIds.get(r.listenerKey)!, ruleId: ruleIds.get(`${r.listenerKey}|${r.ruleKey}`)! });
    await provider.setRedirects(
      lb,
      plan.setRedirects.map(({ source, target }) => {
        const [from, to] = [ref(source), ref(target)];
        return { sourceListenerId: from.listenerId, sourceRuleId: from.ruleId, targetListenerId: to.listenerId, targetRuleId: to.ruleId };
      }),
    );
  }

  const register: TargetBinding[] = plan.register.map((b) => ({
    listenerId: listenerIds.get(b.listenerKey)!,
    ...(b.ruleKey ? { ruleId: ruleIds.get(`${b.listenerKey}|${b.ruleKey}`)! } : {}),
    target: b.target,
  }));
  if (register.length) await provider.registerTargets(lb, register);
  if (plan.reweight.length) await provider.setTargetWeights(lb, plan.reweight);
  if (plan.deregister.length) await provider.deregisterTargets(lb, plan.deregister);
  for (const { listenerId, ruleIds: ids } of plan.deleteRules) await provider.deleteRules(lb, listenerId, ids);
  if (plan.deleteListeners.length) await provider.deleteListeners(lb, plan.deleteListeners);
  const structural =
    plan.deleteListenersFirst.length + plan.createListeners.length + plan.modifyListeners.length + plan.createRules.length + plan.modifyRules.length +
      plan.setDomainCertificates.length + plan.deleteRedirects.length + plan.setRedirects.length + plan.deleteRules.length + plan.deleteListeners.length > 0;
  return { structural, registered: register, reweighted: plan.reweight, deregistered: plan.deregister };
}
