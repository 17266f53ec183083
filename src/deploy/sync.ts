/**
 * One owner's listeners, rules and targets on one CLB made equal to the desired ones: observe (from the
 * actual-state cache), plan, apply, and keep the cache true. Shared by service- and ingress-controller.
 */
import type { CloudProvider, Listener, LoadBalancer } from '../../providers/provider.js';
import type { DesiredListener } from '../model/desired.js';
import type { ActualStateCache } from './actual-cache.js';
import { applyPlan } from './apply.js';
import { planChanges, planCount, type Plan } from './plan.js';

export interface SyncRequest {
  readonly provider: CloudProvider;
  readonly cache: ActualStateCache;
  readonly loadBalancer: LoadBalancer;
  readonly desired: readonly DesiredListener[];
  readonly isOwn: (listener: Listener) => boolean;
  /**
   * False while an empty view of the backends may be transient (caches just synced, endpoints briefly gone):
   * then a plan that would leave the owner's listeners without any target keeps the targets it has.
   */
  readonly mayEmptyTargets: boolean;
  /** Delete no listener or rule this time (e.g. while one of the owner's rules is left out for a problem). */
  readonly keepExisting?: boolean;
  /** Called once, before the first write, when there is something to write. */
  readonly beforeWrite?: () => void;
}

export interface SyncResult {
  readonly plan: Plan;
  readonly changes: number;
  /** True when deregistrations were held back because they would have emptied the owner's backends. */
  readonly heldEmpty: boolean;
  /** Targets the owner has on the CLB after this sync. */
  readonly ownTargets: number;
}

const countTargets = (listeners: readonly DesiredListener[]) => listeners.reduce((n, l) => n + l.targets.length + l.rules.reduce((m, r) => m + r.targets.length, 0), 0);

export async function syncListeners(request: SyncRequest): Promise<SyncResult> {
  const { cache, loadBalancer: lb, isOwn } = request;
  const observed = await cache.listeners(lb.id);
  let plan = planChanges(request.desired, { loadBalancer: lb, listeners: observed.listeners, targets: observed.targets }, isOwn);
  const ownListenerIds = new Set(observed.listeners.filter(isOwn).map((l) => l.id));
  const ownActual = [...observed.targets.values()].filter((t) => ownListenerIds.has(t.listenerId)).reduce((n, t) => n + t.targets.length + t.rules.reduce((m, r) => m + r.targets.length, 0), 0);
  const heldEmpty = !request.mayEmptyTargets && countTargets(request.desired) === 0 && ownActual > 0 && plan.deregister.length > 0;
  if (heldEmpty) plan = { ...plan, deregister: [] };
  if (request.keepExisting) plan = { ...plan, deleteRules: [], deleteListeners: [] };
  const changes = planCount(plan);
  if (changes === 0) return { plan, changes, heldEmpty, ownTargets: ownActual };
  request.beforeWrite?.();
  try {
    const applied = await applyPlan(plan, { provider: request.provider, loadBalancerId: lb.id, listeners: observed.listeners });
    if (applied.structural) cache.forget(lb.id);
    else cache.recordTargets(lb.id, applied);
  } catch (error) {
    cache.forget(lb.id);
    throw error;
  }
  return { plan, changes, heldEmpty, ownTargets: heldEmpty ? ownActual : countTargets(request.desired) };
}

/**
 * The transient-empty-view guard: an owner's last targets may go only once its desired backends have stayed
 * empty for the grace period (an informer relisting, endpoints briefly gone during an API outage).
 */
export class EmptyBackendsGuard {
  private readonly emptySince = new Map<string, number>();

  constructor(
    readonly graceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  mayEmpty(key: string, listeners: readonly DesiredListener[]): boolean {
    // A redirecting rule has no targets by design: it does not count as an empty backend.
    const empty = listeners.length > 0 && listeners.every((l) => l.targets.length === 0 && l.rules.every((r) => r.redirect !== undefined || r.targets.length === 0));
    if (!empty) {
      this.emptySince.delete(key);
      return true;
    }
    const since = this.emptySince.get(key) ?? this.now();
    this.emptySince.set(key, since);
    return this.now() - since >= this.graceMs;
  }

  forget(key: string): void {
    this.emptySince.delete(key);
  }
}
