/**
 * How a CLB picks a backend for a new connection (layer 4) or request (layer 7), over one pool — a listener's
 * targets, or a rule's: weighted round robin by weight (the "smooth" variant nginx uses, so a 3:1 split is even
 * over time, not bursts), least connections, or a hash of the client address; a target of weight 0 or failing its
 * health check takes nothing new; session persistence (SessionExpireTime) sends a client back to its target
 * while that target can still take it.
 */
import { targetKey as targetKeyOf, type SimTarget } from '../state.js';

export interface PoolSettings {
  readonly scheduler: string;
  /** Seconds; 0 = off. */
  readonly sessionExpireTime: number;
}

export class Balancer {
  /** Smooth WRR's running weights, by target key. */
  private readonly current = new Map<string, number>();
  private readonly sessions = new Map<string, { readonly target: string; expiresAt: number }>();
  /** Open connections (layer 4) or requests in flight (layer 7), by target key. */
  readonly active = new Map<string, Set<{ destroy(): void }>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The target for a client, of `targets` (the pool as the CLB has it now) that `usable` accepts (healthy), or
   * undefined when none can take it.
   */
  pick(clientIp: string, targets: Iterable<SimTarget>, settings: PoolSettings, usable: (key: string) => boolean): SimTarget | undefined {
    const all = [...targets];
    const eligible = all.filter((t) => t.weight > 0 && usable(targetKeyOf(t)));
    // A target out of the rotation (weight 0, unhealthy) starts afresh when it is back, without a burst.
    for (const t of all) if (!eligible.includes(t)) this.current.delete(targetKeyOf(t));
    if (!eligible.length) return undefined;
    const sticky = settings.sessionExpireTime > 0 ? this.sessions.get(clientIp) : undefined;
    const kept = sticky && sticky.expiresAt > this.now() ? eligible.find((t) => targetKeyOf(t) === sticky.target) : undefined;
    const chosen = kept ?? this.choose(clientIp, eligible, settings.scheduler);
    if (settings.sessionExpireTime > 0) this.sessions.set(clientIp, { target: targetKeyOf(chosen), expiresAt: this.now() + settings.sessionExpireTime * 1000 });
    return chosen;
  }

  private choose(clientIp: string, eligible: readonly SimTarget[], scheduler: string): SimTarget {
    if (scheduler === 'LEAST_CONN') {
      // Fewest open connections per unit of weight.
      return eligible.reduce((best, t) => (this.load(t) < this.load(best) ? t : best));
    }
    if (scheduler === 'IP_HASH') {
      let hash = 0;
      for (const c of clientIp) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
      return eligible[hash % eligible.length]!;
    }
    // Smooth weighted round robin: each pick adds every weight to its running total and takes the largest, which then
    // gives back the sum of weights.
    const total = eligible.reduce((sum, t) => sum + t.weight, 0);
    let best = eligible[0]!;
    for (const t of eligible) {
      const key = targetKeyOf(t);
      const value = (this.current.get(key) ?? 0) + t.weight;
      this.current.set(key, value);
      if (value > (this.current.get(targetKeyOf(best)) ?? 0)) best = t;
    }
    this.current.set(targetKeyOf(best), (this.current.get(targetKeyOf(best)) ?? 0) - total);
    return best;
  }

  private load(t: SimTarget): number {
    return (this.active.get(targetKeyOf(t))?.size ?? 0) / t.weight;
  }

  /** Tracks a connection or request on a target until it ends. */
  track(key: string, connection: { destroy(): void; once(event: 'close', listener: () => void): unknown }): void {
    const set = this.active.get(key) ?? new Set();
    set.add(connection);
    this.active.set(key, set);
    connection.once('close', () => {
      set.delete(connection);
      if (!set.size && this.active.get(key) === set) this.active.delete(key);
    });
  }

  /** Ends, at once, the connections of targets `doomed` says so of (a deregistered target with DeregisterTargetRst, say). */
  endConnections(doomed: (key: string) => boolean): number {
    let ended = 0;
    for (const [key, set] of this.active) {
      if (!doomed(key)) continue;
      for (const c of set) {
        c.destroy();
        ended += 1;
      }
    }
    return ended;
  }

  /** Forgets what belongs to targets no longer in the pool (their running weights and sessions). */
  forgetOthers(keys: ReadonlySet<string>): void {
    for (const key of this.current.keys()) if (!keys.has(key)) this.current.delete(key);
    for (const [client, session] of this.sessions) if (!keys.has(session.target) || session.expiresAt <= this.now()) this.sessions.delete(client);
  }
}
