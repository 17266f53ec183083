/**
 * What the cloud has, remembered between reconciles. Reading costs API calls too (and rate limit budget),
 * so each CLB's listeners and targets are described once, kept correct by the controller's own writes, and
 * described again when the entry is older than the resync period, after any failed write, or after a write
 * that changed listeners or rules (whose new ids only a describe tells). Pod and node churn then cost
 * target calls only.
 */
import type { CloudProvider, Listener, ListenerTargets, LoadBalancer, TargetBinding } from '../../providers/provider.js';
import { targetKey } from '../model/desired.js';

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
    else this.forget(id);
    return lb;
  }

  rememberLoadBalancer(lb: LoadBalancer): void {
    this.loadBalancers.set(lb.id, { value: lb, at: this.now() });
  }

  /** Listeners and targets of a CLB, from memory when fresh. */
  async listeners(loadBalancerId: string): Promise<ObservedListeners> {
    const hit = this.observed.get(loadBalancerId);
    if (this.fresh(hit)) return hit.value;
    const listeners = await this.provider.describeListeners(loadBalancerId);
    const targets = listeners.length ? await this.provider.describeTargets(loadBalancerId) : [];
    const value = { listeners, targets: new Map(targets.map((t) => [t.listenerId, t])) };
    this.observed.set(loadBalancerId, { value, at: this.now() });
    return value;
  }

  /** Drops what is known about a CLB (after a failed or structural write, or when it is gone). */
  forget(loadBalancerId: string): void {
    this.loadBalancers.delete(loadBalancerId);
    this.observed.delete(loadBalancerId);
  }

  /** Applies target writes that succeeded to the remembered targets, so the next plan starts from the truth. */
  recordTargets(loadBalancerId: string, changes: { registered: readonly TargetBinding[]; reweighted: readonly TargetBinding[]; deregistered: readonly TargetBinding[] }): void {
    const entry = this.observed.get(loadBalancerId);
    if (!entry) return;
    const targets = new Map(entry.value.targets);
    const edit = (binding: TargetBinding, change: (list: ListenerTargets['targets']) => ListenerTargets['targets']) => {
      const current = targets.get(binding.listenerId);
      if (!current) return;
      if (binding.ruleId) {
        targets.set(binding.listenerId, { ...current, rules: current.rules.map((r) => (r.ruleId === binding.ruleId ? { ...r, targets: change(r.targets) } : r)) });
      } else {
        targets.set(binding.listenerId, { ...current, targets: change(current.targets) });
      }
    };
    const without = (b: TargetBinding) => (list: ListenerTargets['targets']) => list.filter((t) => targetKey(t) !== targetKey(b.target));
    for (const b of changes.deregistered) edit(b, without(b));
    for (const b of [...changes.reweighted, ...changes.registered]) edit(b, (list) => [...without(b)(list), b.target]);
    entry.value = { listeners: entry.value.listeners, targets };
  }
}
