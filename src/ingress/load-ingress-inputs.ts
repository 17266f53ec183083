/**
 * Step 1 for an Ingress: its namespace's Services, EndpointSlices, Secrets and (direct access) Pods, and every
 * node, read from the cluster's stores. The one loader the controller, `plan` and the golden tests share.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import type { Subnet } from '../../providers/provider.js';
import { INGRESS_ANNOTATIONS as A } from '../annotations/keys.js';
import { byName, type ClusterView } from '../kube/cluster-view.js';
import type { LoadClock } from '../service/load-service-inputs.js';
import type { IngressInputs } from './build-ingress-model.js';

export function loadIngressInputs(view: ClusterView, ingress: V1Ingress, subnets: ReadonlyMap<string, Subnet | undefined>, clock: LoadClock = {}): IngressInputs {
  const namespace = ingress.metadata?.namespace ?? 'default';
  const direct = ingress.metadata?.annotations?.[A.directAccess] === 'true';
  return {
    ingress,
    services: byName(view.services.list(namespace)),
    endpointSlices: view.endpointSlices.list(namespace),
    pods: direct ? byName(view.pods.list(namespace)) : new Map(),
    nodes: view.nodes.list(),
    secrets: byName(view.secrets.list(namespace)),
    subnets,
    ...(clock.now !== undefined ? { now: clock.now } : {}),
    ...(clock.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: clock.nodeReadyGraceMs } : {}),
  };
}
