/** An Ingress's CLB annotations (TKE's l7-lb-controller names), parsed and validated; every bad value becomes a Problem. */
import type { V1Ingress } from '@kubernetes/client-node';
import { INGRESS_ANNOTATIONS as A } from '../annotations/keys.js';
import { annotationTaker, dropUndefined, parseBoolean, parseId, type Parsed } from '../annotations/parse.js';
import { problem, type Problem } from '../model/problems.js';
import { ID } from '../service/service-annotations.js';

/** The listener ports of the Ingress's CLB; a protocol left out of `listen-ports` has no listener. */
export interface ListenPorts {
  readonly http?: number;
  readonly https?: number;
}

export const DEFAULT_LISTEN_PORTS: ListenPorts = { http: 80, https: 443 };

/** Where a rule redirects to (rewrite-support): a listener port, and the target host/path (default: the rule's own). */
export interface AnnotationRewrite {
  readonly port: number;
  readonly host?: string;
  readonly path?: string;
}

/** One entry of http-rules / https-rules: `{host, path, backend:{serviceName, servicePort}}`, or a redirect (`rewrite`). */
export interface AnnotationRule {
  /** '' when absent: the CLB's VIP. */
  readonly host: string;
  /** '/' when absent or empty (TKE: "Path defaults to /"). */
  readonly path: string;
  /** servicePort: a number, or a port name (a string of digits is read as a number, as TKE's examples write "80"). */
  readonly backend?: { readonly serviceName: string; readonly servicePort: number | string };
  readonly rewrite?: AnnotationRewrite;
}

export interface IngressAnnotations {
  readonly existingLoadBalancerId?: string;
  readonly subnetId?: string;
  readonly listenPorts: ListenPorts;
  readonly ruleMix: boolean;
  /** Read only with rule-mix "true" (TKE ignores them otherwise). */
  readonly httpRules?: readonly AnnotationRule[];
  readonly httpsRules?: readonly AnnotationRule[];
  readonly directAccess: boolean;
  readonly autoRewrite: boolean;
  readonly rewriteSupport: boolean;
}

export interface ParsedIngressAnnotations {
  readonly annotations: IngressAnnotations;
  /** Ingress-level: any of them stops the build. */
  readonly problems: Problem[];
  /** Worth a Warning, not blocking. */
  readonly warnings: Problem[];
}

export function parseIngressAnnotations(ingress: V1Ingress): ParsedIngressAnnotations {
  const raw = ingress.metadata?.annotations ?? {};
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const take = annotationTaker(ingress.metadata?.annotations, problems);
  const ruleMix = take(A.ruleMix, parseBoolean) ?? false;
  // TKE reads the rule annotations only in mixed mode; elsewhere they are ignored, which deserves a word.
  if (!ruleMix) {
    for (const key of [A.httpRules, A.httpsRules]) {
      if (raw[key] !== undefined) warnings.push(problem('InvalidAnnotation', key, raw[key], `ignored: the rule annotations are read only with ${A.ruleMix}: "true"`));
    }
  }
  const annotations: IngressAnnotations = {
    existingLoadBalancerId: take(A.existingLoadBalancerId, (f, v) => parseId(f, v, ID.loadBalancer, 'lb-xxxxxxxx')),
    subnetId: take(A.subnetId, (f, v) => parseId(f, v, ID.subnet, 'subnet-xxxxxxxx')),
    listenPorts: take(A.listenPorts, parseListenPorts) ?? DEFAULT_LISTEN_PORTS,
    ruleMix,
    httpRules: ruleMix ? take(A.httpRules, parseAnnotationRules) : undefined,
    httpsRules: ruleMix ? take(A.httpsRules, parseAnnotationRules) : undefined,
    directAccess: take(A.directAccess, parseBoolean) ?? false,
    autoRewrite: take(A.autoRewrite, parseBoolean) ?? false,
    rewriteSupport: take(A.rewriteSupport, parseBoolean) ?? false,
  };
  return { annotations: dropUndefined(annotations), problems, warnings };
}


export interface IngressLifecycle {
  /** mode: skip — make no change to the CLB; on delete leave everything in place. */
  readonly skip: boolean;
  /** loadbalance-retain — on delete keep the created CLB (listeners and rules of the Ingress are still removed). */
  readonly retain: boolean;
  /** deletion-protection — the CLB's deletion protection; undefined (not set, or unreadable): left as it is. */
  readonly deletionProtection: boolean | undefined;
  /** modification-protection — compared with the CLB's, never written (only the console switches it). */
  readonly modificationProtection: boolean | undefined;
  readonly problems: Problem[];
}

/**
 * The lifecycle annotations, for the controller. An invalid value is a Problem (and stops buildIngressModel too);
 * the value then taken is the safe one: no skip, but RETAIN (a typo must never be the reason a CLB is deleted),
 * and deletion protection left as the CLB has it (only an annotation the user set changes a protection).
 */
export function parseIngressLifecycle(ingress: V1Ingress): IngressLifecycle {
  const problems: Problem[] = [];
  const take = annotationTaker(ingress.metadata?.annotations, problems);
  const mode = ingress.metadata?.annotations?.[A.mode];
  if (mode !== undefined && mode.trim() !== 'skip') problems.push(problem('InvalidAnnotation', A.mode, mode, 'the only accepted value is "skip"'));
  const retainValue = ingress.metadata?.annotations?.[A.loadBalanceRetain];
  const retain = take(A.loadBalanceRetain, parseBoolean);
  return {
    skip: mode?.trim() === 'skip',
    retain: retain ?? retainValue !== undefined,
    deletionProtection: take(A.deletionProtection, parseBoolean),
    modificationProtection: take(A.modificationProtection, parseBoolean),
    problems,
  };
}

const isPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseJsonArray(field: string, value: string, example: string): Parsed<unknown[]> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return { ok: true, value: parsed };
    return { ok: false, problem: problem('InvalidAnnotation', field, value, `expected a JSON array like ${example}`) };
  } catch (error) {
    return { ok: false, problem: problem('InvalidAnnotation', field, value, `not valid JSON (${(error as Error).message}); expected a JSON array like ${example}`) };
  }
}

const LISTEN_PORTS_EXAMPLE = '[{"HTTP":80},{"HTTPS":443}]';

/** `[{"HTTP":80},{"HTTPS":443}]`: at most one port per protocol (the rules of each protocol go on one listener), no port twice. */
export function parseListenPorts(field: string, value: string): Parsed<ListenPorts> {
  const json = parseJsonArray(field, value, LISTEN_PORTS_EXAMPLE);
  if (!json.ok) return json;
  const bad = (reason: string): Parsed<never> => ({ ok: false, problem: problem('InvalidAnnotation', field, value, reason) });
  if (!json.value.length) return bad(`at least one listener is needed, e.g. ${LISTEN_PORTS_EXAMPLE}`);
  const ports: { http?: number; https?: number } = {};
  for (const [i, entry] of json.value.entries()) {
    const keys = isObject(entry) ? Object.keys(entry) : [];
    if (!isObject(entry) || keys.length !== 1) return bad(`entry ${i} must be an object with one key, the protocol, e.g. {"HTTPS":443}`);
    const protocol = keys[0]!;
    const port = entry[protocol];
    if (protocol !== 'HTTP' && protocol !== 'HTTPS') return bad(`entry ${i}: protocol ${protocol} is not accepted; accepted: HTTP, HTTPS`);
    if (!isPort(port)) return bad(`entry ${i}: the ${protocol} port must be an integer from 1 to 65535`);
    const key = protocol === 'HTTP' ? 'http' : 'https';
    if (ports[key] !== undefined) return bad(`${protocol} is listed twice; each protocol takes one port`);
    if (ports.http === port || ports.https === port) return bad(`port ${port} is listed twice`);
    ports[key] = port;
  }
  return { ok: true, value: ports };
}

const RULES_EXAMPLE = '[{"host":"a.example.com","path":"/","backend":{"serviceName":"web","servicePort":80}}]';

/** The JSON structure of http-rules / https-rules; host and path values are checked later, per rule, like spec.rules. */
export function parseAnnotationRules(field: string, value: string): Parsed<AnnotationRule[]> {
  const json = parseJsonArray(field, value, RULES_EXAMPLE);
  if (!json.ok) return json;
  const bad = (reason: string): Parsed<never> => ({ ok: false, problem: problem('InvalidAnnotation', field, value, reason) });
  const rules: AnnotationRule[] = [];
  for (const [i, entry] of json.value.entries()) {
    if (!isObject(entry)) return bad(`entry ${i} must be an object like ${RULES_EXAMPLE.slice(1, -1)}`);
    const { host, path, backend, rewrite } = entry;
    if (host !== undefined && typeof host !== 'string') return bad(`entry ${i}: host must be a string`);
    if (path !== undefined && typeof path !== 'string') return bad(`entry ${i}: path must be a string`);
    if (backend === undefined && rewrite === undefined) return bad(`entry ${i}: needs a backend {"serviceName","servicePort"} (or a "rewrite" redirect)`);
    let parsedBackend: AnnotationRule['backend'];
    if (backend !== undefined) {
      if (!isObject(backend) || typeof backend.serviceName !== 'string' || !backend.serviceName) return bad(`entry ${i}: backend.serviceName must be a Service name`);
      const port = backend.servicePort;
      const servicePort = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
      if (!isPort(servicePort) && !(typeof servicePort === 'string' && servicePort)) return bad(`entry ${i}: backend.servicePort must be a port number (1-65535) or a port name`);
      parsedBackend = { serviceName: backend.serviceName, servicePort };
    }
    let parsedRewrite: AnnotationRewrite | undefined;
    if (rewrite !== undefined) {
      if (!isObject(rewrite) || !isPort(rewrite.port)) return bad(`entry ${i}: rewrite must be {"port": 1-65535, "host": "<host>", "path": "<path>"}`);
      if (rewrite.host !== undefined && typeof rewrite.host !== 'string') return bad(`entry ${i}: rewrite.host must be a string`);
      if (rewrite.path !== undefined && typeof rewrite.path !== 'string') return bad(`entry ${i}: rewrite.path must be a string`);
      parsedRewrite = { port: rewrite.port, ...(rewrite.host !== undefined ? { host: rewrite.host } : {}), ...(rewrite.path !== undefined ? { path: rewrite.path } : {}) };
    }
    rules.push({ host: host ?? '', path: path || '/', ...(parsedBackend ? { backend: parsedBackend } : {}), ...(parsedRewrite ? { rewrite: parsedRewrite } : {}) });
  }
  return { ok: true, value: rules };
}
