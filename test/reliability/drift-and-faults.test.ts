/**
 * Reliability scenarios about a world that changes under the controller: resources deleted out of band (7), a
 * cloud failing 30% of calls (8), a Kubernetes API dropping watches, expiring them and failing in bursts (9).
 * Each ends in the convergence invariants on full snapshots, and the rate and backoff invariants on the call log.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { CallRecord } from '../../mocks/clb/traffic.js';
import { rateViolations, type SnapLoadBalancer } from '../../mocks/sandbox/invariants.js';
import { TAGS } from '../../src/annotations/keys.js';
import { node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';
import { callsOf, converged, endpointSlice, LB_ID, loadBalancer, loadBalancers, resync, settle, sleep, violations, writes } from './support.js';

let rig: ServiceRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const FAULT_CODES = ['RequestLimitExceeded', 'InternalError', 'FailedOperation.ResourceInOperating'];

describe('7. a CLB or listener deleted out of band', () => {
  const RESYNC_MS = 1000;

  it('is treated as gone when its Service is deleted: the finalizer goes, nothing fails, nothing is created', async () => {
    rig = await startServiceRig(); // no resync meanwhile: the drift meets the delete, not a repair
    const r = rig;
    r.kube.state.seed(service('gone-lb'), service('gone-listener', { ports: [{ port: 80 }, { port: 81 }] }));
    await converged(r, 'both Services');
    await settle(r);
    const lbId = r.get('gone-lb')!.metadata!.annotations![LB_ID]!;
    const other = loadBalancer(r, r.get('gone-listener')!.metadata!.annotations![LB_ID]!)!;
    await r.cloud.provider.deleteLoadBalancers([lbId]);
    await r.cloud.provider.deleteListeners(other.id, [other.listeners[0]!.id]);
    r.cloud.simulator.traffic.reset();
    await r.core.deleteNamespacedService({ name: 'gone-lb', namespace: 'default' });
    await r.core.deleteNamespacedService({ name: 'gone-listener', namespace: 'default' });
    await waitFor(() => !r.get('gone-lb') && !r.get('gone-listener'), 'both Services to be gone');
    expect(loadBalancers(r)).toEqual([]);
    expect(r.events('gone-lb').concat(r.events('gone-listener')).filter((e) => e.type === 'Warning')).toEqual([]);
    expect(callsOf(r.cloud.simulator.traffic.log, 'CreateLoadBalancer')).toEqual([]);
    expect(callsOf(r.cloud.simulator.traffic.log, 'CreateListener')).toEqual([]);
  });

  it('is repaired within one resync period while its Service lives', async () => {
    rig = await startServiceRig({ resyncPeriodMs: RESYNC_MS });
    const r = rig;
    r.kube.state.seed(service('web', { ports: [{ port: 80 }, { port: 81 }] }), service('api'));
    await converged(r, 'both Services');
    await settle(r);
    const web = loadBalancer(r, r.get('web')!.metadata!.annotations![LB_ID]!)!;
    const api = loadBalancer(r, r.get('api')!.metadata!.annotations![LB_ID]!)!;

    // A listener deleted by hand: recreated, with its targets, by the next resync.
    await r.cloud.provider.deleteListeners(web.id, [web.listeners[1]!.id]);
    const deletedAt = callsOf(r.cloud.simulator.traffic.log, 'DeleteLoadBalancerListeners').at(-1)!.at;
    await converged(r, 'the listener to be recreated', 4 * RESYNC_MS);
    const recreated = writes(callsOf(r.cloud.simulator.traffic.log, 'CreateListener')).filter((c) => c.at > deletedAt);
    expect(recreated).toHaveLength(1);
    // Within one period (+ the reconcile itself): the resync looks at the cloud afresh, never through an entry still "fresh".
    expect(recreated[0]!.at - deletedAt).toBeLessThanOrEqual(RESYNC_MS + 500);

    // A whole CLB deleted by hand: a new one, recorded on the Service, by the next resync.
    await r.cloud.provider.deleteLoadBalancers([api.id]);
    const lbDeletedAt = writes(callsOf(r.cloud.simulator.traffic.log, 'DeleteLoadBalancer')).at(-1)!.at;
    await converged(r, 'the CLB to be recreated', 4 * RESYNC_MS);
    // (Two calls: the Service's first ClientToken answers with the deleted CLB, and is spent.)
    const created = writes(callsOf(r.cloud.simulator.traffic.log, 'CreateLoadBalancer')).filter((c) => c.at > lbDeletedAt);
    expect(created[0]!.at - lbDeletedAt).toBeLessThanOrEqual(RESYNC_MS + 500);
    expect(r.get('api')!.metadata!.annotations![LB_ID]).not.toBe(api.id);
    expect(loadBalancers(r).map((lb) => lb.id).sort()).toEqual([web.id, r.get('api')!.metadata!.annotations![LB_ID]!].sort());
  });
});

describe('8. 30% of cloud calls fail with RequestLimitExceeded / InternalError / ResourceInOperating', () => {
  it('converges, and never calls an action above its configured rate', async () => {
    const limit = 8;
    rig = await startServiceRig({ simulator: { rateLimitPerSecond: limit, taskLatencyMs: 2 }, nodes: [node(1), node(2), node(3)] });
    const r = rig;
    r.cloud.simulator.traffic.failRandomly({ probability: 0.3, seed: 8, codes: FAULT_CODES });
    const local = service('local', { annotations: { 'service.kubernetes.io/local-svc-only-bind-node-with-pod': 'true' } });
    local.spec = { ...local.spec, externalTrafficPolicy: 'Local' };
    r.kube.state.seed(
      service('a', { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }),
      service('b', { annotations: { 'service.cloud.tencent.com/security-groups': 'sg-aaaaaaaa' } }),
      service('c', { annotations: { 'service.cloud.tencent.com/specify-protocol': '{"80":{"protocol":["HTTP"],"hosts":{"a.example.com":{},"b.example.com":{}}}}' } }),
      endpointSlice('d', [{ ip: '172.16.0.10' }, { ip: '172.16.0.11' }]),
      service('d', { annotations: { 'service.cloud.tencent.com/direct-access': 'true' } }),
      endpointSlice('local', [{ ip: '172.16.0.20', node: '10.0.1.2' }]),
      local,
    );
    await sleep(200);
    r.kube.state.seed(node(4));
    r.kube.state.delete('nodes', node(1).metadata!.name!);
    await converged(r, 'every Service despite the faults', 30_000);
    await settle(r);
    const log = r.cloud.simulator.traffic.log;
    for (const code of FAULT_CODES) expect(log.some((c) => c.errorCode === code)).toBe(true);
    expect(log.filter((c) => c.errorCode).length / log.length).toBeGreaterThan(0.15);
    expect(rateViolations(log, () => limit)).toEqual([]);

    // Converged for real: with the faults gone, a resync of everything writes nothing.
    r.cloud.simulator.traffic.clearFaults();
    expect(await resync(r, ['a', 'b', 'c', 'd', 'local'])).toEqual([]);
  });

  it('backs off between retries, and no delay exceeds the cap (the provider\'s maxDelayMs)', async () => {
    const maxDelayMs = 60;
    rig = await startServiceRig({ provider: { retry: { retries: 8, minDelayMs: 10, maxDelayMs } } });
    const r = rig;
    r.kube.state.seed(service('web'));
    await converged(r, 'the Service');
    await settle(r);
    const id = r.get('web')!.metadata!.annotations![LB_ID]!;
    r.cloud.simulator.traffic.reset();
    // Six failures in a row of one call (registering a new node): its retries wait 10-20, 20-40, 40-80 ms, then
    // the cap, the cap, the cap (uncapped, the last would be 320-640 ms). Meanwhile other calls fail at random.
    r.cloud.simulator.traffic.failNext('BatchRegisterTargets', 'InternalError', 6);
    r.cloud.simulator.traffic.failRandomly({ probability: 0.3, seed: 3, codes: FAULT_CODES, actions: ['DescribeTaskStatus', 'DescribeLoadBalancers', 'DescribeListeners', 'DescribeTargets'] });
    r.kube.state.seed(node(4));
    await converged(r, 'node 4 to be bound');
    await settle(r);
    const attempts = callsOf(r.cloud.simulator.traffic.log, 'BatchRegisterTargets');
    expect(attempts.map((c) => c.errorCode ?? 'ok')).toEqual([...Array<string>(6).fill('InternalError'), 'ok']);
    const gaps = attempts.slice(1).map((c, i) => c.at - attempts[i]!.at);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(maxDelayMs + 100);
    // It did back off: the capped retries waited (a timer never fires early).
    for (const gap of gaps.slice(3)) expect(gap).toBeGreaterThanOrEqual(maxDelayMs - 2);
    // Every retried failure of the random faults came back within the cap too.
    expect(retryGaps(r.cloud.simulator.traffic.log).filter((gap) => gap > maxDelayMs + 100)).toEqual([]);
    expect(loadBalancer(r, id)).toBeDefined();
  });
});

/** For each failed call, how long until the same call (action and request) was made again. */
function retryGaps(log: readonly CallRecord[]): number[] {
  const gaps: number[] = [];
  log.forEach((call, i) => {
    if (!call.errorCode) return;
    const request = JSON.stringify(call.request);
    const next = log.slice(i + 1).find((c) => c.action === call.action && JSON.stringify(c.request) === request);
    if (next) gaps.push(next.at - call.at);
  });
  return gaps;
}

describe('9. a dropped watch, a 410, a burst of API 500s', () => {
  /** The same changes, with or without trouble between them. */
  async function run(withFaults: boolean): Promise<{ view: unknown; violations: string[] }> {
    const r = await startServiceRig({ nodes: [node(1), node(2), node(3)] });
    try {
      const trouble = async (step: number) => {
        if (!withFaults) return;
        if (step % 3 === 0) r.kube.faults.dropWatches(step % 2 ? 'destroy' : 'end');
        if (step % 3 === 1) {
          r.kube.faults.expireNextWatches(6);
          r.kube.faults.dropWatches('end');
        }
        if (step % 3 === 2) {
          r.kube.faults.compactHistory();
          r.kube.faults.failNext(25, { status: 500 });
          r.kube.faults.dropWatches('destroy');
        }
        await sleep(60);
      };
      const local = service('local', { annotations: { 'service.kubernetes.io/local-svc-only-bind-node-with-pod': 'true' } });
      local.spec = { ...local.spec, externalTrafficPolicy: 'Local' };
      const steps: (() => void)[] = [
        () => r.kube.state.seed(service('web', { ports: [{ port: 80 }, { port: 81 }] }), service('gone')),
        () => r.kube.state.seed(endpointSlice('local', [{ ip: '172.16.0.20', node: '10.0.1.1' }]), local),
        () => r.kube.state.seed(node(4), node(5)),
        () => r.kube.state.setStatus('nodes', node(2).metadata!.name!, { conditions: [{ type: 'Ready', status: 'False' }] }),
        () => r.kube.state.patch('services', 'default/web', { spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 443, protocol: 'TCP', targetPort: 8443 }] } }),
        () => void r.kube.state.delete('services', 'default/gone'),
        () => r.kube.state.apply(endpointSlice('local', [{ ip: '172.16.0.20', node: '10.0.1.1' }, { ip: '172.16.0.21', node: '10.0.1.3' }])),
        () => void r.kube.state.delete('nodes', node(5).metadata!.name!),
      ];
      for (const [i, step] of steps.entries()) {
        step();
        await trouble(i);
      }
      r.kube.faults.reset();
      await waitFor(() => violations(r).length === 0 && !r.get('gone'), 'convergence', 15_000).catch(() => undefined);
      await settle(r, 200);
      return { view: normalised(r), violations: violations(r) };
    } finally {
      await r.close();
    }
  }

  it('lets the informers recover, and the final state converges as if nothing had happened', async () => {
    const calm = await run(false);
    const stormy = await run(true);
    expect(calm.violations).toEqual([]);
    expect(stormy.violations).toEqual([]);
    expect(stormy.view).toEqual(calm.view);
  });
});

/** The cloud as the Services see it, without ids and addresses (which depend on the order of creation). */
function normalised(r: ServiceRig): unknown {
  const all = loadBalancers(r);
  const services = r.kube.state.list<{ metadata: { name: string; annotations?: Record<string, string>; finalizers?: string[] }; status?: { loadBalancer?: { ingress?: unknown[] } } }>('services');
  return {
    count: all.length,
    services: services.map((s) => {
      const lb = all.find((l) => l.id === s.metadata.annotations?.[LB_ID]) as SnapLoadBalancer | undefined;
      return {
        name: s.metadata.name,
        finalizers: s.metadata.finalizers ?? [],
        status: (s.status?.loadBalancer?.ingress ?? []).length,
        tags: lb ? Object.keys(lb.tags).filter((k) => k !== TAGS.ownerUid) : null,
        listeners: lb?.listeners.map((l) => ({ name: l.name, protocol: l.protocol, port: l.port, targets: l.targets, rules: l.rules.map((rule) => ({ url: rule.url, targets: rule.targets })) })) ?? null,
      };
    }),
  };
}
