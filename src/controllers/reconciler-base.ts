/** What service- and ingress-controller's reconcilers share: their view of the cluster, and how they report. */
import type { KubernetesObject, V1EndpointSlice, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { CloudProvider } from '../../providers/provider.js';
import { describeProblem, type Problem } from '../annotations/problems.js';
import type { ActualStateCache } from '../deploy/actual-cache.js';
import { EVENT_REASONS, type EventSink } from '../kube/events.js';
import type { ObjectWriter, StatusObject } from '../kube/object-writer.js';
import type { ReadinessGates } from '../kube/readiness-gates.js';
import { TerminalError } from '../runtime/controller.js';
import type { Logger } from '../runtime/logger.js';

export interface ObjectStore<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

export interface ReconcilerDeps<T extends StatusObject> {
  readonly provider: CloudProvider;
  readonly services: ObjectStore<V1Service>;
  readonly nodes: ObjectStore<V1Node>;
  readonly endpointSlices: ObjectStore<V1EndpointSlice>;
  readonly secrets: ObjectStore<V1Secret>;
  readonly pods: ObjectStore<V1Pod>;
  readonly cache: ActualStateCache;
  readonly gates: ReadinessGates;
  readonly writer: ObjectWriter<T>;
  readonly events: EventSink;
  readonly logger: Logger;
  /** How long backends must stay empty before the last targets are deregistered (a transient empty view). */
  readonly emptyGraceMs?: number;
  /** How long a node that went NotReady stays bound (default 60 s). */
  readonly nodeReadyGraceMs?: number;
  readonly now?: () => number;
}

/** User errors: a Warning each, then a TerminalError so the key waits for the object to change. */
export function refuse(events: EventSink, object: KubernetesObject, problems: readonly Problem[]): never {
  for (const p of problems) events.emit(object, 'Warning', p.eventReason, describeProblem(p));
  throw new TerminalError(problems.map(describeProblem).join('; '));
}

/**
 * Runs a reconcile step; a failure other than a user error (already warned about) or a 409 (a routine race with
 * the cache) is also told to the object's owner as SyncLoadBalancerFailed.
 */
export async function reportingFailures<R>(events: EventSink, object: KubernetesObject, step: () => Promise<R>): Promise<R> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof TerminalError) && (error as { code?: unknown })?.code !== 409) {
      events.emit(object, 'Warning', EVENT_REASONS.syncFailed, `Error syncing load balancer: ${error instanceof Error ? error.message : String(error)}`);
    }
    throw error;
  }
}
