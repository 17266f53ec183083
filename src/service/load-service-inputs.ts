/**
 * Step 1 for a Service: everything its model is built from, read from the cluster's stores — every node, its
 * own EndpointSlices (by the informer's index), and lookups of its namespace's Secrets and (direct access) Pods by
 * name: the work is proportional to the Service's own inputs, never to the size of its namespace. The one loader
 * the controller, `plan` and the golden tests share.
 */
import type { V1Service } from '@kubernetes/client-node';
import type { Subnet } from '../../providers/provider.js';
import { SERVICE_ANNOTATIONS as A } from '../annotations/keys.js';
import { endpointSlicesOf, inNamespace, type ClusterView } from '../kube/cluster-view.js';
import type { ServiceInputs } from './build-service-model.js';

/** The clock, as data, for the NotReady grace of nodes. */
export interface LoadClock {
  readonly now?: number;
  readonly nodeReadyGraceMs?: number;
}

export function loadServiceInputs(view: ClusterView, service: V1Service, subnets: ReadonlyMap<string, Subnet | undefined>, clock: LoadClock = {}): ServiceInputs {
  const namespace = service.metadata?.namespace ?? 'default';
  const name = service.metadata?.name ?? '';
  const direct = service.metadata?.annotations?.[A.directAccess] === 'true';
  return {
    service,
    nodes: view.nodes.list(),
    endpointSlices: endpointSlicesOf(view, namespace, name),
    secrets: inNamespace(view.secrets, namespace),
    subnets,
    ...(direct ? { pods: inNamespace(view.pods, namespace) } : {}),
    ...(clock.now !== undefined ? { now: clock.now } : {}),
    ...(clock.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: clock.nodeReadyGraceMs } : {}),
  };
}
