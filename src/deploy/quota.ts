/**
 * PURE: a desired model made to fit the CLB's quotas — listeners per CLB, rules per listener, targets per
 * listener or rule (TOTAL_LISTENER_QUOTA, TOTAL_LISTENER_RULE_QUOTA, TOTAL_TARGET_BIND_QUOTA). What fits is kept
 * in the model's order — ports in spec order, rules in order, targets already bound first, then the rest in
 * order — and what does not is left out with a QuotaExceeded Warning naming the quota, its limit and what was
 * left out. Everything else goes on: one quota never blocks unrelated changes.
 */
import type { Listener, Target } from '../../providers/provider.js';
import { listenerKey, ruleKey, targetKey, type DesiredListener, type DesiredRule } from '../model/desired.js';
import { problem, type Problem } from '../model/problems.js';
import { withModelledDomains, type ActualState } from './plan.js';

export interface QuotaLimits {
  readonly listenersPerLoadBalancer: number;
  readonly rulesPerListener: number;
  readonly targetsPerRule: number;
}

const preview = (items: readonly string[]) => (items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`);

/** Targets up to `limit`: those bound already first (no churn), then the rest in the model's order. */
function fitTargets(targets: readonly Target[], bound: readonly Target[], limit: number, where: string, leftOut: Problem[], outAddresses: Set<string>): readonly Target[] {
  if (targets.length <= limit) return targets;
  const isBound = new Set(bound.map(targetKey));
  const kept = [...targets.filter((t) => isBound.has(targetKey(t))), ...targets.filter((t) => !isBound.has(targetKey(t)))].slice(0, limit);
  const keptKeys = new Set(kept.map(targetKey));
  const out = targets.filter((t) => !keptKeys.has(targetKey(t)));
  for (const t of out) outAddresses.add(t.eniIp ?? t.instanceId);
  leftOut.push(problem('QuotaExceeded', where, String(targets.length), `${where} can bind at most ${limit} targets (TOTAL_TARGET_BIND_QUOTA); ${out.length} left out: ${preview(out.map(targetKey))}`));
  return targets.filter((t) => keptKeys.has(targetKey(t)));
}

export function fitToQuota(desired: readonly DesiredListener[], actual: ActualState, isOwn: (l: Listener) => boolean, limits: QuotaLimits): { listeners: DesiredListener[]; leftOut: Problem[]; leftOutAddresses: string[] } {
  const leftOut: Problem[] = [];
  const outAddresses = new Set<string>();
  // The model's rules without a host carry the VIP placeholder; the cloud's, the VIP: matched as the plan matches them.
  const existing = new Map(actual.listeners.filter(isOwn).map((l) => [listenerKey(l), withModelledDomains(l, actual.loadBalancer)]));
  // Listeners that stay take their places first; new ones fill what is left, in the model's order.
  let room = limits.listenersPerLoadBalancer - actual.listeners.filter((l) => !isOwn(l)).length - desired.filter((l) => existing.has(listenerKey(l))).length;
  const droppedPorts: string[] = [];
  const listeners: DesiredListener[] = [];
  for (const listener of desired) {
    const current = existing.get(listenerKey(listener));
    if (!current && room <= 0) {
      droppedPorts.push(listenerKey(listener));
      continue;
    }
    if (!current) room -= 1;
    const bound = current ? actual.targets.get(current.id) : undefined;
    const rules = fitRules(listener, current, limits, leftOut);
    listeners.push({
      ...listener,
      targets: fitTargets(listener.targets, bound?.targets ?? [], limits.targetsPerRule, `listener ${listenerKey(listener)}`, leftOut, outAddresses),
      rules: rules.map((r) => {
        const ruleId = current?.rules.find((x) => ruleKey(x) === ruleKey(r))?.id;
        const boundRule = ruleId ? bound?.rules.find((x) => x.ruleId === ruleId)?.targets ?? [] : [];
        return { ...r, targets: fitTargets(r.targets, boundRule, limits.targetsPerRule, `rule ${listenerKey(listener)} ${ruleKey(r)}`, leftOut, outAddresses) };
      }),
    });
  }
  if (droppedPorts.length) {
    leftOut.push(problem('QuotaExceeded', 'listeners', preview(droppedPorts), `the CLB can hold at most ${limits.listenersPerLoadBalancer} listeners (TOTAL_LISTENER_QUOTA), its own and others'; ${droppedPorts.length} left out: ${preview(droppedPorts)}`, 'E4004'));
  }
  return { listeners, leftOut, leftOutAddresses: [...outAddresses] };
}

function fitRules(listener: DesiredListener, current: Listener | undefined, limits: QuotaLimits, leftOut: Problem[]): readonly DesiredRule[] {
  if (listener.rules.length <= limits.rulesPerListener) return listener.rules;
  const existing = new Set(current?.rules.map(ruleKey) ?? []);
  const staying = listener.rules.filter((r) => existing.has(ruleKey(r)));
  const fresh = listener.rules.filter((r) => !existing.has(ruleKey(r)));
  const kept = new Set([...staying, ...fresh].slice(0, limits.rulesPerListener).map(ruleKey));
  const out = listener.rules.filter((r) => !kept.has(ruleKey(r))).map(ruleKey);
  leftOut.push(problem('QuotaExceeded', `listener ${listenerKey(listener)}`, String(listener.rules.length), `a listener can hold at most ${limits.rulesPerListener} rules (TOTAL_LISTENER_RULE_QUOTA); ${out.length} left out: ${preview(out)}`, 'E4005'));
  return listener.rules.filter((r) => kept.has(ruleKey(r)));
}
