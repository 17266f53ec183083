/**
 * "Why is my Pod (or node) not getting traffic?" — one line per node or endpoint a Service (or an Ingress
 * backend) could send traffic to: whether it is a backend, at what weight, and why. The reasons are the
 * builders' own decisions (service/nodes.ts `nodeDecision`, service/direct-targets.ts `visitEndpoints`), so
 * `explain`, the decision log and the model cannot disagree.
 */
import type { V1Node } from '@kubernetes/client-node';
import type { EndpointBinding } from '../service/direct-targets.js';
import { nodeDecision, type NodeDecision, type NodeGrace } from '../service/nodes.js';
import type { Requirement } from '../annotations/parse.js';

export const BACKEND_REASONS = {
  Bound: 'a backend',
  NodeNotReadyInGrace: 'NotReady, still bound during its grace',
  NodeNotReady: 'NotReady',
  NodeUnschedulable: 'unschedulable (cordoned)',
  NodeControlPlane: 'a control-plane node',
  NodeExcludedByLabel: 'labelled node.kubernetes.io/exclude-from-external-load-balancers',
  NodeBeingDeleted: 'being deleted by the cluster autoscaler (ToBeDeletedByClusterAutoscaler taint)',
  NodeWithoutInstanceId: 'no CVM instance id (spec.providerID is not qcloud:///<zone>/ins-…)',
  NodeNotSelected: 'excluded by the backends label (service.kubernetes.io/qcloud-loadbalancer-backends-label)',
  NoLocalEndpoint: 'no ready endpoint on this node (externalTrafficPolicy: Local, local-only binding)',
  PodNotReady: 'Pod not ready',
  NotReadyAtWeightZero: 'Pod not ready: bound at weight 0 (enable-grace-shutdown-tkex)',
  Terminating: 'terminating: unbound',
  TerminatingAtWeightZero: 'terminating: bound at weight 0 until it is gone (enable-grace-shutdown)',
  ReadinessGatePending: 'readiness gate pending: bound so the CLB can confirm it, the gate opens then',
  HostNetwork: 'uses the host network: cannot be an ENI (direct) backend',
  LeftOutByQuota: 'left out by a quota (TOTAL_TARGET_BIND_QUOTA)',
  PendingRegistration: 'wanted, not on the CLB yet: the next reconcile registers it',
  TaskFailed: 'wanted, not on the CLB: its last registration task failed (E5009); retried with backoff',
  Deregistering: 'on the CLB but no longer wanted: the next reconcile removes it',
  Gone: 'no longer in the cluster (the node or the endpoint is gone)',
} as const;
export type BackendReason = keyof typeof BACKEND_REASONS;

export interface BackendLine {
  readonly kind: 'node' | 'pod';
  /** The node's or Pod's name (an endpoint without a Pod: its address). */
  readonly name: string;
  /** CVM instance id (a node) or ENI IP (an endpoint). */
  readonly address: string;
  readonly port?: number;
  /** What it serves: the Service port or the Ingress backend. */
  readonly serves: string;
  readonly bound: boolean;
  readonly weight?: number;
  readonly reason: BackendReason;
  /** The reason with its facts (since when, until when). */
  readonly detail: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? 'an unknown time' : new Date(ms).toISOString().replace('.000Z', 'Z'));

function describeNodeDecision(decision: NodeDecision, now: number | undefined): string {
  switch (decision.reason) {
    case 'NodeNotReadyInGrace':
      return `NotReady since ${iso(decision.since)}; stays bound until its grace ends at ${iso(decision.graceEndsAt)}${now !== undefined ? ` (in ${Math.max(0, Math.round((decision.graceEndsAt - now) / 1000))} s)` : ''}`;
    case 'NodeNotReady':
      return `NotReady since ${iso(decision.since)}${decision.graceMs ? `; its ${Math.round(decision.graceMs / 1000)} s grace has ended` : ''}: unbound`;
    default:
      return BACKEND_REASONS[decision.reason];
  }
}

/** A line per node for one port's NodePort: the same decision `backendNodes` takes. */
export function nodeLines(nodes: readonly V1Node[], selector: readonly Requirement[] | undefined, grace: NodeGrace | undefined, serves: string, port: number | undefined, weightOf: (node: V1Node, instanceId: string) => number | 'NoLocalEndpoint'): BackendLine[] {
  return nodes.map((node) => {
    const name = node.metadata?.name ?? '';
    const decision = nodeDecision(node, selector, grace);
    const base = { kind: 'node' as const, name, serves, ...(port !== undefined ? { port } : {}) };
    if (!decision.bound) return { ...base, address: node.spec?.providerID?.split('/').pop() ?? '', bound: false, reason: decision.reason, detail: describeNodeDecision(decision, grace?.now) };
    const weight = weightOf(node, decision.instanceId);
    if (weight === 'NoLocalEndpoint') return { ...base, address: decision.instanceId, bound: false, reason: 'NoLocalEndpoint', detail: BACKEND_REASONS.NoLocalEndpoint };
    return { ...base, address: decision.instanceId, bound: true, weight, reason: decision.reason, detail: decision.reason === 'Bound' ? `a backend, weight ${weight}` : describeNodeDecision(decision, grace?.now) };
  });
}

export function endpointLine(podName: string | undefined, ip: string, port: number, binding: EndpointBinding, serves: string): BackendLine {
  const base = { kind: 'pod' as const, name: podName ?? ip, address: ip, port, serves };
  if (!binding.bound) return { ...base, bound: false, reason: binding.reason, detail: BACKEND_REASONS[binding.reason] };
  const detail = binding.reason === 'Bound' ? `a backend, weight ${binding.weight}` : BACKEND_REASONS[binding.reason];
  return { ...base, bound: true, weight: binding.weight, reason: binding.reason, detail };
}
