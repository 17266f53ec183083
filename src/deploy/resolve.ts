/**
 * Step 3, resolve: which CLB an owner (a Service or an Ingress) uses — the one recorded in its annotation, the
 * one created for it (found by tags, so a crash between create and status loses nothing), or the one it names
 * for reuse — checked against TKE's reuse rules and the choices that cannot change after creation. Read-only:
 * creating, tagging and releasing are planned (plan-load-balancer.ts) and applied like every other change.
 */
import type { CloudProvider, LoadBalancer, Subnet } from '../../providers/provider.js';
import { problem, type Problem } from '../model/problems.js';
import type { DesiredLoadBalancer } from '../model/desired.js';
import type { ActualStateCache } from './actual-cache.js';
import { TAGS } from '../annotations/keys.js';
import { isCreatedFor, isNamedFor, ownedLoadBalancerLookup, ownershipTagsMissing, refuseExistingLoadBalancer, type Owner } from './ownership.js';

export interface ResolveContext {
  readonly provider: CloudProvider;
  readonly cache: ActualStateCache;
  readonly settings: { readonly clusterId: string; readonly vpcId: string };
}

/** Which annotations the user sets, for messages that name them, and how to release a CLB in this kind. */
export interface OwnerFields {
  readonly existingId: string;
  readonly subnetId: string;
  /** e.g. "set the Service to type ClusterIP". */
  readonly releaseHint: string;
  /** The annotation whose extra CreateLoadBalancer parameters the desired CLB carries, if the kind has one. */
  readonly extraParameters?: string;
  /** The read-only annotation that records the CLB. */
  readonly loadBalancerIdAnnotation: string;
  /** How the owner can go while its CLB is not provably its own, e.g. "set …/mode: skip …". */
  readonly letGoHint: string;
}

const LB_ID = /^lb-[a-z0-9]{8}$/;
export const isLoadBalancerId = (id: string | undefined): id is string => id !== undefined && LB_ID.test(id);

export type Resolution =
  /** No CLB yet: the plan creates it. */
  | { readonly kind: 'new' }
  /** The CLB created for the owner (adopted), or the user's CLB it reuses. */
  | { readonly kind: 'found'; readonly loadBalancer: LoadBalancer; readonly reused: boolean }
  | { readonly kind: 'refused'; readonly problem: Problem };

export async function resolveLoadBalancer(ctx: ResolveContext, owner: Owner, desired: DesiredLoadBalancer, recordedId: string | undefined, fields: OwnerFields): Promise<Resolution> {
  const { settings, cache } = ctx;
  const recorded = isLoadBalancerId(recordedId) ? await cache.loadBalancer(recordedId) : undefined;
  const immutable = (field: string, value: string, reason: string): Resolution => ({
    kind: 'refused',
    problem: problem('ImmutableLoadBalancerChange', field, value, `${reason}; to change it, ${fields.releaseHint}, wait for the CLB to be released, then set it back`),
  });

  if (desired.kind === 'existing') {
    if (recorded && recorded.id !== desired.id) {
      return immutable(fields.existingId, desired.id, isCreatedFor(recorded, owner) ? `the ${owner.kind} uses the CLB ${recorded.id} created for it` : `the ${owner.kind} uses the existing CLB ${recorded.id}`);
    }
    const lb = recorded ?? (await cache.loadBalancer(desired.id));
    const refusal = refuseExistingLoadBalancer(fields.existingId, desired.id, lb, settings.clusterId, settings.vpcId);
    if (refusal || !lb) return { kind: 'refused', problem: refusal! };
    return { kind: 'found', loadBalancer: lb, reused: true };
  }

  if (recorded && !isCreatedFor(recorded, owner)) {
    // Created for it (its name says so) but its ownership tags are gone: never write to it until they are back.
    if (isNamedFor(recorded, owner) && recorded.tags[TAGS.createdBy] !== 'yes') return { kind: 'refused', problem: ownershipTagsMissing(fields.loadBalancerIdAnnotation, recorded, owner, fields.letGoHint) };
    return immutable(fields.existingId, '', `the ${owner.kind} uses the existing CLB ${recorded.id}; it cannot switch to a CLB of its own`);
  }
  const lookup = ownedLoadBalancerLookup(owner);
  const adopted = recorded ?? (cache.taggedWith(lookup) ?? (await ctx.provider.findLoadBalancersByTags(lookup))).filter((lb) => isCreatedFor(lb, owner))[0];
  if (!adopted) return { kind: 'new' };
  if (adopted.type !== desired.type) {
    return immutable(fields.subnetId, desired.subnetId ?? '', `the CLB ${adopted.id} is ${adopted.type === 'OPEN' ? 'public' : 'internal'}; public/internal cannot change`);
  }
  if ((adopted.subnetId ?? '') !== (desired.subnetId ?? '')) return immutable(fields.subnetId, desired.subnetId ?? '', `the CLB ${adopted.id} is in subnet ${adopted.subnetId}; the subnet cannot change`);
  return { kind: 'found', loadBalancer: adopted, reused: false };
}

/**
 * The CLBs an owner being released has a part in, read fresh from the cloud (a release is never decided on
 * remembered state): the recorded one; or, not recorded yet (a reconcile wrote to the cloud, then failed before
 * the annotation), the CLB created for it and the one it was told to reuse — if it could use it at all, else it
 * never wrote there.
 */
export async function releaseCandidates(ctx: ResolveContext, owner: Owner, recordedId: string | undefined, existingId: string | undefined): Promise<LoadBalancer[]> {
  const { provider, settings } = ctx;
  if (isLoadBalancerId(recordedId)) return provider.describeLoadBalancers([recordedId]);
  const existing = existingId?.trim();
  return [
    ...(await provider.findLoadBalancersByTags(ownedLoadBalancerLookup(owner))).filter((candidate) => isCreatedFor(candidate, owner)),
    ...(isLoadBalancerId(existing) ? (await provider.describeLoadBalancers([existing])).filter((c) => !refuseExistingLoadBalancer('', existing, c, settings.clusterId, settings.vpcId)) : []),
  ];
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
