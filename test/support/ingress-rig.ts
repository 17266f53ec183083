/** An integration rig for l7-lb-controller: the fake Kubernetes API, the local mock cloud, the Ingress controller. */
import { assertWarningsCoded } from './warning-codes.js';
import { CoreV1Api, NetworkingV1Api, type V1Ingress } from '@kubernetes/client-node';
import { createLocalCloud, type LocalCloud, type ProviderOverrides } from '../../mocks/clb/local-cloud.js';
import type { SimulatorOptions } from '../../mocks/clb/options.js';
import { startFakeKube } from '../../mocks/kube/index.js';
import { startIngressController, type RunningController } from '../../src/app.js';
import type { IngressReconciler } from '../../src/controllers/ingress-adapter.js';
import { SharedInformers } from '../../src/controllers/informers.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { node, reconcileWhenIdle, type FakeKube, type SnapshotLoadBalancer } from './service-rig.js';

export const INGRESS_SETTINGS = { clusterId: 'cls-itest', vpcId: 'vpc-cluster1', defaultClass: false };
export const LB_ANNOTATION = 'kubernetes.io/ingress.qcloud-loadbalance-id';

export interface IngressRig {
  readonly kube: FakeKube;
  readonly cloud: LocalCloud;
  readonly core: CoreV1Api;
  readonly networking: NetworkingV1Api;
  controller: RunningController<IngressReconciler>;
  get(name: string): V1Ingress | undefined;
  events(name: string): { reason: string; type: string; message: string }[];
  loadBalancerOf(name: string): SnapshotLoadBalancer | undefined;
  reconcileWhenIdle(name: string): Promise<void>;
  close(): Promise<void>;
}

export function backendService(name: string, type = 'NodePort') {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { type, selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

/** An Opaque Secret naming a Tencent Cloud certificate, as spec.tls entries refer to. */
export function certSecret(name: string, certId: string) {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'Opaque', data: { qcloud_cert_id: Buffer.from(certId).toString('base64') } };
}

export function ingress(name: string, spec: object, annotations: Record<string, string> = {}) {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default', annotations }, spec: { ingressClassName: 'qcloud', ...spec } };
}

export const path = (p: string, service: string, pathType = 'Prefix') => ({ path: p, pathType, backend: { service: { name: service, port: { number: 80 } } } });

export interface IngressRigOptions {
  simulator?: SimulatorOptions;
  /** Provider settings over those matched to the simulator (retries, task polling). */
  provider?: ProviderOverrides;
  seed?: object[];
  onReconciled?: (key: string) => void;
}

export async function startIngressRig(options: IngressRigOptions = {}): Promise<IngressRig> {
  const kube = await startFakeKube({ seed: [node(1), node(2), ...(options.seed ?? [])] });
  const cloud = createLocalCloud(options.simulator ?? {}, options.provider ?? {});
  const kc = kube.kubeConfig();
  const informers = new SharedInformers({ kubeConfig: kc, logger: silentLogger(), backoffMs: { min: 20, max: 200 } });
  const controller = await startIngressController({
    kubeConfig: kc, informers, provider: cloud.provider, settings: { ...INGRESS_SETTINGS, defaultIngressClass: INGRESS_SETTINGS.defaultClass }, logger: silentLogger(), workers: 2, resyncPeriodMs: 3_600_000,
    ...(options.onReconciled ? { onReconciled: (_c: string, _o: unknown, _ms: number, key: string) => options.onReconciled!(key) } : {}),
  });
  const rig: IngressRig = {
    kube,
    cloud,
    core: kc.makeApiClient(CoreV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    controller,
    get: (name) => kube.state.get<V1Ingress>('ingresses', `default/${name}`),
    events: (name) =>
      kube.state
        .list<{ reason: string; type: string; message: string; involvedObject: { name: string } }>('events', 'default')
        .filter((e) => e.involvedObject.name === name)
        .map(({ reason, type, message }) => ({ reason, type, message })),
    loadBalancerOf(name) {
      const id = rig.get(name)?.metadata?.annotations?.[LB_ANNOTATION];
      return (cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[]).find((lb) => lb.id === id);
    },
    reconcileWhenIdle: (name) => reconcileWhenIdle(rig.controller.controller.queue, () => rig.controller.reconciler.reconcile(`default/${name}`)),
    async close() {
      await rig.controller.stop();
      await informers.stop();
      const events = kube.state;
      await kube.close();
      assertWarningsCoded(events);
    },
  };
  return rig;
}
