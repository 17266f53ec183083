/**
 * The mock CLB's data path: every listener of every CLB in the simulator served on real sockets, on loopback only,
 * so that requests through a CLB reach the backends the controller registered — the proof that a rollout drops
 * nothing is then a count of real failed requests. Off unless started (tests that don't need traffic don't pay).
 *
 * A sync (every `syncEveryMs`, and on demand) binds a listener that appeared, rebinds one whose address, port or
 * certificates changed, closes one that went, and lets each pool apply CLB's connection rules (pool.ts). Which
 * backend a target is — a node's proxy for an instance target, a Pod for an ENI target — the caller says
 * (`resolve`): the data path only forwards.
 */
import { isLoopback } from '../../cluster-net/addresses.js';
import type { ClbSimulator } from '../simulator.js';
import type { SimListener, SimLoadBalancer } from '../state.js';
import { tcpFrontend, udpFrontend, type Frontend } from './l4.js';
import { httpFrontend, type KeyPair } from './l7.js';
import { Pool, type PoolSource, type ResolveTarget } from './pool.js';

export interface DataPathOptions {
  /** Where a target is reached; undefined: it cannot be (it takes no traffic). Must answer loopback addresses. */
  readonly resolve: ResolveTarget;
  /** The loopback address a VIP is served on (default: the VIP itself, which must then be in 127.0.0.0/8). */
  readonly listenAddress?: (vip: string) => string;
  /** The port a listener port is served on (default: the same; ports below 1024 need root). */
  readonly listenPort?: (port: number) => number;
  /** HTTPS listeners: the key pair of a CLB certificate id; without one, an HTTPS listener is not served. */
  readonly keyPairOf?: (certId: string) => KeyPair | undefined;
  readonly syncEveryMs?: number;
  /** Multiplies health-check intervals and timeouts (tests: 0.01 makes a 5 s interval 50 ms); default 1. */
  readonly healthScale?: number;
  /** Told when a listener cannot be served (its address is taken, say). */
  readonly onError?: (what: string, error: Error) => void;
}

interface Served {
  readonly signature: string;
  readonly frontend: Frontend;
  /** Layer 4: the listener's pool; layer 7: one per rule. */
  readonly pools: Map<string, Pool>;
  /** Layer 7: a pool for each rule the listener has now, none for a rule that went. */
  readonly followRules?: () => void;
}


export class DataPath {
  private readonly served = new Map<string, Served>();
  /** Listeners that could not be served, with the signature tried: tried again only once it changes. */
  private readonly unservable = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly simulator: ClbSimulator,
    private readonly options: DataPathOptions,
  ) {}

  /** Serves what the CLBs have now, and follows their changes. */
  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync().catch((error: unknown) => this.options.onError?.('sync', error instanceof Error ? error : new Error(String(error)))), this.options.syncEveryMs ?? 100);
    this.timer.unref();
  }

  /** Closes every listener; a sync asked for afterwards serves nothing. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.syncing?.catch(() => undefined);
    await Promise.all([...this.served.keys()].map((key) => this.unserve(key)));
  }

  /** Where a CLB's listener is served: its VIP's loopback address and the port it is bound on. */
  addressOf(lb: Pick<SimLoadBalancer, 'vips'> | { readonly vips: readonly string[] }, port: number): { host: string; port: number } {
    return { host: this.listenAddress(lb.vips[0] ?? ''), port: this.listenPort(port) };
  }

  private listenAddress(vip: string): string {
    return this.options.listenAddress?.(vip) ?? vip;
  }

  private listenPort(port: number): number {
    return this.options.listenPort?.(port) ?? port;
  }

  /** One pass (concurrent calls share it): bind, rebind and close listeners; pools apply CLB's connection rules. */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const wanted = new Map<string, { lb: Readonly<SimLoadBalancer>; listener: Readonly<SimListener>; host: string; signature: string }>();
    for (const lb of this.simulator.liveLoadBalancers()) {
      const vip = lb.vips[0];
      if (!vip) continue;
      let host: string;
      try {
        host = this.listenAddress(vip);
      } catch (error) {
        this.reportOnce(lb.id, error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      // One CLB that cannot be served leaves the others served.
      if (!isLoopback(host)) {
        this.reportOnce(lb.id, new Error(`the data path serves loopback addresses only; CLB ${lb.id}'s VIP ${vip} would be served on ${host}`));
        continue;
      }
      for (const listener of lb.listeners.values()) {
        const certs = listener.protocol === 'HTTPS' ? `${listener.certificate?.CertId ?? ''}|${[...listener.domainCertificates].map(([d, c]) => `${d}=${c.CertId}`).join(',')}` : '';
        wanted.set(`${lb.id}/${listener.id}`, { lb, listener, host, signature: `${host}:${this.listenPort(listener.port)}/${listener.protocol}/${certs}` });
      }
    }
    for (const [key, served] of this.served) if (wanted.get(key)?.signature !== served.signature) await this.unserve(key);
    for (const [key, signature] of this.unservable) if (wanted.get(key)?.signature !== signature) this.unservable.delete(key);
    for (const [key, want] of wanted) {
      if (this.stopped) return;
      if (!this.served.has(key) && !this.unservable.has(key)) await this.serve(key, want);
      const served = this.served.get(key);
      served?.followRules?.();
      for (const pool of served?.pools.values() ?? []) pool.refresh();
    }
  }

  private async serve(key: string, want: { lb: Readonly<SimLoadBalancer>; listener: Readonly<SimListener>; host: string; signature: string }): Promise<void> {
    const { lb, listener, host } = want;
    const port = this.listenPort(listener.port);
    const scale = this.options.healthScale ?? 1;
    const pools = new Map<string, Pool>();
    let frontend: Frontend;
    let followRules: (() => void) | undefined;
    if (listener.protocol === 'HTTP' || listener.protocol === 'HTTPS') {
      if (listener.protocol === 'HTTPS' && !this.options.keyPairOf) {
        this.unservable.set(key, want.signature);
        return this.options.onError?.(`${lb.id} HTTPS:${listener.port}`, new Error('no key pairs were given for HTTPS listeners'));
      }
      const ruleSource = (ruleId: string) => (): PoolSource | undefined => {
        const rule = listener.rules.get(ruleId);
        return rule && { targets: rule.targets, scheduler: rule.scheduler, sessionExpireTime: rule.sessionExpireTime, healthCheck: rule.healthCheck, probe: 'http' };
      };
      const poolOf = (ruleId: string) => {
        if (!listener.rules.has(ruleId)) return undefined;
        if (!pools.has(ruleId)) pools.set(ruleId, new Pool(ruleSource(ruleId), this.options.resolve, scale));
        return pools.get(ruleId);
      };
      followRules = () => {
        for (const ruleId of listener.rules.keys()) poolOf(ruleId);
        for (const [ruleId, pool] of pools) {
          if (listener.rules.has(ruleId)) continue;
          pool.stop();
          pools.delete(ruleId);
        }
      };
      followRules();
      frontend = httpFrontend({ host, port, lb, listener, poolOf, servedPort: (p) => this.listenPort(p), ...(this.options.keyPairOf ? { keyPairOf: this.options.keyPairOf } : {}) });
    } else {
      const source = (): PoolSource => ({
        targets: listener.targets, scheduler: listener.scheduler, sessionExpireTime: listener.sessionExpireTime, healthCheck: listener.healthCheck,
        probe: listener.protocol === 'UDP' ? 'none' : 'tcp',
        resetOnDeregister: listener.deregisterTargetRst, resetOnZeroWeight: listener.reschedule.targetZeroWeight, resetOnUnhealthy: listener.reschedule.unhealthy,
      });
      const pool = new Pool(source, this.options.resolve, scale);
      pools.set(listener.id, pool);
      frontend = listener.protocol === 'UDP' ? udpFrontend(host, port, pool) : tcpFrontend(host, port, pool);
    }
    await frontend.ready;
    if (frontend.error) {
      this.unservable.set(key, want.signature);
      this.options.onError?.(`${lb.id} ${listener.protocol}:${listener.port} on ${host}:${port}`, frontend.error);
      for (const pool of pools.values()) pool.stop();
      return;
    }
    this.served.set(key, { signature: want.signature, frontend, pools, ...(followRules ? { followRules } : {}) });
  }

  private async unserve(key: string): Promise<void> {
    const served = this.served.get(key);
    if (!served) return;
    this.served.delete(key);
    for (const pool of served.pools.values()) pool.stop();
    await served.frontend.close();
  }

  private readonly reported = new Set<string>();

  private reportOnce(what: string, error: Error): void {
    if (this.reported.has(what)) return;
    this.reported.add(what);
    this.options.onError?.(what, error);
  }

  /** How many listeners are served now. */
  get listenerCount(): number {
    return this.served.size;
  }
}
