/** Which nodes may carry a Service's traffic, and their CVM instance ids. */
import type { V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import { matchesSelector, type Requirement } from '../annotations/parse.js';

const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];
/** The upstream label that keeps a node out of every cloud load balancer. */
const EXCLUDE_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** The cluster autoscaler's taint on a node it is about to delete. */
const AUTOSCALER_DELETION_TAINT = 'ToBeDeletedByClusterAutoscaler';
const INSTANCE_ID = /^ins-[a-z0-9]{8}$/;

/** The CVM instance behind a node: the last segment of `qcloud:///<zone>/<ins-id>`, or a node named by its id. */
export function instanceIdOf(node: V1Node): string | undefined {
  const fromProvider = node.spec?.providerID?.split('/').pop();
  if (fromProvider && INSTANCE_ID.test(fromProvider)) return fromProvider;
  const name = node.metadata?.name;
  return name && INSTANCE_ID.test(name) ? name : undefined;
}

export function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Default eligibility (TKE and upstream): not control plane, Ready, schedulable, not being scaled away, not excluded. */
export function isEligibleNode(node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  if (CONTROL_PLANE_LABELS.some((l) => l in labels) || EXCLUDE_LABEL in labels) return false;
  if (node.spec?.unschedulable) return false;
  if (node.spec?.taints?.some((t) => t.key === AUTOSCALER_DELETION_TAINT)) return false;
  return isReady(node);
}

export interface BackendNode {
  readonly nodeName: string;
  readonly instanceId: string;
}

export function backendNodes(nodes: readonly V1Node[], selector: readonly Requirement[] | undefined): BackendNode[] {
  return nodes
    .filter((node) => isEligibleNode(node) && (!selector || matchesSelector(node.metadata?.labels, selector)))
    .flatMap((node) => {
      const instanceId = instanceIdOf(node);
      return instanceId ? [{ nodeName: node.metadata?.name ?? '', instanceId }] : [];
    })
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

/** Ready endpoints per node, from the Service's EndpointSlices. */
export function readyEndpointsPerNode(slices: readonly V1EndpointSlice[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const slice of slices) {
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false || !endpoint.nodeName) continue;
      counts.set(endpoint.nodeName, (counts.get(endpoint.nodeName) ?? 0) + 1);
    }
  }
  return counts;
}
