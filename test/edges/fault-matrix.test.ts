/**
 * [edges] The fault matrix: for each write the controller makes × the ways a real account says no — the task
 * fails, the task outlasts the wait, LimitExceeded, OperationDenied, ResourceInOperating — the CLB reaches the
 * desired state within a requeue backoff or two (seconds here, never "at the resync": the rig's is an hour), the
 * failure is told in a Warning naming the action, and the calls it costs are bounded.
 *
 * The Service writes run on the Service rig; the Ingress-only writes (CreateRule, DeleteRule, ModifyDomainAttributes,
 * ManualRewrite, DeleteRewrite) on the Ingress rig. ModifyRule is a Service write (a specify-protocol HTTP rule's
 * session persistence: Ingress rules carry no rule settings), BatchModifyTargetWeight a direct-access one. At the end
 * the file prints each cell's time from the change until the cloud was right, and the calls of the action it cost.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { backendService, certSecret, ingress, path, startIngressRig } from '../support/ingress-rig.js';
import { node, service, startServiceRig, waitFor, type FakeKube, type SnapshotLoadBalancer } from '../support/service-rig.js';
import type { LocalCloud } from '../../mocks/clb/local-cloud.js';
import { applyCrdsFrom } from '../../mocks/kube/crds.js';

/** What a cell needs of a rig: the Service rig and the Ingress rig both are one. */
interface Rig {
  readonly kube: FakeKube;
  readonly cloud: LocalCloud;
  get(name: string): { status?: { loadBalancer?: { ingress?: unknown[] } } } | undefined;
  events(name: string): { reason: string; type: string; message: string }[];
  loadBalancerOf(name: string): SnapshotLoadBalancer | undefined;
  close(): Promise<void>;
}

let rig: Rig | undefined;
afterEach(async () => rig?.close());

type Fault = 'task failed' | 'task timed out' | 'LimitExceeded' | 'OperationDenied' | 'ResourceInOperating';
const FAULTS: readonly Fault[] = ['task failed', 'task timed out', 'LimitExceeded', 'OperationDenied', 'ResourceInOperating'];

interface Scenario {
  readonly action: string;
  /** Tells apart two scenarios of one action in the cell's name and the table. */
  readonly change?: string;
  /** Runs on the Ingress rig; the owner is the Ingress `shop` (else the Service `web`). */
  readonly ingress?: true;
  readonly nodes?: number;
  /** Brought to convergence before the fault is armed. */
  readonly setup?: (r: Rig) => Promise<void>;
  readonly trigger: (r: Rig) => void | Promise<void>;
  readonly done: (r: Rig) => boolean;
  /** The Tag API answers at once: it has no tasks to fail or to outlast. */
  readonly synchronous?: boolean;
  /** Faults the provider itself recovers from within the call (then no Warning is due). */
  readonly absorbed?: readonly Fault[];
}

const lbOf = (r: Rig, name = 'web') => r.loadBalancerOf(name) as (SnapshotLoadBalancer & { passToTarget?: boolean; securityGroups?: string[] }) | undefined;
const targetsOn = (r: Rig, port = 80) => lbOf(r)?.listeners.find((l) => l.port === port)?.targets.length ?? 0;
const twoPorts = { spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 443, protocol: 'TCP', targetPort: 8443 }] } };
const USER_LB: { id?: string } = {};

async function webConverged(r: Rig, extra: Parameters<typeof service>[1] = {}, targets = 2) {
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

// ---- ModifyRule and BatchModifyTargetWeight: Service writes with a rig of their own ----------------------------

const HTTP_HOST = { 'service.cloud.tencent.com/specify-protocol': '{"80":{"protocol":["HTTP"],"hosts":{"a.example.com":{}}}}' };
const ruleOf = (r: Rig) => lbOf(r)?.listeners.find((l) => l.port === 80)?.rules[0];

const DIRECT = { 'service.cloud.tencent.com/direct-access': 'true', 'service.cloud.tencent.com/enable-grace-shutdown': 'true' };
const PODS = [{ name: 'web-0', ip: '172.16.0.10' }, { name: 'web-1', ip: '172.16.0.11' }];
const pod = ({ name, ip }: { name: string; ip: string }) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
  status: { podIP: ip, conditions: [{ type: 'ContainersReady', status: 'True' }, { type: 'Ready', status: 'True' }] },
});
/** The Service's EndpointSlice, as the EndpointSlice controller writes it; `terminating` Pods are being deleted. */
const webSlice = (terminating: readonly string[] = []) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: 'web-slice', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
  endpoints: PODS.map((p) => ({
    addresses: [p.ip],
    conditions: { ready: !terminating.includes(p.name), serving: true, terminating: terminating.includes(p.name) },
    targetRef: { kind: 'Pod', name: p.name, namespace: 'default' },
  })),
});
const weights = (r: Rig) => (lbOf(r)?.listeners[0]?.targets ?? []).map((t) => `${t.eniIp}=${t.weight}`).join(',');

async function directConverged(r: Rig) {
  r.kube.state.seed(...PODS.map(pod), webSlice(), service('web', { annotations: DIRECT }));
  await waitFor(() => weights(r) === '172.16.0.10=10,172.16.0.11=10' && r.get('web')?.status?.loadBalancer?.ingress?.length, 'web to bind its Pods');
}

const RULE_AND_WEIGHT_SCENARIOS: readonly Scenario[] = [
  {
    action: 'ModifyRule',
    setup: async (r) => {
      r.kube.state.seed(service('web', { annotations: HTTP_HOST }));
      await waitFor(() => ruleOf(r)?.targets.length === 2 && r.get('web')?.status?.loadBalancer?.ingress?.length, 'web\'s HTTP rule');
    },
    trigger: (r) => void r.kube.state.patch('services', 'default/web', { spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } } }),
    done: (r) => (ruleOf(r) as { sessionExpireTime?: number } | undefined)?.sessionExpireTime === 600,
  },
  {
    action: 'BatchModifyTargetWeight',
    change: 'lb-rs-weight',
    setup: (r) => directConverged(r),
    trigger: (r) => void r.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.cloud.tencent.com/lb-rs-weight': '{"defaultWeight": 20, "pods": {"web-0": 50}}' } } }),
    done: (r) => weights(r) === '172.16.0.10=50,172.16.0.11=20',
  },
  {
    action: 'BatchModifyTargetWeight',
    change: 'a Pod terminating, grace-shutdown',
    setup: (r) => directConverged(r),
    trigger: (r) => void r.kube.state.apply(webSlice(['web-1'])),
    done: (r) => weights(r) === '172.16.0.10=10,172.16.0.11=0',
  },
];

// ---- the Ingress-only writes ------------------------------------------------------------------------------------

const INGRESS_SEED = [backendService('api'), backendService('web'), certSecret('tls', 'cert-v1')];
const HOST = 'shop.example.com';
const paths = (...ps: [string, string][]) => ({ rules: [{ host: HOST, http: { paths: ps.map(([p, svc]) => path(p, svc)) } }] });
const ONE_PATH = paths(['/', 'web']);
const TWO_PATHS = paths(['/api', 'api'], ['/', 'web']);
const AUTO_REWRITE = 'ingress.cloud.tencent.com/auto-rewrite';
const listenerOf = (r: Rig, protocol: string) => lbOf(r, 'shop')?.listeners.find((l) => l.protocol === protocol) as (SnapshotLoadBalancer['listeners'][number] & { domainCertificates?: Record<string, { CertId?: string }> }) | undefined;
const rulesOf = (r: Rig, protocol = 'HTTP') => listenerOf(r, protocol)?.rules ?? [];
/** Every rule of the listener bound to both nodes. */
const served = (r: Rig, protocol: string, count: number) => rulesOf(r, protocol).length === count && rulesOf(r, protocol).every((rule) => rule.targets.length === 2);
const redirected = (r: Rig) => rulesOf(r).length === 2 && rulesOf(r).every((rule) => rule.rewrite && rulesOf(r, 'HTTPS').some((h) => h.id === rule.rewrite!.locationId));

/** rule-mix: HTTPS forwards / and /api; HTTP /api does what `api` says (redirect, or forward). */
const mixedRules = (api: object) => ({
  'kubernetes.io/ingress.rule-mix': 'true',
  'ingress.cloud.tencent.com/rewrite-support': 'true',
  'kubernetes.io/ingress.http-rules': JSON.stringify([{ host: HOST, path: '/api', ...api }]),
  'kubernetes.io/ingress.https-rules': JSON.stringify([{ host: HOST, path: '/', backend: { serviceName: 'web', servicePort: 80 } }, { host: HOST, path: '/api', backend: { serviceName: 'api', servicePort: 80 } }]),
});

const WANTED_DEFAULT: { host?: string } = {};
const defaultServerOf = (r: Rig) => (listenerOf(r, 'HTTP') as { defaultServer?: string } | undefined)?.defaultServer;

async function shopConverged(r: Rig, spec: object, annotations: Record<string, string>, converged: (r: Rig) => boolean) {
  r.kube.state.seed(ingress('shop', spec, annotations));
  await waitFor(() => converged(r) && r.get('shop')?.status?.loadBalancer?.ingress?.length, 'shop to converge');
}

const INGRESS_SCENARIOS: readonly Scenario[] = ([
  {
    action: 'CreateRule',
    setup: (r) => shopConverged(r, ONE_PATH, {}, (x) => served(x, 'HTTP', 1)),
    trigger: (r) => void r.kube.state.patch('ingresses', 'default/shop', { spec: TWO_PATHS }),
    done: (r) => served(r, 'HTTP', 2),
  },
  {
    action: 'DeleteRule',
    setup: (r) => shopConverged(r, TWO_PATHS, {}, (x) => served(x, 'HTTP', 2)),
    trigger: (r) => void r.kube.state.patch('ingresses', 'default/shop', { spec: ONE_PATH }),
    done: (r) => served(r, 'HTTP', 1) && rulesOf(r)[0]?.url === '/',
  },
  {
    action: 'ModifyDomainAttributes',
    change: 'an SNI certificate rotated',
    setup: (r) => shopConverged(r, { tls: [{ hosts: [HOST], secretName: 'tls' }], ...ONE_PATH }, {}, (x) => served(x, 'HTTPS', 1) && listenerOf(x, 'HTTPS')?.domainCertificates?.[HOST]?.CertId === 'cert-v1'),
    trigger: (r) => void r.kube.state.apply(certSecret('tls', 'cert-v2')),
    done: (r) => listenerOf(r, 'HTTPS')?.domainCertificates?.[HOST]?.CertId === 'cert-v2' && served(r, 'HTTPS', 1),
  },
  {
    action: 'ModifyDomainAttributes',
    change: 'a TkeServiceConfig defaultServer',
    setup: async (r) => {
      applyCrdsFrom(r.kube, 'manifests/crds');
      const twoHosts = { rules: [{ host: HOST, http: { paths: [path('/', 'web')] } }, { host: 'blog.example.com', http: { paths: [path('/', 'web')] } }] };
      await shopConverged(r, twoHosts, { 'ingress.cloud.tencent.com/tke-service-config': 'shop-config' }, (x) => served(x, 'HTTP', 2));
    },
    // The host that is not the default yet (the CLB made the first domain it got the default).
    trigger: (r) => {
      WANTED_DEFAULT.host = defaultServerOf(r) === HOST ? 'blog.example.com' : HOST;
      r.kube.state.apply({ apiVersion: 'cloud.tencent.com/v1alpha1', kind: 'TkeServiceConfig', metadata: { name: 'shop-config', namespace: 'default' }, spec: { loadBalancer: { l7Listeners: [{ protocol: 'HTTP', port: 80, defaultServer: WANTED_DEFAULT.host }] } } });
    },
    done: (r) => defaultServerOf(r) === WANTED_DEFAULT.host && served(r, 'HTTP', 2),
  },
  {
    action: 'ManualRewrite',
    setup: (r) => shopConverged(r, { tls: [{ secretName: 'tls' }], ...TWO_PATHS }, {}, (x) => served(x, 'HTTPS', 2)),
    trigger: (r) => void r.kube.state.patch('ingresses', 'default/shop', { metadata: { annotations: { [AUTO_REWRITE]: 'true' } } }),
    done: (r) => redirected(r) && served(r, 'HTTPS', 2),
  },
  {
    // A rule-mix HTTP rule that redirected now forwards: the same rule, its redirect removed and its targets bound.
    action: 'DeleteRewrite',
    setup: (r) => shopConverged(r, { tls: [{ secretName: 'tls' }] }, mixedRules({ rewrite: { port: 443 } }), (x) => served(x, 'HTTPS', 2) && Boolean(rulesOf(x)[0]?.rewrite)),
    trigger: (r) => void r.kube.state.patch('ingresses', 'default/shop', { metadata: { annotations: mixedRules({ backend: { serviceName: 'api', servicePort: 80 } }) } }),
    done: (r) => served(r, 'HTTP', 1) && !rulesOf(r)[0]?.rewrite && served(r, 'HTTPS', 2),
  },
] satisfies Omit<Scenario, 'ingress'>[]).map((s) => ({ ...s, ingress: true as const }));

function arm(r: Rig, action: string, fault: Fault): void {
  const traffic = r.cloud.simulator.traffic;
  if (fault === 'task failed') traffic.failNextTasks(action);
  else if (fault === 'task timed out') traffic.slowNextTasks(action, 600);
  else traffic.failNext(action, fault === 'ResourceInOperating' ? 'FailedOperation.ResourceInOperating' : fault);
}

// A wait for tasks short enough to run out in a test; the cloud's own retry budget as in production, faster.
const PROVIDER = { taskPoll: { firstPollMs: 0, maxPollMs: 20, timeoutMs: 200 }, retry: { retries: 8, minDelayMs: 10, maxDelayMs: 200 } };

const start = (s: Scenario): Promise<Rig> =>
  s.ingress
    ? startIngressRig({ provider: PROVIDER, seed: INGRESS_SEED })
    : startServiceRig({ nodes: Array.from({ length: s.nodes ?? 2 }, (_, i) => node(i + 1)), provider: PROVIDER });

/** Per cell: how long the cloud was wrong after the change (ms), and the calls of the faulted action it cost. */
const TABLE: { cell: string; ms: number; calls: number }[] = [];
afterAll(() => {
  if (!TABLE.length) return;
  const width = Math.max(...TABLE.map((t) => t.cell.length));
  const lines = TABLE.map((t) => `${t.cell.padEnd(width)}  ${(t.ms / 1000).toFixed(2).padStart(6)} s  ${String(t.calls).padStart(2)} calls`);
  process.stdout.write(`\nFault matrix: time from the change until the cloud was right, calls of the action\n${lines.join('\n')}\n`);
});

describe('the fault matrix: each write × each way the cloud says no', () => {
  const cells = [...SCENARIOS, ...RULE_AND_WEIGHT_SCENARIOS, ...INGRESS_SCENARIOS].flatMap((s) =>
    FAULTS.filter((f) => !s.synchronous || !f.startsWith('task')).map((f) => [s.change ? `${s.action} (${s.change})` : s.action, f, s] as const),
  );
  it.each(cells)('%s, %s: right within seconds, told, bounded', async (name, fault, scenario) => {
    const { action } = scenario;
    const owner = scenario.ingress ? 'shop' : 'web';
    const r = await start(scenario);
    rig = r;
    await scenario.setup?.(r);
    r.cloud.simulator.traffic.reset();
    arm(r, action, fault);
    const changed = Date.now();
    await scenario.trigger(r);
    await waitFor(() => scenario.done(r), `${name} to be right after "${fault}"`, 8_000);
    const ms = Date.now() - changed;
    const calls = r.cloud.simulator.traffic.log.filter((c) => c.action === action).length;
    TABLE.push({ cell: `${name}, ${fault}`, ms, calls });
    // The fault was met (the faulted call, then the one that succeeded; an outlasted task is waited for, not re-sent), and bounded.
    expect(calls).toBeGreaterThanOrEqual(fault === 'task timed out' ? 1 : 2);
    expect(calls).toBeLessThanOrEqual(4);
    // Told: a retryable answer the provider's own retries absorb needs no Warning; every other one has one naming the action.
    if (fault !== 'ResourceInOperating' && fault !== 'task timed out' && !scenario.absorbed?.includes(fault)) {
      await waitFor(() => r.events(owner).some((e) => e.type === 'Warning' && e.message.includes(action)), `a Warning naming ${action}`, 2_000);
    }
  });
});
