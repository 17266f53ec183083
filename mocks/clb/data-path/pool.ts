/**
 * One pool of backends as the data path serves it — a layer-4 listener's targets, or a layer-7 rule's — read live
 * from the simulator's state at every pick, so a registration, a weight or a health check changed through the API
 * applies to the next connection. At each sync it applies what CLB does to connections already open: a deregistered
 * target's end at once with DeregisterTargetRst (else they run on until either side closes), and, with the
 * rescheduling switches, those of a target set to weight 0 or found unhealthy.
 */
import type { clb } from '../../../providers/tencentcloud/api.js';
import { isLoopback } from '../../cluster-net/addresses.js';
import type { SimTarget } from '../state.js';
import { targetKey } from '../state.js';
import { Balancer } from './balancer.js';
import { HealthTracker, type Probe } from './health.js';

export interface Backend {
  readonly host: string;
  readonly port: number;
}

export type ResolveTarget = (target: Readonly<SimTarget>) => Backend | undefined;

/** What a pool reads of the CLB, each time. */
export interface PoolSource {
  /** By targetKey (`instance-or-ip:port`), as the simulator keeps them. */
  readonly targets: ReadonlyMap<string, SimTarget>;
  readonly scheduler: string;
  readonly sessionExpireTime: number;
  readonly healthCheck: Readonly<clb.HealthCheck>;
  /** The CheckType the pool's probes default to: TCP connects (layer 4), HTTP requests (rules), none (UDP). */
  readonly probe: 'tcp' | 'http' | 'none';
  /** What ends open connections at a sync (layer-4 switches; rules have none). */
  readonly resetOnDeregister?: boolean;
  readonly resetOnZeroWeight?: boolean;
  readonly resetOnUnhealthy?: boolean;
}

export class Pool {
  readonly balancer = new Balancer();
  private readonly health: HealthTracker;

  private readonly resolve: ResolveTarget;

  constructor(
    private readonly source: () => PoolSource | undefined,
    resolve: ResolveTarget,
    healthScale: number,
  ) {
    this.health = new HealthTracker(healthScale);
    // A target that cannot be resolved (an address the caller cannot map), or that resolves off loopback, takes no
    // traffic: the data path never connects outside 127.0.0.0/8, and a bad address never crashes it.
    this.resolve = (target) => {
      try {
        const backend = resolve(target);
        return backend && isLoopback(backend.host) ? backend : undefined;
      } catch {
        return undefined;
      }
    };
  }

  /** A backend for a new connection of `clientIp`, and the key it is tracked under; undefined when none can take it. */
  pick(clientIp: string): { key: string; backend: Backend } | undefined {
    const source = this.source();
    if (!source) return undefined;
    const target = this.balancer.pick(clientIp, source.targets.values(), source, (key) => this.health.isHealthy(key) && this.backendOf(source, key) !== undefined);
    const backend = target && this.resolve(target);
    return target && backend ? { key: targetKey(target), backend } : undefined;
  }

  private backendOf(source: PoolSource, key: string): Backend | undefined {
    const target = source.targets.get(key);
    return target && this.resolve(target);
  }

  /** At each sync: probe the targets the pool has now, and end the connections CLB would end. */
  refresh(): void {
    const source = this.source();
    const targets: ReadonlyMap<string, SimTarget> = source?.targets ?? new Map();
    this.balancer.forgetOthers(new Set(targets.keys()));
    this.health.follow(targets.keys(), (key): Probe | undefined => {
      const now = this.source();
      const target = now?.targets.get(key);
      const backend = target && this.resolve(target);
      if (!now || !backend || now.probe === 'none') return undefined;
      const checkType = now.healthCheck.CheckType?.toUpperCase();
      const kind = now.probe === 'http' || checkType === 'HTTP' ? 'http' : 'tcp';
      const port = now.healthCheck.CheckPort && now.healthCheck.CheckPort > 0 ? now.healthCheck.CheckPort : backend.port;
      return { check: now.healthCheck, kind, host: backend.host, port };
    });
    if (!source) return;
    this.balancer.endConnections((key) => {
      const target = targets.get(key);
      if (!target) return Boolean(source.resetOnDeregister);
      if (target.weight === 0) return Boolean(source.resetOnZeroWeight);
      return Boolean(source.resetOnUnhealthy) && !this.health.isHealthy(key);
    });
  }

  isHealthy(key: string): boolean {
    return this.health.isHealthy(key);
  }

  stop(): void {
    this.health.stop();
    this.balancer.endConnections(() => true);
  }
}
