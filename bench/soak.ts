/**
 * `npm run soak -- --ops N --seed S [--max-seconds 240] [--pace 40] [--fault-rate 0.3] [--verbose]`
 * (SOAK_LOG=<file>: the controllers' log; --pace: the longest pause between operations, ms; --fault-rate: the highest
 * probability of a random cloud failure).
 *
 * A seeded, time-bounded randomized run of both controllers (src/app.ts) over the fake Kubernetes API and the mock
 * cloud. A PRNG picks N operations — Services (NodePort, direct, on a shared user CLB, with bad annotations) and
 * Ingresses created, changed and deleted; nodes joining, leaving and flapping; Pods churning; controller restarts;
 * quota pressure (a Service with more ports than a CLB has listeners, a Service scaled past the targets a listener
 * binds, an Ingress with more paths than a listener has rules: the cloud's quotas are lowered to QUOTAS for that) —
 * while cloud faults (random failures, failed tasks) and API faults (500 bursts, dropped and expired watches) come
 * and go. Then the faults stop, the run settles, and every invariant is checked on full state
 * (mocks/sandbox/invariants.ts): each valid owner has status and exactly its desired CLB, listeners and targets
 * (of a quota-limited one, exactly what the controller's quota fitting keeps, and a QuotaExceeded Warning);
 * nothing the cluster created or named outlives its owner (the orphan collector, run with no delay, finds nothing);
 * the user's CLBs and listeners are byte-identical; no finalizer is stuck; every user error has its Warning; no
 * action was called above its rate limit; a resync of everything writes nothing.
 *
 * Throughout, every change (an operation on a Service or an Ingress, a node's change or the end of its NotReady
 * grace — that concerns every owner) is timed until the convergence invariants first find nothing wrong with the
 * owners it concerns, checked every MEASURE_MS, faults and later changes included. The last line is
 * `soak: <ops> ops, seed <S>, <violations> violations, the cloud right <X> s after a change (p99 of <N> changes, max <M> s)`
 * (a change never right by the end counts until the end, and is named); the exit status is 1 on any violation.
 */
import { createWriteStream } from 'node:fs';
import type { V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { createLocalCloud } from '../mocks/clb/local-cloud.js';
import { seededRandom } from '../mocks/clb/support.js';
import { startFakeKube, type FakeKube } from '../mocks/kube/index.js';
import { ClusterSimulator } from '../mocks/sandbox/cluster-sim.js';
import { convergenceViolations, rateViolations, type ClusterEvent, type SnapLoadBalancer } from '../mocks/sandbox/invariants.js';
import { startControllers, type RunningControllers } from '../src/app.js';
import { SERVICE_ANNOTATIONS as S, TAGS } from '../src/annotations/keys.js';
import { liveOwnersFrom, OrphanCollector } from '../src/deploy/orphan-gc.js';
import type { QuotaLimits } from '../src/deploy/quota.js';
import { ownerListenerPrefix } from '../src/model/naming.js';
import { createLogger, silentLogger } from '../src/runtime/logger.js';

const SETTINGS = { clusterId: 'cls-soak', vpcId: 'vpc-cluster1', defaultIngressClass: false };
const RATE_LIMIT = 20;
const RESYNC_MS = 4_000;
const NODE_GRACE_MS = 600;
const EMPTY_GRACE_MS = 400;
const FAULT_CODES = ['RequestLimitExceeded', 'InternalError', 'FailedOperation.ResourceInOperating'];
const TASK_ACTIONS = ['CreateListener', 'BatchRegisterTargets', 'BatchDeregisterTargets', 'DeleteLoadBalancerListeners', 'CreateLoadBalancer', 'DeleteLoadBalancer', 'CreateRule'];
/**
 * The account's quotas (50 listeners per CLB, 50 rules per listener, 100 targets per listener or rule) scaled down
 * to what a soak's few nodes, Pods and ports reach: quota pressure every run. The controller reads them (DescribeQuota).
 */
const QUOTAS: QuotaLimits = { listenersPerLoadBalancer: 8, rulesPerListener: 4, targetsPerRule: 5 };
/** How often the changes in flight are checked against the invariants. */
const MEASURE_MS = 100;

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function node(i: number): V1Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: `10.0.1.${i}`, labels: { 'kubernetes.io/hostname': `10.0.1.${i}`, pool: i % 2 ? 'odd' : 'even' } },
    spec: { providerID: `qcloud:///800002/ins-${String(i).padStart(8, '0')}` },
    status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(Date.now() - 3_600_000) }] },
  };
}
const readyStatus = (status: string) => ({ conditions: [{ type: 'Ready', status, lastTransitionTime: new Date().toISOString() }] });

type Port = { port: number; protocol: 'TCP' | 'UDP' };
function service(name: string, ports: readonly Port[], annotations: Record<string, string>, type = 'LoadBalancer'): V1Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'default', annotations },
    spec: { type, selector: { app: name }, ports: ports.map((p, i) => ({ name: `p${i}`, port: p.port, protocol: p.protocol, targetPort: (8000 + i) as never })) },
  };
}

function ingress(name: string, backend: string, paths: readonly string[], annotations: Record<string, string>) {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: 'default', annotations },
    spec: { ingressClassName: 'qcloud', rules: [{ host: `${name}.example.com`, http: { paths: paths.map((path) => ({ path, pathType: 'Prefix', backend: { service: { name: backend, port: { number: 80 } } } })) } }] },
  };
}

/** Annotations a user gets wrong: each must end in a Warning naming it, and nothing on the cloud. */
const BAD_ANNOTATIONS: readonly Record<string, string>[] = [
  { [S.internetMaxBandwidthOut]: '99999' },
  { [S.securityGroups]: 'sg-1' },
  { [S.existingLoadBalancerId]: 'lb-missing0' },
  { [S.specifyProtocol]: '{"80":{"protocol":["SCTP"]}}' },
  { [S.backendsLabel]: 'a b c' },
  { [S.extensiveParameters]: '{"NoSuchField":1}' },
];

/** An owner a change concerns, and how the invariants' lines name it: `Kind ns/name:`, its listeners' prefix, its uid. */
interface Watched {
  readonly key: string;
  readonly prefix: string;
  readonly uid: string | undefined;
}

/**
 * A change, timed from when it was made until the cloud has been right for each owner it concerns (each at its own
 * first check after the change that finds nothing wrong with it: another owner's trouble is not this change's).
 */
interface Change {
  readonly what: string;
  readonly at: number;
  /** The owners not yet seen right since the change. */
  waiting: readonly Watched[];
  rightAt?: number;
  /** The last thing the invariants found wrong with it (for the diagnosis of the slowest). */
  wrong?: string;
}

interface Soak {
  readonly kube: FakeKube;
  readonly cloud: ReturnType<typeof createLocalCloud>;
  readonly sim: ClusterSimulator;
  controllers: RunningControllers;
  readonly start: () => Promise<RunningControllers>;
  readonly services: Map<string, { kind: string; ports: Port[] }>;
  readonly ingresses: Set<string>;
  readonly nodes: Set<number>;
  readonly pending: Promise<unknown>[];
  shared: string;
  otherCluster: string;
  untouched: string;
  nextId: number;
  readonly changes: Change[];
  readonly trace: (message: string) => void;
}

function watched(soak: Soak, kind: 'Service' | 'Ingress', name: string): Watched {
  const uid = soak.kube.state.get<V1Service>(kind === 'Service' ? 'services' : 'ingresses', `default/${name}`)?.metadata?.uid;
  return { key: `${kind} default/${name}`, prefix: ownerListenerPrefix({ kind, clusterId: SETTINGS.clusterId, namespace: 'default', name, uid: uid ?? '' }), uid };
}

/** Records a change to one owner (call it while the owner still exists, so its uid is known). */
function changed(soak: Soak, kind: 'Service' | 'Ingress', name: string, what: string): void {
  soak.changes.push({ what: `${what} ${name}`, at: Date.now(), waiting: [watched(soak, kind, name)] });
}

/** Records a change that concerns every owner (a node's). */
function changedAll(soak: Soak, what: string): void {
  const owners = [...[...soak.services.keys()].map((n) => watched(soak, 'Service', n)), ...[...soak.ingresses].map((n) => watched(soak, 'Ingress', n))];
  soak.changes.push({ what, at: Date.now(), waiting: owners });
}

const concerns = (line: string, owner: Watched) => line.startsWith(`${owner.key}:`) || line.includes(owner.prefix) || (owner.uid !== undefined && line.includes(owner.uid));

/** Ticks off, for the changes made before `at`, the owners the invariants' `lines` (read at `at`) find nothing wrong with. */
function resolveChanges(changes: readonly Change[], lines: readonly string[], at: number): void {
  for (const change of changes) {
    if (change.rightAt !== undefined || change.at > at) continue;
    change.waiting = change.waiting.filter((o) => lines.some((line) => concerns(line, o)));
    if (!change.waiting.length) change.rightAt = at;
    else change.wrong = lines.find((line) => concerns(line, change.waiting[0]!));
  }
}

/** The p99 and the longest of the changes' times until right (a change never right counts until `end`), in seconds. */
function changeTimes(changes: readonly Change[], end: number): { p99: number; max: number; open: Change[] } {
  const times = changes.map((c) => ((c.rightAt ?? end) - c.at) / 1000).sort((a, b) => a - b);
  return { p99: times[Math.max(0, Math.ceil(times.length * 0.99) - 1)] ?? 0, max: times.at(-1) ?? 0, open: changes.filter((c) => c.rightAt === undefined) };
}

async function setUp(seed: number, verbose: boolean): Promise<{ soak: Soak; userOwned: Map<string, unknown> }> {
  const kube = await startFakeKube({ seed: [1, 2, 3, 4].map(node), historySize: 400 });
  const cloud = createLocalCloud(
    { taskLatencyMs: 3, rateLimitPerSecond: RATE_LIMIT, seed, quotas: { openLoadBalancers: 500, internalLoadBalancers: 500, ...QUOTAS } },
    { retry: { retries: 6, minDelayMs: 10, maxDelayMs: 300 } },
  );
  // SOAK_LOG=<file>: the controllers' debug log goes there (for diagnosing a violation).
  const logger = process.env.SOAK_LOG ? createLogger('debug', createWriteStream(process.env.SOAK_LOG)) : verbose ? createLogger('warn') : silentLogger();
  const start = () =>
    startControllers({
      kubeConfig: kube.kubeConfig(), provider: cloud.provider, settings: SETTINGS, logger, workers: 4, resyncPeriodMs: RESYNC_MS,
      nodeReadyGraceMs: NODE_GRACE_MS, emptyGraceMs: EMPTY_GRACE_MS, informerBackoffMs: { min: 20, max: 500 },
    });
  // The user's CLBs: one shared with Services (and a listener of the user's own), one nobody uses, another cluster's.
  const shared = await cloud.provider.createLoadBalancer({ name: 'user-shared', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: { team: 'web' } });
  const [ssh] = await cloud.provider.createListeners(shared.id, [{ name: 'ssh-by-hand', protocol: 'TCP', port: 22 }]);
  await cloud.provider.registerTargets(shared.id, [{ listenerId: ssh!, target: { instanceId: 'ins-00000001', port: 22, weight: 5 } }]);
  const untouched = await cloud.provider.createLoadBalancer({ name: 'user-untouched', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: { team: 'db' } });
  await cloud.provider.createListeners(untouched.id, [{ name: `k8s_${SETTINGS.clusterId}_svc_default_lookalike_TCP_80`, protocol: 'TCP', port: 80 }]);
  const otherCluster = await cloud.provider.createLoadBalancer({ name: 'other-cluster', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: { [TAGS.clusterId]: 'cls-other' } });
  await cloud.provider.awaitWrites(shared.id);
  await cloud.provider.awaitWrites(untouched.id);
  const snapshot = () => cloud.simulator.snapshot().loadBalancers as (SnapLoadBalancer & { listeners: { name: string }[] })[];
  const userOwned = new Map<string, unknown>();
  for (const lb of snapshot()) {
    if (lb.id === shared.id) {
      const { tags, listeners, ...rest } = lb;
      userOwned.set(`${lb.id} (shared): attributes`, rest);
      userOwned.set(`${lb.id} (shared): user tags`, tags);
      userOwned.set(`${lb.id} (shared): listener ssh-by-hand`, listeners.find((l) => l.name === 'ssh-by-hand'));
    } else userOwned.set(lb.id, lb);
  }
  const sim = new ClusterSimulator(kube);
  const soak: Soak = {
    kube, cloud, sim, start, controllers: await start(), services: new Map(), ingresses: new Set(), nodes: new Set([1, 2, 3, 4]), pending: [],
    shared: shared.id, otherCluster: otherCluster.id, untouched: untouched.id, nextId: 0, changes: [],
    trace: verbose ? (message) => process.stderr.write(`  ${Date.now() % 100_000} ${message}\n`) : () => undefined,
  };
  sim.start(150);
  return { soak, userOwned };
}

/** The operations, each drawn with its weight. */
function operations(soak: Soak, random: () => number, faultRate: number): [number, string, () => Promise<void> | void][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const { kube, cloud, services } = soak;
  const serviceNames = () => [...services.keys()];
  const randomPorts = (): Port[] => {
    const all: Port[] = [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }];
    return all.filter(() => random() < 0.5).concat(random() < 0.5 ? [] : [all[0]!]).filter((p, i, a) => a.findIndex((q) => q.port === p.port) === i);
  };
  const pods = (name: string, count: number) => {
    const nodes = [...soak.nodes];
    for (let i = 0; i < count; i++) {
      soak.nextId += 1;
      soak.sim.createPod({
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: `${name}-p${soak.nextId}`, namespace: 'default', labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'app' }], nodeName: `10.0.1.${pick(nodes)}` },
      } as V1Pod);
    }
    // Their EndpointSlice at once: the change is whole when it is timed.
    soak.sim.syncOnce();
  };
  const createService = (forced?: 'many-ports') => {
    if (services.size >= 24) return;
    soak.nextId += 1;
    const name = `svc-${soak.nextId}`;
    const kind = forced ?? pick(['nodeport', 'nodeport', 'direct', 'shared', 'bad', 'http', 'local', 'other-cluster', 'labels']);
    // More ports than a CLB holds listeners: the first ones in spec order get one.
    let ports = kind === 'many-ports' ? Array.from({ length: QUOTAS.listenersPerLoadBalancer + 1 + Math.floor(random() * 3) }, (_, i): Port => ({ port: 2000 + i, protocol: 'TCP' })) : randomPorts();
    if (!ports.length) ports = [{ port: 80, protocol: 'TCP' }];
    const annotations: Record<string, string> = {};
    if (kind === 'direct') {
      annotations[S.directAccess] = 'true';
      ports = ports.filter((p) => p.protocol === 'TCP');
      if (!ports.length) ports = [{ port: 80, protocol: 'TCP' }];
    }
    if (kind === 'shared') {
      annotations[S.existingLoadBalancerId] = soak.shared;
      ports = [{ port: 1000 + Math.floor(random() * 4), protocol: 'TCP' }];
    }
    if (kind === 'other-cluster') annotations[S.existingLoadBalancerId] = soak.otherCluster;
    if (kind === 'bad') Object.assign(annotations, pick(BAD_ANNOTATIONS));
    if (kind === 'http') {
      ports = [{ port: 80, protocol: 'TCP' }];
      annotations[S.specifyProtocol] = '{"80":{"protocol":["HTTP"],"hosts":{"a.example.com":{},"b.example.com":{}}}}';
    }
    if (kind === 'labels') annotations[S.backendsLabel] = 'pool=odd';
    const svc = service(name, ports, annotations);
    if (kind === 'local') {
      annotations[S.localOnlyBindNodeWithPod] = 'true';
      svc.spec = { ...svc.spec, externalTrafficPolicy: 'Local' };
    }
    kube.state.seed(svc);
    soak.trace(`created ${name} (${kind}) ${JSON.stringify(annotations)}`);
    services.set(name, { kind, ports });
    if (kind === 'direct' || kind === 'local') pods(name, 1 + Math.floor(random() * 3));
    changed(soak, 'Service', name, 'create');
  };
  const updateService = () => {
    const name = serviceNames().length ? pick(serviceNames()) : undefined;
    const entry = name ? services.get(name) : undefined;
    if (!name || !entry || !kube.state.get('services', `default/${name}`)) return;
    const choice = random();
    soak.trace(`update ${name} (${entry.kind}) ${choice.toFixed(2)}`);
    changed(soak, 'Service', name, 'update');
    if (choice < 0.4 && entry.kind !== 'shared' && entry.kind !== 'http') {
      let ports = randomPorts();
      if (entry.kind === 'direct') ports = ports.filter((p) => p.protocol === 'TCP');
      if (!ports.length) ports = [{ port: 80, protocol: 'TCP' }];
      entry.ports = ports;
      kube.state.patch('services', `default/${name}`, { spec: { ports: ports.map((p, i) => ({ name: `p${i}`, port: p.port, protocol: p.protocol, targetPort: 8000 + i })) } });
    } else if (choice < 0.6) {
      const current = (kube.state.get<V1Service>('services', `default/${name}`))?.spec?.type;
      kube.state.patch('services', `default/${name}`, { spec: { type: current === 'LoadBalancer' ? 'ClusterIP' : 'LoadBalancer' } });
    } else if (choice < 0.8 && entry.kind === 'bad') {
      // The user fixes the mistake.
      entry.kind = 'nodeport';
      const svc = kube.state.get<V1Service>('services', `default/${name}`);
      const fixed = Object.fromEntries(Object.keys(svc?.metadata?.annotations ?? {}).filter((k) => k !== S.loadBalancerId).map((k) => [k, null]));
      kube.state.patch('services', `default/${name}`, { metadata: { annotations: fixed } });
    } else if (entry.kind !== 'shared' && entry.kind !== 'other-cluster') {
      // (On a reused CLB this would change the user's CLB: pass-to-target is CLB-wide.)
      kube.state.patch('services', `default/${name}`, { metadata: { annotations: { [S.passToTarget]: random() < 0.5 ? 'true' : 'false' } } });
    } else {
      kube.state.patch('services', `default/${name}`, { metadata: { labels: { touched: String(Math.floor(random() * 100)) } } });
    }
  };
  const deleteService = async () => {
    const names = serviceNames();
    if (!names.length) return;
    const name = pick(names);
    soak.trace(`delete ${name}`);
    changed(soak, 'Service', name, 'delete');
    services.delete(name);
    if (kube.state.get('services', `default/${name}`)) kube.state.delete('services', `default/${name}`);
    for (const pod of kube.state.list<V1Pod>('pods', 'default').filter((p) => p.metadata?.labels?.app === name)) kube.state.delete('pods', `default/${pod.metadata?.name}`);
  };
  const createIngress = (paths?: readonly string[]) => {
    if (soak.ingresses.size >= 6) return;
    soak.nextId += 1;
    const name = `ing-${soak.nextId}`;
    const backend = `${name}-backend`;
    kube.state.seed(service(backend, [{ port: 80, protocol: 'TCP' }], {}, 'NodePort'));
    const annotations: Record<string, string> = random() < 0.2 ? { 'kubernetes.io/ingress.subnetId': 'subnet-?' } : {};
    kube.state.seed(ingress(name, backend, paths ?? (random() < 0.5 ? ['/'] : ['/', '/api']), annotations));
    soak.ingresses.add(name);
    changed(soak, 'Ingress', name, 'create');
  };
  const changeIngress = () => {
    const name = soak.ingresses.size ? pick([...soak.ingresses]) : undefined;
    if (!name) return;
    changed(soak, 'Ingress', name, 'change');
    if (random() < 0.4) {
      soak.ingresses.delete(name);
      kube.state.delete('ingresses', `default/${name}`);
      kube.state.delete('services', `default/${name}-backend`);
    } else {
      // A patch, as kubectl apply does: the controller's finalizer stays.
      kube.state.patch('ingresses', `default/${name}`, { spec: ingress(name, `${name}-backend`, pick([['/'], ['/', '/api'], ['/v2', '/api']]), {}).spec });
    }
  };
  /** A node NotReady now leaves the desired state when its grace ends: a change then too. */
  const graceEnds = (what: string) => soak.pending.push(sleep(NODE_GRACE_MS).then(() => changedAll(soak, `${what}: grace over`)));
  const nodeChange = () => {
    const choice = random();
    const present = [...soak.nodes];
    changedAll(soak, 'node change');
    if (choice < 0.3 && soak.nodes.size < 7) {
      const i = Math.max(...present) + 1;
      kube.state.seed(node(i));
      soak.nodes.add(i);
    } else if (choice < 0.45 && soak.nodes.size > 2) {
      const i = pick(present);
      soak.nodes.delete(i);
      kube.state.delete('nodes', `10.0.1.${i}`);
    } else if (choice < 0.85) {
      // A flap: NotReady (or Unknown) for a moment, inside or just past the grace window.
      const i = pick(present);
      kube.state.setStatus('nodes', `10.0.1.${i}`, readyStatus(random() < 0.5 ? 'False' : 'Unknown'));
      graceEnds('node flap');
      soak.pending.push(
        sleep(50 + Math.floor(random() * NODE_GRACE_MS * 1.5)).then(() => {
          if (!soak.nodes.has(i)) return;
          kube.state.setStatus('nodes', `10.0.1.${i}`, readyStatus('True'));
          changedAll(soak, 'node back');
        }),
      );
    } else {
      // A node that stays NotReady (until a later flap brings it back).
      kube.state.setStatus('nodes', `10.0.1.${pick(present)}`, readyStatus('False'));
      graceEnds('node NotReady');
    }
  };
  const podChurn = () => {
    const candidates = serviceNames().filter((n) => ['direct', 'local'].includes(services.get(n)!.kind));
    if (!candidates.length) return;
    const name = pick(candidates);
    const existing = kube.state.list<V1Pod>('pods', 'default').filter((p) => p.metadata?.labels?.app === name);
    if (existing.length && random() < 0.5) {
      kube.state.delete('pods', `default/${pick(existing).metadata?.name}`);
      soak.sim.syncOnce();
    } else pods(name, 1);
    changed(soak, 'Service', name, 'pod churn');
  };
  const quotaPressure = () => {
    const choice = random();
    const scalable = serviceNames().filter((n) => ['direct', 'local'].includes(services.get(n)!.kind));
    if (choice < 0.35) createService('many-ports');
    else if (choice < 0.7 && scalable.length) {
      // Scaled out past the targets a listener binds.
      const name = pick(scalable);
      pods(name, QUOTAS.targetsPerRule + Math.floor(random() * 3));
      changed(soak, 'Service', name, 'scale out');
    } else {
      // More paths than a listener holds rules.
      const paths = ['/', '/a', '/b', '/c', '/d', '/e', '/f'].slice(0, QUOTAS.rulesPerListener + 1 + Math.floor(random() * 2));
      const name = soak.ingresses.size >= 6 ? pick([...soak.ingresses]) : undefined;
      if (!name) return createIngress(paths);
      changed(soak, 'Ingress', name, 'many paths');
      kube.state.patch('ingresses', `default/${name}`, { spec: ingress(name, `${name}-backend`, paths, {}).spec });
    }
  };
  const cloudFaults = () => {
    const choice = random();
    if (choice < 0.45) cloud.simulator.traffic.failRandomly({ probability: 0.05 + random() * (faultRate - 0.05), seed: Math.floor(random() * 1e9), codes: FAULT_CODES });
    else if (choice < 0.7) cloud.simulator.traffic.failNextTasks(pick(TASK_ACTIONS), 1 + Math.floor(random() * 2));
    else cloud.simulator.traffic.clearFaults();
  };
  const apiFaults = () => {
    const choice = random();
    if (choice < 0.3) kube.faults.failNext(3 + Math.floor(random() * 20), { status: pick([500, 503, 429]) });
    else if (choice < 0.55) kube.faults.dropWatches(pick(['end', 'destroy'] as const));
    else if (choice < 0.75) {
      kube.faults.expireNextWatches(1 + Math.floor(random() * 4));
      kube.faults.dropWatches('end');
    } else if (choice < 0.85) kube.faults.compactHistory();
    else kube.faults.reset();
  };
  const restart = async () => {
    soak.trace('restart');
    await soak.controllers.stop();
    soak.controllers = await soak.start();
  };
  return [
    [20, 'create Service', createService],
    [10, 'update Service', updateService],
    [9, 'delete Service', deleteService],
    [5, 'create Ingress', createIngress],
    [5, 'change Ingress', changeIngress],
    [12, 'node change', nodeChange],
    [12, 'pod churn', podChurn],
    [8, 'cloud faults', cloudFaults],
    [8, 'API faults', apiFaults],
    [6, 'quota pressure', quotaPressure],
    [1, 'restart', restart],
  ];
}

/** Waits until the cluster has converged (or the deadline), then returns what is still wrong. */
async function settle(soak: Soak, deadline: number, checks: () => string[]): Promise<string[]> {
  let problems = checks();
  let calm = 0;
  while (Date.now() < deadline) {
    const busy = (soak.controllers.services?.controller.queue.active ?? 0) + (soak.controllers.ingresses?.controller.queue.active ?? 0);
    problems = busy ? ['busy'] : checks();
    calm = problems.length ? 0 : calm + 1;
    if (calm >= 3) return [];
    await sleep(250);
  }
  return problems;
}

async function main(): Promise<void> {
  const ops = Number(arg('ops', '300'));
  const seed = Number(arg('seed', '1'));
  const maxSeconds = Number(arg('max-seconds', '240'));
  const verbose = process.argv.includes('--verbose');
  const began = Date.now();
  // The same seed gives the same operations.
  const random = seededRandom(seed);
  const { soak, userOwned } = await setUp(seed, verbose);
  const state = soak.kube.state;
  const loadBalancers = () => soak.cloud.simulator.snapshot().loadBalancers as SnapLoadBalancer[];
  const check = () =>
    convergenceViolations({ state, loadBalancers: loadBalancers(), settings: SETTINGS, now: Date.now(), nodeReadyGraceMs: NODE_GRACE_MS, events: state.list<ClusterEvent>('events', 'default'), quotas: QUOTAS });
  // Every change, timed until the invariants first find nothing wrong with the owners it concerns.
  let measuring = true;
  const measured = (async () => {
    while (measuring) {
      const at = Date.now();
      resolveChanges(soak.changes, check(), at);
      await sleep(MEASURE_MS);
    }
  })();
  const table = operations(soak, random, Number(arg('fault-rate', '0.3')));
  const paceMs = Number(arg('pace', '40'));
  const total = table.reduce((n, [w]) => n + w, 0);
  const counts = new Map<string, number>();
  let done = 0;
  // The randomized phase: bounded by --ops and by time, so a slow machine still finishes (and says how far it got).
  const opsDeadline = began + maxSeconds * 1000 * 0.6;
  for (; done < ops && Date.now() < opsDeadline; done++) {
    let r = random() * total;
    const [, name, op] = table.find(([w]) => (r -= w) < 0) ?? table[0]!;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (verbose) process.stderr.write(`op ${done} ${name} @${Date.now() - began}\n`);
    await op();
    await sleep(Math.floor(random() * paceMs));
  }
  process.stderr.write(`soak: ${done} ops in ${((Date.now() - began) / 1000).toFixed(1)} s: ${[...counts].map(([n, c]) => `${n} ${c}`).join(', ')}\n`);

  // Faults off; let everything in flight land, then settle. "Right within X s of the last change": from here.
  const lastChange = Date.now();
  soak.cloud.simulator.traffic.clearFaults();
  soak.kube.faults.reset();
  await Promise.all(soak.pending);
  await sleep(NODE_GRACE_MS + 100);
  soak.sim.syncOnce();
  const remaining = await settle(soak, began + maxSeconds * 1000, check);
  const rightAfterSeconds = (Date.now() - lastChange) / 1000;
  const violations: string[] = remaining.length ? check() : [];
  measuring = false;
  await measured;
  const measuredUntil = Date.now();
  resolveChanges(soak.changes, violations, measuredUntil);
  const times = changeTimes(soak.changes, measuredUntil);
  const slowest = [...soak.changes].sort((a, b) => (b.rightAt ?? measuredUntil) - b.at - ((a.rightAt ?? measuredUntil) - a.at)).slice(0, 3);
  process.stderr.write(`soak: settled after ${((Date.now() - began) / 1000).toFixed(1)} s, ${rightAfterSeconds.toFixed(1)} s after the last change and the faults' end\n`);
  process.stderr.write(`soak: slowest changes: ${slowest.map((c) => `${c.what} ${(((c.rightAt ?? measuredUntil) - c.at) / 1000).toFixed(1)} s${c.wrong ? ` (last wrong: ${c.wrong.slice(0, 240)})` : ''}`).join(', ')}\n`);

  // The user's CLBs and listeners, byte for byte.
  const now = loadBalancers() as (SnapLoadBalancer & { listeners: { name: string }[] })[];
  for (const [key, before] of userOwned) {
    const id = key.split(' ')[0]!;
    const lb = now.find((l) => l.id === id);
    let after: unknown = lb;
    if (key.endsWith('attributes') && lb) {
      const { tags: _tags, listeners: _listeners, ...rest } = lb;
      after = rest;
    }
    if (key.endsWith('user tags') && lb) after = Object.fromEntries(Object.entries(lb.tags).filter(([k]) => k !== TAGS.clusterId));
    if (key.endsWith('listener ssh-by-hand')) after = lb?.listeners.find((l) => l.name === 'ssh-by-hand');
    if (JSON.stringify(after) !== JSON.stringify(before)) violations.push(`user-owned ${key} changed: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
  }
  // The call rate, over the whole run.
  violations.push(...rateViolations(soak.cloud.simulator.traffic.log, () => RATE_LIMIT));

  // A resync of everything, converged: nothing to write. Services go the way of the periodic resync (the remembered
  // cloud state forgotten, so it is read again); Ingresses are reconciled by hand once the controllers have stopped.
  const from = soak.cloud.simulator.traffic.log.length;
  await soak.controllers.resync();
  await settle(soak, Date.now() + 30_000, () => []);
  await soak.controllers.stop();
  for (const i of state.list<{ metadata: { name: string } }>('ingresses')) await soak.controllers.ingresses!.reconciler.reconcile(`default/${i.metadata.name}`).catch(() => undefined);
  const writes = soak.cloud.simulator.traffic.log.slice(from).filter((c) => c.kind === 'write' && !c.errorCode);
  if (writes.length) violations.push(`a resync of a converged cluster wrote: ${writes.map((c) => c.action).join(', ')}`);
  if (!soak.cloud.simulator.traffic.log.slice(from).some((c) => c.action === 'DescribeListeners')) violations.push('the resync read nothing: it did not run');

  // Orphans: the collector, with no delay, must find nothing to collect (anything it finds leaked).
  const gc = new OrphanCollector({
    provider: soak.cloud.provider, settings: SETTINGS, safetyDelayMs: 0, logger: silentLogger(),
    owners: () => liveOwnersFrom(state.list('services'), state.list('ingresses'), SETTINGS.clusterId),
  });
  const swept = await gc.sweep();
  for (const id of swept.deletedLoadBalancers) violations.push(`orphaned CLB ${id} (collected)`);
  for (const l of swept.deletedListeners) violations.push(`orphaned listeners ${l.listenerIds.join(', ')} on ${l.loadBalancerId} (collected)`);

  if (verbose) {
    // What happened to each owner a violation names: its API writes and its cloud calls, for the diagnosis.
    for (const v of violations) {
      const name = /\b(svc|ing)-\d+\b/.exec(v)?.[0];
      if (!name) continue;
      console.log(`--- ${name}`);
      for (const r of soak.kube.requests.all({ name })) console.log(r.at % 100_000, r.verb, r.resource, r.subresource ?? '', r.status);
      for (const c of soak.cloud.simulator.traffic.log.filter((x) => JSON.stringify(x.request).includes(`_${name}_`))) console.log(c.at % 100_000, c.action, c.errorCode ?? '');
    }
  }
  soak.sim.stop();
  await soak.kube.close();
  for (const v of violations) console.log(`violation: ${v}`);
  for (const c of times.open) console.log(`soak: never right: ${c.what} (at ${((c.at - began) / 1000).toFixed(1)} s)`);
  const clbs = loadBalancers().length;
  const quotaLimited = new Set(state.list<ClusterEvent>('events', 'default').filter((e) => e.reason === 'QuotaExceeded').map((e) => e.involvedObject.uid)).size;
  process.stderr.write(`soak: ${quotaLimited} owners told QuotaExceeded (quotas: ${JSON.stringify(QUOTAS)})\n`);
  console.log(`soak: ${clbs} CLBs, ${soak.cloud.simulator.traffic.log.length} cloud calls (${soak.cloud.simulator.traffic.log.filter((c) => c.errorCode).length} failed), ${((Date.now() - began) / 1000).toFixed(1)} s`);
  console.log(`soak: ${done} ops, seed ${seed}, ${violations.length} violations, the cloud right ${times.p99.toFixed(1)} s after a change (p99 of ${soak.changes.length} changes, max ${times.max.toFixed(1)} s)`);
  process.exitCode = violations.length ? 1 : 0;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    console.log(`soak: 0 ops, seed ${arg('seed', '1')}, 1 violations`);
    process.exit(1);
  },
);
