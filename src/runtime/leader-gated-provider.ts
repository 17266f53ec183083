/**
 * The write gate: losing the lease stops all cloud writes at once. Every mutating CloudProvider method
 * checks `isLeader()` before it reaches the cloud and otherwise fails with NotLeaderError; reads pass
 * through, so a standby can keep its caches warm.
 *
 * Methods are classified by name, so a method added to the contract is gated without touching this file;
 * a name that matches neither pattern is treated as a write (fail closed). The gate checks at the start of
 * a call: a write already running when the lease is lost runs to its end (the provider cannot stop a cloud
 * task half-way). `writesInFlight()` / `idle()` let shutdown wait for those before releasing the lease.
 */
import type { CloudProvider } from '../../providers/provider.js';

/** A write refused because this replica is not the leader. Retrying here cannot help; the leader does the work. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
  readonly retryable = false;
  readonly method: string;

  constructor(method: string) {
    super(`Refused ${method}: this replica is not the leader`);
    this.method = method;
  }
}

export type MethodKind = 'read' | 'write';

const WRITE_METHOD = /^(create|delete|modify|set|tag|untag|register|deregister)[A-Z]/;
const READ_METHOD = /^(describe|find|get|list|await)[A-Z]/;

/** How the gate treats a provider method; undefined for a name it does not recognise (gated as a write). */
export function classifyProviderMethod(name: string): MethodKind | undefined {
  if (WRITE_METHOD.test(name)) return 'write';
  if (READ_METHOD.test(name)) return 'read';
  return undefined;
}

export interface LeaderGateDeps {
  readonly provider: CloudProvider;
  readonly isLeader: () => boolean;
  /** Told about each refused write (logs, metrics). */
  readonly onRefused?: (method: string) => void;
}

export interface LeaderGatedProvider extends CloudProvider {
  /** Gated writes that have started and not yet settled. */
  writesInFlight(): number;
  /** Resolves once no gated write is in flight (at once if none is). */
  idle(): Promise<void>;
}

export function createLeaderGatedProvider(deps: LeaderGateDeps): LeaderGatedProvider {
  let inFlight = 0;
  const idleWaiters: (() => void)[] = [];
  const settled = (): void => {
    inFlight -= 1;
    if (inFlight === 0) idleWaiters.splice(0).forEach((resolve) => resolve());
  };
  const gate = {
    writesInFlight: () => inFlight,
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  };
  const wrapped = new Map<PropertyKey, unknown>();

  const gated = (name: string, method: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]): Promise<unknown> => {
      if (!deps.isLeader()) {
        deps.onRefused?.(name);
        throw new NotLeaderError(name);
      }
      inFlight += 1;
      try {
        return await method.apply(deps.provider, args);
      } finally {
        settled();
      }
    };

  return new Proxy(deps.provider, {
    get(target, property, receiver) {
      if (property === 'writesInFlight' || property === 'idle') return gate[property];
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      let method = wrapped.get(property);
      if (!method) {
        const original = value as (...args: unknown[]) => Promise<unknown>;
        method = classifyProviderMethod(property) === 'read' ? original.bind(target) : gated(property, original);
        wrapped.set(property, method);
      }
      return method;
    },
  }) as LeaderGatedProvider;
}
