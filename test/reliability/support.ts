/** Helpers shared by the reliability scenarios: full cloud snapshots, call-log filters, settling, invariants. */
import type { CallRecord } from '../../mocks/clb/traffic.js';
import { convergenceViolations, type SnapLoadBalancer } from '../../mocks/sandbox/invariants.js';
import { SETTINGS, waitFor, type ServiceRig } from '../support/service-rig.js';

export const LB_ID = 'service.kubernetes.io/loadbalance-id';
export const EXISTED = 'service.kubernetes.io/tke-existed-lbid';
export const FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

export interface CloudRig {
  readonly cloud: ServiceRig['cloud'];
}

/** Every CLB with its listeners, rules and targets. */
export const loadBalancers = (rig: CloudRig): SnapLoadBalancer[] => rig.cloud.simulator.snapshot().loadBalancers as SnapLoadBalancer[];
export const loadBalancer = (rig: CloudRig, id: string): SnapLoadBalancer | undefined => loadBalancers(rig).find((lb) => lb.id === id);

/** Accepted writes (the calls that changed cloud state). */
export const writes = (log: readonly CallRecord[]): CallRecord[] => log.filter((c) => c.kind === 'write' && !c.errorCode);
/** Every write that named this CLB (accepted or not): a CLB the controller must not touch has none. */
export const writesNaming = (log: readonly CallRecord[], id: string): CallRecord[] => log.filter((c) => c.kind === 'write' && JSON.stringify(c.request).includes(id));
export const callsOf = (log: readonly CallRecord[], action: string): CallRecord[] => log.filter((c) => c.action === action);

/** Waits until the controller has had nothing queued or running, and the cloud no calls, for `quietMs` (delayed requeues may wait). */
export async function settle(rig: ServiceRig, quietMs = 150, timeoutMs = 10_000): Promise<void> {
  let since = Date.now();
  let calls = rig.cloud.simulator.traffic.log.length;
  await waitFor(() => {
    const now = rig.cloud.simulator.traffic.log.length;
    if (rig.controller.controller.queue.active > 0 || now !== calls) since = Date.now();
    calls = now;
    return Date.now() - since >= quietMs;
  }, 'the controller to settle', timeoutMs);
}

/** The convergence invariants on the rig's cluster and cloud (empty: converged). */
export const violations = (rig: ServiceRig, nodeReadyGraceMs?: number): string[] =>
  convergenceViolations({ state: rig.kube.state, loadBalancers: loadBalancers(rig), settings: SETTINGS, now: Date.now(), ...(nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs } : {}) });

/** Waits until the invariants hold (returns the last violations on timeout, for a readable failure). */
export async function converged(rig: ServiceRig, what: string, timeoutMs = 10_000): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(() => (last = violations(rig)).length === 0, what, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${last.join('; ')}`);
  }
}

/** Calls the rig's reconciler for each key the way a resync does, and returns the accepted writes it made. */
export async function resync(rig: ServiceRig, names: readonly string[]): Promise<CallRecord[]> {
  const from = rig.cloud.simulator.traffic.log.length;
  for (const name of names) await rig.controller.reconciler.reconcile(`default/${name}`);
  return writes(rig.cloud.simulator.traffic.log.slice(from));
}

/** Samples the cloud every few ms while `body` runs; returns what `check` reported (deduplicated). */
export async function watching<T>(check: () => string | undefined, body: () => Promise<T>): Promise<{ result: T; seen: string[] }> {
  const seen = new Set<string>();
  const timer = setInterval(() => {
    const problem = check();
    if (problem) seen.add(problem);
  }, 2);
  try {
    const result = await body();
    const problem = check();
    if (problem) seen.add(problem);
    return { result, seen: [...seen] };
  } finally {
    clearInterval(timer);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const endpointSlice = (service: string, endpoints: { ip: string; node?: string; ready?: boolean }[]) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: `${service}-slice`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], ...(e.node ? { nodeName: e.node } : {}), conditions: { ready: e.ready ?? true } })),
});
