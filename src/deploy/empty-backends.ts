/**
 * The transient-empty-view guard: an owner's last targets may go only once its desired backends have stayed
 * empty for the grace period (an informer relisting, endpoints briefly gone during an API outage). Its answer
 * is a policy the pure plan takes as input (plan-load-balancer.ts).
 */
import type { DesiredListener } from '../model/desired.js';

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
