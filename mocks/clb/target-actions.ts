/**
 * The target actions: DescribeTargets, BatchRegisterTargets / BatchDeregisterTargets (per-listener failures in
 * FailListenerIdSet), the single-listener RegisterTargets / DeregisterTargets, and BatchModifyTargetWeight.
 * What a target may be and how a change is planned lives in targets.ts.
 */
import type { clb } from '../../providers/tencentcloud/api.js';
import { fail } from './api-error.js';
import { BATCH_LIMITS } from './options.js';
import type { ActionTable, SimState, SimulatedClbApi } from './sim-state.js';
import { LAYER7, toSdkBackend } from './state.js';
import { parseTarget, planBatch, planWeights, targetSet } from './targets.js';

type Result<Res> = Omit<Res, 'RequestId'>;
type Mode = 'register' | 'deregister';

function describeTargets(s: SimState, r: clb.DescribeTargetsRequest): Result<clb.DescribeTargetsResponse> {
  const listeners = s.describedListeners(r, BATCH_LIMITS.describeTargetListenerIds);
  return {
    Listeners: listeners.map((l) =>
      LAYER7.has(l.protocol)
        ? { ListenerId: l.id, Protocol: l.protocol, Port: l.port, Targets: null as never, Rules: [...l.rules.values()].map((rule) => ({ LocationId: rule.id, Domain: rule.domain, Url: rule.url, Targets: [...rule.targets.values()].map(toSdkBackend), FunctionTargets: null as never })) }
        : { ListenerId: l.id, Protocol: l.protocol, Port: l.port, Targets: [...l.targets.values()].map(toSdkBackend), Rules: null as never },
    ),
  };
}

const batchTargets = (action: string, mode: Mode) => (s: SimState, r: clb.BatchRegisterTargetsRequest, requestId: string): Result<clb.BatchRegisterTargetsResponse> => {
  const lb = s.requireLoadBalancer(r.LoadBalancerId, true);
  const outcome = planBatch(lb, r.Targets, mode, s.quotas.targetsPerRule);
  s.tasks.start(action, requestId, [lb.id], outcome.apply);
  return { FailListenerIdSet: outcome.failedListenerIds, Message: outcome.messages.join('; ') };
};

/** The single-listener variants (≤ 20 targets); the provider uses the batch ones. */
const singleListenerTargets = (action: string, mode: Mode) => (s: SimState, r: clb.RegisterTargetsRequest, requestId: string): Result<clb.RegisterTargetsResponse> => {
  const lb = s.requireLoadBalancer(r.LoadBalancerId, true);
  const targets = r.Targets ?? [];
  if (targets.length > BATCH_LIMITS.targetsPerCall) fail('InvalidParameterValue.Length', `Targets has ${targets.length} entries; at most ${BATCH_LIMITS.targetsPerCall} are accepted.`);
  const listener = s.requireListener(lb, r.ListenerId);
  const locationId = r.LocationId || (r.Domain !== undefined ? [...listener.rules.values()].find((x) => x.domain === r.Domain && x.url === r.Url)?.id : undefined);
  targetSet(lb, listener.id, locationId);
  targets.forEach((t) => parseTarget(t, 10));
  const outcome = planBatch(lb, targets.map((t) => ({ ...t, ListenerId: listener.id, ...(locationId ? { LocationId: locationId } : {}) })), mode, s.quotas.targetsPerRule);
  const firstFailure = outcome.failures[0];
  if (firstFailure) fail(firstFailure.code, firstFailure.message);
  s.tasks.start(action, requestId, [lb.id], outcome.apply);
  return {};
};

function batchModifyTargetWeight(s: SimState, r: clb.BatchModifyTargetWeightRequest, requestId: string): Result<clb.BatchModifyTargetWeightResponse> {
  const lb = s.requireLoadBalancer(r.LoadBalancerId, true);
  s.tasks.start('BatchModifyTargetWeight', requestId, [lb.id], planWeights(lb, r.ModifyList));
  return {};
}

export const targetActions = {
  DescribeTargets: describeTargets,
  BatchRegisterTargets: batchTargets('BatchRegisterTargets', 'register'),
  BatchDeregisterTargets: batchTargets('BatchDeregisterTargets', 'deregister'),
  RegisterTargets: singleListenerTargets('RegisterTargets', 'register'),
  DeregisterTargets: singleListenerTargets('DeregisterTargets', 'deregister'),
  BatchModifyTargetWeight: batchModifyTargetWeight,
} satisfies Partial<ActionTable<SimulatedClbApi>>;
