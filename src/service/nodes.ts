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

/** How long a node whose Ready condition went False/Unknown stays bound: a flapping node must not cost CLB calls. */
export const DEFAULT_NODE_READY_GRACE_MS = 60_000;

/** The clock, as data (builders stay pure), and the grace window. Absent: no grace, NotReady means unbound. */
export interface NodeGrace {
  readonly now: number;
  readonly graceMs: number;
}

/** The NotReady grace builder inputs ask for: none without a clock (so the same inputs always give the same model). */
export const nodeGrace = (inputs: { readonly now?: number; readonly nodeReadyGraceMs?: number }): NodeGrace | undefined =>
  inputs.now === undefined ? undefined : { now: inputs.now, graceMs: inputs.nodeReadyGraceMs ?? DEFAULT_NODE_READY_GRACE_MS };

/**
 * When the NotReady grace of a node ends (ms since the epoch), or undefined when it has none: it is Ready, its
 * Ready condition has no lastTransitionTime, or the window has passed. (client-node gives Dates, the wire strings.)
 */
export function notReadyGraceEndsAt(node: V1Node, grace: NodeGrace | undefined): number | undefined {
  if (!grace || grace.graceMs <= 0) return undefined;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True' || !ready.lastTransitionTime) return undefined;
  const since = new Date(ready.lastTransitionTime as Date | string).getTime();
  const end = since + grace.graceMs;
  return Number.isFinite(end) && end > grace.now ? end : undefined;
}

/** Why a node is never a backend, whatever its readiness (undefined: it may be one). */
export type NodeExclusion = 'NodeControlPlane' | 'NodeExcludedByLabel' | 'NodeUnschedulable' | 'NodeBeingDeleted';

export function exclusionOf(node: V1Node): NodeExclusion | undefined {
  const labels = node.metadata?.labels ?? {};
  if (CONTROL_PLANE_LABELS.some((l) => l in labels)) return 'NodeControlPlane';
  if (EXCLUDE_LABEL in labels) return 'NodeExcludedByLabel';
  if (node.spec?.unschedulable) return 'NodeUnschedulable';
  if (node.spec?.taints?.some((t) => t.key === AUTOSCALER_DELETION_TAINT)) return 'NodeBeingDeleted';
  return undefined;
}

const isExcluded = (node: V1Node): boolean => exclusionOf(node) !== undefined;

/**
 * Default eligibility (TKE and upstream): not control plane, Ready, schedulable, not being scaled away, not excluded.
 * With `grace`, a node that went NotReady less than the grace window ago still counts as Ready.
 */
export function isEligibleNode(node: V1Node, grace?: NodeGrace): boolean {
  if (isExcluded(node)) return false;
  return isReady(node) || notReadyGraceEndsAt(node, grace) !== undefined;
}

/** When the node's Ready condition last changed (ms since the epoch), if it says. */
export function readySince(node: V1Node): number | undefined {
  const at = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
  const ms = at === undefined ? NaN : new Date(at as Date | string).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** The earliest end of a NotReady grace that keeps one of these nodes bound: the model must be built again then. */
export function earliestGraceEnd(nodes: readonly V1Node[], selector: readonly Requirement[] | undefined, grace: NodeGrace | undefined): number | undefined {
  let earliest: number | undefined;
  for (const node of nodes) {
    if (isExcluded(node) || isReady(node) || !instanceIdOf(node) || (selector && !matchesSelector(node.metadata?.labels, selector))) continue;
    const end = notReadyGraceEndsAt(node, grace);
    if (end !== undefined && (earliest === undefined || end < earliest)) earliest = end;
  }
  return earliest;
}

export interface BackendNode {
  readonly nodeName: string;
  readonly instanceId: string;
}

/** Whether a node is a backend, and why (or why not): the reasons `explain` shows. */
export type NodeDecision =
  | { readonly bound: true; readonly instanceId: string; readonly reason: 'Bound' }
  | { readonly bound: true; readonly instanceId: string; readonly reason: 'NodeNotReadyInGrace'; readonly since: number | undefined; readonly graceEndsAt: number }
  | { readonly bound: false; readonly reason: NodeExclusion | 'NodeWithoutInstanceId' | 'NodeNotSelected' }
  | { readonly bound: false; readonly reason: 'NodeNotReady'; readonly since: number | undefined; readonly graceMs: number | undefined };

export function nodeDecision(node: V1Node, selector: readonly Requirement[] | undefined, grace: NodeGrace | undefined): NodeDecision {
  const exclusion = exclusionOf(node);
  if (exclusion) return { bound: false, reason: exclusion };
  const instanceId = instanceIdOf(node);
  if (!instanceId) return { bound: false, reason: 'NodeWithoutInstanceId' };
  if (selector && !matchesSelector(node.metadata?.labels, selector)) return { bound: false, reason: 'NodeNotSelected' };
  if (isReady(node)) return { bound: true, instanceId, reason: 'Bound' };
  const graceEndsAt = notReadyGraceEndsAt(node, grace);
  if (graceEndsAt !== undefined) return { bound: true, instanceId, reason: 'NodeNotReadyInGrace', since: readySince(node), graceEndsAt };
  return { bound: false, reason: 'NodeNotReady', since: readySince(node), graceMs: grace?.graceMs };
}

export function backendNodes(nodes: readonly V1Node[], selector: readonly Requirement[] | undefined, grace?: NodeGrace): BackendNode[] {
  const bound: BackendNode[] = [];
  for (const node of nodes) {
    const decision = nodeDecision(node, selector, grace);
    if (decision.bound) bound.push({ nodeName: node.metadata?.name ?? '', instanceId: decision.instanceId });
  }
  return bound.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
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
