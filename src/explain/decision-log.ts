/**
 * The decision log: every target registered, re-weighted or removed is logged once, when its write succeeded,
 * with the reason `explain` gives for it — so "why was my Pod deregistered?" has an answer in the logs too.
 */
import type { Target } from '../../providers/provider.js';
import type { LoadBalancerPlan } from '../deploy/plan-load-balancer.js';
import type { Logger } from '../runtime/logger.js';
import { BACKEND_REASONS, type BackendLine } from './backend-lines.js';

const addressOf = (target: Target) => target.instanceId ?? target.eniIp ?? '';

export function logTargetDecisions(logger: Logger, owner: string, loadBalancerId: string, plan: LoadBalancerPlan, lines: () => readonly BackendLine[]): void {
  const { register, reweight, deregister, deregisterFirst } = plan.listeners;
  if (!register.length && !reweight.length && !deregister.length && !deregisterFirst.length) return;
  // The reasons cost a walk over the owner's nodes and endpoints: not for a logger that would drop the lines.
  if ((logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') === false) return;
  const byAddress = new Map<string, BackendLine[]>();
  for (const line of lines()) byAddress.set(line.address, [...(byAddress.get(line.address) ?? []), line]);
  const why = (target: Target) => {
    const candidates = byAddress.get(addressOf(target)) ?? [];
    const line = candidates.find((l) => l.port === undefined || l.port === target.port) ?? candidates[0];
    return line ? { reason: line.reason, detail: line.detail, ...(line.kind === 'pod' ? { pod: line.name } : { node: line.name }) } : { reason: 'Gone', detail: BACKEND_REASONS.Gone };
  };
  const log = (message: string, listener: string, target: Target) =>
    logger.info({ owner, lb: loadBalancerId, listener, target: `${addressOf(target)}:${target.port}`, weight: target.weight, ...why(target) }, message);
  for (const b of register) log('Registered target', b.ruleKey ? `${b.listenerKey} ${b.ruleKey}` : b.listenerKey, b.target);
  for (const b of reweight) log('Re-weighted target', b.listenerId, b.target);
  for (const b of [...deregisterFirst, ...deregister]) log('Deregistered target', b.listenerId, b.target);
}
