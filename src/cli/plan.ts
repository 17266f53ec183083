/**
 * `clb-controller plan -f <file|dir> [-o text|json]`: what the controller WOULD do for these manifests,
 * writing nothing. By default against a synthetic cluster (three nodes; the API server's NodePorts; two
 * ready Pods per selector) and the empty mock cloud; with `--kubeconfig` the cluster's nodes, endpoints,
 * Pods and Secrets are read (read-only), and with `--provider tencentcloud` so is the cloud.
 * The JSON shape is documented in the README and kept stable.
 */
import { parseArgs } from 'node:util';
import { CoreV1Api, DiscoveryV1Api, KubeConfig, type KubernetesObject, type V1EndpointSlice, type V1Ingress, type V1Node, type V1Pod, type V1Secret, type V1Service } from '@kubernetes/client-node';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import type { CloudProvider, Listener, ListenerTargets, LoadBalancer, Target } from '../../providers/provider.js';
import { createTencentCloudProvider } from '../../providers/tencentcloud/index.js';
import { INGRESS_ANNOTATIONS, SERVICE_ANNOTATIONS } from '../annotations/keys.js';
import type { Problem } from '../model/problems.js';
import { ConfigError } from '../config.js';
import { isCreatedFor, isOwnListener, ownedLoadBalancerLookup, type Owner } from '../deploy/ownership.js';
import { planChanges, type Plan } from '../deploy/plan.js';
import { buildIngressModel, ingressOwner, isQcloudIngress } from '../ingress/build-ingress-model.js';
import { DEFAULT_DOMAIN, listenerKey, type DesiredState } from '../model/desired.js';
import { buildServiceModel, serviceOwner } from '../service/build-service-model.js';
import { loadManifests } from './manifests.js';

export interface PlannedObject {
  readonly kind: 'Service' | 'Ingress';
  readonly namespace: string;
  readonly name: string;
  readonly problems: { field: string; value: string; reason: string }[];
  readonly warnings: { field: string; value: string; reason: string }[];
  readonly desired: {
    readonly loadBalancer: { type: 'OPEN' | 'INTERNAL' | null; subnetId: string | null; existingId: string | null };
    readonly listeners: { protocol: string; port: number; name: string }[];
    readonly rules: { port: number; domain: string; url: string; redirectTo: string | null }[];
    readonly targets: { port: number; domain: string | null; url: string | null; instanceId: string | null; eniIp: string | null; targetPort: number; weight: number }[];
  } | null;
  readonly changes: string[];
}

/** What a plan reads: the cluster around the manifests, and the cloud. */
export interface PlanWorld {
  readonly nodes: V1Node[];
  slicesFor(namespace: string): Promise<V1EndpointSlice[]>;
  podsFor(namespace: string): Promise<V1Pod[]>;
  secretsFor(namespace: string): Promise<V1Secret[]>;
  readonly provider: CloudProvider;
  readonly live: boolean;
}

const problemJson = (p: Problem) => ({ field: p.field, value: p.value, reason: p.reason });

/** Exported for tests: the world `plan` assumes without --kubeconfig. */
export function syntheticWorldForTests(objects: readonly KubernetesObject[]): PlanWorld {
  return syntheticWorld(objects);
}

function syntheticWorld(objects: readonly KubernetesObject[]): PlanWorld {
  const nodes = [0, 1, 2].map((i) => ({
    metadata: { name: `10.0.1.${10 + i}`, labels: {} },
    spec: { providerID: `qcloud:///800002/ins-planned${i}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  })) as V1Node[];
  const services = objects.filter((o) => o.kind === 'Service') as V1Service[];
  const slices = services
    .filter((s) => Object.keys(s.spec?.selector ?? {}).length)
    .map((s, i) => ({
      metadata: { name: `${s.metadata?.name}-planned`, namespace: s.metadata?.namespace ?? 'default', labels: { 'kubernetes.io/service-name': s.metadata?.name ?? '' } },
      addressType: 'IPv4',
      ports: (s.spec?.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: typeof p.targetPort === 'number' ? p.targetPort : p.port })),
      endpoints: [1, 2].map((k) => ({ addresses: [`172.16.${i}.${k}`], conditions: { ready: true }, targetRef: { kind: 'Pod', name: `${s.metadata?.name}-pod-${k}` } })),
    })) as V1EndpointSlice[];
  const secrets = objects.filter((o) => o.kind === 'Secret') as V1Secret[];
  const inNamespace = <T extends KubernetesObject>(list: T[], ns: string) => list.filter((o) => (o.metadata?.namespace ?? 'default') === ns);
  return {
    nodes,
    slicesFor: async (ns) => inNamespace(slices, ns),
    podsFor: async () => [],
    secretsFor: async (ns) => inNamespace(secrets, ns),
    provider: createLocalCloud().provider,
    live: false,
  };
}

async function clusterWorld(kubeconfig: string, provider: CloudProvider, live: boolean): Promise<PlanWorld> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  return {
    nodes: (await core.listNode()).items,
    slicesFor: async (namespace) => (await discovery.listNamespacedEndpointSlice({ namespace })).items,
    podsFor: async (namespace) => (await core.listNamespacedPod({ namespace })).items,
    secretsFor: async (namespace) => (await core.listNamespacedSecret({ namespace })).items,
    provider,
    live,
  };
}

/** The API server assigns NodePorts; manifests rarely carry them. Do the same so the plan shows real targets. */
function withNodePorts(service: V1Service, next: () => number): V1Service {
  if (service.spec?.type !== 'LoadBalancer' && service.spec?.type !== 'NodePort') return service;
  return { ...service, spec: { ...service.spec, ports: (service.spec?.ports ?? []).map((p) => ({ ...p, nodePort: p.nodePort ?? next() })) } };
}

async function actualFor(world: PlanWorld, owner: Owner, model: DesiredState, recordedId: string | undefined): Promise<{ lb: LoadBalancer; listeners: Listener[]; targets: ListenerTargets[] } | undefined> {
  if (!world.live) return undefined;
  const id = model.loadBalancer.kind === 'existing' ? model.loadBalancer.id : recordedId;
  const lb = id ? (await world.provider.describeLoadBalancers([id]))[0] : (await world.provider.findLoadBalancersByTags(ownedLoadBalancerLookup(owner))).find((c) => isCreatedFor(c, owner));
  if (!lb) return undefined;
  const listeners = await world.provider.describeListeners(lb.id);
  return { lb, listeners, targets: listeners.length ? await world.provider.describeTargets(lb.id) : [] };
}

function describeChanges(plan: Plan, listeners: readonly Listener[]): string[] {
  const name = (id: string) => {
    const l = listeners.find((x) => x.id === id);
    return l ? listenerKey(l) : id;
  };
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return [
    ...plan.deleteListenersFirst.map((id) => `- delete listener ${name(id)} (its port is needed by a new listener)`),
    ...plan.createListeners.map((l) => `+ create listener ${l.protocol}:${l.port}`),
    ...plan.modifyListeners.map((m) => `~ modify listener ${name(m.listenerId)}: ${Object.keys(m.changes).join(', ')}`),
    ...plan.createRules.flatMap((r) => r.rules.map((rule) => `+ create rule ${r.listenerKey} ${rule.domain}${rule.url}`)),
    ...plan.modifyRules.map((m) => `~ modify rule ${m.ruleId} on ${name(m.listenerId)}: ${Object.keys(m.changes).join(', ')}`),
    ...plan.setDomainCertificates.map((c) => `~ set certificate of ${c.domain} on ${name(c.listenerId)} to ${c.certificate.certId}`),
    ...plan.deleteRedirects.map((r) => `- remove redirect of rule ${r.sourceRuleId}`),
    ...plan.setRedirects.map((r) => `+ redirect ${r.source.listenerKey} ${r.source.ruleKey} → ${r.target.listenerKey} ${r.target.ruleKey}`),
    ...(plan.register.length ? [`+ register ${count(plan.register.length, 'target')}`] : []),
    ...(plan.reweight.length ? [`~ re-weight ${count(plan.reweight.length, 'target')}`] : []),
    ...(plan.deregister.length ? [`- deregister ${count(plan.deregister.length, 'target')}`] : []),
    ...plan.deleteRules.map((r) => `- delete ${count(r.ruleIds.length, 'rule')} on ${name(r.listenerId)}`),
    ...plan.deleteListeners.map((id) => `- delete listener ${name(id)}`),
    ...plan.conflicts.map((c) => `! blocked: ${c.reason}`),
  ];
}

function desiredJson(model: DesiredState): NonNullable<PlannedObject['desired']> {
  const lb = model.loadBalancer;
  const targetJson = (port: number, domain: string | null, url: string | null) => (t: Target) => ({
    port, domain, url, instanceId: t.instanceId ?? null, eniIp: t.eniIp ?? null, targetPort: t.port, weight: t.weight,
  });
  return {
    loadBalancer: lb.kind === 'existing' ? { type: null, subnetId: null, existingId: lb.id } : { type: lb.type, subnetId: lb.subnetId ?? null, existingId: null },
    listeners: model.listeners.map((l) => ({ protocol: l.protocol, port: l.port, name: l.name })),
    rules: model.listeners.flatMap((l) => l.rules.map((r) => ({ port: l.port, domain: r.domain === DEFAULT_DOMAIN ? '(VIP)' : r.domain, url: r.url, redirectTo: r.redirect ? `${r.redirect.port} ${r.redirect.domain}${r.redirect.url}` : null }))),
    targets: model.listeners.flatMap((l) => [...l.targets.map(targetJson(l.port, null, null)), ...l.rules.flatMap((r) => r.targets.map(targetJson(l.port, r.domain === DEFAULT_DOMAIN ? '(VIP)' : r.domain, r.url)))]),
  };
}

export async function planObjects(objects: readonly KubernetesObject[], world: PlanWorld, settings: { clusterId: string; vpcId: string; defaultIngressClass: boolean }): Promise<PlannedObject[]> {
  let nodePort = 30000;
  const results: PlannedObject[] = [];
  const secretsOf = async (ns: string) => new Map((await world.secretsFor(ns)).map((s) => [s.metadata?.name ?? '', s]));
  const subnetsOf = async (id: string | undefined) => {
    const subnetId = id?.trim();
    return new Map(subnetId && /^subnet-[a-z0-9]{8}$/.test(subnetId) ? [[subnetId, await world.provider.describeSubnet(subnetId)]] : []);
  };
  const servicesInManifests = objects.filter((o) => o.kind === 'Service').map((o) => withNodePorts(o as V1Service, () => nodePort++));
  for (const object of objects) {
    const namespace = object.metadata?.namespace ?? 'default';
    const base = { namespace, name: object.metadata?.name ?? '' };
    let result: { ok: true; model: DesiredState; warnings: readonly Problem[] } | { ok: false; problems: readonly Problem[] };
    let owner: Owner;
    let recordedId: string | undefined;
    let kind: 'Service' | 'Ingress';
    if (object.kind === 'Service') {
      const service = servicesInManifests.find((s) => s.metadata?.name === object.metadata?.name && (s.metadata?.namespace ?? 'default') === namespace)!;
      if (service.spec?.type !== 'LoadBalancer') continue;
      kind = 'Service';
      owner = serviceOwner({ ...service, metadata: { ...service.metadata, namespace, uid: service.metadata?.uid ?? 'planned' } }, settings);
      recordedId = service.metadata?.annotations?.[SERVICE_ANNOTATIONS.loadBalancerId];
      result = buildServiceModel({
        service: { ...service, metadata: { ...service.metadata, namespace } },
        nodes: world.nodes,
        endpointSlices: (await world.slicesFor(namespace)).filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === base.name),
        secrets: await secretsOf(namespace),
        subnets: await subnetsOf(service.metadata?.annotations?.[SERVICE_ANNOTATIONS.internalSubnetId]),
        pods: new Map((await world.podsFor(namespace)).map((p) => [p.metadata?.name ?? '', p])),
      }, settings);
    } else if (object.kind === 'Ingress' && isQcloudIngress(object as V1Ingress, { ...settings, defaultClass: settings.defaultIngressClass })) {
      const ingress = { ...(object as V1Ingress), metadata: { ...object.metadata, namespace, uid: object.metadata?.uid ?? 'planned' } };
      kind = 'Ingress';
      owner = ingressOwner(ingress, { ...settings, defaultClass: settings.defaultIngressClass });
      recordedId = ingress.metadata?.annotations?.[INGRESS_ANNOTATIONS.loadBalancerId];
      result = buildIngressModel({
        ingress,
        services: new Map(servicesInManifests.filter((s) => (s.metadata?.namespace ?? 'default') === namespace).map((s) => [s.metadata?.name ?? '', s])),
        endpointSlices: await world.slicesFor(namespace),
        pods: new Map((await world.podsFor(namespace)).map((p) => [p.metadata?.name ?? '', p])),
        nodes: world.nodes,
        secrets: await secretsOf(namespace),
        subnets: await subnetsOf(ingress.metadata?.annotations?.[INGRESS_ANNOTATIONS.subnetId]),
      }, { ...settings, defaultClass: settings.defaultIngressClass });
    } else {
      continue;
    }
    if (!result.ok) {
      results.push({ kind, ...base, problems: result.problems.map(problemJson), warnings: [], desired: null, changes: [] });
      continue;
    }
    const actual = await actualFor(world, owner, result.model, recordedId);
    const placeholder: LoadBalancer = { id: '(new)', name: '', type: 'OPEN', vpcId: settings.vpcId, vips: ['(VIP)'], status: 'running', tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false };
    const listeners = actual?.listeners ?? [];
    const plan = planChanges(result.model.listeners, { loadBalancer: actual?.lb ?? placeholder, listeners, targets: new Map((actual?.targets ?? []).map((t) => [t.listenerId, t])) }, (l) => isOwnListener(l.name, owner));
    const lbChange = actual ? [] : result.model.loadBalancer.kind === 'existing'
      ? [`= reuse CLB ${result.model.loadBalancer.id}${world.live ? '' : ' (not checked offline)'}`]
      : [`+ create CLB (${result.model.loadBalancer.type}${result.model.loadBalancer.subnetId ? ` in ${result.model.loadBalancer.subnetId}` : ''})`];
    results.push({ kind, ...base, problems: [], warnings: result.warnings.map(problemJson), desired: desiredJson(result.model), changes: [...lbChange, ...describeChanges(plan, listeners)] });
  }
  return results;
}

export function renderPlanText(planned: readonly PlannedObject[]): string {
  if (!planned.length) return 'No LoadBalancer Service or qcloud Ingress in these manifests.';
  return planned
    .map((p) => {
      const lines = [`${p.kind} ${p.namespace}/${p.name}`];
      for (const problem of p.problems) lines.push(`  ✗ ${problem.field}: ${JSON.stringify(problem.value)}: ${problem.reason}`);
      for (const warning of p.warnings) lines.push(`  ! ${warning.field}: ${JSON.stringify(warning.value)}: ${warning.reason}`);
      if (p.desired) {
        const lb = p.desired.loadBalancer;
        lines.push(`  CLB: ${lb.existingId ? `existing ${lb.existingId}` : `${lb.type}${lb.subnetId ? ` in ${lb.subnetId}` : ''}`}`);
        for (const l of p.desired.listeners) {
          const rules = p.desired.rules.filter((r) => r.port === l.port);
          const targets = p.desired.targets.filter((t) => t.port === l.port);
          lines.push(`  listener ${l.protocol}:${l.port}${rules.length ? '' : ` → ${targets.length} target(s)`}`);
          for (const r of rules) {
            const ruleTargets = targets.filter((t) => t.domain === r.domain && t.url === r.url);
            lines.push(`    rule ${r.domain}${r.url} → ${r.redirectTo ? `redirect to ${r.redirectTo}` : `${ruleTargets.length} target(s)`}`);
          }
        }
        lines.push(...p.changes.map((c) => `  ${c}`));
        if (!p.changes.length) lines.push('  (no changes)');
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

export async function planCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      output: { type: 'string', short: 'o' },
      kubeconfig: { type: 'string' },
      provider: { type: 'string' },
      'cluster-id': { type: 'string' },
      'vpc-id': { type: 'string' },
      region: { type: 'string' },
      'account-uin': { type: 'string' },
      'default-ingress-class': { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.file?.length) throw new ConfigError('plan needs -f <file|dir> (the manifests to check)');
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new ConfigError(`-o "${output}" is not valid: use text or json`);
  const objects = loadManifests(values.file).map((l) => l.object);
  const provider = values.provider ?? 'mock';
  if (provider !== 'mock' && provider !== 'tencentcloud') throw new ConfigError(`--provider "${provider}" is not valid: use mock or tencentcloud`);
  const settings = {
    clusterId: values['cluster-id'] ?? env.CLB_CLUSTER_ID ?? 'cls-planned0',
    vpcId: values['vpc-id'] ?? env.CLB_VPC_ID ?? 'vpc-cluster1',
    defaultIngressClass: values['default-ingress-class'] ?? false,
  };
  let world: PlanWorld;
  if (provider === 'tencentcloud') {
    if (!values.kubeconfig) throw new ConfigError('--provider tencentcloud reads the cluster too: add --kubeconfig <file>');
    const cloud = createTencentCloudProvider({
      region: values.region ?? env.CLB_REGION ?? '',
      accountUin: values['account-uin'] ?? env.CLB_ACCOUNT_UIN ?? '',
      credentials: env.CLB_CREDENTIALS_DIR ? { kind: 'files', dir: env.CLB_CREDENTIALS_DIR } : { kind: 'env', env },
    });
    world = await clusterWorld(values.kubeconfig, cloud, true);
  } else {
    world = values.kubeconfig ? await clusterWorld(values.kubeconfig, createLocalCloud().provider, false) : syntheticWorld(objects);
  }
  const planned = await planObjects(objects, world, settings);
  process.stdout.write(output === 'json' ? `${JSON.stringify({ objects: planned }, null, 2)}\n` : `${renderPlanText(planned)}\n`);
}
