/**
 * [edges] The fault matrix: for each write the controller makes × the ways a real account says no — the task
 * fails, the task outlasts the wait, LimitExceeded, OperationDenied, ResourceInOperating — the CLB reaches the
 * desired state within a requeue backoff or two (seconds here, never "at the resync": the rig's is an hour), the
 * failure is told in a Warning naming the action, and the calls it costs are bounded.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { node, service, startServiceRig, waitFor, type ServiceRig, type SnapshotLoadBalancer } from '../support/service-rig.js';

let rig: ServiceRig | undefined;
afterEach(async () => rig?.close());

type Fault = 'task failed' | 'task timed out' | 'LimitExceeded' | 'OperationDenied' | 'ResourceInOperating';
const FAULTS: readonly Fault[] = ['task failed', 'task timed out', 'LimitExceeded', 'OperationDenied', 'ResourceInOperating'];

interface Scenario {
  readonly action: string;
  readonly nodes?: number;
  /** Brought to convergence before the fault is armed. */
  readonly setup?: (r: ServiceRig) => Promise<void>;
  readonly trigger: (r: ServiceRig) => void | Promise<void>;
  readonly done: (r: ServiceRig) => boolean;
  /** The Tag API answers at once: it has no tasks to fail or to outlast. */
  readonly synchronous?: boolean;
  /** Faults the provider itself recovers from within the call (then no Warning is due). */
  readonly absorbed?: readonly Fault[];
}

const lbOf = (r: ServiceRig, name = 'web') => r.loadBalancerOf(name) as (SnapshotLoadBalancer & { passToTarget?: boolean; securityGroups?: string[] }) | undefined;
const targetsOn = (r: ServiceRig, port = 80) => lbOf(r)?.listeners.find((l) => l.port === port)?.targets.length ?? 0;
const twoPorts = { spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 443, protocol: 'TCP', targetPort: 8443 }] } };
const USER_LB: { id?: string } = {};

async function webConverged(r: ServiceRig, extra: Parameters<typeof service>[1] = {}, targets = 2) {
  r.kube.state.seed(service('web', extra));
  await waitFor(() => targetsOn(r) === targets && r.get('web')?.status?.loadBalancer?.ingress?.length, 'web to converge');
}

const SCENARIOS: readonly Scenario[] = [
  // A failed creation task: the provider creates again under a token derived from the vanished id, in the same call.
  { action: 'CreateLoadBalancer', trigger: (r) => void r.kube.state.seed(service('web')), done: (r) => targetsOn(r) === 2, absorbed: ['task failed'] },
  { action: 'CreateListener', setup: (r) => webConverged(r), trigger: (r) => void r.kube.state.patch('services', 'default/web', twoPorts), done: (r) => targetsOn(r, 443) === 2 },
  {
    action: 'DeleteLoadBalancerListeners',
    setup: async (r) => {
      await webConverged(r, { ports: [{ port: 80 }, { port: 443 }] });
      await waitFor(() => targetsOn(r, 443) === 2, 'both ports');
    },
    trigger: (r) => void r.kube.state.patch('services', 'default/web', { spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }] } }),
    done: (r) => lbOf(r)?.listeners.length === 1,
  },
  { action: 'BatchRegisterTargets', setup: (r) => webConverged(r), trigger: (r) => void r.kube.state.seed(node(3)), done: (r) => targetsOn(r) === 3 },
  { action: 'BatchDeregisterTargets', nodes: 3, setup: (r) => webConverged(r, {}, 3), trigger: (r) => void r.kube.state.delete('nodes', '10.0.1.3'), done: (r) => targetsOn(r) === 2 },
  {
    action: 'ModifyListener',
    setup: (r) => webConverged(r),
    trigger: (r) => void r.kube.state.patch('services', 'default/web', { spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } } }),
    done: (r) => lbOf(r)?.listeners[0]?.sessionExpireTime === 600,
  },
  {
    action: 'ModifyLoadBalancerAttributes',
    setup: (r) => webConverged(r),
    trigger: (r) => void r.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.cloud.tencent.com/pass-to-target': 'true' } } }),
    done: (r) => lbOf(r)?.passToTarget === true,
  },
  {
    action: 'SetLoadBalancerSecurityGroups',
    setup: (r) => webConverged(r),
    trigger: (r) => void r.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.cloud.tencent.com/security-groups': 'sg-12345678' } } }),
    done: (r) => lbOf(r)?.securityGroups?.includes('sg-12345678') === true,
  },
  {
    action: 'TagResources',
    setup: async (r) => {
      USER_LB.id = (await r.cloud.provider.createLoadBalancer({ name: 'theirs', type: 'OPEN', vpcId: 'vpc-cluster1', tags: { owner: 'team' } })).id;
    },
    trigger: (r) => void r.kube.state.seed(service('web', { annotations: { 'service.kubernetes.io/tke-existed-lbid': USER_LB.id! } })),
    done: (r) => targetsOn(r) === 2 && lbOf(r)?.tags['tke-clusterId'] === 'cls-itest',
    synchronous: true,
  },
  {
    action: 'UnTagResources',
    setup: async (r) => {
      USER_LB.id = (await r.cloud.provider.createLoadBalancer({ name: 'theirs', type: 'OPEN', vpcId: 'vpc-cluster1', tags: { owner: 'team' } })).id;
      await webConverged(r, { annotations: { 'service.kubernetes.io/tke-existed-lbid': USER_LB.id } });
    },
    trigger: (r) => void r.kube.state.delete('services', 'default/web'),
    done: (r) => !r.get('web') && (r.cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[]).every((lb) => !lb.tags['tke-clusterId']),
    synchronous: true,
  },
  { action: 'DeleteLoadBalancer', setup: (r) => webConverged(r), trigger: (r) => void r.kube.state.delete('services', 'default/web'), done: (r) => !r.get('web') && r.cloud.simulator.snapshot().loadBalancers.length === 0 },
];

function arm(r: ServiceRig, action: string, fault: Fault): void {
  const traffic = r.cloud.simulator.traffic;
  if (fault === 'task failed') traffic.failNextTasks(action);
  else if (fault === 'task timed out') traffic.slowNextTasks(action, 600);
  else traffic.failNext(action, fault === 'ResourceInOperating' ? 'FailedOperation.ResourceInOperating' : fault);
}

describe('the fault matrix: each write × each way the cloud says no', () => {
  const cells = SCENARIOS.flatMap((s) => FAULTS.filter((f) => !s.synchronous || !f.startsWith('task')).map((f) => [s.action, f, s] as const));
  it.each(cells)('%s, %s: right within seconds, told, bounded', async (action, fault, scenario) => {
    const r = await startServiceRig({
      nodes: Array.from({ length: scenario.nodes ?? 2 }, (_, i) => node(i + 1)),
      // A wait for tasks short enough to run out in a test; the cloud's own retry budget as in production, faster.
      provider: { taskPoll: { firstPollMs: 0, maxPollMs: 20, timeoutMs: 200 }, retry: { retries: 8, minDelayMs: 10, maxDelayMs: 200 } },
    });
    rig = r;
    await scenario.setup?.(r);
    r.cloud.simulator.traffic.reset();
    arm(r, action, fault);
    await scenario.trigger(r);
    await waitFor(() => scenario.done(r), `${action} to be right after "${fault}"`, 8_000);
    const calls = r.cloud.simulator.traffic.log.filter((c) => c.action === action).length;
    expect(calls).toBeLessThanOrEqual(4);
    // Told: a retryable answer the provider's own retries absorb needs no Warning; every other one has one naming the action.
    if (fault !== 'ResourceInOperating' && fault !== 'task timed out' && !scenario.absorbed?.includes(fault)) {
      await waitFor(() => r.events('web').some((e) => e.type === 'Warning' && e.message.includes(action)), `a Warning naming ${action}`, 2_000);
    }
  });
});
