/**
 * The CLB of one owner (a Service or an Ingress) through its life: found, adopted or created; checked against
 * TKE's reuse rules and the choices that cannot change; its attributes kept; and released at the end —
 * deleted only when this controller created it for this owner, otherwise left with only the owner's
 * listeners removed. Shared by service- and ingress-controller.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { InvalidRequestError, type CloudProvider, type LoadBalancer, type Subnet } from '../../providers/provider.js';
import { TAGS } from '../annotations/keys.js';
import { problem, type Problem } from '../annotations/problems.js';
import { EVENT_REASONS, type EventSink } from '../kube/events.js';
import type { DesiredLoadBalancer } from '../model/desired.js';
import type { Logger } from '../runtime/logger.js';
import type { ActualStateCache } from './actual-cache.js';
import { isClusterListener, isCreatedFor, isOwnListener, ownedLoadBalancerLookup, refuseExistingLoadBalancer, type Owner } from './ownership.js';

export interface LoadBalancerDeps {
  readonly provider: CloudProvider;
  readonly cache: ActualStateCache;
  readonly settings: { readonly clusterId: string; readonly vpcId: string };
  readonly events: EventSink;
  readonly logger: Logger;
}

/** Which annotations the user sets, for messages that name them, and how to release a CLB in this kind. */
export interface OwnerFields {
  readonly existingId: string;
  readonly subnetId: string;
  /** e.g. "set the Service to type ClusterIP". */
  readonly releaseHint: string;
  /** The annotation whose extra CreateLoadBalancer parameters the desired CLB carries, if the kind has one. */
  readonly extraParameters?: string;
}

const LB_ID = /^lb-[a-z0-9]{8}$/;

export type Resolved = { readonly loadBalancer: LoadBalancer; readonly created: boolean } | { readonly problem: Problem };

/** Finds, adopts or creates the owner's CLB; refuses choices that cannot change after creation. */
export async function resolveLoadBalancer(
  deps: LoadBalancerDeps,
  object: KubernetesObject,
  owner: Owner,
  desired: DesiredLoadBalancer,
  recordedId: string | undefined,
  fields: OwnerFields,
  beforeFirstWrite: () => Promise<void>,
  /** Further conditions on a reused CLB, checked before anything is written to it. */
  acceptExisting: (lb: LoadBalancer) => Promise<Problem | undefined> = async () => undefined,
): Promise<Resolved> {
  const { provider, settings, cache } = deps;
  const recorded = recordedId && LB_ID.test(recordedId) ? await cache.loadBalancer(recordedId) : undefined;
  const immutable = (field: string, value: string, reason: string): Resolved => ({
    problem: problem('ImmutableLoadBalancerChange', field, value, `${reason}; to change it, ${fields.releaseHint}, wait for the CLB to be released, then set it back`),
  });

  if (desired.kind === 'existing') {
    if (recorded && recorded.id !== desired.id) {
      return immutable(fields.existingId, desired.id, isCreatedFor(recorded, owner) ? `the ${owner.kind} uses the CLB ${recorded.id} created for it` : `the ${owner.kind} uses the existing CLB ${recorded.id}`);
    }
    const lb = recorded ?? (await cache.loadBalancer(desired.id));
    const refusal = refuseExistingLoadBalancer(fields.existingId, desired.id, lb, settings.clusterId, settings.vpcId);
    if (refusal || !lb) return { problem: refusal! };
    const unacceptable = await acceptExisting(lb);
    if (unacceptable) return { problem: unacceptable };
    if (lb.tags[TAGS.clusterId] !== settings.clusterId) {
      await beforeFirstWrite();
      await provider.tagLoadBalancer(lb.id, { [TAGS.clusterId]: settings.clusterId });
      cache.forget(lb.id);
    }
    return { loadBalancer: lb, created: false };
  }

  if (recorded && !isCreatedFor(recorded, owner)) return immutable(fields.existingId, '', `the ${owner.kind} uses the existing CLB ${recorded.id}; it cannot switch to a CLB of its own`);
  const lookup = ownedLoadBalancerLookup(owner);
  const adopted = recorded ?? (cache.taggedWith(lookup) ?? (await provider.findLoadBalancersByTags(lookup))).filter((lb) => isCreatedFor(lb, owner))[0];
  if (adopted) {
    if (adopted.type !== desired.type) {
      return immutable(fields.subnetId, desired.subnetId ?? '', `the CLB ${adopted.id} is ${adopted.type === 'OPEN' ? 'public' : 'internal'}; public/internal cannot change`);
    }
    if ((adopted.subnetId ?? '') !== (desired.subnetId ?? '')) return immutable(fields.subnetId, desired.subnetId ?? '', `the CLB ${adopted.id} is in subnet ${adopted.subnetId}; the subnet cannot change`);
    return { loadBalancer: adopted, created: false };
  }
  await beforeFirstWrite();
  deps.events.emit(object, 'Normal', EVENT_REASONS.ensuring, 'Ensuring load balancer');
  const create = provider.createLoadBalancer({
    name: desired.name,
    type: desired.type,
    vpcId: desired.vpcId,
    ...(desired.subnetId ? { subnetId: desired.subnetId } : {}),
    tags: desired.tags,
    clientToken: desired.clientToken,
    ...(desired.internetChargeType ? { internetChargeType: desired.internetChargeType } : {}),
    ...(desired.internetMaxBandwidthOut ? { internetMaxBandwidthOut: desired.internetMaxBandwidthOut } : {}),
    ...(desired.extraParameters ? { extraParameters: desired.extraParameters } : {}),
  });
  // The cloud refusing parameters the user passed through is the user's error: a Warning naming the annotation,
  // not a retry loop on a request that can never succeed.
  const created = await create.catch((error: unknown) => {
    if (!(error instanceof InvalidRequestError) || !desired.extraParameters || !fields.extraParameters) throw error;
    return problem('InvalidAnnotation', fields.extraParameters, JSON.stringify(desired.extraParameters), `CreateLoadBalancer refused the CLB with these parameters: ${error.message}`);
  });
  if ('field' in created) return { problem: created };
  cache.rememberCreated(created);
  deps.logger.info({ owner: `${owner.kind} ${owner.namespace}/${owner.name}`, lb: created.id }, 'Created load balancer');
  return { loadBalancer: created, created: true };
}

export interface ManagedAttributes {
  readonly securityGroups?: readonly string[];
  readonly passToTarget?: boolean;
  readonly deleteProtect?: boolean;
}

/** CLB attributes the user asked for (undefined: left as they are). Returns whether it wrote. */
export async function ensureAttributes(deps: LoadBalancerDeps, lb: LoadBalancer, wanted: ManagedAttributes, beforeWrite: () => void): Promise<boolean> {
  const { securityGroups, passToTarget, deleteProtect } = wanted;
  const groupsDiffer = securityGroups !== undefined && (securityGroups.length !== lb.securityGroups.length || securityGroups.some((g, i) => g !== lb.securityGroups[i]));
  const passDiffers = passToTarget !== undefined && passToTarget !== lb.passToTarget;
  const protectDiffers = deleteProtect !== undefined && deleteProtect !== lb.deleteProtect;
  if (!groupsDiffer && !passDiffers && !protectDiffers) return false;
  beforeWrite();
  deps.cache.forget(lb.id);
  if (groupsDiffer) await deps.provider.setSecurityGroups(lb.id, securityGroups);
  if (passDiffers || protectDiffers) {
    await deps.provider.modifyLoadBalancerAttributes(lb.id, { ...(passDiffers ? { passToTarget } : {}), ...(protectDiffers ? { deleteProtect } : {}) });
  }
  return true;
}

/**
 * Releases the owner's part of its CLB. A CLB created for the owner is deleted — unless it must be retained
 * (then it loses the owner's listeners and the controller's ownership tags, and becomes the user's) or it
 * carries listeners the controller does not manage. A reused CLB only loses the owner's listeners.
 */
export async function releaseLoadBalancer(
  deps: LoadBalancerDeps,
  object: KubernetesObject,
  owner: Owner,
  recordedId: string | undefined,
  options: { readonly retain: boolean; /** The CLB the owner was told to reuse (tke-existed-lbid, existLbId). */ readonly existingId?: string | undefined },
): Promise<void> {
  const { provider, settings } = deps;
  const existingId = options.existingId?.trim();
  // Not recorded yet (a reconcile wrote to the cloud, then failed before the annotation): the CLB created for the
  // owner, and the one it was told to reuse — if it may use it at all, else it never wrote there.
  const candidates = recordedId && LB_ID.test(recordedId)
    ? await provider.describeLoadBalancers([recordedId])
    : [
        ...(await provider.findLoadBalancersByTags(ownedLoadBalancerLookup(owner))).filter((candidate) => isCreatedFor(candidate, owner)),
        ...(existingId && LB_ID.test(existingId) ? (await provider.describeLoadBalancers([existingId])).filter((c) => !refuseExistingLoadBalancer('', existingId, c, settings.clusterId, settings.vpcId)) : []),
      ];
  for (const lb of candidates) {
    deps.events.emit(object, 'Normal', EVENT_REASONS.deleting, `Deleting load balancer ${lb.id}`);
    try {
      await releaseFrom(deps, object, owner, lb, options.retain);
      // Writes resolve once accepted, their tasks are awaited lazily: the release (and so the finalizer) is done only
      // when they have finished — a listener whose delete task failed must not outlive its owner unnoticed.
      await deps.provider.awaitWrites(lb.id);
    } finally {
      // Forgotten after the writes too: a reconcile of another owner of a shared CLB may have described it meanwhile.
      deps.cache.forget(lb.id);
    }
    deps.logger.info({ owner: `${owner.kind} ${owner.namespace}/${owner.name}`, lb: lb.id }, 'Cleaned up load balancer');
  }
}

/** One CLB's part of the release (see releaseLoadBalancer). */
async function releaseFrom(deps: LoadBalancerDeps, object: KubernetesObject, owner: Owner, lb: LoadBalancer, retain: boolean): Promise<void> {
  const { provider, settings } = deps;
  deps.cache.forget(lb.id);
  // Deleting is always decided on a fresh view of the cloud, never on remembered state.
  const listeners = await provider.describeListeners(lb.id);
  const own = listeners.filter((l) => isOwnListener(l.name, owner));
  const others = listeners.filter((l) => !isOwnListener(l.name, owner));
  const createdForOwner = isCreatedFor(lb, owner);
  if (createdForOwner && !retain && others.length === 0) {
    await provider.deleteLoadBalancers([lb.id]);
    deps.cache.drop(lb.id); // gone: never to be adopted from memory again
    deps.events.emit(object, 'Normal', EVENT_REASONS.deleted, `Deleted load balancer ${lb.id}`);
  } else {
    if (own.length) await provider.deleteListeners(lb.id, own.map((l) => l.id));
    if (createdForOwner && retain) {
      await provider.untagLoadBalancer(lb.id, [TAGS.createdBy, TAGS.ownerUid, TAGS.clusterId]);
      deps.cache.drop(lb.id); // the user's now: never to be adopted from memory again
      deps.events.emit(object, 'Normal', EVENT_REASONS.deleted, `Released load balancer ${lb.id}: retained as asked, it is no longer managed`);
    } else if (createdForOwner) {
      deps.events.emit(object, 'Warning', EVENT_REASONS.syncFailed, `Kept load balancer ${lb.id}: it has ${others.length} listener(s) this controller does not manage; delete them and the CLB by hand`);
    } else {
      if (!others.some((l) => isClusterListener(l.name, settings.clusterId)) && lb.tags[TAGS.clusterId] === settings.clusterId) {
        // The last owner of this cluster left the reused CLB: release the cluster's claim on it.
        await provider.untagLoadBalancer(lb.id, [TAGS.clusterId]);
      }
      deps.events.emit(object, 'Normal', EVENT_REASONS.deleted, `Removed this ${owner.kind}'s listeners from load balancer ${lb.id}`);
    }
  }
}

/** Subnet lookups, remembered for a while (subnets rarely change, and each lookup is an API call). */
export class SubnetLookup {
  private readonly cache = new Map<string, { subnet: Subnet | undefined; at: number }>();
  constructor(
    private readonly provider: CloudProvider,
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(subnetId: string | undefined): Promise<Map<string, Subnet | undefined>> {
    const result = new Map<string, Subnet | undefined>();
    if (!subnetId || !/^subnet-[a-z0-9]{8}$/.test(subnetId)) return result;
    const hit = this.cache.get(subnetId);
    const subnet = hit && this.now() - hit.at < this.ttlMs ? hit.subnet : await this.provider.describeSubnet(subnetId);
    if (!hit || this.now() - hit.at >= this.ttlMs) this.cache.set(subnetId, { subnet, at: this.now() });
    result.set(subnetId, subnet);
    return result;
  }
}
