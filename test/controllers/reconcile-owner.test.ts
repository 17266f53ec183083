/**
 * The owner pipeline as a table (cloud-provider's TestSyncLoadBalancerIfNeeded): given an object and what the
 * cloud holds, one reconcile makes exactly these cloud writes, leaves this status, annotation and finalizer, and
 * tells these Events. In-memory stores, the strict CLB simulator seeded with the cloud of the case.
 */
import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject, V1Ingress, V1Service } from '@kubernetes/client-node';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import type { CloudStateLoadBalancer } from '../../providers/cloud-state.js';
import { INGRESS_FINALIZER, SERVICE_FINALIZER } from '../../src/annotations/keys.js';
import { IngressReconciler } from '../../src/controllers/ingress-adapter.js';
import { ServiceReconciler } from '../../src/controllers/service-adapter.js';
import { ActualStateCache } from '../../src/deploy/actual-cache.js';
import { storeOf, viewOf } from '../../src/kube/cluster-view.js';
import { memoryWriter, type StatusObject } from '../../src/kube/object-writer.js';
import { TerminalError } from '../../src/runtime/controller.js';
import { silentLogger } from '../../src/runtime/logger.js';

const SETTINGS = { clusterId: 'cls-table0', vpcId: 'vpc-cluster1' };
const UID = '11111111-2222-3333-4444-555555555555';
const NODES = [1, 2].map((i) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `10.0.1.${i}` }, spec: { providerID: `qcloud:///800002/ins-0000000${i}` }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }));

function service(options: { annotations?: Record<string, string>; finalizer?: boolean; deleting?: boolean; type?: string; loadBalancerClass?: string } = {}): V1Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {
      name: 'web', namespace: 'default', uid: UID, annotations: options.annotations ?? {},
      ...(options.finalizer ? { finalizers: [SERVICE_FINALIZER] } : {}),
      ...(options.deleting ? { deletionTimestamp: new Date('2026-12-01T00:00:00Z') } : {}),
    },
    spec: { type: options.type ?? 'LoadBalancer', ...(options.loadBalancerClass ? { loadBalancerClass: options.loadBalancerClass } : {}), selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 as never, nodePort: 30080 }] },
  };
}

function backend(): V1Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'api' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 as never, nodePort: 30090 }] } };
}

function shop(options: { annotations?: Record<string, string>; finalizer?: boolean; deleting?: boolean } = {}): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: {
      name: 'shop', namespace: 'default', uid: UID, annotations: options.annotations ?? {},
      ...(options.finalizer ? { finalizers: [INGRESS_FINALIZER] } : {}),
      ...(options.deleting ? { deletionTimestamp: new Date('2026-12-01T00:00:00Z') } : {}),
    },
    spec: { ingressClassName: 'qcloud', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] },
  };
}

const lb = (id: string, tags: Record<string, string>, more: Partial<CloudStateLoadBalancer> = {}): CloudStateLoadBalancer => ({
  id, name: id, type: 'OPEN', vpcId: SETTINGS.vpcId, vips: ['203.0.113.50'], status: 'running', tags, securityGroups: [], passToTarget: false, deleteProtect: false, listeners: [], targets: [], ...more,
});
const createdForWeb = { 'tke-createdBy-flag': 'yes', 'tke-clusterId': SETTINGS.clusterId, 'tke-lb-serviceuuid': UID };
const tcpListener = (name: string) => ({ id: 'lbl-0000web1', name, protocol: 'TCP' as const, port: 80, sessionExpireTime: 0, scheduler: 'WRR' as const, rules: [] });
const OWN_LISTENER = 'k8s_cls-table0_svc_default_web_TCP_80';
const boundTargets = { listenerId: 'lbl-0000web1', protocol: 'TCP' as const, port: 80, targets: [1, 2].map((i) => ({ instanceId: `ins-0000000${i}`, port: 30080, weight: 10 })), rules: [] };

interface Case {
  readonly name: string;
  readonly object: StatusObject;
  readonly cloud?: readonly CloudStateLoadBalancer[];
  readonly want: {
    /** The simulator's write actions, in order. */
    readonly writes: readonly string[];
    readonly events: readonly string[];
    readonly finalizer: boolean;
    /** status.loadBalancer.ingress IPs ('new' for the created CLB's VIP). */
    readonly status?: readonly string[] | 'new';
    readonly refused?: boolean;
  };
}

const CASES: Case[] = [
  {
    name: 'a new Service gets a CLB, its listener and targets; status, annotation and finalizer',
    object: service(),
    want: { writes: ['CreateLoadBalancer', 'CreateListener', 'BatchRegisterTargets'], events: ['Normal EnsuringLoadBalancer', 'Normal EnsuredLoadBalancer'], finalizer: true, status: 'new' },
  },
  {
    name: 'a converged Service: no write, no Event',
    object: service({ finalizer: true, annotations: { 'service.kubernetes.io/loadbalance-id': 'lb-web00001' } }),
    cloud: [lb('lb-web00001', createdForWeb, { listeners: [tcpListener(OWN_LISTENER)], targets: [boundTargets] })],
    want: { writes: [], events: [], finalizer: true, status: ['203.0.113.50'] },
  },
  {
    name: 'a Service of another loadBalancerClass is not this controller\'s: nothing at all',
    object: service({ loadBalancerClass: 'example.com/other' }),
    want: { writes: [], events: [], finalizer: false },
  },
  {
    name: 'reusing a user\'s CLB claims it for the cluster (tag), then adds the listener',
    object: service({ annotations: { 'service.kubernetes.io/tke-existed-lbid': 'lb-user0001' } }),
    cloud: [lb('lb-user0001', { owner: 'platform-team' })],
    want: { writes: ['TagResources', 'CreateListener', 'BatchRegisterTargets'], events: ['Normal EnsuringLoadBalancer', 'Normal EnsuredLoadBalancer'], finalizer: true, status: ['203.0.113.50'] },
  },
  {
    name: 'reusing a CLB that does not exist is refused (E4011), no write, no finalizer',
    object: service({ annotations: { 'service.kubernetes.io/tke-existed-lbid': 'lb-nothere1' } }),
    want: { writes: [], events: ['Warning ExistingLoadBalancerNotFound'], finalizer: false, refused: true },
  },
  {
    name: 'reusing a CLB created by TKE is refused (E4012)',
    object: service({ annotations: { 'service.kubernetes.io/tke-existed-lbid': 'lb-auto0001' } }),
    cloud: [lb('lb-auto0001', { 'tke-createdBy-flag': 'yes', 'tke-clusterId': SETTINGS.clusterId, 'tke-lb-serviceuuid': 'someone-else' })],
    want: { writes: [], events: ['Warning ExistingLoadBalancerRefused'], finalizer: false, refused: true },
  },
  {
    name: 'reusing another cluster\'s CLB is refused (E4013)',
    object: service({ annotations: { 'service.kubernetes.io/tke-existed-lbid': 'lb-other001' } }),
    cloud: [lb('lb-other001', { 'tke-clusterId': 'cls-another' })],
    want: { writes: [], events: ['Warning ExistingLoadBalancerRefused'], finalizer: false, refused: true },
  },
  {
    name: 'reusing a CLB of another VPC is refused',
    object: service({ annotations: { 'service.kubernetes.io/tke-existed-lbid': 'lb-vpc00001' } }),
    cloud: [lb('lb-vpc00001', {}, { vpcId: 'vpc-another1' })],
    want: { writes: [], events: ['Warning ExistingLoadBalancerRefused'], finalizer: false, refused: true },
  },
  {
    name: 'a port held by someone else\'s listener on a reused CLB is a PortConflict, the rest goes on',
    object: service({ annotations: { 'service.kubernetes.io/tke-existed-lbid': 'lb-user0002' } }),
    cloud: [lb('lb-user0002', { 'tke-clusterId': SETTINGS.clusterId }, { listeners: [{ ...tcpListener('ssh-by-hand'), id: 'lbl-byhand01' }] })],
    want: { writes: [], events: ['Warning PortConflict'], finalizer: true, status: ['203.0.113.50'] },
  },
  {
    name: 'a deleted Service\'s CLB, created for it, is deleted; then the finalizer goes',
    object: service({ finalizer: true, deleting: true, annotations: { 'service.kubernetes.io/loadbalance-id': 'lb-web00001' } }),
    cloud: [lb('lb-web00001', createdForWeb, { listeners: [tcpListener(OWN_LISTENER)], targets: [boundTargets] })],
    want: { writes: ['DeleteLoadBalancer'], events: ['Normal DeletingLoadBalancer', 'Normal DeletedLoadBalancer'], finalizer: false },
  },
  {
    name: 'a deleted Service on a reused CLB: its listener goes, the cluster\'s claim is released, the CLB stays',
    object: service({ finalizer: true, deleting: true, annotations: { 'service.kubernetes.io/loadbalance-id': 'lb-user0001', 'service.kubernetes.io/tke-existed-lbid': 'lb-user0001' } }),
    cloud: [lb('lb-user0001', { owner: 'platform-team', 'tke-clusterId': SETTINGS.clusterId }, { listeners: [tcpListener(OWN_LISTENER)], targets: [boundTargets] })],
    want: { writes: ['DeleteLoadBalancerListeners', 'UnTagResources'], events: ['Normal DeletingLoadBalancer', 'Normal DeletedLoadBalancer'], finalizer: false },
  },
  {
    name: 'a created CLB holding a listener someone added by hand is kept, with a Warning',
    object: service({ finalizer: true, deleting: true, annotations: { 'service.kubernetes.io/loadbalance-id': 'lb-web00001' } }),
    cloud: [lb('lb-web00001', createdForWeb, { listeners: [tcpListener(OWN_LISTENER), { ...tcpListener('by-hand'), id: 'lbl-byhand02', port: 22 }], targets: [boundTargets] })],
    want: { writes: ['DeleteLoadBalancerListeners'], events: ['Normal DeletingLoadBalancer', 'Warning SyncLoadBalancerFailed'], finalizer: false },
  },
  {
    name: 'a Service turned ClusterIP releases its CLB and loses status and annotation',
    object: { ...service({ finalizer: true, type: 'ClusterIP', annotations: { 'service.kubernetes.io/loadbalance-id': 'lb-web00001' } }), status: { loadBalancer: { ingress: [{ ip: '203.0.113.50' }] } } } as StatusObject,
    cloud: [lb('lb-web00001', createdForWeb, { listeners: [tcpListener(OWN_LISTENER)], targets: [boundTargets] })],
    want: { writes: ['DeleteLoadBalancer'], events: ['Normal DeletingLoadBalancer', 'Normal DeletedLoadBalancer'], finalizer: false, status: [] },
  },
  {
    name: 'mode: skip on a deleted Service leaves the CLB as it is and lets the Service go',
    object: service({ finalizer: true, deleting: true, annotations: { 'service.kubernetes.io/loadbalance-id': 'lb-web00001', 'service.cloud.tencent.com/mode': 'skip' } }),
    cloud: [lb('lb-web00001', createdForWeb)],
    want: { writes: [], events: [], finalizer: false },
  },
  {
    name: 'a new Ingress gets a CLB, an HTTP listener, its rule and targets',
    object: shop(),
    want: { writes: ['CreateLoadBalancer', 'CreateListener', 'CreateRule', 'BatchRegisterTargets'], events: ['Normal EnsuringLoadBalancer', 'Normal EnsuredLoadBalancer'], finalizer: true, status: 'new' },
  },
  {
    name: 'a deleted Ingress with loadbalance-retain: its listeners go, the CLB is handed back untagged',
    object: shop({ finalizer: true, deleting: true, annotations: { 'kubernetes.io/ingress.qcloud-loadbalance-id': 'lb-shop0001', 'ingress.cloud.tencent.com/loadbalance-retain': 'true' } }),
    cloud: [lb('lb-shop0001', createdForWeb, { listeners: [{ id: 'lbl-0shop001', name: 'k8s_cls-table0_ing_default_shop_HTTP_80', protocol: 'HTTP', port: 80, rules: [] }] })],
    want: { writes: ['DeleteLoadBalancerListeners', 'UnTagResources'], events: ['Normal DeletingLoadBalancer', 'Normal DeletedLoadBalancer'], finalizer: false },
  },
  {
    name: 'an Ingress may not reuse a CLB whose port someone else\'s listener holds',
    object: shop({ annotations: { 'kubernetes.io/ingress.existLbId': 'lb-user0003' } }),
    cloud: [lb('lb-user0003', {}, { listeners: [{ id: 'lbl-user0003', name: 'their-http', protocol: 'HTTP', port: 80, rules: [] }] })],
    want: { writes: [], events: ['Warning ExistingLoadBalancerRefused'], finalizer: false, refused: true },
  },
];

/** The case's cloud, its object held in memory, and a reconciler of its kind over them. */
function setUp(c: Case, existing?: ReturnType<typeof createLocalCloud>) {
  const cloud = existing ?? createLocalCloud({ cloudState: { version: 1, subnets: [], loadBalancers: c.cloud ?? [] } });
  const holder = { object: c.object };
  const events: string[] = [];
  const isService = c.object.kind === 'Service';
  const base = viewOf([...NODES, backend()] as KubernetesObject[]);
  const own = storeOf(() => [holder.object as never]);
  const deps = {
    provider: cloud.provider,
    cache: new ActualStateCache(cloud.provider, { ttlMs: 60_000 }),
    view: isService ? { ...base, services: own } : { ...base, ingresses: own },
    events: { emit: (_o: unknown, type: string, reason: string) => void events.push(`${type} ${reason}`) },
    gates: { openAfterWrites: async () => [] },
    logger: silentLogger(),
  };
  const reconciler = isService
    ? new ServiceReconciler({ ...deps, settings: SETTINGS, writer: memoryWriter(holder as { object: V1Service }) })
    : new IngressReconciler({ ...deps, settings: { ...SETTINGS, defaultClass: false }, writer: memoryWriter(holder as { object: V1Ingress }) });
  return { cloud, holder, events, reconcile: () => reconciler.reconcile(`default/${c.object.metadata?.name}`) };
}

async function reconcileCase(c: Case) {
  const { cloud, holder, events, reconcile } = setUp(c);
  const error = await reconcile().then(() => undefined, (e: unknown) => e);
  if (error && !(error instanceof TerminalError)) throw error;
  const writes = cloud.simulator.traffic.log.filter((call) => call.kind === 'write').map((call) => call.action);
  const created = (cloud.simulator.snapshot().loadBalancers as { id: string; vips: string[] }[]).find((l) => !(c.cloud ?? []).some((seeded) => seeded.id === l.id));
  return { writes, events, object: holder.object, refused: error instanceof TerminalError, created };
}

describe('reconcileOwner: object + cloud → cloud writes, status, Events', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const result = await reconcileCase(c);
    expect(result.writes).toEqual(c.want.writes);
    expect(result.events).toEqual(c.want.events);
    expect(result.refused).toBe(c.want.refused ?? false);
    const finalizer = c.object.kind === 'Service' ? SERVICE_FINALIZER : INGRESS_FINALIZER;
    expect(result.object.metadata?.finalizers?.includes(finalizer) ?? false).toBe(c.want.finalizer);
    if (c.want.status !== undefined) {
      const ips = (result.object.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
      expect(ips).toEqual(c.want.status === 'new' ? result.created?.vips : c.want.status);
    }
  });

  it('is idempotent: a second reconcile of every converging case writes nothing, and reads nothing either', async () => {
    for (const c of CASES.filter((x) => !x.want.refused && x.want.finalizer)) {
      const { cloud, reconcile } = setUp(c);
      await reconcile();
      const before = cloud.simulator.traffic.log.length;
      await reconcile();
      // What the first reconcile wrote is remembered as the CLB's state: the second needs no describe.
      expect({ case: c.name, calls: cloud.simulator.traffic.log.slice(before).filter((call) => call.action !== 'DescribeTaskStatus').map((call) => call.action) }).toEqual({ case: c.name, calls: [] });
    }
  });

  it('what is remembered after the writes is what the cloud holds: a reconcile from a fresh describe writes nothing', async () => {
    for (const c of CASES.filter((x) => !x.want.refused && x.want.finalizer)) {
      const first = setUp(c);
      await first.reconcile();
      // A second controller over the same cloud and the object as the first left it, with nothing remembered.
      const second = setUp({ ...c, object: first.holder.object }, first.cloud);
      const before = first.cloud.simulator.traffic.mutatingCalls();
      await second.reconcile();
      expect({ case: c.name, writes: first.cloud.simulator.traffic.mutatingCalls() - before }).toEqual({ case: c.name, writes: 0 });
    }
  });
});
