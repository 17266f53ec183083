/**
 * Step 1 for an Ingress: lookups of its namespace's Services, Secrets and (direct access) Pods, the EndpointSlices of
 * the Services it names, and every node, read from the cluster's stores — proportional to the Ingress's own inputs.
 * The one loader the controller, `plan` and the golden tests share.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import type { Subnet } from '../../providers/provider.js';
import { INGRESS_ANNOTATIONS as A } from '../annotations/keys.js';
import { endpointSlicesOf, inNamespace, type ClusterView } from '../kube/cluster-view.js';
import { ingressReferences } from './build-ingress-model.js';
import type { LoadClock } from '../service/load-service-inputs.js';
import type { IngressInputs } from './build-ingress-model.js';

export function loadIngressInputs(view: ClusterView, ingress: V1Ingress, subnets: ReadonlyMap<string, Subnet | undefined>, clock: LoadClock = {}): IngressInputs {
  const namespace = ingress.metadata?.namespace ?? 'default';
  const direct = ingress.metadata?.annotations?.[A.directAccess] === 'true';
  return {
    ingress,
    services: inNamespace(view.services, namespace),
    endpointSlices: ingressReferences(ingress).services.flatMap((service) => endpointSlicesOf(view, namespace, service)),
    pods: direct ? inNamespace(view.pods, namespace) : new Map(),
    nodes: view.nodes.list(),
    secrets: inNamespace(view.secrets, namespace),
    subnets,
    ...(clock.now !== undefined ? { now: clock.now } : {}),
    ...(clock.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: clock.nodeReadyGraceMs } : {}),
  };
}
