/**
 * The reliability invariants, checked on full state: the fake cluster's objects against the CLB simulator's
 * snapshot. Every Service and Ingress that wants a CLB and builds has status, exactly one CLB, and on it exactly
 * its desired listeners, rules and targets (the builders' own output is the reference, so this is "converged as if
 * nothing had happened") — with the CLB quotas given, what the controller's own quota fitting (src/deploy/quota.ts)
 * keeps of them on what the CLB holds, and a QuotaExceeded Warning for what it leaves out; nothing this cluster
 * created or named outlives its owner; no finalizer is stuck; no action was ever called above its rate limit.
 * Shared by test/reliability and bench/soak.ts.
 */
import type { V1EndpointSlice, V1Ingress, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Listener, ListenerProtocol, ListenerTargets, LoadBalancer, Subnet, Target } from '../../providers/provider.js';
import { INGRESS_ANNOTATIONS, INGRESS_FINALIZER, SERVICE_ANNOTATIONS, SERVICE_FINALIZER, TAGS } from '../../src/annotations/keys.js';
import { isLoadBalancerService } from '../../src/controllers/service-adapter.js';
import { ownerListenerPrefix, type Owner } from '../../src/model/naming.js';
import { isClusterListener, isOwnListener, refuseExistingLoadBalancer } from '../../src/deploy/ownership.js';
import type { ActualState } from '../../src/deploy/plan.js';
import { fitToQuota, type QuotaLimits } from '../../src/deploy/quota.js';
import { buildIngressModel, ingressOwner, isQcloudIngress } from '../../src/ingress/build-ingress-model.js';
import { DEFAULT_DOMAIN, portFamily, type DesiredListener, type DesiredState } from '../../src/model/desired.js';
import { buildServiceModel, serviceOwner } from '../../src/service/build-service-model.js';
import type { CallRecord } from '../clb/traffic.js';
import { DEFAULT_VPCS } from '../clb/options.js';
import type { ClusterState } from '../kube/index.js';

export interface SnapTarget {
  readonly instanceId?: string;
  readonly eniIp?: string;
  readonly port: number;
  readonly weight: number;
}
export interface SnapRule {
  readonly id: string;
  readonly domain: string;
  readonly url: string;
  readonly rewrite: unknown;
  readonly targets: readonly SnapTarget[];
}
export interface SnapListener {
  readonly id: string;
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly targets: readonly SnapTarget[];
  readonly rules: readonly SnapRule[];
}
export interface SnapLoadBalancer {
  readonly id: string;
  readonly type?: string;
  readonly vpcId?: string;
  readonly subnetId?: string;
  readonly vips: readonly string[];
  readonly domain?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly listeners: readonly SnapListener[];
}

export interface InvariantInputs {
  readonly state: ClusterState;
  readonly loadBalancers: readonly SnapLoadBalancer[];
  readonly settings: { readonly clusterId: string; readonly vpcId: string; readonly defaultIngressClass?: boolean };
  /** The controllers' clock and node grace, so nodes inside their NotReady grace count as the controllers count them. */
  readonly now?: number;
  readonly nodeReadyGraceMs?: number;
  /** The cluster's Events: given, every user error must have its Warning, naming the annotation or field. */
  readonly events?: readonly ClusterEvent[];
  /**
   * The CLB quotas the cloud enforces (and reports to DescribeQuota): given, an owner's CLB must hold what fits —
   * its desired state fitted as the controller fits it, on what the CLB holds now — not all of it.
   */
  readonly quotas?: QuotaLimits;
}

export interface ClusterEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: { readonly uid?: string };
}

const SUBNETS: ReadonlyMap<string, Subnet> = new Map(DEFAULT_VPCS.flatMap((v) => v.subnets.map((s) => [s.subnetId, { id: s.subnetId, vpcId: v.vpcId, cidr: s.cidr }] as const)));
const subnetsFor = (id: string | undefined) => new Map(id ? [[id.trim(), SUBNETS.get(id.trim())]] : []);

const targetText = (t: { instanceId?: string | undefined; eniIp?: string | undefined; port: number; weight?: number | undefined }) => `${t.instanceId ?? t.eniIp}:${t.port}@${t.weight ?? 10}`;
const targetsText = (targets: readonly (Target | SnapTarget)[]) => targets.map(targetText).sort().join(',');

/** An owner wants a CLB: it exists, is not being deleted, is ours, and is not `mode: skip`. */
export function wantsLoadBalancer(object: V1Service | V1Ingress, kind: 'Service' | 'Ingress', settings: InvariantInputs['settings']): boolean {
  if (object.metadata?.deletionTimestamp) return false;
  if (kind === 'Service') return isLoadBalancerService(object as V1Service) && object.metadata?.annotations?.[SERVICE_ANNOTATIONS.mode] !== 'skip';
  return isQcloudIngress(object as V1Ingress, { ...settings, defaultClass: settings.defaultIngressClass ?? false }) && object.metadata?.annotations?.[INGRESS_ANNOTATIONS.mode]?.trim() !== 'skip';
}

/** What the builders want for every owner in the cluster (undefined model: it does not build, a user error). */
export function desiredStates(inputs: InvariantInputs): { owner: Owner; object: V1Service | V1Ingress; model?: DesiredState; skippedRules: number; problems: readonly { field: string; eventReason: string }[] }[] {
  const { state, settings } = inputs;
  const nodes = state.list<V1Node>('nodes');
  const clock = inputs.now !== undefined ? { now: inputs.now, ...(inputs.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: inputs.nodeReadyGraceMs } : {}) } : {};
  const inNamespace = <T extends { metadata?: { name?: string } }>(resource: 'secrets' | 'pods' | 'services', namespace: string) =>
    new Map(state.list<T>(resource, namespace).map((o) => [o.metadata?.name ?? '', o]));
  const result: ReturnType<typeof desiredStates> = [];
  for (const service of state.list<V1Service>('services')) {
    if (!wantsLoadBalancer(service, 'Service', settings)) continue;
    const namespace = service.metadata?.namespace ?? 'default';
    const built = buildServiceModel(
      {
        service,
        nodes,
        endpointSlices: state.list<V1EndpointSlice>('endpointslices', namespace).filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === service.metadata?.name),
        secrets: inNamespace<V1Secret>('secrets', namespace),
        subnets: subnetsFor(service.metadata?.annotations?.[SERVICE_ANNOTATIONS.internalSubnetId]),
        ...(service.metadata?.annotations?.[SERVICE_ANNOTATIONS.directAccess] === 'true' ? { pods: inNamespace<V1Pod>('pods', namespace) } : {}),
        ...clock,
      },
      settings,
    );
    const owner = serviceOwner(service, settings);
    result.push(built.ok ? { owner, object: service, model: built.model, skippedRules: 0, problems: [] } : { owner, object: service, skippedRules: 0, problems: built.problems });
  }
  for (const ingress of state.list<V1Ingress>('ingresses')) {
    if (!wantsLoadBalancer(ingress, 'Ingress', settings)) continue;
    const namespace = ingress.metadata?.namespace ?? 'default';
    const ingressSettings = { ...settings, defaultClass: settings.defaultIngressClass ?? false };
    const built = buildIngressModel(
      {
        ingress,
        services: inNamespace<V1Service>('services', namespace),
        endpointSlices: state.list<V1EndpointSlice>('endpointslices', namespace),
        pods: inNamespace<V1Pod>('pods', namespace),
        nodes,
        secrets: inNamespace<V1Secret>('secrets', namespace),
        subnets: subnetsFor(ingress.metadata?.annotations?.[INGRESS_ANNOTATIONS.subnetId]),
        ...clock,
      },
      ingressSettings,
    );
    const owner = ingressOwner(ingress, ingressSettings);
    result.push(built.ok ? { owner, object: ingress, model: built.model, skippedRules: built.skippedRules, problems: [] } : { owner, object: ingress, skippedRules: 0, problems: built.problems });
  }
  return result;
}

/** Every way the cloud differs from what the cluster asks for, as readable lines; empty when converged. */
export function convergenceViolations(inputs: InvariantInputs): string[] {
  const { state, loadBalancers, settings } = inputs;
  const violations: string[] = [];
  const wanted = desiredStates(inputs);
  const warned = (uid: string, reason: string, field?: string) =>
    inputs.events?.some((e) => e.type === 'Warning' && e.involvedObject.uid === uid && e.reason === reason && (field === undefined || e.message.includes(field))) ?? true;
  for (const { owner, object, model, skippedRules, problems } of wanted) {
    const who = `${owner.kind} ${owner.namespace}/${owner.name}`;
    if (!model) {
      for (const p of problems) if (!warned(owner.uid, p.eventReason, p.field)) violations.push(`${who}: no ${p.eventReason} Warning naming ${p.field}`);
      continue;
    }
    // Extra CreateLoadBalancer parameters only the cloud can judge: its refusal is a Warning naming the annotation.
    const extraRefused = model.loadBalancer.kind === 'create' && model.loadBalancer.extraParameters && inputs.events !== undefined && warned(owner.uid, 'InvalidAnnotation', SERVICE_ANNOTATIONS.extensiveParameters);
    const refusal = extraRefused ? 'InvalidAnnotation' : refusedByCloud(owner, object, model, loadBalancers, settings);
    if (refusal) {
      if (!warned(owner.uid, refusal)) violations.push(`${who}: refused (${refusal}) without a Warning`);
      continue;
    }
    const idKey = owner.kind === 'Service' ? SERVICE_ANNOTATIONS.loadBalancerId : INGRESS_ANNOTATIONS.loadBalancerId;
    const id = object.metadata?.annotations?.[idKey];
    const lb = loadBalancers.find((l) => l.id === id);
    if (!lb) {
      violations.push(`${who}: no CLB (annotation ${id ?? 'missing'})`);
      continue;
    }
    const ingress = (object as V1Service).status?.loadBalancer?.ingress ?? [];
    const expected = lb.vips.length ? lb.vips.map((ip) => ({ ip })) : lb.domain ? [{ hostname: lb.domain }] : [];
    if (JSON.stringify(ingress.map((i) => (i.ip ? { ip: i.ip } : { hostname: i.hostname }))) !== JSON.stringify(expected)) violations.push(`${who}: status ${JSON.stringify(ingress)} is not the CLB's ${JSON.stringify(expected)}`);
    if (model.loadBalancer.kind === 'existing' && lb.id !== model.loadBalancer.id) violations.push(`${who}: uses ${lb.id}, not the existing ${model.loadBalancer.id}`);
    if (model.loadBalancer.kind === 'create') {
      const created = loadBalancers.filter((l) => l.tags[TAGS.createdBy] === 'yes' && l.tags[TAGS.ownerUid] === owner.uid);
      if (created.length !== 1 || created[0]?.id !== lb.id) violations.push(`${who}: ${created.length} CLBs created for it (${created.map((l) => l.id).join(', ')}), annotation ${lb.id}`);
    }
    const fit = inputs.quotas ? fitToQuota(model.listeners, actualStateOf(lb), (l) => isOwnListener(l.name, owner), inputs.quotas) : { listeners: model.listeners, leftOut: [] };
    if (fit.leftOut.length && !warned(owner.uid, 'QuotaExceeded')) violations.push(`${who}: a quota leaves out ${fit.leftOut.map((p) => p.field).join(', ')} without a QuotaExceeded Warning`);
    violations.push(...listenerViolations(who, owner, fit.listeners, lb, skippedRules > 0));
  }
  violations.push(...leakViolations(inputs, wanted.map((w) => w.owner)));
  // A deleting object must be gone once settled; an object that no longer wants a CLB holds no finalizer.
  for (const [resource, kind, finalizer] of [['services', 'Service', SERVICE_FINALIZER], ['ingresses', 'Ingress', INGRESS_FINALIZER]] as const) {
    for (const object of state.list<V1Service | V1Ingress>(resource)) {
      const who = `${kind} ${object.metadata?.namespace}/${object.metadata?.name}`;
      const skip = object.metadata?.annotations?.[kind === 'Service' ? SERVICE_ANNOTATIONS.mode : INGRESS_ANNOTATIONS.mode] === 'skip';
      if (object.metadata?.deletionTimestamp && object.metadata.finalizers?.includes(finalizer)) violations.push(`${who}: deleting, finalizer still there`);
      else if (!skip && !object.metadata?.deletionTimestamp && !wantsLoadBalancer(object, kind, settings) && object.metadata?.finalizers?.includes(finalizer)) violations.push(`${who}: no longer wants a CLB but keeps the finalizer`);
    }
  }
  return violations;
}

/** A CLB's snapshot as the controller observes it (DescribeListeners, DescribeTargets): what quota fitting reads. */
function actualStateOf(lb: SnapLoadBalancer): ActualState {
  const bound = (targets: readonly SnapTarget[]) => targets.map((t): Target => (t.instanceId ? { instanceId: t.instanceId, port: t.port, weight: t.weight } : { eniIp: t.eniIp ?? '', port: t.port, weight: t.weight }));
  const listeners = lb.listeners.map((l): Listener => ({ id: l.id, name: l.name, protocol: l.protocol as ListenerProtocol, port: l.port, rules: l.rules.map((r) => ({ id: r.id, domain: r.domain, url: r.url })) }));
  const targets = new Map(
    lb.listeners.map((l): [string, ListenerTargets] => [
      l.id,
      { listenerId: l.id, protocol: l.protocol as ListenerProtocol, port: l.port, targets: bound(l.targets), rules: l.rules.map((r) => ({ ruleId: r.id, domain: r.domain, url: r.url, targets: bound(r.targets) })) },
    ]),
  );
  // The snapshot carries the CLB's attributes too; quota fitting reads only the listeners and targets.
  return { loadBalancer: lb as unknown as LoadBalancer, listeners, targets };
}

/**
 * Why the controller refuses this owner's CLB on what the cloud holds (resolveLoadBalancer's rules), if it does:
 * a reused CLB that does not exist, is auto-created, another cluster's or in another VPC; a choice that cannot change.
 */
function refusedByCloud(owner: Owner, object: V1Service | V1Ingress, model: DesiredState, loadBalancers: readonly SnapLoadBalancer[], settings: InvariantInputs['settings']): string | undefined {
  const recordedId = object.metadata?.annotations?.[owner.kind === 'Service' ? SERVICE_ANNOTATIONS.loadBalancerId : INGRESS_ANNOTATIONS.loadBalancerId];
  const recorded = loadBalancers.find((lb) => lb.id === recordedId);
  const createdFor = (lb: SnapLoadBalancer) => lb.tags[TAGS.createdBy] === 'yes' && lb.tags[TAGS.clusterId] === owner.clusterId && lb.tags[TAGS.ownerUid] === owner.uid;
  const desired = model.loadBalancer;
  if (desired.kind === 'existing') {
    if (recorded && recorded.id !== desired.id) return 'ImmutableLoadBalancerChange';
    const lb = recorded ?? loadBalancers.find((l) => l.id === desired.id);
    return refuseExistingLoadBalancer('', desired.id, lb as never, settings.clusterId, settings.vpcId)?.eventReason;
  }
  if (recorded && !createdFor(recorded)) return 'ImmutableLoadBalancerChange';
  const adopted = recorded ?? loadBalancers.find(createdFor);
  if (adopted && (adopted.type !== desired.type || (adopted.subnetId || '') !== (desired.subnetId ?? ''))) return 'ImmutableLoadBalancerChange';
  return undefined;
}

function listenerViolations(who: string, owner: Owner, desired: readonly DesiredListener[], lb: SnapLoadBalancer, keepExisting: boolean): string[] {
  const violations: string[] = [];
  const prefix = ownerListenerPrefix(owner);
  const own = lb.listeners.filter((l) => l.name.startsWith(prefix));
  const foreign = lb.listeners.filter((l) => !l.name.startsWith(prefix));
  const vip = lb.vips[0] ?? lb.domain ?? '';
  const matched = new Set<string>();
  for (const d of desired) {
    if (foreign.some((f) => f.port === d.port && portFamily(f.protocol as never) === portFamily(d.protocol))) continue; // a port conflict: reported, not created
    const actual = own.find((l) => l.protocol === d.protocol && l.port === d.port);
    const at = `${who}: ${d.protocol}:${d.port} on ${lb.id}`;
    if (!actual) {
      violations.push(`${at}: listener missing`);
      continue;
    }
    matched.add(actual.id);
    if (actual.name !== d.name) violations.push(`${at}: named ${actual.name}, wants ${d.name}`);
    if (!d.rules.length) {
      if (targetsText(actual.targets) !== targetsText(d.targets)) violations.push(`${at}: targets [${targetsText(actual.targets)}], want [${targetsText(d.targets)}]`);
      continue;
    }
    const domainOf = (domain: string) => (domain === DEFAULT_DOMAIN ? vip : domain);
    for (const rule of d.rules) {
      const found = actual.rules.find((r) => r.domain === domainOf(rule.domain) && r.url === rule.url);
      if (!found) violations.push(`${at}: rule ${domainOf(rule.domain)}${rule.url} missing`);
      else if (!rule.redirect && targetsText(found.targets) !== targetsText(rule.targets)) violations.push(`${at}: rule ${found.domain}${found.url} targets [${targetsText(found.targets)}], want [${targetsText(rule.targets)}]`);
    }
    const extra = actual.rules.filter((r) => !d.rules.some((rule) => domainOf(rule.domain) === r.domain && rule.url === r.url));
    if (extra.length && !keepExisting) violations.push(`${at}: rules ${extra.map((r) => r.domain + r.url).join(', ')} not desired`);
  }
  const stray = own.filter((l) => !matched.has(l.id));
  if (stray.length && !keepExisting) violations.push(`${who}: listeners ${stray.map((l) => l.name).join(', ')} on ${lb.id} not desired`);
  return violations;
}

/** Nothing this cluster created or named outlives its owner (or its owner's wish for a CLB). */
function leakViolations(inputs: InvariantInputs, live: readonly Owner[]): string[] {
  const { loadBalancers, settings } = inputs;
  const uids = new Set(live.map((o) => o.uid));
  const prefixes = live.map(ownerListenerPrefix);
  const violations: string[] = [];
  for (const lb of loadBalancers) {
    const ours = lb.tags[TAGS.createdBy] === 'yes' && lb.tags[TAGS.clusterId] === settings.clusterId;
    if (ours && !uids.has(lb.tags[TAGS.ownerUid] ?? '')) violations.push(`CLB ${lb.id} created for ${lb.tags[TAGS.ownerUid]} has no live owner`);
    // Listener names mark ownership only on the cluster's CLBs (the ones it tags): elsewhere a look-alike is the user's.
    if (lb.tags[TAGS.clusterId] !== settings.clusterId) continue;
    for (const l of lb.listeners) {
      if (isClusterListener(l.name, settings.clusterId) && !prefixes.some((p) => l.name.startsWith(p))) violations.push(`listener ${l.name} on ${lb.id} has no live owner`);
    }
  }
  return violations;
}

/** Calls of one action above `limit` in some window of `windowMs` (the API's per-second limit). */
export function rateViolations(log: readonly CallRecord[], limitFor: (action: string) => number, windowMs = 1000): string[] {
  const byAction = new Map<string, number[]>();
  for (const call of log) byAction.set(call.action, [...(byAction.get(call.action) ?? []), call.at]);
  const violations: string[] = [];
  for (const [action, times] of byAction) {
    times.sort((a, b) => a - b);
    const limit = limitFor(action);
    let first = 0;
    let worst = 0;
    let worstAt = 0;
    for (let i = 0; i < times.length; i++) {
      while (times[i]! - times[first]! >= windowMs) first++;
      if (i - first + 1 > worst) [worst, worstAt] = [i - first + 1, times[first]!];
    }
    if (worst > limit) violations.push(`${action}: ${worst} calls within ${windowMs} ms from ${new Date(worstAt).toISOString()}, limit ${limit}`);
  }
  return violations;
}
