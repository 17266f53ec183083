/** A Service's CLB annotations, parsed and validated together; every bad value becomes a Problem. */
import type { V1Service } from '@kubernetes/client-node';
import { SERVICE_ANNOTATIONS as A } from '../annotations/keys.js';
import { annotationTaker, dropUndefined, parseBoolean, parseEnum, parseId, parseIdList, parseIntInRange, parseJsonObject, parseLabelSelector, type Parsed, type Requirement } from '../annotations/parse.js';
import { problem, type Problem } from '../model/problems.js';

export const ID = {
  loadBalancer: /^lb-[a-z0-9]{8}$/,
  subnet: /^subnet-[a-z0-9]{8}$/,
  securityGroup: /^sg-[a-z0-9]{8}$/,
} as const;

export const CHARGE_TYPES = ['BANDWIDTH_POSTPAID_BY_HOUR', 'TRAFFIC_POSTPAID_BY_HOUR'] as const;
export const SPECIFIED_PROTOCOLS = ['TCP', 'UDP', 'TCP_SSL', 'HTTP', 'HTTPS'] as const;
export type SpecifiedProtocol = (typeof SPECIFIED_PROTOCOLS)[number];

export interface PortProtocolSpec {
  readonly protocols: readonly SpecifiedProtocol[];
  /** Secret holding the listener's (default) certificate: TCP_SSL, HTTPS. */
  readonly tls?: string;
  /** HTTP/HTTPS: one rule per host, each optionally with its own certificate Secret (SNI). */
  readonly hosts?: Readonly<Record<string, { readonly tls?: string }>>;
}

export interface ServiceAnnotations {
  readonly skip: boolean;
  readonly existingLoadBalancerId?: string;
  readonly internalSubnetId?: string;
  readonly internetChargeType?: (typeof CHARGE_TYPES)[number];
  readonly internetMaxBandwidthOut?: number;
  readonly extensiveParameters?: Readonly<Record<string, unknown>>;
  readonly localOnlyBindNodeWithPod: boolean;
  readonly localWeightedBalance: boolean;
  readonly backendsSelector?: readonly Requirement[];
  readonly directAccess: boolean;
  readonly graceShutdown: boolean;
  readonly graceShutdownTkex: boolean;
  readonly rsWeight?: RsWeight;
  readonly specifyProtocol?: Readonly<Record<string, PortProtocolSpec>>;
  readonly securityGroups?: readonly string[];
  readonly passToTarget?: boolean;
  readonly modificationProtection?: boolean;
}

/** Fields of CreateLoadBalancer that extensiveParameters must not override: they carry the controller's choices. */
const RESERVED_CREATE_FIELDS = ['LoadBalancerType', 'VpcId', 'SubnetId', 'Tags', 'ClientToken', 'LoadBalancerName', 'Number'];

export function parseServiceAnnotations(service: V1Service): { annotations: ServiceAnnotations; problems: Problem[] } {
  const raw = service.metadata?.annotations ?? {};
  const problems: Problem[] = [];
  const take = annotationTaker(raw, problems);

  const mode = raw[A.mode];
  if (mode !== undefined && mode !== 'skip') problems.push(problem('InvalidAnnotation', A.mode, mode, 'the only accepted value is "skip"'));
  const extensiveParameters = take(A.extensiveParameters, parseJsonObject);
  const reserved = Object.keys(extensiveParameters ?? {}).filter((k) => RESERVED_CREATE_FIELDS.includes(k));
  if (reserved.length) {
    problems.push(problem('InvalidAnnotation', A.extensiveParameters, raw[A.extensiveParameters] ?? '', `${reserved.join(', ')} cannot be set here: they are set by the controller from the Service and its other annotations`));
  }
  const annotations: ServiceAnnotations = {
    skip: mode === 'skip',
    existingLoadBalancerId: take(A.existingLoadBalancerId, (f, v) => parseId(f, v, ID.loadBalancer, 'lb-xxxxxxxx')),
    internalSubnetId: take(A.internalSubnetId, (f, v) => parseId(f, v, ID.subnet, 'subnet-xxxxxxxx')),
    internetChargeType: take(A.internetChargeType, (f, v) => parseEnum(f, v, CHARGE_TYPES)),
    internetMaxBandwidthOut: take(A.internetMaxBandwidthOut, (f, v) => parseIntInRange(f, v, 1, 2048)),
    extensiveParameters: reserved.length ? undefined : extensiveParameters,
    localOnlyBindNodeWithPod: take(A.localOnlyBindNodeWithPod, parseBoolean) ?? false,
    localWeightedBalance: take(A.localWeightedBalance, parseBoolean) ?? false,
    backendsSelector: take(A.backendsLabel, parseLabelSelector),
    directAccess: take(A.directAccess, parseBoolean) ?? false,
    graceShutdown: take(A.graceShutdown, parseBoolean) ?? false,
    graceShutdownTkex: take(A.graceShutdownTkex, parseBoolean) ?? false,
    rsWeight: take(A.rsWeight, parseRsWeight),
    specifyProtocol: take(A.specifyProtocol, parseSpecifyProtocol),
    securityGroups: take(A.securityGroups, (f, v) => parseIdList(f, v, ID.securityGroup, 'sg-xxxxxxxx', 5)),
    passToTarget: take(A.passToTarget, parseBoolean),
    modificationProtection: take(A.modificationProtection, parseBoolean),
  };
  return { annotations: dropUndefined(annotations), problems };
}


/** Explicit backend weights (direct access): `{"defaultWeight": 10, "pods": {"web-0": 50}}`, each 0-100. */
export interface RsWeight {
  readonly defaultWeight?: number;
  readonly pods: Readonly<Record<string, number>>;
}

export function parseRsWeight(field: string, value: string): Parsed<RsWeight> {
  const json = parseJsonObject(field, value);
  if (!json.ok) return json;
  const bad = (reason: string): Parsed<never> => ({ ok: false, problem: problem('InvalidAnnotation', field, value, reason) });
  const isWeight = (w: unknown): w is number => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 100;
  const { defaultWeight, pods, ...rest } = json.value as { defaultWeight?: unknown; pods?: unknown };
  if (Object.keys(rest).length) return bad(`unknown key ${Object.keys(rest)[0]}; accepted: {"defaultWeight": 0-100, "pods": {"<pod>": 0-100}}`);
  if (defaultWeight !== undefined && !isWeight(defaultWeight)) return bad('defaultWeight must be an integer from 0 to 100');
  if (pods !== undefined && (typeof pods !== 'object' || pods === null || Array.isArray(pods))) return bad('pods must be an object of Pod name to weight');
  const wrong = Object.entries((pods ?? {}) as Record<string, unknown>).find(([, w]) => !isWeight(w));
  if (wrong) return bad(`the weight of Pod ${wrong[0]} must be an integer from 0 to 100`);
  return { ok: true, value: { ...(defaultWeight !== undefined ? { defaultWeight } : {}), pods: (pods ?? {}) as Record<string, number> } };
}

/** `{"80":{"protocol":["TCP_SSL"],"tls":"secret"}, "443":{"protocol":["HTTPS"],"hosts":{"a.com":{"tls":"s"}}}}` */
export function parseSpecifyProtocol(field: string, value: string): Parsed<Record<string, PortProtocolSpec>> {
  const json = parseJsonObject(field, value);
  if (!json.ok) return json;
  const bad = (reason: string): Parsed<never> => ({ ok: false, problem: problem('InvalidAnnotation', field, value, reason) });
  const result: Record<string, PortProtocolSpec> = {};
  for (const [port, spec] of Object.entries(json.value)) {
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) return bad(`key "${port}" is not a port number (1-65535)`);
    if (!spec || typeof spec !== 'object') return bad(`port ${port}: expected an object like {"protocol":["TCP_SSL"],"tls":"<secret>"}`);
    const { protocol, tls, hosts } = spec as { protocol?: unknown; tls?: unknown; hosts?: unknown };
    const protocols = Array.isArray(protocol) ? protocol : [protocol];
    if (!protocols.length || protocols.some((p) => !(SPECIFIED_PROTOCOLS as readonly unknown[]).includes(p))) {
      return bad(`port ${port}: protocol must be a list of ${SPECIFIED_PROTOCOLS.join(', ')}`);
    }
    if (tls !== undefined && typeof tls !== 'string') return bad(`port ${port}: tls must be the name of a Secret`);
    if (hosts !== undefined && (typeof hosts !== 'object' || hosts === null || Array.isArray(hosts))) return bad(`port ${port}: hosts must be an object keyed by host name`);
    const hostSpecs: Record<string, { tls?: string }> = {};
    for (const [host, hostSpec] of Object.entries((hosts ?? {}) as Record<string, unknown>)) {
      const hostTls = (hostSpec as { tls?: unknown } | null)?.tls;
      if (hostTls !== undefined && typeof hostTls !== 'string') return bad(`port ${port}: hosts.${host}.tls must be the name of a Secret`);
      hostSpecs[host] = hostTls === undefined ? {} : { tls: hostTls };
    }
    result[port] = {
      protocols: protocols as SpecifiedProtocol[],
      ...(typeof tls === 'string' ? { tls } : {}),
      ...(hosts !== undefined ? { hosts: hostSpecs } : {}),
    };
  }
  return { ok: true, value: result };
}
