/** Splitting work into API-sized calls. Pure functions, so the batch sizes are tested directly. */
import type { TargetBinding } from '../provider.js';

/** Per-call limits of the CLB API (reference §5). */
export const API_LIMITS = {
  loadBalancerIds: 20,
  describePageSize: 100,
  deleteListenerIds: 20,
  describeTargetListenerIds: 20,
  batchTargets: 500,
  weightRules: 100,
} as const;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export interface WeightGroup {
  readonly listenerId: string;
  readonly ruleId: string | undefined;
  readonly bindings: readonly TargetBinding[];
}

/**
 * BatchModifyTargetWeight takes at most 100 (listener, rule) entries and 500 targets per call. Groups
 * bindings by listener and rule, splits groups larger than 500, then packs the pieces greedily in order.
 */
export function packWeightCalls(bindings: readonly TargetBinding[]): WeightGroup[][] {
  const groups = new Map<string, { listenerId: string; ruleId: string | undefined; bindings: TargetBinding[] }>();
  for (const binding of bindings) {
    const key = `${binding.listenerId}/${binding.ruleId ?? ''}`;
    const group = groups.get(key) ?? { listenerId: binding.listenerId, ruleId: binding.ruleId, bindings: [] };
    group.bindings.push(binding);
    groups.set(key, group);
  }
  const calls: WeightGroup[][] = [];
  let current: WeightGroup[] = [];
  let targetsInCurrent = 0;
  for (const group of groups.values()) {
    let rest = group.bindings;
    while (rest.length > 0) {
      if (current.length === API_LIMITS.weightRules || targetsInCurrent === API_LIMITS.batchTargets) {
        calls.push(current);
        current = [];
        targetsInCurrent = 0;
      }
      const room = API_LIMITS.batchTargets - targetsInCurrent;
      current.push({ listenerId: group.listenerId, ruleId: group.ruleId, bindings: rest.slice(0, room) });
      targetsInCurrent += Math.min(room, rest.length);
      rest = rest.slice(room);
    }
  }
  if (current.length) calls.push(current);
  return calls;
}
