/**
 * The owner's sync condition — what `kubectl wait --for=condition=LoadBalancerSynced service/NAME` waits on:
 * True once its CLB is as its model says, False with the reason and error code of what stops it.
 *
 * A Service keeps it in `status.conditions` (metav1.Condition); an Ingress, whose status has no conditions in
 * networking/v1, in TKE's annotation `ingress.cloud.tencent.com/status.conditions` (a JSON list of them).
 * It is written only when it changes; its lastTransitionTime moves only when its status flips.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { SyncState } from '../controllers/sync-observer.js';
import type { ErrorCode } from '../model/error-codes.js';

export const SYNC_CONDITION = 'LoadBalancerSynced';
/** TKE's annotation for an Ingress's conditions. */
export const INGRESS_CONDITIONS_ANNOTATION = 'ingress.cloud.tencent.com/status.conditions';

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/** What the pipeline concluded about an owner, before it becomes a condition. */
export interface SyncVerdict {
  readonly state: SyncState;
  /** The Event reason (EnsuredLoadBalancer when synced). */
  readonly reason: string;
  readonly code?: ErrorCode;
  /** The Warning's text (with its code), or what is in sync. */
  readonly message: string;
}

type WithConditions = KubernetesObject & { status?: { conditions?: readonly unknown[] } };

/** At most this much of a message goes in a condition (an annotation's value is limited, and must stay readable). */
const MAX_MESSAGE = 1_000;

/** The conditions the object has now: status.conditions (Service) or the annotation's list (Ingress). */
export function currentConditions(object: KubernetesObject, where: ConditionsAt): Condition[] {
  if (where === 'status') return [...(((object as WithConditions).status?.conditions ?? []) as Condition[])];
  const raw = object.metadata?.annotations?.[where.annotation];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed.filter((c) => c && typeof c === 'object' && typeof (c as Condition).type === 'string') as Condition[]) : [];
  } catch {
    return []; // Not ours to keep when it is not even JSON: it is replaced with a valid list.
  }
}

export type ConditionsAt = 'status' | { readonly annotation: string };

/**
 * The object's conditions with ours set from the verdict, or undefined when ours already says the same (no write).
 * Others' conditions are kept as they are, in their order.
 */
export function conditionsWith(object: KubernetesObject, where: ConditionsAt, verdict: SyncVerdict, now: Date): Condition[] | undefined {
  const conditions = currentConditions(object, where);
  const previous = conditions.find((c) => c.type === SYNC_CONDITION);
  const status = verdict.state === 'Synced' ? 'True' : 'False';
  const message = verdict.message.length > MAX_MESSAGE ? `${verdict.message.slice(0, MAX_MESSAGE)}…` : verdict.message;
  const generation = object.metadata?.generation;
  if (previous && previous.status === status && previous.reason === verdict.reason && previous.message === message && previous.observedGeneration === generation) return undefined;
  const lastTransitionTime = previous && previous.status === status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Condition = { type: SYNC_CONDITION, status, reason: verdict.reason, message, lastTransitionTime, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
  return previous ? conditions.map((c) => (c.type === SYNC_CONDITION ? next : c)) : [...conditions, next];
}

/** Whether the object shows this controller's condition (cheap: no parse of the Ingress annotation). */
export function hasSyncCondition(object: KubernetesObject, where: ConditionsAt): boolean {
  if (where !== 'status') return object.metadata?.annotations?.[where.annotation]?.includes(`"${SYNC_CONDITION}"`) ?? false;
  return ((object as WithConditions).status?.conditions ?? []).some((c) => (c as Condition).type === SYNC_CONDITION);
}

/** The object's conditions without ours (it no longer has a CLB), or undefined when it has none of ours. */
export function conditionsWithout(object: KubernetesObject, where: ConditionsAt): Condition[] | undefined {
  const conditions = currentConditions(object, where);
  return conditions.some((c) => c.type === SYNC_CONDITION) ? conditions.filter((c) => c.type !== SYNC_CONDITION) : undefined;
}
