/**
 * The readiness gate `cloud.tencent.com/load-balancer-backendgroup-ready`: a Pod that declares it becomes
 * Ready only once the controller has bound it to its load balancer, so a rolling update never removes old
 * Pods before the new ones receive traffic. The condition is written through the pods/status subresource.
 */
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Pod, type V1PodCondition } from '@kubernetes/client-node';
import { READINESS_GATE } from '../annotations/keys.js';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const GATE_REASON = 'LoadBalancerNetworkGroupReady';

export const gateIsTrue = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === READINESS_GATE && c.status === 'True') ?? false;

export interface ReadinessGateOptions {
  readonly api: CoreV1Api;
  readonly now?: () => number;
  /** Seconds from the Pod's containers being ready to its gate turning True (a metric). */
  readonly onGateSet?: (seconds: number) => void;
}

export class ReadinessGates {
  /**
   * Opens the gates of bound Pods — only once every write to their CLB has finished, so a gate never turns
   * True while its Pod's target is still being registered.
   */
  async openAfterWrites(provider: { awaitWrites(loadBalancerId: string): Promise<void> }, loadBalancerId: string, pods: readonly (V1Pod | undefined)[]): Promise<V1Pod[]> {
    const waiting = pods.filter((pod): pod is V1Pod => pod !== undefined && !gateIsTrue(pod));
    if (!waiting.length) return [];
    await provider.awaitWrites(loadBalancerId);
    const opened: V1Pod[] = [];
    for (const pod of waiting) if (await this.markBound(pod)) opened.push(pod);
    return opened;
  }

  constructor(private readonly options: ReadinessGateOptions) {}

  /** Sets the gate condition True on a bound Pod, unless it already is. Returns whether it wrote. */
  async markBound(pod: V1Pod): Promise<boolean> {
    if (gateIsTrue(pod)) return false;
    const now = new Date((this.options.now ?? Date.now)());
    const condition: V1PodCondition = {
      type: READINESS_GATE,
      status: 'True',
      reason: GATE_REASON,
      message: 'The Pod is bound to its load balancer',
      lastTransitionTime: now,
    };
    // A merge patch replaces the whole list: keep every other condition, and fail (409) if the Pod changed meanwhile.
    const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== READINESS_GATE), condition];
    await this.options.api.patchNamespacedPodStatus(
      { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', body: { metadata: { resourceVersion: pod.metadata?.resourceVersion }, status: { conditions } } },
      MERGE,
    );
    const containersReady = pod.status?.conditions?.find((c) => c.type === 'ContainersReady' && c.status === 'True')?.lastTransitionTime;
    if (containersReady) this.options.onGateSet?.(Math.max(0, (now.getTime() - new Date(containersReady).getTime()) / 1000));
    return true;
  }
}
