/**
 * `clb-controller sandbox` (= `npm start`): the whole thing offline. A fake Kubernetes API, the local mock
 * cloud and both controllers; applies manifests/examples (with a few nodes, and Pods for their workloads),
 * waits until the controllers settle, prints the CLBs and each object's status, then keeps serving with a
 * kubeconfig on disk so kubectl can get, apply and delete against it while the controller reacts.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KubernetesObject, V1Ingress, V1Service } from '@kubernetes/client-node';
import { createLocalCloud, type LocalCloud } from '../../mocks/clb/local-cloud.js';
import { readCloudState, type CloudState } from '../../providers/cloud-state.js';
import { INGRESS_ANNOTATIONS, SERVICE_ANNOTATIONS } from '../annotations/keys.js';
import { applyCrdsFrom, startFakeKube, type FakeKube } from '../../mocks/kube/index.js';
import { kubeconfigYaml } from '../../mocks/kube/serve.js';
import { ClusterSimulator } from '../../mocks/sandbox/cluster-sim.js';
import { DataPath } from '../../mocks/clb/data-path/data-path.js';
import { selfSignedKeyPair } from '../../mocks/clb/data-path/self-signed.js';
import { LOOPBACK_VIP_RANGES } from '../../mocks/clb/options.js';
import { describePortMapping, loopbackFor, portFor } from '../../mocks/cluster-net/addresses.js';
import { clusterTargetResolver } from '../../mocks/cluster-net/node-proxy.js';
import { startControllers, type RunningControllers } from '../app.js';
import { startHealthServer, type HealthServer } from '../runtime/health-server.js';
import { createLogger } from '../runtime/logger.js';
import { Metrics } from '../runtime/metrics.js';
import { loadManifests } from './manifests.js';
import { renderCloud, renderObjects } from './tables.js';
import { explain } from './explain.js';
import { renderExplainText } from '../explain/render.js';

export const SANDBOX_SETTINGS = { clusterId: 'cls-sandbox', vpcId: 'vpc-cluster1', defaultIngressClass: false } as const;
/** The placeholder examples use for "an existing CLB": the sandbox creates one and puts its id there. */
export const EXAMPLE_EXISTING_LB = 'lb-example1';
const FAKE_RESOURCES = new Set(['TkeServiceConfig', 'Service', 'Ingress', 'IngressClass', 'Secret', 'Pod', 'Node', 'Namespace', 'EndpointSlice', 'Endpoints', 'Lease', 'Deployment', 'ConfigMap', 'ServiceAccount']);

export interface Sandbox {
  readonly kube: FakeKube;
  readonly cloud: LocalCloud;
  readonly controllers: RunningControllers;
  readonly kubeconfigPath: string;
  /** `/metrics`, `/healthz`, `/readyz` as `run` serves them, on 127.0.0.1. */
  readonly health: HealthServer;
  readonly metricsUrl: string;
  /** Objects of kinds the fake does not serve and that were not expanded (e.g. a ServiceMonitor). */
  readonly skipped: string[];
  /** With `dataPath`: the CLBs' listeners on real (loopback) sockets. */
  readonly dataPath?: DataPath;
  stop(): Promise<void>;
}

function node(i: number) {
  const ip = `10.0.1.${10 + i}`;
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: ip, labels: { 'kubernetes.io/hostname': ip, 'topology.kubernetes.io/zone': `ap-guangzhou-${3 + (i % 2)}`, ...(i === 0 ? { group: 'access' } : {}) } },
    spec: { providerID: `qcloud:///800002/ins-sandbox${i}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: ip }] },
  };
}

export async function startSandbox(options: {
  examples: string; kubeconfigPath?: string; logLevel?: string;
  /** Port of /metrics, /healthz, /readyz on 127.0.0.1; default 0 (a free port). */
  metricsPort?: number;
  /**
   * Real traffic (default off; `clb-controller sandbox` turns it on): CLB VIPs are loopback addresses whose listeners
   * forward to node proxies and Pods that answer with their names (mocks/clb/data-path, mocks/cluster-net).
   */
  dataPath?: boolean;
}): Promise<Sandbox> {
  const logger = createLogger((options.logLevel ?? 'warn') as 'warn');
  const metrics = new Metrics();
  const kube = await startFakeKube({ seed: [0, 1, 2].map(node) });
  // The project's CRDs (TkeServiceConfig), as `kubectl apply -f manifests/crds/` installs them in a cluster.
  if (existsSync('manifests/crds')) applyCrdsFrom(kube, 'manifests/crds');
  const cloud = createLocalCloud({ taskLatencyMs: 50, ...(options.dataPath ? { publicVipRanges: LOOPBACK_VIP_RANGES } : {}) }, { onCall: metrics.cloudCallObserver() });
  const existing = await cloud.provider.createLoadBalancer({ name: 'pre-existing', type: 'OPEN', vpcId: SANDBOX_SETTINGS.vpcId, tags: { owner: 'platform-team' } });
  const cluster = new ClusterSimulator(kube, { dataPath: options.dataPath ?? false });
  const skipped: string[] = [];
  for (const { object, file } of loadManifests([options.examples])) {
    const substituted = JSON.parse(JSON.stringify(object).replaceAll(EXAMPLE_EXISTING_LB, existing.id)) as KubernetesObject;
    if (substituted.kind === 'Deployment' || substituted.kind === 'StatefulSet') {
      cluster.createPods(substituted as never);
      if (FAKE_RESOURCES.has(substituted.kind)) kube.state.apply({ ...substituted, metadata: { namespace: 'default', ...substituted.metadata } } as never);
    }
    else if (substituted.kind === 'Pod') cluster.createPod(substituted as never);
    else if (FAKE_RESOURCES.has(substituted.kind ?? '')) kube.state.apply({ ...substituted, metadata: { namespace: 'default', ...substituted.metadata } } as never);
    else skipped.push(`${substituted.kind}/${substituted.metadata?.name} (${file})`);
  }
  cluster.podsForLonelySelectors();
  cluster.syncOnce();
  cluster.start();
  const dataPath = options.dataPath ? await startSandboxDataPath(kube, cloud, cluster, logger) : undefined;
  let synced = false;
  const health = await startHealthServer({ metrics, ready: () => synced, logger, port: options.metricsPort ?? 0, host: '127.0.0.1' });
  const controllers = await startControllers({
    kubeConfig: kube.kubeConfig(), provider: cloud.provider, logger, metrics, workers: 4, resyncPeriodMs: 5 * 60_000, settings: SANDBOX_SETTINGS,
  });
  synced = true;
  const kubeconfigPath = options.kubeconfigPath ?? join(tmpdir(), 'clb-controller-sandbox', 'kubeconfig');
  mkdirSync(join(kubeconfigPath, '..'), { recursive: true });
  writeFileSync(kubeconfigPath, kubeconfigYaml(kube.url, 'sandbox'));
  return {
    kube, cloud, controllers, kubeconfigPath, skipped, health, metricsUrl: `http://127.0.0.1:${health.port}`,
    ...(dataPath ? { dataPath } : {}),
    stop: async () => {
      await dataPath?.stop();
      await cluster.close();
      await controllers.stop();
      await health.close();
      await kube.close();
    },
  };
}

/**
 * The data path of the sandbox: every CLB listener served on its VIP (a loopback address; an internal CLB's VPC
 * address at its loopback twin), an instance target reached at its node's proxy, an ENI target at its Pod, every
 * HTTPS certificate served with one self-signed key pair.
 */
async function startSandboxDataPath(kube: FakeKube, cloud: LocalCloud, cluster: ClusterSimulator, logger: ReturnType<typeof createLogger>): Promise<DataPath> {
  const keyPair = selfSignedKeyPair(['*.example.com', 'example.com', 'localhost', '*.tencentclb.com']);
  const dataPath = new DataPath(cloud.simulator, {
    listenAddress: loopbackFor,
    listenPort: portFor,
    keyPairOf: () => keyPair,
    resolve: clusterTargetResolver(kube),
    onError: (what, error) => logger.warn({ listener: what, err: error.message }, 'The data path cannot serve a listener'),
  });
  await cluster.dataPathReady().catch((error: unknown) => logger.warn({ err: String(error) }, 'Some Pods or node proxies cannot listen'));
  await dataPath.start();
  return dataPath;
}

/** How to reach one example through its CLB, as a user would: the curl line (with the port mapping when not root). */
export function curlLine(sandbox: Sandbox): string | undefined {
  const service = sandbox.kube.state.get<V1Service>('services', 'default/example-basic');
  const vip = service?.status?.loadBalancer?.ingress?.[0]?.ip;
  if (!vip || !sandbox.dataPath) return undefined;
  const port = portFor(80);
  return `curl http://${loopbackFor(vip)}${port === 80 ? '' : `:${port}`}/     (Service example-basic through its CLB; a Pod answers with its name)`;
}

/** Waits until the controllers have had nothing to do, and the cloud no calls, for `quietMs`. */
export async function settle(sandbox: Sandbox, quietMs = 1500, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = Date.now();
  let calls = sandbox.cloud.simulator.traffic.log.length;
  while (Date.now() - quietSince < quietMs) {
    if (Date.now() > deadline) throw new Error('The sandbox did not settle in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = sandbox.cloud.simulator.traffic.log.length;
    if (!sandbox.controllers.idle() || now !== calls) quietSince = Date.now();
    calls = now;
  }
}

export function report(sandbox: Sandbox): string {
  const services = sandbox.kube.state.list<V1Service>('services').filter((s) => s.spec?.type === 'LoadBalancer');
  const ingresses = sandbox.kube.state.list<V1Ingress>('ingresses');
  const events = sandbox.kube.state.list<{ type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }>('events');
  return [
    renderCloud(sandbox.cloud.simulator.snapshot().loadBalancers as never),
    '',
    renderObjects([...services.map((o) => ({ kind: 'Service', object: o })), ...ingresses.map((o) => ({ kind: 'Ingress', object: o }))], events),
  ].join('\n');
}

/**
 * The sandbox's cloud as a cloud-state file (every CLB, with the owners of the cluster's objects), for
 * `plan --cloud-state` to plan against offline.
 */
export async function sandboxCloudState(sandbox: Sandbox): Promise<CloudState> {
  const ids = (sandbox.cloud.simulator.snapshot().loadBalancers as { id: string }[]).map((lb) => lb.id);
  const loadBalancers = [];
  for (let i = 0; i < ids.length; i += 20) loadBalancers.push(...(await sandbox.cloud.provider.describeLoadBalancers(ids.slice(i, i + 20))));
  const owners = [
    ...sandbox.kube.state.list<V1Service>('services').filter((s) => s.spec?.type === 'LoadBalancer').map((o) => ({ kind: 'Service' as const, object: o, annotation: SERVICE_ANNOTATIONS.loadBalancerId })),
    ...sandbox.kube.state.list<V1Ingress>('ingresses').map((o) => ({ kind: 'Ingress' as const, object: o, annotation: INGRESS_ANNOTATIONS.loadBalancerId })),
  ].map(({ kind, object, annotation }) => {
    const recorded = object.metadata?.annotations?.[annotation];
    return { kind, namespace: object.metadata?.namespace ?? 'default', name: object.metadata?.name ?? '', uid: object.metadata?.uid ?? '', ...(recorded ? { loadBalancerId: recorded } : {}) };
  });
  const state = await readCloudState(sandbox.cloud.provider, loadBalancers, [], sandbox.cloud.simulator.region);
  return { ...state, owners };
}

/** `explain` of one example (the direct-access Service, else the first LoadBalancer Service), reading the mock cloud. */
export async function explainExample(sandbox: Sandbox): Promise<string | undefined> {
  const services = sandbox.kube.state.list<V1Service>('services').filter((s) => s.spec?.type === 'LoadBalancer');
  const example = services.find((s) => s.metadata?.annotations?.[SERVICE_ANNOTATIONS.directAccess] === 'true') ?? services[0];
  if (!example) return undefined;
  const target = { kind: 'Service' as const, namespace: example.metadata?.namespace ?? 'default', name: example.metadata?.name ?? '' };
  const report = await explain(target, sandbox.kubeconfigPath, { cloud: sandbox.cloud.provider, clusterId: SANDBOX_SETTINGS.clusterId, vpcId: SANDBOX_SETTINGS.vpcId });
  return [`Why each node or Pod is (not) a backend — clb-controller explain service/${target.name} -n ${target.namespace} --kubeconfig ${sandbox.kubeconfigPath}:`, renderExplainText(report)].join('\n');
}

async function writeCloudState(sandbox: Sandbox, file: string | undefined): Promise<void> {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(await sandboxCloudState(sandbox), null, 2)}\n`);
  console.log(`Wrote the cloud's state to ${file} (plan --cloud-state ${file} plans against it).`);
}

export async function sandboxCommand(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      examples: { type: 'string' }, once: { type: 'boolean' }, kubeconfig: { type: 'string' }, 'log-level': { type: 'string' }, 'write-cloud-state': { type: 'string' },
      'metrics-port': { type: 'string' }, 'no-data-path': { type: 'boolean' },
    },
    strict: true,
  });
  const started = Date.now();
  const dataPath = !values['no-data-path'];
  const mapping = dataPath ? describePortMapping() : undefined;
  if (mapping) console.log(`Data path: ${mapping}.`);
  const sandbox = await startSandbox({
    dataPath,
    examples: values.examples ?? 'manifests/examples',
    ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : {}),
    ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
    ...(values['metrics-port'] ? { metricsPort: Number(values['metrics-port']) } : {}),
  });
  await settle(sandbox);
  console.log(report(sandbox));
  console.log(`\nConverged in ${((Date.now() - started) / 1000).toFixed(1)} s: ${sandbox.cloud.simulator.traffic.mutatingCalls()} cloud writes.`);
  if (sandbox.skipped.length) console.log(`Not applied (kinds the fake API does not serve): ${sandbox.skipped.join(', ')}`);
  const explained = await explainExample(sandbox);
  if (explained) console.log(`\n${explained}`);
  await writeCloudState(sandbox, values['write-cloud-state']);
  if (values.once) {
    await sandbox.stop();
    return;
  }
  const curl = curlLine(sandbox);
  console.log([
    '', `Fake Kubernetes API: ${sandbox.kube.url}`, `  export KUBECONFIG=${sandbox.kubeconfigPath}`,
    '  kubectl get services,ingresses', '  kubectl apply -f my-service.yaml        (validated by the server, as a cluster does)',
    '  kubectl get events --sort-by=.lastTimestamp',
    `Metrics and health, as run serves them: ${sandbox.metricsUrl}/metrics  ${sandbox.metricsUrl}/healthz  ${sandbox.metricsUrl}/readyz`,
    ...(curl ? [`Traffic through a CLB (every VIP is a loopback address): ${curl}`] : []),
    'The controller reacts to what you create, change and delete. Ctrl-C stops.',
  ].join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await writeCloudState(sandbox, values['write-cloud-state']);
  await sandbox.stop();
  console.log('Stopped.');
}
