/**
 * `npm run soak -- --ops N --seed S [--max-seconds 240] [--pace 40] [--fault-rate 0.3] [--verbose]`
 * (SOAK_LOG=<file>: the controllers' log; --pace: the longest pause between operations, ms; --fault-rate: the highest
 * probability of a random cloud failure).
 *
 * A seeded, time-bounded randomized run of both controllers (src/app.ts) over the fake Kubernetes API and the mock
 * cloud. A PRNG picks N operations — Services (NodePort, direct, on a shared user CLB, with bad annotations) and
 * Ingresses created, changed and deleted; nodes joining, leaving and flapping; Pods churning; controller restarts —
 * while cloud faults (random failures, failed tasks) and API faults (500 bursts, dropped and expired watches) come
 * and go. Then the faults stop, the run settles, and every invariant is checked on full state
 * (mocks/sandbox/invariants.ts): each valid owner has status and exactly its desired CLB, listeners and targets;
 * nothing the cluster created or named outlives its owner (the orphan collector, run with no delay, finds nothing);
 * the user's CLBs and listeners are byte-identical; no finalizer is stuck; every user error has its Warning; no
 * action was called above its rate limit; a resync of everything writes nothing. The last line is
 * `soak: <ops> ops, seed <S>, <violations> violations, the cloud right <X> s after the last change` (X: from the
 * last operation and the faults' end to the first check that finds nothing wrong, in-flight faults included);
 * the exit status is 1 on any violation.
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
import { createLogger, silentLogger } from '../src/runtime/logger.js';

const SETTINGS = { clusterId: 'cls-soak', vpcId: 'vpc-cluster1', defaultIngressClass: false };
const RATE_LIMIT = 20;
const RESYNC_MS = 4_000;
const NODE_GRACE_MS = 600;
const EMPTY_GRACE_MS = 400;
const FAULT_CODES = ['RequestLimitExceeded', 'InternalError', 'FailedOperation.ResourceInOperating'];
const TASK_ACTIONS = ['CreateListener', 'BatchRegisterTargets', 'BatchDeregisterTargets', 'DeleteLoadBalancerListeners', 'CreateLoadBalancer', 'DeleteLoadBalancer', 'CreateRule'];

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
  readonly trace: (message: string) => void;
}

async function setUp(seed: number, verbose: boolean): Promise<{ soak: Soak; userOwned: Map<string, unknown> }> {
  const kube = await startFakeKube({ seed: [1, 2, 3, 4].map(node), historySize: 400 });
  const cloud = createLocalCloud(
    { taskLatencyMs: 3, rateLimitPerSecond: RATE_LIMIT, seed, quotas: { openLoadBalancers: 500, internalLoadBalancers: 500 } },
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
    shared: shared.id, otherCluster: otherCluster.id, untouched: untouched.id, nextId: 0,
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
  };
  const createService = () => {
    if (services.size >= 24) return;
    soak.nextId += 1;
    const name = `svc-${soak.nextId}`;
    const kind = pick(['nodeport', 'nodeport', 'direct', 'shared', 'bad', 'http', 'local', 'other-cluster', 'labels']);
    let ports = randomPorts();
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
  };
  const updateService = () => {
    const name = serviceNames().length ? pick(serviceNames()) : undefined;
    const entry = name ? services.get(name) : undefined;
    if (!name || !entry || !kube.state.get('services', `default/${name}`)) return;
    const choice = random();
    soak.trace(`update ${name} (${entry.kind}) ${choice.toFixed(2)}`);
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
    services.delete(name);
    if (kube.state.get('services', `default/${name}`)) kube.state.delete('services', `default/${name}`);
    for (const pod of kube.state.list<V1Pod>('pods', 'default').filter((p) => p.metadata?.labels?.app === name)) kube.state.delete('pods', `default/${pod.metadata?.name}`);
  };
  const createIngress = () => {
    if (soak.ingresses.size >= 6) return;
    soak.nextId += 1;
    const name = `ing-${soak.nextId}`;
    const backend = `${name}-backend`;
    kube.state.seed(service(backend, [{ port: 80, protocol: 'TCP' }], {}, 'NodePort'));
    const annotations: Record<string, string> = random() < 0.2 ? { 'kubernetes.io/ingress.subnetId': 'subnet-?' } : {};
    kube.state.seed(ingress(name, backend, random() < 0.5 ? ['/'] : ['/', '/api'], annotations));
    soak.ingresses.add(name);
  };
  const changeIngress = () => {
    const name = soak.ingresses.size ? pick([...soak.ingresses]) : undefined;
    if (!name) return;
    if (random() < 0.4) {
      soak.ingresses.delete(name);
      kube.state.delete('ingresses', `default/${name}`);
      kube.state.delete('services', `default/${name}-backend`);
    } else {
      // A patch, as kubectl apply does: the controller's finalizer stays.
      kube.state.patch('ingresses', `default/${name}`, { spec: ingress(name, `${name}-backend`, pick([['/'], ['/', '/api'], ['/v2', '/api']]), {}).spec });
    }
  };
  const nodeChange = () => {
    const choice = random();
    const present = [...soak.nodes];
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
      soak.pending.push(
        sleep(50 + Math.floor(random() * NODE_GRACE_MS * 1.5)).then(() => {
          if (soak.nodes.has(i)) kube.state.setStatus('nodes', `10.0.1.${i}`, readyStatus('True'));
        }),
      );
    } else {
      // A node that stays NotReady (until a later flap brings it back).
      kube.state.setStatus('nodes', `10.0.1.${pick(present)}`, readyStatus('False'));
    }
  };
  const podChurn = () => {
    const candidates = serviceNames().filter((n) => ['direct', 'local'].includes(services.get(n)!.kind));
    if (!candidates.length) return;
    const name = pick(candidates);
    const existing = kube.state.list<V1Pod>('pods', 'default').filter((p) => p.metadata?.labels?.app === name);
    if (existing.length && random() < 0.5) kube.state.delete('pods', `default/${pick(existing).metadata?.name}`);
    else pods(name, 1);
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
  const state = soak.kube.state;
  const loadBalancers = () => soak.cloud.simulator.snapshot().loadBalancers as SnapLoadBalancer[];
  const check = () =>
    convergenceViolations({ state, loadBalancers: loadBalancers(), settings: SETTINGS, now: Date.now(), nodeReadyGraceMs: NODE_GRACE_MS, events: state.list<ClusterEvent>('events', 'default') });
  const remaining = await settle(soak, began + maxSeconds * 1000, check);
  const rightAfterSeconds = (Date.now() - lastChange) / 1000;
  const violations: string[] = remaining.length ? check() : [];
  process.stderr.write(`soak: settled after ${((Date.now() - began) / 1000).toFixed(1)} s\n`);

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
  const clbs = loadBalancers().length;
  console.log(`soak: ${clbs} CLBs, ${soak.cloud.simulator.traffic.log.length} cloud calls (${soak.cloud.simulator.traffic.log.filter((c) => c.errorCode).length} failed), ${((Date.now() - began) / 1000).toFixed(1)} s`);
  console.log(`soak: ${done} ops, seed ${seed}, ${violations.length} violations, the cloud right ${rightAfterSeconds.toFixed(1)} s after the last change`);
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
