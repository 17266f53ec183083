/**
 * PURE: a `qcloud` Ingress (with the Services, endpoints, Pods, nodes, Secrets and subnets it refers to) → the
 * desired state of its CLB, or the Ingress-level problems that stop it. No I/O, no clock.
 *
 * Problems come in two sizes. Ingress-level (an invalid annotation, a malformed rules JSON, an unknown subnet, an
 * HTTPS listener without any readable certificate) → ok:false, nothing is written; the rule-level problems found
 * on the way are listed after them, so one round of fixes can cover everything. Rule-level (a bad host or path, an
 * unknown Service or port, a host without a certificate, a broken redirect) → that rule is left out, the others
 * are built, the problem is a warning, and `skippedRules` tells the controller to delete no rule meanwhile.
 *
 * See ingress-rules.ts (pathType, defaultBackend, rule-mix), ingress-certificates.ts (SNI, missing certificates)
 * and applyRedirects below (auto-rewrite, rewrite-support) for the decisions where TKE's documentation is silent.
 */
import type { V1EndpointSlice, V1Ingress, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Certificate, Subnet, Target } from '../../providers/provider.js';
import { INGRESS_ANNOTATIONS as A, INGRESS_CLASS, SECRET_KEYS } from '../annotations/keys.js';
import { problem, type Problem } from '../model/problems.js';
import { createdLoadBalancerTags, listenerName, loadBalancerName, type Owner } from '../model/naming.js';
import { type DesiredListener, type DesiredLoadBalancer, type DesiredRule } from '../model/desired.js';
import { parseAnnotationRules, parseIngressAnnotations, parseIngressLifecycle, type IngressAnnotations } from './ingress-annotations.js';
import { backendResolver } from './ingress-backends.js';
import { earliestGraceEnd, nodeGrace } from '../service/nodes.js';
import type { Built, Refused } from '../model/built.js';
import { tlsCertificates, type TlsCertificates } from './ingress-certificates.js';
import { collectRules, type L7Protocol, type RuleCandidate } from './ingress-rules.js';
import { applyRedirects, type BuiltRule } from './ingress-redirects.js';
import type { Lookup } from '../kube/cluster-view.js';

export interface IngressSettings {
  readonly clusterId: string;
  readonly vpcId: string;
  /** class-less Ingresses are ours */
  readonly defaultClass: boolean;
}

export interface IngressInputs {
  readonly ingress: V1Ingress;
  /** The Ingress namespace's Services by name. */
  readonly services: Lookup<V1Service>;
  /** The namespace's slices (filtered here by kubernetes.io/service-name). */
  readonly endpointSlices: readonly V1EndpointSlice[];
  /** The namespace's Pods by name (direct access). */
  readonly pods: Lookup<V1Pod>;
  readonly nodes: readonly V1Node[];
  /** The namespace's Secrets by name. */
  readonly secrets: Lookup<V1Secret>;
  readonly subnets: ReadonlyMap<string, Subnet | undefined>;
  /** The clock, as data: with it a node that went NotReady less than `nodeReadyGraceMs` ago stays bound. */
  readonly now?: number;
  /** Default 60 s; used only with `now`. */
  readonly nodeReadyGraceMs?: number;
}

export type IngressBuildResult =
  | (Built & {
      /** Rules left out because of a problem: while any is left out the controller deletes no rule (no partial damage). */
      readonly skippedRules: number;
    })
  | Refused;

/**
 * spec.ingressClassName `qcloud`, else the legacy annotation `kubernetes.io/ingress.class: qcloud`, else — neither
 * set — ours when the controller is the default class. (The API server refuses an Ingress with both set.)
 */
export function isQcloudIngress(ingress: V1Ingress, settings: IngressSettings): boolean {
  const className = ingress.spec?.ingressClassName;
  if (className) return className === INGRESS_CLASS;
  const legacy = ingress.metadata?.annotations?.[A.ingressClass];
  if (legacy) return legacy.trim() === INGRESS_CLASS;
  return settings.defaultClass;
}

export function ingressOwner(ingress: V1Ingress, settings: IngressSettings): Owner {
  return { kind: 'Ingress', clusterId: settings.clusterId, namespace: ingress.metadata?.namespace ?? 'default', name: ingress.metadata?.name ?? '', uid: ingress.metadata?.uid ?? '' };
}

/** The Secrets and Services an Ingress refers to (so a change to one re-reconciles exactly the Ingresses using it). */
export function ingressReferences(ingress: V1Ingress): { services: string[]; secrets: string[] } {
  const services = new Set<string>();
  const add = (name: string | undefined) => name && services.add(name);
  add(ingress.spec?.defaultBackend?.service?.name);
  for (const rule of ingress.spec?.rules ?? []) for (const path of rule.http?.paths ?? []) add(path.backend.service?.name);
  // The rule annotations count even outside mixed mode: turning rule-mix on must not need another event.
  for (const key of [A.httpRules, A.httpsRules]) {
    const value = ingress.metadata?.annotations?.[key];
    const parsed = value === undefined ? undefined : parseAnnotationRules(key, value.trim());
    if (parsed?.ok) for (const rule of parsed.value) add(rule.backend?.serviceName);
  }
  const secrets = new Set((ingress.spec?.tls ?? []).flatMap((t) => (t.secretName ? [t.secretName] : [])));
  return { services: [...services].sort(), secrets: [...secrets].sort() };
}

export function buildIngressModel(inputs: IngressInputs, settings: IngressSettings): IngressBuildResult {
  const { ingress } = inputs;
  const owner = ingressOwner(ingress, settings);
  const parsed = parseIngressAnnotations(ingress);
  const problems: Problem[] = [...parsed.problems, ...parseIngressLifecycle(ingress).problems];
  const warnings: Problem[] = [...parsed.warnings];
  const { annotations } = parsed;
  const loadBalancer = desiredLoadBalancer(owner, annotations, inputs, settings, problems);
  // Unreadable annotations that shape the rules leave nothing sensible to check the rules against.
  // A refused Ingress still hears about the annotations it ignores (a Warning each): every bad value gets one.
  if (problems.some((p) => RULE_SHAPING.includes(p.field))) return { ok: false, problems: dedupe([...problems, ...parsed.warnings]) };

  const collected = collectRules(ingress, annotations);
  const ruleProblems: Problem[] = [...collected.problems];
  const tls = tlsCertificates(ingress, inputs.secrets);
  warnings.push(...tls.warnings);
  const ports = annotations.listenPorts;
  const hasHttps = tls.configured || (annotations.httpsRules ?? []).length > 0;
  checkListeners(ingress, collected.candidates, hasHttps, annotations, tls, problems);

  const resolve = backendResolver({ namespace: owner.namespace, ...inputs, grace: nodeGrace(inputs) }, annotations.directAccess, warnings);
  const built: BuiltRule[] = [];
  for (const candidate of collected.candidates) {
    const rule = buildRule(candidate, tls, resolve, annotations);
    if ('problem' in rule) ruleProblems.push(rule.problem);
    else built.push(rule);
  }
  const redirected = applyRedirects(built, { httpPort: ports.http, httpsPort: hasHttps ? ports.https : undefined, autoRewrite: annotations.autoRewrite });
  ruleProblems.push(...redirected.problems);
  if (problems.length) {
    // A rule-level problem repeating an Ingress-level one (the same Secret, say) adds nothing.
    const repeats = (r: Problem) => problems.some((p) => p.field === r.field && p.value === r.value);
    return { ok: false, problems: dedupe([...problems, ...ruleProblems.filter((r) => !repeats(r)), ...parsed.warnings]) };
  }

  const listeners: DesiredListener[] = [];
  const recheckAt = annotations.directAccess ? undefined : earliestGraceEnd(inputs.nodes, undefined, nodeGrace(inputs));
  const rulesOf = (protocol: L7Protocol): DesiredRule[] => redirected.rules.filter((r) => r.protocol === protocol).map((r) => r.rule).sort(byDomainThenUrl);
  if (ports.http !== undefined) listeners.push({ name: listenerName(owner, 'HTTP', ports.http), protocol: 'HTTP', port: ports.http, targets: [], rules: rulesOf('HTTP') });
  if (hasHttps && ports.https !== undefined) {
    const certificate = !tls.sni && tls.defaultEntry && 'certificate' in tls.defaultEntry.read ? tls.defaultEntry.read.certificate : undefined;
    listeners.push({ name: listenerName(owner, 'HTTPS', ports.https), protocol: 'HTTPS', port: ports.https, ...(certificate ? { certificate } : {}), sniEnabled: tls.sni, targets: [], rules: rulesOf('HTTPS') });
  }
  return {
    ok: true,
    model: { loadBalancer, attributes: {}, listeners },
    warnings: dedupe([...warnings, ...ruleProblems]),
    readinessGatePods: [...new Set(redirected.rules.flatMap((r) => r.gatePods))].sort(),
    skippedRules: collected.skipped + (ruleProblems.length - collected.problems.length),
    ...(recheckAt !== undefined ? { recheckAt } : {}),
  };
}

const RULE_SHAPING: readonly string[] = [A.ruleMix, A.httpRules, A.httpsRules, A.listenPorts];

const byDomainThenUrl = (a: DesiredRule, b: DesiredRule): number => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.url < b.url ? -1 : a.url > b.url ? 1 : 0);

const dedupe = (problems: Problem[]): Problem[] => [...new Map(problems.map((p) => [`${p.field}|${p.value}|${p.reason}`, p])).values()];

function desiredLoadBalancer(owner: Owner, annotations: IngressAnnotations, inputs: IngressInputs, settings: IngressSettings, problems: Problem[]): DesiredLoadBalancer {
  // As for Services (reference §2): a reused CLB ignores the subnet annotation.
  if (annotations.existingLoadBalancerId) return { kind: 'existing', id: annotations.existingLoadBalancerId };
  const subnetId = annotations.subnetId;
  if (subnetId) {
    const subnet = inputs.subnets.get(subnetId);
    if (!subnet) problems.push(problem('SubnetNotFound', A.subnetId, subnetId, 'no such subnet exists in the region'));
    else if (subnet.vpcId !== settings.vpcId) problems.push(problem('SubnetNotFound', A.subnetId, subnetId, `the subnet is in ${subnet.vpcId}, not in the cluster's VPC ${settings.vpcId}`));
  }
  return {
    kind: 'create',
    name: loadBalancerName(owner),
    type: subnetId ? 'INTERNAL' : 'OPEN',
    vpcId: settings.vpcId,
    ...(subnetId ? { subnetId } : {}),
    tags: createdLoadBalancerTags(owner),
    clientToken: `clb-controller-${owner.uid}`.slice(0, 64),
  };
}

/** Ingress-level: every protocol with rules needs its listener, and an HTTPS listener needs a certificate it can read. */
function checkListeners(ingress: V1Ingress, candidates: readonly RuleCandidate[], hasHttps: boolean, annotations: IngressAnnotations, tls: TlsCertificates, problems: Problem[]): void {
  // Problems show the annotation as written (absent: the default it stands for).
  const raw = (key: string, absent: string) => ingress.metadata?.annotations?.[key] ?? absent;
  const listenPorts = raw(A.listenPorts, '[{"HTTP":80},{"HTTPS":443}]');
  const needsHttp = candidates.some((c) => c.protocol === 'HTTP') || (annotations.autoRewrite && hasHttps);
  if (needsHttp && annotations.listenPorts.http === undefined) {
    const why = annotations.autoRewrite && hasHttps ? `${A.autoRewrite} redirects from HTTP` : 'rules are placed on HTTP';
    problems.push(problem('InvalidAnnotation', A.listenPorts, listenPorts, `${why}, but no HTTP listener is listed; add one, e.g. {"HTTP":80}`));
  }
  if (!hasHttps) return;
  if (annotations.listenPorts.https === undefined) {
    problems.push(problem('InvalidAnnotation', A.listenPorts, listenPorts, 'the Ingress has TLS (or https-rules), but no HTTPS listener is listed; add one, e.g. {"HTTPS":443}'));
  }
  if (!tls.configured) {
    problems.push(problem('MissingCertificate', A.httpsRules, raw(A.httpsRules, ''), `the HTTPS listener needs a certificate: add a spec.tls entry naming a Secret that holds ${SECRET_KEYS.certId}`));
  } else if (!tls.anyUsable) {
    problems.push(...tls.unreadable);
  }
}

/** A candidate's targets (or redirect), and on an SNI listener its certificate; else the problem leaving it out. */
function buildRule(candidate: RuleCandidate, tls: TlsCertificates, resolve: ReturnType<typeof backendResolver>, annotations: IngressAnnotations): BuiltRule | { problem: Problem } {
  let certificate: Certificate | undefined;
  if (candidate.protocol === 'HTTPS' && tls.sni) {
    const read = tls.certificateFor(candidate.domain, candidate.hostField);
    if ('problem' in read) return read;
    certificate = read.certificate;
  }
  const base = { domain: candidate.domain, url: candidate.url, ...(certificate ? { certificate } : {}) };
  if (candidate.rewrite) {
    if (!annotations.rewriteSupport) {
      return { problem: problem('InvalidAnnotation', candidate.rewriteField ?? candidate.field, JSON.stringify(candidate.rewrite), `a redirect needs ${A.rewriteSupport}: "true"`) };
    }
    return { protocol: candidate.protocol, rule: { ...base, targets: [] }, gatePods: [], candidate };
  }
  if (!candidate.backend) return { problem: problem('InvalidIngressSpec', candidate.field, '', 'the rule has no backend') };
  const resolved = resolve(candidate.backend);
  if ('problem' in resolved) return resolved;
  const targets: Target[] = [...resolved.targets];
  return { protocol: candidate.protocol, rule: { ...base, targets }, gatePods: resolved.gatePods, candidate };
}

