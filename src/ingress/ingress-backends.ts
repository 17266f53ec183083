/**
 * The targets of an Ingress rule's backend Service: its NodePort on every eligible node, or (direct-access) its
 * Pods' ENI IPs from the Service's EndpointSlices — the same choices the Service builder makes for a port.
 */
import type { V1EndpointSlice, V1Node, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { Target } from '../../providers/provider.js';
import { INGRESS_ANNOTATIONS as A, SERVICE_NAME_LABEL } from '../annotations/keys.js';
import { problem, type Problem } from '../model/problems.js';
import { declaresGate, directBackends } from '../service/direct-targets.js';
import { backendNodes, type NodeGrace } from '../service/nodes.js';
import type { BackendRef } from './ingress-rules.js';
import type { Lookup } from '../kube/cluster-view.js';

export const DEFAULT_WEIGHT = 10;

export type ResolvedBackend = { readonly targets: readonly Target[]; readonly gatePods: readonly string[] } | { readonly problem: Problem };

export interface BackendInputs {
  readonly namespace: string;
  readonly services: Lookup<V1Service>;
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly pods: Lookup<V1Pod>;
  readonly nodes: readonly V1Node[];
  /** NotReady grace for nodes (absent: none). */
  readonly grace?: NodeGrace | undefined;
}


const describePorts = (service: V1Service): string =>
  (service.spec?.ports ?? []).map((p) => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ') || 'none';

/** Why a backend cannot be used, and whether the Service (its name) or the port is at fault. */
interface Failure {
  readonly at: 'service' | 'port';
  readonly eventReason: Problem['eventReason'];
  readonly value: string;
  readonly reason: string;
}
type Resolution = { readonly targets: readonly Target[]; readonly gatePods: readonly string[] } | { readonly failure: Failure };

/**
 * A resolver of backends to targets, once per Service port. hostNetwork Pods (direct access) are reported in
 * `warnings`; the Pods whose readiness gates a rule binds come back with its targets, so only kept rules count.
 */
export function backendResolver(inputs: BackendInputs, directAccess: boolean, warnings: Problem[]): (ref: BackendRef) => ResolvedBackend {
  const nodes = backendNodes(inputs.nodes, undefined, inputs.grace);
  const cache = new Map<string, Resolution>();
  return (ref) => {
    const key = `${ref.serviceName}:${typeof ref.port}:${ref.port}`;
    let resolution = cache.get(key);
    if (!resolution) {
      resolution = resolve(ref);
      cache.set(key, resolution);
    }
    if (!('failure' in resolution)) return resolution;
    const { at, eventReason, value, reason } = resolution.failure;
    // TKE numbers a missing backend port apart from a missing Service.
    const code = eventReason === 'ServiceNotFound' && at === 'port' ? 'E4042' : undefined;
    return { problem: problem(eventReason, at === 'service' ? ref.serviceField : ref.portField, value, reason, code) };
  };

  function resolve(ref: BackendRef): Resolution {
    const fail = (at: Failure['at'], eventReason: Failure['eventReason'], reason: string): Resolution => ({
      failure: { at, eventReason, value: at === 'service' ? ref.serviceName : String(ref.port), reason },
    });
    const name = ref.serviceName;
    const service = inputs.services.get(name);
    if (!service) return fail('service', 'ServiceNotFound', `no Service ${name} in namespace ${inputs.namespace}`);
    const type = service.spec?.type ?? 'ClusterIP';
    if (type === 'ExternalName') return fail('service', 'InvalidBackendService', `Service ${name} is ExternalName: it has no endpoints or NodePorts a CLB can reach`);
    const port = (service.spec?.ports ?? []).find((p) => (typeof ref.port === 'number' ? p.port === ref.port : p.name === ref.port));
    if (!port) return fail('port', 'ServiceNotFound', `Service ${name} has no port ${ref.port}; its ports: ${describePorts(service)}`);
    if ((port.protocol ?? 'TCP') !== 'TCP') return fail('port', 'InvalidBackendService', `port ${ref.port} of Service ${name} is ${port.protocol}; HTTP(S) rules forward to TCP ports`);
    if (directAccess) {
      if (!service.spec?.selector || !Object.keys(service.spec.selector).length) {
        return fail('service', 'InvalidBackendService', `Service ${name} has no selector, so no Pods to bind directly; remove ${A.directAccess} to bind NodePorts`);
      }
      return direct(name, port);
    }
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      return fail('service', 'InvalidBackendService', `Service ${name} is ${type}: a CLB reaches a Service through its NodePort, so it must be NodePort or LoadBalancer (or set ${A.directAccess}: "true" to bind its Pods)`);
    }
    const nodePort = port.nodePort;
    if (!nodePort) return fail('port', 'InvalidBackendService', `port ${port.port} of Service ${name} has no NodePort (allocateLoadBalancerNodePorts: false?)`);
    return { targets: nodes.map((n) => ({ instanceId: n.instanceId, port: nodePort, weight: DEFAULT_WEIGHT })), gatePods: [] };
  }

  function direct(name: string, port: V1ServicePort): Resolution {
    const slices = inputs.endpointSlices.filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name);
    const backends = directBackends(port, slices, inputs.pods, { graceShutdown: false, graceNotReady: false, defaultWeight: DEFAULT_WEIGHT, podWeights: {} });
    for (const pod of backends.hostNetworkPods) {
      warnings.push(problem('UnsupportedFeature', A.directAccess, 'true', `Pod ${pod} uses the host network and cannot be a direct (ENI) backend; it is not bound`));
    }
    return { targets: backends.targets, gatePods: backends.boundPods.filter((pod) => declaresGate(inputs.pods.get(pod))) };
  }
}
