/**
 * PURE: every node and endpoint a Service (or an Ingress's backend Services) could send traffic to, one line
 * each — bound or not, and why — from the same inputs and the same decisions as the builders.
 */
import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import { INGRESS_ANNOTATIONS, SERVICE_NAME_LABEL } from '../annotations/keys.js';
import type { IngressInputs } from '../ingress/build-ingress-model.js';
import { DEFAULT_WEIGHT as INGRESS_WEIGHT } from '../ingress/ingress-backends.js';
import { parseIngressAnnotations } from '../ingress/ingress-annotations.js';
import { collectRules } from '../ingress/ingress-rules.js';
import { nodePortWeights, type ServiceInputs } from '../service/build-service-model.js';
import { visitEndpoints } from '../service/direct-targets.js';
import { nodeGrace } from '../service/nodes.js';
import { parseServiceAnnotations } from '../service/service-annotations.js';
import { endpointLine, nodeLines, type BackendLine } from './backend-lines.js';

const portName = (port: { port: number; protocol?: string; name?: string }) => `${port.protocol ?? 'TCP'}:${port.port}${port.name ? ` (${port.name})` : ''}`;

export function serviceBackendLines(inputs: ServiceInputs): BackendLine[] {
  const { annotations } = parseServiceAnnotations(inputs.service);
  const ports = inputs.service.spec?.ports ?? [];
  if (annotations.directAccess) {
    const options = {
      graceShutdown: annotations.graceShutdown,
      graceNotReady: annotations.graceShutdownTkex,
      defaultWeight: annotations.rsWeight?.defaultWeight ?? 10,
      podWeights: annotations.rsWeight?.pods ?? {},
    };
    const pods = inputs.pods ?? new Map();
    return ports.flatMap((port) => {
      const lines: BackendLine[] = [];
      visitEndpoints(port, inputs.endpointSlices, pods, options, ({ podName, ip, port: targetPort, binding }) => lines.push(endpointLine(podName, ip, targetPort, binding, `port ${portName(port)}`)));
      return lines;
    });
  }
  const weightOf = nodePortWeights(inputs, annotations);
  const grace = nodeGrace(inputs);
  // Every port binds the same nodes: one line per node, naming the NodePorts.
  const nodePorts = ports.map((p) => p.nodePort).filter((p): p is number => p !== undefined);
  const serves = ports.map((p) => `${portName(p)} → NodePort ${p.nodePort ?? '(none)'}`).join(', ');
  return nodeLines(inputs.nodes, annotations.backendsSelector, grace, serves, nodePorts.length === 1 ? nodePorts[0] : undefined, (node) => weightOf(node.metadata?.name ?? ''));
}

/** An Ingress's backends: per backend Service it names, its Pods (direct access) or its NodePort on the nodes. */
export function ingressBackendLines(inputs: IngressInputs): BackendLine[] {
  const { ingress } = inputs;
  const grace = nodeGrace(inputs);
  const direct = ingress.metadata?.annotations?.[INGRESS_ANNOTATIONS.directAccess] === 'true';
  const lines: BackendLine[] = [];
  let nodesShown = false;
  for (const ref of backendRefs(ingress)) {
    const service: V1Service | undefined = inputs.services.get(ref.service);
    const port = service?.spec?.ports?.find((p) => (typeof ref.port === 'number' ? p.port === ref.port : p.name === ref.port));
    if (!service || !port) continue; // The build's problems say which (E4041, E4042).
    const serves = `backend ${ref.service}:${ref.port}`;
    if (direct) {
      const slices = inputs.endpointSlices.filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === ref.service);
      visitEndpoints(port, slices, inputs.pods, { graceShutdown: false, graceNotReady: false, defaultWeight: INGRESS_WEIGHT, podWeights: {} }, ({ podName, ip, port: targetPort, binding }) =>
        lines.push(endpointLine(podName, ip, targetPort, binding, serves)));
    } else if (!nodesShown) {
      // Every NodePort backend is bound on the same nodes: they are shown once.
      nodesShown = true;
      lines.push(...nodeLines(inputs.nodes, undefined, grace, 'every NodePort backend', undefined, () => INGRESS_WEIGHT));
    }
  }
  return lines;
}

/** The backend Services of the Ingress's rules, each once: the rules as the builder collects them (rule-mix included). */
function backendRefs(ingress: V1Ingress): { service: string; port: number | string }[] {
  const refs = new Map<string, { service: string; port: number | string }>();
  for (const { backend } of collectRules(ingress, parseIngressAnnotations(ingress).annotations).candidates) {
    if (backend) refs.set(`${backend.serviceName}:${backend.port}`, { service: backend.serviceName, port: backend.port });
  }
  return [...refs.values()];
}
