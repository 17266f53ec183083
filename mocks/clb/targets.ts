/** Target validation and changes for the simulator: the rules the real API enforces on backends. */
import type { clb } from '../../providers/tencentcloud/api.js';
import { ApiFailure, fail } from './api-error.js';
import { BATCH_LIMITS } from './options.js';
import { LAYER7, targetKey, type SimLoadBalancer, type SimTarget } from './state.js';
import { ID_PATTERNS, isIpv4 } from './support.js';

export const DEFAULT_WEIGHT = 10;

/** Request-level checks: a malformed target fails the whole call. */
export function parseTarget(target: { InstanceId?: string; EniIp?: string; Port?: number; Weight?: number }, defaultWeight?: number): SimTarget {
  const hasInstance = Boolean(target.InstanceId);
  const hasEni = Boolean(target.EniIp);
  if (hasInstance === hasEni) fail('InvalidParameter', 'Exactly one of Target.InstanceId and Target.EniIp must be set.');
  if (hasInstance && !ID_PATTERNS.instance.test(target.InstanceId!)) fail('InvalidParameter.FormatError', `Target.InstanceId ${target.InstanceId} is malformed.`);
  if (hasEni && !isIpv4(target.EniIp!)) fail('InvalidParameter.FormatError', `Target.EniIp ${target.EniIp} is not an IPv4 address.`);
  const port = Number(target.Port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail('InvalidParameterValue.Range', `Target.Port ${target.Port} is out of range [1, 65535].`);
  const weight = target.Weight === undefined || target.Weight === null ? defaultWeight : Number(target.Weight);
  if (weight !== undefined && (!Number.isInteger(weight) || weight < 0 || weight > 100)) {
    fail('InvalidParameterValue.Range', `Target.Weight ${target.Weight} is out of range [0, 100].`);
  }
  return { ...(hasInstance ? { instanceId: target.InstanceId! } : { eniIp: target.EniIp! }), port, weight: weight ?? DEFAULT_WEIGHT };
}

/** The backend set a target belongs to: the layer-4 listener's own, or one layer-7 rule's. */
export function targetSet(lb: SimLoadBalancer, listenerId: string, locationId?: string): Map<string, SimTarget> {
  const listener = lb.listeners.get(listenerId);
  if (!listener) return fail('InvalidParameter.ListenerIdNotFound', `Listener ${listenerId} does not exist on ${lb.id}.`);
  if (!LAYER7.has(listener.protocol)) {
    if (locationId) fail('InvalidParameter', `Listener ${listenerId} is layer-4: LocationId is not accepted.`);
    return listener.targets;
  }
  if (!locationId) return fail('MissingParameter', `Listener ${listenerId} is layer-7: LocationId is required.`);
  const rule = listener.rules.get(locationId);
  if (!rule) return fail('InvalidParameter.LocationNotFound', `Rule ${locationId} does not exist on listener ${listenerId}.`);
  return rule.targets;
}

interface Group {
  listenerId: string;
  locationId: string | undefined;
  targets: SimTarget[];
}

function groupBatch(targets: readonly clb.BatchTarget[], withWeight: boolean): Group[] {
  const groups = new Map<string, Group>();
  for (const t of targets) {
    if (!t.ListenerId) fail('MissingParameter', 'BatchTarget.ListenerId is required.');
    const parsed = parseTarget(t, withWeight ? DEFAULT_WEIGHT : 0);
    const key = `${t.ListenerId}/${t.LocationId ?? ''}`;
    const group = groups.get(key) ?? { listenerId: t.ListenerId, locationId: t.LocationId || undefined, targets: [] };
    group.targets.push(parsed);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export interface BatchOutcome {
  readonly failedListenerIds: string[];
  readonly messages: string[];
  /** The per-listener failures, with their API codes (the single-listener calls answer with the first). */
  readonly failures: ApiFailure[];
  readonly apply: () => void;
}

/**
 * BatchRegisterTargets / BatchDeregisterTargets: a failure specific to one listener (unknown listener or rule,
 * a duplicate, the quota) fails that listener only (FailListenerIdSet); the other listeners' changes go through.
 */
export function planBatch(lb: SimLoadBalancer, targets: readonly clb.BatchTarget[], mode: 'register' | 'deregister', targetsPerRule: number): BatchOutcome {
  if (!targets?.length) fail('MissingParameter', 'Targets is required.');
  if (targets.length > BATCH_LIMITS.batchTargets) fail('InvalidParameterValue.Length', `Targets has ${targets.length} entries; at most ${BATCH_LIMITS.batchTargets} are accepted.`);
  const failed = new Set<string>();
  const messages: string[] = [];
  const failures: ApiFailure[] = [];
  const changes: (() => void)[] = [];
  for (const group of groupBatch(targets, mode === 'register')) {
    try {
      const set = targetSet(lb, group.listenerId, group.locationId);
      changes.push(mode === 'register' ? planRegister(set, group, targetsPerRule) : planDeregister(set, group));
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      failed.add(group.listenerId);
      failures.push(error);
      messages.push(`${group.listenerId}: ${error.message}`);
    }
  }
  return { failedListenerIds: [...failed], messages, failures, apply: () => changes.forEach((change) => change()) };
}

function planRegister(set: Map<string, SimTarget>, group: Group, targetsPerRule: number): () => void {
  const seen = new Set<string>();
  for (const t of group.targets) {
    const key = targetKey(t);
    if (set.has(key) || seen.has(key)) fail('InvalidParameterValue.Duplicate', `Target ${key} is already bound.`);
    seen.add(key);
  }
  if (set.size + group.targets.length > targetsPerRule) {
    fail('LimitExceeded', `Binding ${group.targets.length} more targets exceeds the quota of ${targetsPerRule} per ${group.locationId ? 'rule' : 'listener'}.`);
  }
  return () => group.targets.forEach((t) => set.set(targetKey(t), t));
}

/** Deregistering a target that is not bound is a no-op (decision: deletes are idempotent, as the contract wants). */
function planDeregister(set: Map<string, SimTarget>, group: Group): () => void {
  return () => group.targets.forEach((t) => set.delete(targetKey(t)));
}

/** BatchModifyTargetWeight: all-or-nothing; every target must already be bound. */
export function planWeights(lb: SimLoadBalancer, rules: readonly clb.RsWeightRule[]): () => void {
  if (!rules?.length) fail('MissingParameter', 'ModifyList is required.');
  if (rules.length > BATCH_LIMITS.weightRules) fail('InvalidParameterValue.Length', `ModifyList has ${rules.length} entries; at most ${BATCH_LIMITS.weightRules} are accepted.`);
  const total = rules.reduce((n, r) => n + (r.Targets?.length ?? 0), 0);
  if (total > BATCH_LIMITS.batchTargets) fail('InvalidParameterValue.Length', `ModifyList holds ${total} targets; at most ${BATCH_LIMITS.batchTargets} are accepted.`);
  const updates: { set: Map<string, SimTarget>; key: string; weight: number }[] = [];
  for (const rule of rules) {
    const set = targetSet(lb, rule.ListenerId, rule.LocationId || undefined);
    for (const t of rule.Targets ?? []) {
      const parsed = parseTarget({ ...t, Weight: t.Weight ?? rule.Weight }, undefined);
      if (t.Weight === undefined && rule.Weight === undefined) fail('MissingParameter', 'A weight is required (Target.Weight or RsWeightRule.Weight).');
      const key = targetKey(parsed);
      if (!set.has(key)) fail('InvalidParameter', `Target ${key} is not bound to listener ${rule.ListenerId}.`);
      updates.push({ set, key, weight: parsed.weight });
    }
  }
  return () => updates.forEach(({ set, key, weight }) => set.set(key, { ...set.get(key)!, weight }));
}
