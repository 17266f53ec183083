/**
 * PURE: what a CLB holds after a listener plan was applied, from what it held before and the ids the cloud
 * gave the new listeners and rules. The actual-state cache keeps this instead of describing the CLB again, so
 * the change after a structural one (a node joining a new Service's CLB) costs target calls only.
 */
import type { Listener, ListenerTargets, Rule, TargetBinding } from '../../providers/provider.js';
import { listenerKey, ruleKey, targetKey } from '../model/desired.js';
import type { ObservedListeners } from './actual-cache.js';
import type { Plan } from './plan.js';

export interface AppliedIds {
  /** Listener key (`TCP:80`) → id, for every listener the plan touched or created. */
  readonly listenerIds: ReadonlyMap<string, string>;
  /** `<listener key>|<rule key>` → id. */
  readonly ruleIds: ReadonlyMap<string, string>;
  readonly registered: readonly TargetBinding[];
  readonly reweighted: readonly TargetBinding[];
  readonly deregistered: readonly TargetBinding[];
}

export function observedAfter(before: ObservedListeners, plan: Plan, ids: AppliedIds): ObservedListeners {
  const gone = new Set([...plan.deleteListenersFirst, ...plan.deleteListeners]);
  const goneRules = new Map(plan.deleteRules.map((d) => [d.listenerId, new Set(d.ruleIds)]));
  const listeners = new Map<string, Listener>(before.listeners.filter((l) => !gone.has(l.id)).map((l) => [l.id, l]));
  const edit = (id: string, change: (l: Listener) => Listener) => {
    const l = listeners.get(id);
    if (l) listeners.set(id, change(l));
  };
  const editRules = (id: string, change: (r: Rule) => Rule) => edit(id, (l) => ({ ...l, rules: l.rules.map(change) }));

  for (const l of plan.createListeners) {
    const { targets: _targets, rules: _rules, ...spec } = l;
    listeners.set(ids.listenerIds.get(listenerKey(l))!, { ...spec, id: ids.listenerIds.get(listenerKey(l))!, rules: [] });
  }
  for (const m of plan.modifyListeners) edit(m.listenerId, (l) => ({ ...l, ...m.changes }));
  for (const { listenerKey: key, rules } of plan.createRules) {
    const id = ids.listenerIds.get(key)!;
    edit(id, (l) => ({ ...l, rules: [...l.rules, ...rules.map(({ targets: _t, redirect: _r, ...spec }) => ({ ...spec, id: ids.ruleIds.get(`${key}|${ruleKey(spec)}`)! }))] }));
  }
  for (const m of plan.modifyRules) editRules(m.listenerId, (r) => (r.id === m.ruleId ? { ...r, ...m.changes } : r));
  for (const c of plan.setDomainCertificates) editRules(c.listenerId, (r) => (r.domain === c.domain ? { ...r, certificate: c.certificate } : r));
  const defaults = [
    ...plan.createRules.flatMap(({ listenerKey: key, rules }) => rules.filter((r) => r.defaultServer).slice(0, 1).map((r) => ({ listenerId: ids.listenerIds.get(key)!, domain: r.domain }))),
    ...plan.setDefaultDomains,
    ...plan.deleteRules.flatMap((d) => (d.newDefaultDomain !== undefined ? [{ listenerId: d.listenerId, domain: d.newDefaultDomain }] : [])),
  ];
  for (const d of defaults) editRules(d.listenerId, (r) => ({ ...r, defaultServer: r.domain === d.domain }));
  for (const d of plan.deleteRedirects) editRules(d.sourceListenerId, (r) => (r.id === d.sourceRuleId ? withoutRedirect(r) : r));
  for (const { source, target } of plan.setRedirects) {
    const redirect = { listenerId: ids.listenerIds.get(target.listenerKey)!, ruleId: ids.ruleIds.get(`${target.listenerKey}|${target.ruleKey}`)! };
    const sourceRule = ids.ruleIds.get(`${source.listenerKey}|${source.ruleKey}`);
    editRules(ids.listenerIds.get(source.listenerKey)!, (r) => (r.id === sourceRule ? { ...r, redirect } : r));
  }
  for (const [listenerId, ruleIds] of goneRules) edit(listenerId, (l) => ({ ...l, rules: l.rules.filter((r) => !ruleIds.has(r.id)) }));

  const targets = new Map<string, ListenerTargets>();
  for (const l of listeners.values()) {
    const was = before.targets.get(l.id);
    targets.set(l.id, {
      listenerId: l.id, protocol: l.protocol, port: l.port, targets: was?.targets ?? [],
      rules: l.rules.map((r) => was?.rules.find((x) => x.ruleId === r.id) ?? { ruleId: r.id, domain: r.domain, url: r.url, targets: [] }),
    });
  }
  return { listeners: [...listeners.values()], targets: withTargetChanges(targets, ids) };
}

/** Targets by listener id, with target writes that succeeded applied (listeners not in the map are left alone). */
export function withTargetChanges(
  before: ReadonlyMap<string, ListenerTargets>,
  changes: { readonly registered: readonly TargetBinding[]; readonly reweighted: readonly TargetBinding[]; readonly deregistered: readonly TargetBinding[] },
): Map<string, ListenerTargets> {
  const targets = new Map(before);
  const change = (b: TargetBinding, f: (list: ListenerTargets['targets']) => ListenerTargets['targets']) => {
    const t = targets.get(b.listenerId);
    if (!t) return;
    targets.set(b.listenerId, b.ruleId ? { ...t, rules: t.rules.map((r) => (r.ruleId === b.ruleId ? { ...r, targets: f(r.targets) } : r)) } : { ...t, targets: f(t.targets) });
  };
  const without = (b: TargetBinding) => (list: ListenerTargets['targets']) => list.filter((t) => targetKey(t) !== targetKey(b.target));
  for (const b of changes.deregistered) change(b, without(b));
  for (const b of [...changes.reweighted, ...changes.registered]) change(b, (list) => [...without(b)(list), b.target]);
  return targets;
}

function withoutRedirect(rule: Rule): Rule {
  const { redirect: _redirect, ...rest } = rule;
  return rest;
}
