/**
 * Direct access (VPC-CNI) end to end: Pods bound by ENI IP, readiness gates, graceful shutdown, and rollouts
 * that never leave the CLB without a live backend. The test plays kubelet and the EndpointSlice controller:
 * it sets Pods' ContainersReady, derives Ready from it and the readiness gate, and writes the EndpointSlice.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { service, startServiceRig, waitFor, type ServiceRig, type SnapshotListener } from '../support/service-rig.js';

const GATE = 'cloud.tencent.com/load-balancer-backendgroup-ready';
const DIRECT = {
  'service.cloud.tencent.com/direct-access': 'true',
  'service.cloud.tencent.com/enable-grace-shutdown': 'true',
};

let rig: ServiceRig;
afterEach(async () => rig?.close());

interface SimPod {
  name: string;
  ip: string;
  containersReady: boolean;
  terminating: boolean;
  gated: boolean;
}

/** kubelet + EndpointSlice controller, reduced to what matters here. */
class FakeWorkload {
  readonly pods = new Map<string, SimPod>();
  constructor(private readonly rig: ServiceRig, private readonly app: string) {}

  add(name: string, ip: string, options: { gated?: boolean; containersReady?: boolean } = {}): void {
    const pod: SimPod = { name, ip, containersReady: options.containersReady ?? true, terminating: false, gated: options.gated ?? true };
    this.pods.set(name, pod);
    this.rig.kube.state.seed({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: this.app } },
      spec: { containers: [{ name: 'app', image: 'nginx' }], ...(pod.gated ? { readinessGates: [{ conditionType: GATE }] } : {}) },
      status: { podIP: ip, conditions: this.conditions(pod, false) },
    });
    this.sync();
  }

  gateOpen(name: string): boolean {
    return this.rig.kube.state.get<V1Pod>('pods', `default/${name}`)?.status?.conditions?.some((c) => c.type === GATE && c.status === 'True') ?? false;
  }

  ready(pod: SimPod): boolean {
    return pod.containersReady && !pod.terminating && (!pod.gated || this.gateOpen(pod.name));
  }

  terminate(name: string): void {
    this.pods.get(name)!.terminating = true;
    this.sync();
  }

  remove(name: string): void {
    this.pods.delete(name);
    this.rig.kube.state.delete('pods', `default/${name}`);
    this.sync();
  }

  private conditions(pod: SimPod, gateOpen: boolean) {
    const ready = pod.containersReady && !pod.terminating && (!pod.gated || gateOpen);
    return [
      { type: 'ContainersReady', status: pod.containersReady ? 'True' : 'False', lastTransitionTime: new Date().toISOString() },
      { type: 'Ready', status: ready ? 'True' : 'False' },
      ...(gateOpen ? [{ type: GATE, status: 'True' }] : []),
    ];
  }

  /** Recomputes Pod readiness (the gate included) and writes the EndpointSlice, as the cluster would. */
  sync(): void {
    for (const pod of this.pods.values()) {
      const current = this.rig.kube.state.get<V1Pod>('pods', `default/${pod.name}`);
      if (!current) continue;
      const wanted = this.ready(pod) ? 'True' : 'False';
      if (current?.status?.conditions?.find((c) => c.type === 'Ready')?.status !== wanted) {
        this.rig.kube.state.setStatus('pods', `default/${pod.name}`, { ...current?.status, conditions: this.conditions(pod, this.gateOpen(pod.name)) });
      }
    }
    this.rig.kube.state.apply({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: `${this.app}-slice`, namespace: 'default', labels: { 'kubernetes.io/service-name': this.app } },
      ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
      endpoints: [...this.pods.values()].map((pod) => ({
        addresses: [pod.ip],
        conditions: { ready: this.ready(pod), serving: pod.containersReady, terminating: pod.terminating },
        targetRef: { kind: 'Pod', name: pod.name, namespace: 'default' },
      })),
    });
  }
}

const listenerOf = (name: string): SnapshotListener | undefined => rig.loadBalancerOf(name)?.listeners[0];
const targetOf = (name: string, ip: string) => listenerOf(name)?.targets.find((t) => t.eniIp === ip);

describe('direct access', () => {
  beforeEach(async () => {
    rig = await startServiceRig({ simulator: { taskLatencyMs: 2, quotas: { targetsPerRule: 1000 } } });
  });

  it('binds a gated Pod as soon as its containers are ready, and opens its gate only after the target is bound', async () => {
    const app = new FakeWorkload(rig, 'web');
    rig.kube.state.seed(service('web', { annotations: DIRECT }));
    app.add('web-0', '172.16.0.10');
    await waitFor(() => app.gateOpen('web-0'), 'the gate to open');
    expect(targetOf('web', '172.16.0.10')).toEqual({ eniIp: '172.16.0.10', port: 8080, weight: 10 });
    const gate = rig.kube.state.get<V1Pod>('pods', 'default/web-0')?.status?.conditions?.find((c) => c.type === GATE);
    expect(gate).toMatchObject({ status: 'True', reason: 'LoadBalancerNetworkGroupReady' });
    expect(gate?.lastTransitionTime).toBeTruthy();
  });

  it('rolls a gated Deployment Pod by Pod without ever leaving the CLB without a live target', async () => {
    const app = new FakeWorkload(rig, 'web');
    rig.kube.state.seed(service('web', { annotations: DIRECT }));
    for (let i = 0; i < 3; i++) app.add(`old-${i}`, `172.16.0.${10 + i}`);
    await waitFor(() => [0, 1, 2].every((i) => app.gateOpen(`old-${i}`)), 'the old Pods to be bound');
    app.sync();

    // Watch the CLB all along: every observation must have a live (weight > 0) target.
    const violations: string[] = [];
    const weightHistory = new Map<string, number[]>();
    const gateSeenBeforeBinding: string[] = [];
    const observe = setInterval(() => {
      const targets = listenerOf('web')?.targets ?? [];
      if (!targets.some((t) => t.weight > 0)) violations.push(`no live target: ${JSON.stringify(targets)}`);
      for (const t of targets) weightHistory.set(t.eniIp!, [...(weightHistory.get(t.eniIp!) ?? []), t.weight]);
      for (const pod of app.pods.values()) if (app.gateOpen(pod.name) && !targets.some((t) => t.eniIp === pod.ip)) gateSeenBeforeBinding.push(pod.name);
    }, 1);

    try {
      for (let i = 0; i < 3; i++) {
        const ip = `172.16.0.${20 + i}`;
        app.add(`new-${i}`, ip);
        await waitFor(() => app.gateOpen(`new-${i}`), `new-${i} bound`);
        app.sync();
        // Only now does the rollout take an old Pod away: it terminates (weight 0), then it is gone.
        app.terminate(`old-${i}`);
        await waitFor(() => targetOf('web', `172.16.0.${10 + i}`)?.weight === 0, `old-${i} at weight 0`);
        app.remove(`old-${i}`);
        await waitFor(() => !targetOf('web', `172.16.0.${10 + i}`), `old-${i} deregistered`);
      }
    } finally {
      clearInterval(observe);
    }
    expect(violations).toEqual([]);
    expect(gateSeenBeforeBinding).toEqual([]);
    for (let i = 0; i < 3; i++) {
      const history = weightHistory.get(`172.16.0.${10 + i}`) ?? [];
      expect(history.at(-1)).toBe(0);
    }
    expect(listenerOf('web')?.targets.map((t) => t.eniIp)).toEqual(['172.16.0.20', '172.16.0.21', '172.16.0.22']);
  });

  it('lands a churn of 200 Pods as batched target calls, without describing or rewriting listeners again', async () => {
    const app = new FakeWorkload(rig, 'web');
    rig.kube.state.seed(service('web', { annotations: DIRECT }));
    app.add('seed-0', '172.16.1.1', { gated: false });
    await waitFor(() => listenerOf('web')?.targets.length === 1, 'first target');
    await rig.reconcileWhenIdle('web');
    rig.cloud.simulator.traffic.reset();
    // 200 endpoints appear at once (a scale-up): their Pod objects do not matter to ungated binding.
    for (let i = 0; i < 200; i++) {
      app.pods.set(`churn-${i}`, { name: `churn-${i}`, ip: `172.16.2.${i}`, containersReady: true, terminating: false, gated: false });
    }
    app.sync();
    await waitFor(() => listenerOf('web')?.targets.length === 201, '201 targets');
    const counters = rig.cloud.simulator.traffic.counters();
    expect(counters.BatchRegisterTargets?.writes).toBeLessThanOrEqual(2);
    expect(counters.DescribeListeners).toBeUndefined();
    expect(counters.CreateListener).toBeUndefined();
    expect(counters.ModifyListener).toBeUndefined();
  });

  it('keeps the last targets through a transient empty view, and removes them once it has stayed empty', async () => {
    await rig.close();
    rig = await startServiceRig({ simulator: { taskLatencyMs: 0 }, emptyGraceMs: 300 });
    const app = new FakeWorkload(rig, 'web');
    rig.kube.state.seed(service('web', { annotations: { 'service.cloud.tencent.com/direct-access': 'true' } }));
    app.add('web-0', '172.16.0.10', { gated: false });
    await waitFor(() => listenerOf('web')?.targets.length === 1, 'bound');
    // The endpoints vanish (an API hiccup, a slice being rewritten): the target stays for the grace period...
    app.remove('web-0');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(listenerOf('web')?.targets.length).toBe(1);
    // ...and goes once the view has stayed empty.
    await waitFor(() => listenerOf('web')?.targets.length === 0, 'deregistered after the grace period', 3000);
  });

  it('switches a live Service from NodePort to direct mode adding before removing', async () => {
    const app = new FakeWorkload(rig, 'web');
    app.add('web-0', '172.16.0.10', { gated: false });
    rig.kube.state.seed(service('web'));
    await waitFor(() => listenerOf('web')?.targets.length === 3, 'three nodes bound');
    const empty: number[] = [];
    const observe = setInterval(() => {
      if ((listenerOf('web')?.targets.length ?? 0) === 0) empty.push(Date.now());
    }, 1);
    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.cloud.tencent.com/direct-access': 'true' } } });
    await waitFor(() => listenerOf('web')?.targets.every((t) => t.eniIp) && listenerOf('web')?.targets.length === 1, 'the Pod bound instead of the nodes');
    rig.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.cloud.tencent.com/direct-access': 'false' } } });
    await waitFor(() => listenerOf('web')?.targets.length === 3 && listenerOf('web')?.targets.every((t) => t.instanceId), 'back to the nodes');
    clearInterval(observe);
    expect(empty).toEqual([]);
  });

  it('leaves hostNetwork Pods out with a Warning', async () => {
    rig.kube.state.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hostnet', namespace: 'default', labels: { app: 'web' } }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x' }] } });
    rig.kube.state.seed({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'web-slice', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.0.1.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'hostnet', namespace: 'default' } }],
    });
    rig.kube.state.seed(service('web', { annotations: DIRECT }));
    const warning = await waitFor(() => rig.events('web').find((e) => e.type === 'Warning' && e.message.includes('host network')), 'a Warning');
    expect(warning.message).toContain('Pod hostnet');
    expect(listenerOf('web')?.targets ?? []).toEqual([]);
  });
});
