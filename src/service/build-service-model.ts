/**
 * PURE: a LoadBalancer Service (with the nodes, endpoints, Secrets and subnets it refers to) → the desired
 * CLB state, or the list of user errors that stop it. No I/O, no clock: the same inputs give the same model.
 */
import type { V1EndpointSlice, V1Node, V1Pod, V1Secret, V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { Certificate, ListenerProtocol, Subnet, Target } from '../../providers/provider.js';
import { SECRET_KEYS, SERVICE_ANNOTATIONS as A } from '../annotations/keys.js';
import { problem, type Problem } from '../model/problems.js';
import { isValidHost } from '../annotations/parse.js';
import { createdLoadBalancerTags, listenerName, loadBalancerName, type Owner } from '../model/naming.js';
import type { Built, Refused } from '../model/built.js';
import { DEFAULT_DOMAIN, type DesiredListener, type DesiredLoadBalancer, type DesiredRule } from '../model/desired.js';
import { declaresGate, directBackends } from './direct-targets.js';
import { backendNodes, earliestGraceEnd, nodeGrace, readyEndpointsPerNode } from './nodes.js';
import { parseServiceAnnotations, type PortProtocolSpec, type ServiceAnnotations } from './service-annotations.js';
import type { Lookup } from '../kube/cluster-view.js';

export interface ClusterSettings {
  readonly clusterId: string;
  readonly vpcId: string;
}

export interface ServiceInputs {
  readonly service: V1Service;
  readonly nodes: readonly V1Node[];
  readonly endpointSlices: readonly V1EndpointSlice[];
  /** Secrets of the Service's namespace, by name. */
  readonly secrets: Lookup<V1Secret>;
  /** Subnets looked up for the internal-subnet annotation (undefined: does not exist). */
  readonly subnets: ReadonlyMap<string, Subnet | undefined>;
  /** Pods of the Service's namespace, by name (direct access). */
  readonly pods?: Lookup<V1Pod>;
  /** The clock, as data: with it a node that went NotReady less than `nodeReadyGraceMs` ago stays bound. */
  readonly now?: number;
  /** Default 60 s; used only with `now`. */
  readonly nodeReadyGraceMs?: number;
}

export type { Built, Refused };
export type BuildResult = Built | Refused;

/** How a port's backends are found: a NodePort on eligible nodes, or Pod ENI IPs (direct access). */
type BackendsFor = (port: V1ServicePort, field: string, problems: Problem[]) => Target[] | undefined;

export const DEFAULT_WEIGHT = 10;

export function serviceOwner(service: V1Service, settings: ClusterSettings): Owner {
  return { kind: 'Service', clusterId: settings.clusterId, namespace: service.metadata?.namespace ?? 'default', name: service.metadata?.name ?? '', uid: service.metadata?.uid ?? '' };
}

export function buildServiceModel(inputs: ServiceInputs, settings: ClusterSettings): BuildResult {
  const { service } = inputs;
  const { annotations, problems } = parseServiceAnnotations(service);
  const owner = serviceOwner(service, settings);
  const warnings: Problem[] = [];
  const gatePods = new Set<string>();
  const loadBalancer = desiredLoadBalancer(owner, annotations, inputs, settings, problems);
  const backendsFor = annotations.directAccess ? directBackendsFor(inputs, annotations, warnings, gatePods, problems) : nodePortBackendsFor(inputs, annotations);
  const listeners = (service.spec?.ports ?? []).flatMap((port, index) => listenersFor(port, index, owner, annotations, inputs, backendsFor, problems, warnings));
  if (problems.length || !loadBalancer) return { ok: false, problems };
  const recheckAt = annotations.directAccess ? undefined : earliestGraceEnd(inputs.nodes, annotations.backendsSelector, nodeGrace(inputs));
  return {
    ok: true,
    model: {
      loadBalancer,
      attributes: {
        ...(annotations.securityGroups ? { securityGroups: annotations.securityGroups } : {}),
        ...(annotations.passToTarget !== undefined ? { passToTarget: annotations.passToTarget } : {}),
        ...(annotations.modificationProtection !== undefined ? { modificationProtect: annotations.modificationProtection } : {}),
      },
      listeners,
    },
    warnings: dedupe(warnings),
    readinessGatePods: [...gatePods].sort(),
    ...(recheckAt !== undefined ? { recheckAt } : {}),
  };
}

const dedupe = (problems: Problem[]): Problem[] => [...new Map(problems.map((p) => [`${p.field}|${p.value}|${p.reason}`, p])).values()];

function desiredLoadBalancer(owner: Owner, annotations: ServiceAnnotations, inputs: ServiceInputs, settings: ClusterSettings, problems: Problem[]): DesiredLoadBalancer | undefined {
  if (annotations.existingLoadBalancerId) return { kind: 'existing', id: annotations.existingLoadBalancerId };
  const subnetId = annotations.internalSubnetId;
  if (subnetId) {
    const subnet = inputs.subnets.get(subnetId);
    if (!subnet) problems.push(problem('SubnetNotFound', A.internalSubnetId, subnetId, 'no such subnet exists in the region'));
    else if (subnet.vpcId !== settings.vpcId) problems.push(problem('SubnetNotFound', A.internalSubnetId, subnetId, `the subnet is in ${subnet.vpcId}, not in the cluster's VPC ${settings.vpcId}`));
    if (annotations.internetMaxBandwidthOut !== undefined) {
      problems.push(problem('InvalidAnnotation', A.internetMaxBandwidthOut, String(annotations.internetMaxBandwidthOut), 'only public CLBs take a bandwidth limit; remove it or the internal-subnet annotation'));
    }
  }
  return {
    kind: 'create',
    name: loadBalancerName(owner),
    type: subnetId ? 'INTERNAL' : 'OPEN',
    vpcId: settings.vpcId,
    ...(subnetId ? { subnetId } : {}),
    tags: createdLoadBalancerTags(owner),
    clientToken: `clb-controller-${owner.uid}`.slice(0, 64),
    ...(annotations.internetChargeType ? { internetChargeType: annotations.internetChargeType } : {}),
    ...(annotations.internetMaxBandwidthOut ? { internetMaxBandwidthOut: annotations.internetMaxBandwidthOut } : {}),
    ...(annotations.extensiveParameters ? { extraParameters: annotations.extensiveParameters } : {}),
  };
}

/**
 * An eligible node's weight as a NodePort backend: the default, or — with Local traffic policy and local-only
 * binding — none without a ready local endpoint, and (weighted balance) in proportion to its local endpoints.
 */
export function nodePortWeights(inputs: ServiceInputs, annotations: ServiceAnnotations): (nodeName: string) => number | 'NoLocalEndpoint' {
  if (inputs.service.spec?.externalTrafficPolicy !== 'Local' || !annotations.localOnlyBindNodeWithPod) return () => DEFAULT_WEIGHT;
  const perNode = readyEndpointsPerNode(inputs.endpointSlices);
  const most = Math.max(1, ...perNode.values());
  return (nodeName) => {
    const local = perNode.get(nodeName);
    if (local === undefined) return 'NoLocalEndpoint';
    return annotations.localWeightedBalance ? Math.max(1, Math.round((100 * local) / most)) : DEFAULT_WEIGHT;
  };
}

/** NodePort targets for a port: eligible nodes, narrowed and weighted by Local traffic policy when asked. */
function nodePortBackendsFor(inputs: ServiceInputs, annotations: ServiceAnnotations): BackendsFor {
  const weightOf = nodePortWeights(inputs, annotations);
  const weights = new Map<string, number>();
  const nodes = backendNodes(inputs.nodes, annotations.backendsSelector, nodeGrace(inputs)).filter((n) => {
    const weight = weightOf(n.nodeName);
    if (weight !== 'NoLocalEndpoint') weights.set(n.instanceId, weight);
    return weight !== 'NoLocalEndpoint';
  });
  return (port, field, problems) => {
    if (!port.nodePort) {
      problems.push(problem('InvalidServiceSpec', `${field}.nodePort`, '', 'the port has no NodePort (allocateLoadBalancerNodePorts: false?); NodePort backends need one'));
      return undefined;
    }
    const nodePort = port.nodePort;
    return nodes.map((n) => ({ instanceId: n.instanceId, port: nodePort, weight: weights.get(n.instanceId) ?? DEFAULT_WEIGHT }));
  };
}

/** Pod ENI targets for a port (direct access), from the Service's EndpointSlices and Pods. */
function directBackendsFor(inputs: ServiceInputs, annotations: ServiceAnnotations, warnings: Problem[], gatePods: Set<string>, problems: Problem[]): BackendsFor {
  if (!inputs.service.spec?.selector || !Object.keys(inputs.service.spec.selector).length) {
    problems.push(problem('UnsupportedFeature', A.directAccess, 'true', 'a Service without a selector has no Pods to bind directly; remove direct-access to bind NodePorts'));
  }
  const pods = inputs.pods ?? new Map<string, V1Pod>();
  const options = {
    graceShutdown: annotations.graceShutdown,
    graceNotReady: annotations.graceShutdownTkex,
    defaultWeight: annotations.rsWeight?.defaultWeight ?? DEFAULT_WEIGHT,
    podWeights: annotations.rsWeight?.pods ?? {},
  };
  return (port) => {
    const backends = directBackends(port, inputs.endpointSlices, pods, options);
    for (const pod of backends.hostNetworkPods) {
      warnings.push(problem('UnsupportedFeature', A.directAccess, 'true', `Pod ${pod} uses the host network and cannot be a direct (ENI) backend; it is not bound`));
    }
    for (const pod of backends.boundPods) if (declaresGate(pods.get(pod))) gatePods.add(pod);
    return backends.targets;
  };
}

/** Session persistence from `sessionAffinity: ClientIP`, within what CLB accepts (30-3600 s). */
function sessionExpireTime(service: V1Service): number {
  if (service.spec?.sessionAffinity !== 'ClientIP') return 0;
  const timeout = service.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800;
  return Math.min(3600, Math.max(30, timeout));
}

function listenersFor(
  port: V1ServicePort,
  index: number,
  owner: Owner,
  annotations: ServiceAnnotations,
  inputs: ServiceInputs,
  backendsFor: BackendsFor,
  problems: Problem[],
  warnings: Problem[],
): DesiredListener[] {
  const field = `spec.ports[${index}]`;
  const spec: PortProtocolSpec | undefined = annotations.specifyProtocol?.[String(port.port)];
  // Problems with the annotation show it as the user wrote it.
  const specValue = inputs.service.metadata?.annotations?.[A.specifyProtocol]?.trim() ?? '';
  const portProtocol = port.protocol ?? 'TCP';
  const protocols = spec?.protocols ?? [portProtocol];
  if (!spec && protocols[0] !== 'TCP' && protocols[0] !== 'UDP') {
    problems.push(problem('InvalidServiceSpec', `${field}.protocol`, String(protocols[0]), 'CLB listeners support TCP and UDP Service ports'));
    return [];
  }
  if (protocols.length > 1) {
    // Several listeners on one port (TCP and UDP): only Pods can be reached on both; a NodePort is one protocol.
    if (!annotations.directAccess || protocols.some((p) => p !== 'TCP' && p !== 'UDP') || new Set(protocols).size !== protocols.length) {
      problems.push(problem('UnsupportedFeature', A.specifyProtocol, specValue, `port ${port.port}: several protocols on one port are TCP and UDP together, with direct access to Pods`));
      return [];
    }
    const targets = backendsFor(port, field, problems);
    if (!targets) return [];
    const session = sessionExpireTime(inputs.service);
    return protocols.map((p) => ({ name: listenerName(owner, p, port.port), protocol: p as ListenerProtocol, port: port.port, sessionExpireTime: session, targets, rules: [] }));
  }
  // TKE: a TCP Service port may become TCP_SSL, HTTP or HTTPS, a UDP port only UDP; the listener forwards to the port's NodePort.
  if (spec && portProtocol !== (protocols[0] === 'UDP' ? 'UDP' : 'TCP')) {
    problems.push(problem('InvalidAnnotation', A.specifyProtocol, specValue, `port ${port.port}: a ${portProtocol} Service port cannot be served by a ${protocols[0]} listener; TCP ports take TCP, TCP_SSL, HTTP or HTTPS, UDP ports UDP`));
    return [];
  }
  const protocol = protocols[0] as ListenerProtocol;
  const targets = backendsFor(port, field, problems);
  if (!targets) return [];
  const session = sessionExpireTime(inputs.service);
  const base = { name: listenerName(owner, protocol, port.port), protocol, port: port.port };
  const certificate = (secretName: string | undefined, what: string) => certificateFrom(secretName, inputs.secrets, what, problems, specValue);

  if (protocol === 'TCP' || protocol === 'UDP') return [{ ...base, sessionExpireTime: session, targets, rules: [] }];
  if (protocol === 'TCP_SSL') {
    const cert = certificate(spec?.tls, `port ${port.port} (TCP_SSL)`);
    return cert ? [{ ...base, sessionExpireTime: session, certificate: cert, targets, rules: [] }] : [];
  }
  // HTTP/HTTPS: one rule per host (none: the CLB's VIP), all to the same NodePort. A host CLB would refuse is left
  // out with a Warning — it would fail the whole CreateRule call, and the valid hosts with it.
  const given = Object.entries(spec?.hosts ?? {});
  const hosts = given.filter(([host]) => isValidHost(host));
  for (const [host] of given.filter(([h]) => !isValidHost(h))) {
    warnings.push(problem('InvalidAnnotation', A.specifyProtocol, host, `port ${port.port}: "${host}" is not a host name CLB accepts (lowercase letters, digits, '-' and '.', an optional leading '*.'; internationalised names in their xn-- form); it is left out, the other hosts are served`));
  }
  if (given.length && !hosts.length) {
    problems.push(problem('InvalidAnnotation', A.specifyProtocol, specValue, `port ${port.port}: none of its hosts is a host name CLB accepts`));
    return [];
  }
  const hostList: (readonly [string, { readonly tls?: string }])[] = hosts.length ? hosts : [[DEFAULT_DOMAIN, {}]];
  const rules: DesiredRule[] = hostList.map(([domain, hostSpec]) => {
    const hostCert = protocol === 'HTTPS' && hostSpec.tls ? certificate(hostSpec.tls, `host ${domain}`) : undefined;
    return { domain, url: '/', sessionExpireTime: session, ...(hostCert ? { certificate: hostCert } : {}), targets };
  });
  if (protocol === 'HTTP') return [{ ...base, targets: [], rules }];
  const sni = hosts.some(([, h]) => h.tls);
  const listenerCert = spec?.tls ? certificate(spec.tls, `port ${port.port} (HTTPS)`) : undefined;
  if (!listenerCert && !sni) {
    problems.push(problem('InvalidAnnotation', A.specifyProtocol, specValue, `port ${port.port}: HTTPS needs a certificate: set "tls" to a Secret holding ${SECRET_KEYS.certId}`));
    return [];
  }
  if (sni && hosts.some(([, h]) => !h.tls)) {
    problems.push(problem('InvalidAnnotation', A.specifyProtocol, specValue, `port ${port.port}: with per-host certificates every host needs its own "tls"`));
    return [];
  }
  return [{ ...base, ...(listenerCert && !sni ? { certificate: listenerCert } : {}), sniEnabled: sni, targets: [], rules }];
}

/** A Tencent Cloud certificate named by a Secret's `qcloud_cert_id` (and `qcloud_ca_cert_id` for mutual TLS). */
export function certificateFrom(secretName: string | undefined, secrets: Lookup<V1Secret>, what: string, problems: Problem[], annotationValue = ''): Certificate | undefined {
  if (!secretName) {
    problems.push(problem('InvalidAnnotation', A.specifyProtocol, annotationValue, `${what} needs "tls": the name of a Secret holding ${SECRET_KEYS.certId}`));
    return undefined;
  }
  const secret = secrets.get(secretName);
  const read = (key: string) => {
    const value = secret?.data?.[key] ?? (secret?.stringData?.[key] !== undefined ? Buffer.from(secret.stringData[key]!).toString('base64') : undefined);
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8').trim();
  };
  const certId = read(SECRET_KEYS.certId);
  if (!secret || !certId) {
    problems.push(problem('SecretNotFound', A.specifyProtocol, secretName, secret ? `Secret ${secretName} has no key ${SECRET_KEYS.certId}` : `Secret ${secretName} does not exist in the Service's namespace`, secret ? 'C4009' : 'E4010'));
    return undefined;
  }
  const caCertId = read(SECRET_KEYS.caCertId);
  return { mode: caCertId ? 'MUTUAL' : 'UNIDIRECTIONAL', certId, ...(caCertId ? { caCertId } : {}) };
}
