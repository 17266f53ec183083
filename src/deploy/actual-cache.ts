/**
 * What the cloud has, remembered between reconciles. Reading costs API calls too (and rate limit budget),
 * so each CLB's listeners and targets are described once, kept correct by the controller's own writes, and
 * described again when the entry is older than the resync period, after any failed write, or after a write
 * that changed listeners or rules (whose new ids only a describe tells). Pod and node churn then cost
 * target calls only.
 */
import { NotFoundError, type CloudProvider, type Listener, type ListenerTargets, type LoadBalancer, type WriteOnlyListenerSettings } from '../../providers/provider.js';
import { withTargetChanges } from './observed-after.js';
import type { QuotaLimits } from './quota.js';

export interface ObservedListeners {
  readonly listeners: readonly Listener[];
  /** Targets of every listener of the CLB, by listener id. */
  readonly targets: ReadonlyMap<string, ListenerTargets>;
}

interface Entry<T> {
  value: T;
  readonly at: number;
}

export class ActualStateCache {
  private readonly loadBalancers = new Map<string, Entry<LoadBalancer>>();
  private readonly observed = new Map<string, Entry<ObservedListeners>>();
  private quotaEntry: Entry<QuotaLimits> | undefined;
  /** When every CLB of the cluster was last listed (by its tag), so the per-owner lookup needs no call. */
  private primedAt: number | undefined;
  /**
   * The CLBs known to exist since that listing (listed, created, described). Apart from `loadBalancers`: a write
   * makes a CLB's remembered state stale (forget), not the CLB gone — were it dropped from here, the adoption check
   * would answer "none" and the owner's CLB would be created a second time.
   */
  private readonly known = new Map<string, LoadBalancer>();
  /** `known` by each tag (`key=value`): an owner's lookup reads the CLBs of its most selective tag, not all of them. */
  private readonly knownByTag = new Map<string, Set<string>>();
  /**
   * The listener settings no describe reports (rescheduling switches) as the controller last sent them, by CLB and
   * listener id: kept when the rest is forgotten, and laid over every describe. Lost on restart, when they are sent once more.
   */
  private readonly writeOnly = new Map<string, Map<string, WriteOnlyListenerSettings>>();

  constructor(
    private readonly provider: CloudProvider,
    private readonly options: { readonly ttlMs: number; readonly now?: () => number },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private fresh<T>(entry: Entry<T> | undefined): entry is Entry<T> {
    return entry !== undefined && this.now() - entry.at < this.options.ttlMs;
  }

  /** A CLB by id, from memory when fresh. Undefined: it does not exist. */
  async loadBalancer(id: string): Promise<LoadBalancer | undefined> {
    const hit = this.loadBalancers.get(id);
    if (this.fresh(hit)) return hit.value;
    const [lb] = await this.provider.describeLoadBalancers([id]);
    if (lb) this.rememberLoadBalancer(lb);
    else this.drop(id);
    return lb;
  }

  rememberLoadBalancer(lb: LoadBalancer): void {
    this.loadBalancers.set(lb.id, { value: lb, at: this.now() });
    this.know(lb);
  }

  private know(lb: LoadBalancer): void {
    this.unknow(lb.id);
    this.known.set(lb.id, lb);
    for (const tag of Object.entries(lb.tags).map(([k, v]) => `${k}=${v}`)) {
      const ids = this.knownByTag.get(tag) ?? new Set<string>();
      ids.add(lb.id);
      this.knownByTag.set(tag, ids);
    }
  }

  private unknow(id: string): void {
    const was = this.known.get(id);
    if (!was) return;
    this.known.delete(id);
    for (const tag of Object.entries(was.tags).map(([k, v]) => `${k}=${v}`)) {
      const ids = this.knownByTag.get(tag);
      ids?.delete(id);
      if (ids && !ids.size) this.knownByTag.delete(tag);
    }
  }

  /** A CLB just created: running, and with nothing on it yet — no need to describe it. Returns what is remembered. */
  rememberCreated(lb: LoadBalancer): ObservedListeners {
    this.rememberLoadBalancer(lb);
    const value = { listeners: [], targets: new Map() };
    this.observed.set(lb.id, { value, at: this.now() });
    return value;
  }

  /**
   * After a structural write planned from `before`: remembers `after` — unless the entry changed meanwhile (another
   * owner of a shared CLB wrote to it), when the CLB is described again instead.
   */
  recordObserved(loadBalancerId: string, before: ObservedListeners, after: ObservedListeners): void {
    const entry = this.observed.get(loadBalancerId);
    if (!entry || entry.value.listeners !== before.listeners || entry.value.targets !== before.targets) return this.forget(loadBalancerId);
    entry.value = after;
  }

  /**
   * Lists every CLB carrying the cluster's tag in one paged query (at start and each resync), so looking up
   * an owner's CLB — the adoption check every new Service or Ingress needs — costs no call of its own.
   */
  async prime(clusterTags: Readonly<Record<string, string>>): Promise<void> {
    const at = this.now();
    const listed = await this.provider.findLoadBalancersByTags(clusterTags);
    this.known.clear();
    this.knownByTag.clear();
    for (const lb of listed) this.rememberLoadBalancer(lb);
    this.primedAt = at;
  }

  /** The remembered CLBs carrying these tags, or undefined when memory cannot answer (not primed, or stale). */
  taggedWith(tags: Readonly<Record<string, string>>): LoadBalancer[] | undefined {
    if (this.primedAt === undefined || this.now() - this.primedAt >= this.options.ttlMs) return undefined;
    const wanted = Object.entries(tags);
    // The smallest set of CLBs carrying one of the tags (an owner's uid tag: one), then the others checked on it.
    const sets = wanted.map(([k, v]) => this.knownByTag.get(`${k}=${v}`) ?? new Set<string>());
    const fewest = sets.length ? sets.reduce((a, b) => (b.size < a.size ? b : a)) : new Set(this.known.keys());
    return [...fewest].flatMap((id) => {
      const lb = this.known.get(id);
      return lb && wanted.every(([k, v]) => lb.tags[k] === v) ? [lb] : [];
    });
  }

  /** Listeners and targets of a CLB, from memory when fresh. */
  async listeners(loadBalancerId: string): Promise<ObservedListeners> {
    const hit = this.observed.get(loadBalancerId);
    if (this.fresh(hit)) return hit.value;
    let listeners: Listener[];
    let targets: ListenerTargets[];
    try {
      const sent = this.writeOnly.get(loadBalancerId);
      listeners = (await this.provider.describeListeners(loadBalancerId)).map((l) => (sent?.has(l.id) ? { ...l, ...sent.get(l.id) } : l));
      targets = listeners.length ? await this.provider.describeTargets(loadBalancerId) : [];
    } catch (error) {
      // The CLB is gone (deleted by hand): forget it, so the next reconcile finds that out instead of failing on a
      // remembered CLB until the resync period ends.
      if (error instanceof NotFoundError) this.drop(loadBalancerId);
      throw error;
    }
    const value = { listeners, targets: new Map(targets.map((t) => [t.listenerId, t])) };
    this.observed.set(loadBalancerId, { value, at: this.now() });
    return value;
  }

  /**
   * Waits until every write to the CLB has finished. One that failed after all (its task is awaited lazily) makes
   * what is remembered of the CLB untrue — the targets it was to register, say — so the CLB is described again.
   */
  async awaitWrites(loadBalancerId: string): Promise<void> {
    try {
      await this.provider.awaitWrites(loadBalancerId);
    } catch (error) {
      this.forget(loadBalancerId);
      throw error;
    }
  }

  /** The account's CLB quotas, read once per resync period (they change only when the account's quota does). */
  async quota(): Promise<QuotaLimits> {
    if (this.fresh(this.quotaEntry)) return this.quotaEntry.value;
    // Unknown for now (the read failed): nothing is held back for it — the cloud still refuses what does not fit —
    // and the next reconcile asks again.
    const q = await this.provider.getQuota().catch(() => undefined);
    if (!q) return { listenersPerLoadBalancer: Infinity, rulesPerListener: Infinity, targetsPerRule: Infinity };
    // A limit the API does not report (0) is not taken as "nothing fits".
    const limit = (n: number) => (n > 0 ? n : Infinity);
    const value = { listenersPerLoadBalancer: limit(q.listenersPerLoadBalancer.limit), rulesPerListener: limit(q.rulesPerListener.limit), targetsPerRule: limit(q.targetsPerRule.limit) };
    this.quotaEntry = { value, at: this.now() };
    return value;
  }

  /** Forgets everything (what a resync period's expiry does, all at once). */
  expireAll(): void {
    this.quotaEntry = undefined;
    this.loadBalancers.clear();
    this.observed.clear();
    this.known.clear();
    this.knownByTag.clear();
    this.primedAt = undefined;
  }

  /** Drops what is remembered of a CLB's state (after a failed or structural write): it is described again. */
  forget(loadBalancerId: string): void {
    this.loadBalancers.delete(loadBalancerId);
    this.observed.delete(loadBalancerId);
  }

  /** Remembers write-only listener settings the cloud accepted (see `writeOnly`). */
  rememberWriteOnly(loadBalancerId: string, sent: ReadonlyMap<string, WriteOnlyListenerSettings>): void {
    if (!sent.size) return;
    const known = this.writeOnly.get(loadBalancerId) ?? new Map<string, WriteOnlyListenerSettings>();
    for (const [listenerId, settings] of sent) known.set(listenerId, { ...known.get(listenerId), ...settings });
    this.writeOnly.set(loadBalancerId, known);
  }

  /** Drops a CLB entirely: it is gone, or being released (deleted, or no longer tagged as the cluster's). */
  drop(loadBalancerId: string): void {
    this.forget(loadBalancerId);
    this.writeOnly.delete(loadBalancerId);
    this.unknow(loadBalancerId);
  }

  /** Applies target writes that succeeded to the remembered targets, so the next plan starts from the truth. */
  recordTargets(loadBalancerId: string, changes: Parameters<typeof withTargetChanges>[1]): void {
    const entry = this.observed.get(loadBalancerId);
    if (!entry) return;
    entry.value = { listeners: entry.value.listeners, targets: withTargetChanges(entry.value.targets, changes) };
  }
}
