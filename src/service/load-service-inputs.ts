/**
 * Step 1 for a Service: everything its model is built from, read from the cluster's stores — every node, its
 * own EndpointSlices, its namespace's Secrets, and (direct access) its namespace's Pods. The one loader the
 * controller, `plan` and the golden tests share.
 */
import type { V1Service } from '@kubernetes/client-node';
import type { Subnet } from '../../providers/provider.js';
import { SERVICE_ANNOTATIONS as A, SERVICE_NAME_LABEL } from '../annotations/keys.js';
import { byName, type ClusterView } from '../kube/cluster-view.js';
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
    endpointSlices: view.endpointSlices.list(namespace).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name),
    secrets: byName(view.secrets.list(namespace)),
    subnets,
    ...(direct ? { pods: byName(view.pods.list(namespace)) } : {}),
    ...(clock.now !== undefined ? { now: clock.now } : {}),
    ...(clock.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: clock.nodeReadyGraceMs } : {}),
  };
}
