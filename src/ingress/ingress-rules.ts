/**
 * The rules an Ingress asks for — spec.rules, spec.defaultBackend and, in mixed mode, the http-rules / https-rules
 * annotations — each placed on HTTP or HTTPS, with its CLB domain and url. Host and path values are checked here;
 * a bad one is a rule-level problem that leaves that rule out and nothing else.
 *
 * Decisions where TKE's documentation is silent (reference §4 ⚠):
 * - pathType: CLB matches a plain url as a prefix and `=url` exactly (CLB URL rules). So Prefix and
 *   ImplementationSpecific (and a missing pathType, as in v1beta1) → url = path ('' → '/'); Exact → `=` + path.
 *   Note CLB's prefix match is by characters: `/foo` also matches `/foobar` (Kubernetes' Prefix is per segment).
 * - spec.defaultBackend → a rule on the default domain (the VIP) with url '/', unless spec.rules already has one
 *   there (then the explicit rule wins, silently: the default backend only serves what no rule matches). A rule
 *   with a host and no `http` section sends that host to the default backend: a '/' rule on that host.
 * - Mixed mode (rule-mix "true"): the annotations describe the rules. http-rules go on HTTP, https-rules on HTTPS;
 *   an annotation rule matching a spec path (same host, path, service and port) takes that path's pathType;
 *   a spec path (or the default backend) that no annotation lists goes on HTTPS when spec.tls is set (TKE: "added
 *   to the HTTPS rule set by default"), else on HTTP. Annotation rules have no pathType: they are prefix rules.
 * - One rule per listener per domain+url: the first wins, a later duplicate is a rule-level problem.
 */
import type { V1HTTPIngressPath, V1Ingress, V1IngressBackend } from '@kubernetes/client-node';
import { INGRESS_ANNOTATIONS as A } from '../annotations/keys.js';
import { isValidHost } from '../annotations/parse.js';
import { problem, type Problem } from '../model/problems.js';
import { DEFAULT_DOMAIN, ruleKey } from '../model/desired.js';
import type { AnnotationRewrite, AnnotationRule, IngressAnnotations } from './ingress-annotations.js';

export type L7Protocol = 'HTTP' | 'HTTPS';

/** A Service backend: the Service's name and its port, by number or by name. */
export interface BackendRef {
  readonly serviceName: string;
  readonly port: number | string;
  /** Where to point problems with the name and the port. */
  readonly serviceField: string;
  readonly portField: string;
}

/** One rule to be: a domain+url on a listener, forwarding to a backend or (rewrite-support) redirecting. */
export interface RuleCandidate {
  readonly protocol: L7Protocol;
  /** '' for none: the default domain. */
  readonly host: string;
  readonly domain: string;
  readonly url: string;
  /** The field problems with this rule's host point at, and the rule's own location (for duplicates). */
  readonly hostField: string;
  readonly field: string;
  readonly backend?: BackendRef;
  readonly rewrite?: AnnotationRewrite;
  readonly rewriteField?: string;
}

export interface CollectedRules {
  readonly candidates: RuleCandidate[];
  readonly problems: Problem[];
  readonly skipped: number;
}

const PATH_TYPES = ['Prefix', 'Exact', 'ImplementationSpecific'] as const;
const PATH = /^\/[a-zA-Z0-9.\-/=?]*$/;
const MAX_URL = 120;

export { isValidHost };

/** A spec path, the default backend, or an annotation rule, before placement and checks. */
interface RawRule {
  readonly host: string;
  readonly hostField: string;
  readonly path: string;
  readonly pathField: string;
  readonly pathType: string;
  readonly pathTypeField: string;
  /** Where the rule is written: spec.rules[0].http.paths[1], spec.defaultBackend, kubernetes.io/ingress.http-rules[0]. */
  readonly field: string;
  readonly backend?: BackendRef;
  /** Why the backend cannot be used as written (a resource backend, no port). */
  readonly backendProblem?: Problem;
  readonly rewrite?: AnnotationRewrite;
}

function specBackend(backend: V1IngressBackend | undefined, field: string): Pick<RawRule, 'backend' | 'backendProblem'> {
  const service = backend?.service;
  if (backend?.resource) {
    const { kind, name } = backend.resource;
    return { backendProblem: problem('InvalidIngressSpec', `${field}.resource`, `${kind}/${name}`, 'a resource backend cannot be bound: a CLB rule forwards to a Service (backend.service)') };
  }
  if (!service?.name) return { backendProblem: problem('InvalidIngressSpec', `${field}.service.name`, '', 'the rule names no backend Service') };
  const port = service.port?.number ?? service.port?.name;
  if (port === undefined || port === '') {
    return { backendProblem: problem('InvalidIngressSpec', `${field}.service.port`, '', 'the backend names no Service port (port.number or port.name)') };
  }
  const portField = service.port?.number !== undefined ? `${field}.service.port.number` : `${field}.service.port.name`;
  return { backend: { serviceName: service.name, port, serviceField: `${field}.service.name`, portField } };
}

function specRawRules(ingress: V1Ingress): RawRule[] {
  const raws: RawRule[] = [];
  const defaultBackend = ingress.spec?.defaultBackend;
  const toDefault = (host: string, hostField: string): RawRule => ({
    host, hostField, path: '/', pathField: 'spec.defaultBackend', pathType: 'Prefix', pathTypeField: 'spec.defaultBackend', field: 'spec.defaultBackend',
    ...specBackend(defaultBackend, 'spec.defaultBackend'),
  });
  for (const [i, rule] of (ingress.spec?.rules ?? []).entries()) {
    const host = rule.host ?? '';
    const hostField = `spec.rules[${i}].host`;
    if (!rule.http) {
      if (host && defaultBackend) raws.push(toDefault(host, hostField));
      continue;
    }
    for (const [j, path] of rule.http.paths.entries()) raws.push(specPath(path, host, hostField, `spec.rules[${i}].http.paths[${j}]`));
  }
  if (defaultBackend) {
    const shadowed = raws.some((r) => r.host === '' && urlOf(r.path, r.pathType) === '/');
    if (!shadowed) raws.push(toDefault('', 'spec.defaultBackend'));
  }
  return raws;
}

function specPath(path: V1HTTPIngressPath, host: string, hostField: string, field: string): RawRule {
  return {
    host, hostField, path: path.path || '/', pathField: `${field}.path`, pathType: path.pathType ?? 'ImplementationSpecific', pathTypeField: `${field}.pathType`, field,
    ...specBackend(path.backend, `${field}.backend`),
  };
}

function annotationRawRules(key: string, rules: readonly AnnotationRule[]): RawRule[] {
  return rules.map((rule, i) => {
    const field = `${key}[${i}]`;
    return {
      host: rule.host, hostField: `${field}.host`, path: rule.path, pathField: `${field}.path`, pathType: 'Prefix', pathTypeField: field, field,
      ...(rule.backend
        ? { backend: { serviceName: rule.backend.serviceName, port: rule.backend.servicePort, serviceField: `${field}.backend.serviceName`, portField: `${field}.backend.servicePort` } }
        : {}),
      ...(rule.rewrite ? { rewrite: rule.rewrite } : {}),
    };
  });
}

const sameRule = (spec: RawRule, annotation: RawRule): boolean =>
  spec.host === annotation.host && spec.path === annotation.path && spec.backend !== undefined && annotation.backend !== undefined &&
  spec.backend.serviceName === annotation.backend.serviceName && String(spec.backend.port) === String(annotation.backend.port);

/** The url CLB matches for a path and pathType (undefined: not a pathType CLB can serve). */
function urlOf(path: string, pathType: string): string | undefined {
  if (pathType === 'Exact') return `=${path}`;
  return (PATH_TYPES as readonly string[]).includes(pathType) ? path : undefined;
}

/** Every rule placed on its listener, checked; the first of two rules on one listener's domain+url wins. */
export function collectRules(ingress: V1Ingress, annotations: IngressAnnotations): CollectedRules {
  const hasTls = (ingress.spec?.tls ?? []).length > 0;
  const specRules = specRawRules(ingress);
  const placed: { raw: RawRule; protocol: L7Protocol }[] = [];
  if (!annotations.ruleMix) {
    for (const raw of specRules) placed.push({ raw, protocol: hasTls ? 'HTTPS' : 'HTTP' });
  } else {
    const annotated = [
      ...annotationRawRules(A.httpRules, annotations.httpRules ?? []).map((raw) => ({ raw, protocol: 'HTTP' as const })),
      ...annotationRawRules(A.httpsRules, annotations.httpsRules ?? []).map((raw) => ({ raw, protocol: 'HTTPS' as const })),
    ];
    for (const entry of annotated) {
      const match = specRules.find((spec) => sameRule(spec, entry.raw));
      placed.push(match ? { raw: { ...entry.raw, pathType: match.pathType, pathTypeField: match.pathTypeField }, protocol: entry.protocol } : entry);
    }
    for (const raw of specRules) {
      if (!annotated.some((a) => sameRule(raw, a.raw))) placed.push({ raw, protocol: hasTls ? 'HTTPS' : 'HTTP' });
    }
  }

  const problems: Problem[] = [];
  const candidates: RuleCandidate[] = [];
  const seen = new Map<string, string>();
  for (const { raw, protocol } of placed) {
    const checked = check(raw, protocol);
    if ('problem' in checked) {
      problems.push(checked.problem);
      continue;
    }
    const key = `${protocol}:${ruleKey(checked)}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(problem('InvalidIngressSpec', raw.field, `${raw.host}${raw.path}`, `${protocol} already has a rule for ${raw.host || 'the default domain'} ${checked.url} (${first}); a listener takes one rule per domain and url`));
      continue;
    }
    seen.set(key, raw.field);
    candidates.push(checked);
  }
  return { candidates, problems, skipped: problems.length };
}

function check(raw: RawRule, protocol: L7Protocol): RuleCandidate | { problem: Problem } {
  if (raw.host && !isValidHost(raw.host)) {
    return { problem: problem('InvalidIngressSpec', raw.hostField, raw.host, 'a host must be a lowercase DNS name (RFC 1123) or a wildcard like *.example.com') };
  }
  const url = urlOf(raw.path, raw.pathType);
  if (url === undefined) return { problem: problem('InvalidIngressSpec', raw.pathTypeField, raw.pathType, `accepted pathTypes are ${PATH_TYPES.join(', ')}`) };
  const pathProblem = (reason: string) => ({ problem: problem('InvalidIngressSpec', raw.pathField, raw.path, reason) });
  if (!raw.path.startsWith('/')) return pathProblem(`a path must start with '/'`);
  if (!PATH.test(raw.path)) {
    const wrong = [...new Set(raw.path.replace(/[a-zA-Z0-9.\-/=?]/g, ''))].map((c) => JSON.stringify(c)).join(', ');
    return pathProblem(`${wrong} cannot be in a CLB url, which takes a-z A-Z 0-9 . - / = ?`);
  }
  if (url.length > MAX_URL) return pathProblem(`the CLB url ${raw.pathType === 'Exact' ? "('=' + path, for Exact) " : ''}is ${url.length} characters; at most ${MAX_URL} are accepted`);
  if (raw.backendProblem && !raw.rewrite) return { problem: raw.backendProblem };
  return {
    protocol,
    host: raw.host,
    domain: raw.host || DEFAULT_DOMAIN,
    url,
    hostField: raw.hostField,
    field: raw.field,
    ...(raw.backend ? { backend: raw.backend } : {}),
    ...(raw.rewrite ? { rewrite: raw.rewrite, rewriteField: `${raw.field}.rewrite` } : {}),
  };
}
