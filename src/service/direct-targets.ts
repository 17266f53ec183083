/**
 * Direct access (VPC-CNI): a Service port's backends are its Pods' ENI IPs and target ports, read from the
 * EndpointSlices. Which endpoints are bound, and at what weight, decides whether a rollout ever leaves the
 * CLB without a live backend — hence the care taken here (reference §3).
 */
import type { V1EndpointSlice, V1Pod, V1ServicePort } from '@kubernetes/client-node';
import type { Target } from '../../providers/provider.js';
import { READINESS_GATE } from '../annotations/keys.js';
import type { Lookup } from '../kube/cluster-view.js';

export { READINESS_GATE };


export interface DirectOptions {
  /** enable-grace-shutdown: terminating endpoints stay bound at weight 0 until they are gone. */
  readonly graceShutdown: boolean;
  /** enable-grace-shutdown-tkex: not-ready endpoints stay bound at weight 0. */
  readonly graceNotReady: boolean;
  readonly defaultWeight: number;
  /** Explicit weights by Pod name (lb-rs-weight). */
  readonly podWeights: Readonly<Record<string, number>>;
}

export interface DirectBackends {
  readonly targets: Target[];
  /** Pods that cannot be ENI targets (hostNetwork) — reported as a Warning, not bound. */
  readonly hostNetworkPods: string[];
  /** Pods whose target this port binds (for the readiness gate). */
  readonly boundPods: string[];
}

export const declaresGate = (pod: V1Pod | undefined): boolean => pod?.spec?.readinessGates?.some((g) => g.conditionType === READINESS_GATE) ?? false;

const containersReady = (pod: V1Pod | undefined): boolean => pod?.status?.conditions?.some((c) => c.type === 'ContainersReady' && c.status === 'True') ?? false;

/** The slices' port number for a Service port: a named targetPort resolves per endpoint slice. */
function slicePort(slice: V1EndpointSlice, servicePort: V1ServicePort): number | undefined {
  const name = servicePort.name ?? '';
  const match = (slice.ports ?? []).find((p) => (p.name ?? '') === name && (p.protocol ?? 'TCP') === (servicePort.protocol ?? 'TCP'));
  return match?.port ?? undefined;
}

/** How one endpoint address is bound, and why (the same reasons `explain` shows). */
export type EndpointBinding =
  | { readonly bound: true; readonly weight: number; /** Serving: its readiness gate may turn True once bound. */ readonly live: boolean; readonly reason: 'Bound' | 'ReadinessGatePending' | 'TerminatingAtWeightZero' | 'NotReadyAtWeightZero' }
  | { readonly bound: false; readonly reason: 'Terminating' | 'PodNotReady' | 'HostNetwork' };

export interface VisitedEndpoint {
  readonly podName: string | undefined;
  readonly ip: string;
  readonly port: number;
  readonly binding: EndpointBinding;
}

/** Every IPv4 endpoint address of the slices that serves `servicePort`, with how it is bound. */
export function visitEndpoints(servicePort: V1ServicePort, slices: readonly V1EndpointSlice[], pods: Lookup<V1Pod>, options: DirectOptions, visit: (endpoint: VisitedEndpoint) => void): void {
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const port = slicePort(slice, servicePort);
    if (!port) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const podName = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined;
      const pod = podName ? pods.get(podName) : undefined;
      const binding: EndpointBinding = pod?.spec?.hostNetwork ? { bound: false, reason: 'HostNetwork' } : bindingOf(endpoint.conditions ?? {}, pod, podName, options);
      for (const ip of endpoint.addresses) visit({ podName, ip, port, binding });
    }
  }
}

/** 172.16.0.9 before 172.16.0.10. One collator: localeCompare with options builds one per call (2% of CPU at scale). */
const byAddress = new Intl.Collator('en', { numeric: true }).compare;

export function directBackends(servicePort: V1ServicePort, slices: readonly V1EndpointSlice[], pods: Lookup<V1Pod>, options: DirectOptions): DirectBackends {
  const targets = new Map<string, Target>();
  const hostNetworkPods: string[] = [];
  const boundPods: string[] = [];
  visitEndpoints(servicePort, slices, pods, options, ({ podName, ip, port, binding }) => {
    if (binding.reason === 'HostNetwork') {
      if (podName && !hostNetworkPods.includes(podName)) hostNetworkPods.push(podName);
      return;
    }
    if (!binding.bound || targets.has(`${ip}:${port}`)) return;
    targets.set(`${ip}:${port}`, { eniIp: ip, port, weight: binding.weight });
    if (podName && binding.live && !boundPods.includes(podName)) boundPods.push(podName);
  });
  return { targets: [...targets.values()].sort((a, b) => byAddress(a.eniIp ?? '', b.eniIp ?? '')), hostNetworkPods, boundPods };
}

/** How an endpoint is bound: its weight, whether it is live, and why — or why it must not be bound at all. */
function bindingOf(
  conditions: { ready?: boolean; serving?: boolean; terminating?: boolean },
  pod: V1Pod | undefined,
  podName: string | undefined,
  options: DirectOptions,
): EndpointBinding {
  const weight = (podName ? options.podWeights[podName] : undefined) ?? options.defaultWeight;
  if (conditions.terminating || pod?.metadata?.deletionTimestamp) return options.graceShutdown ? { bound: true, weight: 0, live: false, reason: 'TerminatingAtWeightZero' } : { bound: false, reason: 'Terminating' };
  if (conditions.ready !== false) return { bound: true, weight, live: true, reason: 'Bound' };
  // A Pod waiting on our readiness gate is not Ready *because* it is not bound yet: bind it once its containers are.
  if (declaresGate(pod) && containersReady(pod)) return { bound: true, weight, live: true, reason: 'ReadinessGatePending' };
  return options.graceNotReady ? { bound: true, weight: 0, live: false, reason: 'NotReadyAtWeightZero' } : { bound: false, reason: 'PodNotReady' };
}
