/**
 * The pipeline's reports about sync state — to the object's condition and to the observer (metrics) — kept apart
 * from the six steps so each stays on one screen: a failed sync told, an owner forgotten, what an apply with writes
 * says about drift and latency, and what an owner has on the cloud.
 */
import type { DesiredState } from '../model/desired.js';
import type { StatusObject } from '../kube/object-writer.js';
import { countTargets, planWritesByKind, targetWrites, type LoadBalancerPlan } from '../deploy/plan-load-balancer.js';
import { failureVerdict } from './report.js';
import type { OwnerAdapter, PipelineDeps } from './reconcile-owner.js';
import type { DriftKind, ObservedOwner, OwnedResources } from './sync-observer.js';

/** An owner's queue key, `namespace/name`. */
export const keyOf = (o: StatusObject) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;

/** A reconcile that failed: the sync condition and the observer say why (the Warning was told already). */
export async function reportFailedSync<T extends StatusObject>(deps: PipelineDeps<T>, adapter: OwnerAdapter<T>, object: T, error: unknown): Promise<void> {
  const verdict = failureVerdict(error);
  if (!verdict) return;
  deps.observer?.synced(observed(adapter, object), verdict.state, verdict.reason, verdict.code);
  // Versioned, from the object in hand, so others' conditions are never overwritten; if this reconcile's own patches
  // made it stale (409), unversioned — what changed since is then ours (finalizer, annotation), not a condition.
  const write = (unversioned: boolean) => deps.writer.report(object, { sync: verdict }, { unversioned });
  await write(false)
    .catch((e: unknown) => ((e as { code?: unknown }).code === 409 ? write(true) : Promise.reject(e)))
    .catch((e: unknown) => deps.logger.warn({ owner: keyOf(object), err: (e as Error).message }, 'Could not set the sync condition'));
}

/** The owner is gone from the controller's view: what the metrics and the memory hold of it goes too. */
export function forgetOwner<T extends StatusObject>(deps: PipelineDeps<T>, owner: ObservedOwner): void {
  deps.memory.forget(`${owner.namespace}/${owner.name}`);
  deps.observer?.forget(owner);
}

export const observed = <T extends StatusObject>(adapter: OwnerAdapter<T>, object: T): ObservedOwner => ({ kind: adapter.fields.kind, namespace: object.metadata?.namespace ?? 'default', name: object.metadata?.name ?? '' });

/**
 * For the metrics, after an apply with writes: drift corrections (writes while the model stayed as last applied),
 * and the time from the change noticed to its target writes programmed (apply has awaited their tasks).
 */
export function observeWrites<T extends StatusObject>(deps: PipelineDeps<T>, owner: ObservedOwner, key: string, model: DesiredState, plan: LoadBalancerPlan, noticedAt: number | undefined): void {
  const { observer } = deps;
  if (!observer) return;
  if (deps.memory.isLastApplied(key, model)) {
    for (const [kind, changes] of Object.entries(planWritesByKind(plan))) if (changes) observer.driftCorrected(owner, kind as DriftKind, changes);
  }
  deps.memory.rememberApplied(key, model);
  if (noticedAt !== undefined && targetWrites(plan)) observer.targetsProgrammed(owner, Math.max(0, deps.now() - noticedAt) / 1000);
}

/** What the owner has on its CLB, as its model says (what a quota left out included: it is asked for). */
export function ownedBy(loadBalancerId: string, model: DesiredState): OwnedResources {
  const rules = model.listeners.reduce((n, l) => n + l.rules.length, 0);
  return { loadBalancers: [loadBalancerId], listeners: model.listeners.length, rules, targets: countTargets(model.listeners) };
}
