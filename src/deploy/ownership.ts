/**
 * What this controller owns on the cloud, decided from the cloud resource itself — tags on CLBs, names on
 * listeners — never from ids it remembers. A resource it does not own is never changed or deleted.
 */
import type { LoadBalancer, Tags } from '../../providers/provider.js';
import { TAGS } from '../annotations/keys.js';
import { problem, type Problem } from '../model/problems.js';
import { clusterListenerPrefix, createdLoadBalancerTags, loadBalancerName, ownerListenerPrefix, type Owner } from '../model/naming.js';

export type { Owner } from '../model/naming.js';

export const isOwnListener = (name: string, owner: Owner): boolean => name.startsWith(ownerListenerPrefix(owner));
export const isClusterListener = (name: string, clusterId: string): boolean => name.startsWith(clusterListenerPrefix(clusterId));

/** Tags that find the CLB created for `owner` (the lookup after a crash between create and status). */
export const ownedLoadBalancerLookup = (owner: Owner): Tags => ({ [TAGS.clusterId]: owner.clusterId, [TAGS.ownerUid]: owner.uid });

export function isCreatedFor(lb: LoadBalancer, owner: Owner): boolean {
  return lb.tags[TAGS.createdBy] === 'yes' && lb.tags[TAGS.clusterId] === owner.clusterId && lb.tags[TAGS.ownerUid] === owner.uid;
}

/**
 * TKE's rules for reusing a CLB named by the user (reference §2): it must exist (E4011), be in the cluster's
 * VPC, not have been created by TKE (E4012), and not be claimed by another cluster (E4013).
 */
export function refuseExistingLoadBalancer(field: string, id: string, lb: LoadBalancer | undefined, clusterId: string, vpcId: string): Problem | undefined {
  if (!lb) return problem('ExistingLoadBalancerNotFound', field, id, 'no CLB with this id exists in the region', 'E4011');
  if (lb.vpcId !== vpcId) return problem('ExistingLoadBalancerRefused', field, id, `the CLB is in ${lb.vpcId}, not in the cluster's VPC ${vpcId}`, 'C4010');
  if (lb.tags[TAGS.createdBy] === 'yes') return problem('ExistingLoadBalancerRefused', field, id, 'the CLB was created automatically by TKE or this controller and cannot be reused', 'E4012');
  const claimedBy = lb.tags[TAGS.clusterId];
  if (claimedBy && claimedBy !== clusterId) return problem('ExistingLoadBalancerRefused', field, id, `the CLB is used by another cluster, ${claimedBy}`, 'E4013');
  return undefined;
}

/** The ownership tags `owner`'s created CLB should carry and does not (empty: all there). */
export function missingOwnershipTags(lb: LoadBalancer, owner: Owner): string[] {
  return Object.entries(createdLoadBalancerTags(owner)).filter(([k, v]) => lb.tags[k] !== v).map(([k, v]) => `${k}=${v}`);
}

/**
 * A CLB the controller created for `owner` — its name says so — whose ownership tags were removed (in the console):
 * it is not written to or deleted from until they are back (TKE's E4017). `howToLetGo` says how the owner can go
 * without it.
 */
export function ownershipTagsMissing(field: string, lb: LoadBalancer, owner: Owner, howToLetGo: string): Problem {
  const missing = missingOwnershipTags(lb, owner);
  return problem(
    'OwnershipTagsMissing',
    field,
    lb.id,
    `the CLB ${lb.id} was created for this ${owner.kind} but lacks its ownership tags ${missing.join(', ')}; nothing is written to it, and its listeners and targets stay as they are, until they are restored (add them back to the CLB in the console). ${howToLetGo}`,
    'E4017',
  );
}

/** Created for `owner` by its name, whatever its tags say now (a name is not proof of ownership, only a hint). */
export const isNamedFor = (lb: LoadBalancer, owner: Owner): boolean => lb.name === loadBalancerName(owner);

/** A reused CLB holding the owner's listeners whose claim tag (`tke-clusterId`) was removed: not provably the cluster's. */
export function claimTagMissing(field: string, lb: LoadBalancer, owner: Owner, howToLetGo: string): Problem {
  return problem(
    'OwnershipTagsMissing',
    field,
    lb.id,
    `the CLB ${lb.id} holds this ${owner.kind}'s listeners but lacks the tag ${TAGS.clusterId}=${owner.clusterId} that claims it for the cluster; nothing is deleted from it until the tag is restored. ${howToLetGo}`,
    'E4017',
  );
}
