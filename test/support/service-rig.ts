/**
 * An integration rig: the fake Kubernetes API, the local mock cloud, and service-controller running with real
 * client-node informers between them.
 */
import type { Metrics } from '../../src/runtime/metrics.js';
import { assertWarningsCoded } from './warning-codes.js';
import { CoreV1Api, type V1Node, type V1Service } from '@kubernetes/client-node';
import { createLocalCloud, type LocalCloud, type ProviderOverrides } from '../../mocks/clb/local-cloud.js';
import type { SimulatorOptions } from '../../mocks/clb/options.js';
import { startFakeKube } from '../../mocks/kube/index.js';
import { startServiceController, type RunningController } from '../../src/app.js';
import type { ServiceReconciler } from '../../src/controllers/service-adapter.js';
import { silentLogger } from '../../src/runtime/logger.js';

export const SETTINGS = { clusterId: 'cls-itest', vpcId: 'vpc-cluster1' };

export type FakeKube = Awaited<ReturnType<typeof startFakeKube>>;

export function node(i: number, options: { ready?: boolean; unschedulable?: boolean; labels?: Record<string, string> } = {}): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `10.0.1.${i}`, labels: { 'kubernetes.io/hostname': `10.0.1.${i}`, ...options.labels } },
    spec: { providerID: `qcloud:///800002/ins-${String(i).padStart(8, '0')}`, ...(options.unschedulable ? { unschedulable: true } : {}) },
    status: { conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

export const instance = (i: number): string => `ins-${String(i).padStart(8, '0')}`;

export function service(name: string, options: { annotations?: Record<string, string>; ports?: { port: number; protocol?: string }[]; type?: string } = {}): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', annotations: options.annotations ?? {} },
    spec: {
      type: options.type ?? 'LoadBalancer',
      selector: { app: name },
      ports: (options.ports ?? [{ port: 80 }]).map((p, i) => ({ name: `p${i}`, port: p.port, protocol: p.protocol ?? 'TCP', targetPort: 8080 as never })),
    },
  };
}

export async function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until a controller has had nothing queued or running for a little while, then runs `reconcile` once by hand. */
export async function reconcileWhenIdle(queue: { readonly pending: number }, reconcile: () => Promise<unknown>): Promise<void> {
  let idleSince = Date.now();
  await waitFor(() => {
    if (queue.pending > 0) idleSince = Date.now();
    return Date.now() - idleSince > 100;
  }, 'the controller to be idle');
  await reconcile();
}

export interface ServiceRig {
  readonly kube: FakeKube;
  readonly cloud: LocalCloud;
  readonly core: CoreV1Api;
  controller: RunningController<ServiceReconciler>;
  /** Starts a fresh controller (a restart) against the same cluster and cloud. */
  restart(): Promise<void>;
  stopController(): Promise<void>;
  startController(): Promise<void>;
  get(name: string): V1Service | undefined;
  /**
   * Waits until the controller has nothing queued or running (for a little while), then reconciles `name`
   * once more by hand, the way a resync would, so the test can count what that reconcile does.
   */
  reconcileWhenIdle(name: string): Promise<void>;
  events(name: string): { reason: string; type: string; message: string }[];
  /** Snapshot of the CLB a Service records in its annotation. */
  loadBalancerOf(name: string): SnapshotLoadBalancer | undefined;
  close(): Promise<void>;
}

export interface SnapshotListener {
  id: string;
  name: string;
  protocol: string;
  port: number;
  sessionExpireTime: number;
  certificate: { CertId?: string } | null;
  targets: { instanceId?: string; eniIp?: string; port: number; weight: number }[];
  rules: { id: string; domain: string; url: string; rewrite: { listenerId: string; locationId: string } | null; targets: { instanceId?: string; eniIp?: string; port: number; weight: number }[] }[];
}
export interface SnapshotLoadBalancer {
  id: string;
  type: string;
  vips: string[];
  tags: Record<string, string>;
  listeners: SnapshotListener[];
}

export interface ServiceRigOptions {
  nodes?: V1Node[];
  seed?: object[];
  simulator?: SimulatorOptions;
  /** Provider settings over those matched to the simulator (retries, hooks). */
  provider?: ProviderOverrides;
  emptyGraceMs?: number;
  /** Default 1 h (no resync during a test); the actual-state cache lives as long. */
  resyncPeriodMs?: number;
  nodeReadyGraceMs?: number;
  /** Told after every reconcile. */
  onReconciled?: (key: string) => void;
  metrics?: Metrics;
}

export async function startServiceRig(options: ServiceRigOptions = {}): Promise<ServiceRig> {
  const kube = await startFakeKube({ seed: [...(options.nodes ?? [node(1), node(2), node(3)]), ...(options.seed ?? [])] });
  const cloud = createLocalCloud(options.simulator ?? {}, options.provider ?? {});
  const kc = kube.kubeConfig();
  const start = () =>
    startServiceController({
      kubeConfig: kc,
      provider: cloud.provider,
      settings: SETTINGS,
      logger: silentLogger(),
      workers: 2,
      resyncPeriodMs: options.resyncPeriodMs ?? 3_600_000,
      informerBackoffMs: { min: 20, max: 200 },
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.emptyGraceMs !== undefined ? { emptyGraceMs: options.emptyGraceMs } : {}),
      ...(options.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: options.nodeReadyGraceMs } : {}),
      ...(options.onReconciled ? { onReconciled: (_c: string, _o: unknown, _ms: number, key: string) => options.onReconciled!(key) } : {}),
    });
  const rig: ServiceRig = {
    kube,
    cloud,
    core: kc.makeApiClient(CoreV1Api),
    controller: await start(),
    async restart() {
      await rig.stopController();
      await rig.startController();
    },
    async stopController() {
      await rig.controller.stop();
    },
    async startController() {
      rig.controller = await start();
    },
    get: (name) => kube.state.get<V1Service>('services', `default/${name}`),
    reconcileWhenIdle: (name) => reconcileWhenIdle(rig.controller.controller.queue, () => rig.controller.reconciler.reconcile(`default/${name}`)),
    events: (name) =>
      kube.state
        .list<{ reason: string; type: string; message: string; involvedObject: { name: string } }>('events', 'default')
        .filter((e) => e.involvedObject.name === name)
        .map(({ reason, type, message }) => ({ reason, type, message })),
    loadBalancerOf(name) {
      const id = rig.get(name)?.metadata?.annotations?.['service.kubernetes.io/loadbalance-id'];
      return (cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[]).find((lb) => lb.id === id);
    },
    async close() {
      await rig.controller.stop();
      const events = kube.state;
      await kube.close();
      assertWarningsCoded(events);
    },
  };
  return rig;
}
