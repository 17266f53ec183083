/**
 * What this controller owns on the cloud, decided from the cloud resource itself — tags on CLBs, names on
 * listeners — never from ids it remembers. A resource it does not own is never changed or deleted.
 */
import { createHash } from 'node:crypto';
import type { LoadBalancer, Tags } from '../../providers/provider.js';
import { TAGS } from '../annotations/keys.js';
import { problem, type Problem } from '../annotations/problems.js';

export interface Owner {
  readonly kind: 'Service' | 'Ingress';
  readonly clusterId: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

const KIND_MARK = { Service: 'svc', Ingress: 'ing' } as const;

/** CLB accepts listener names of 1-80 characters (CreateListener.ListenerNames). */
export const MAX_LISTENER_NAME = 80;
/** The longest `<PROTOCOL>_<port>` suffix: `TCP_SSL_65535`. */
const SUFFIX_ROOM = 'TCP_SSL_65535'.length;

/** Kubernetes names never contain '_', so '_' separates the parts unambiguously. */
export const clusterListenerPrefix = (clusterId: string): string => `k8s_${clusterId}_`;

/**
 * `k8s_<cluster>_<svc|ing>_<namespace>_<name>_`; a namespace/name too long for CLB's 80 characters is cut and
 * made unique again with a hash of the full name, so every owner keeps a distinct, stable prefix.
 */
export function ownerListenerPrefix(owner: Owner): string {
  const head = `${clusterListenerPrefix(owner.clusterId)}${KIND_MARK[owner.kind]}_`;
  const full = `${owner.namespace}_${owner.name}`;
  const room = MAX_LISTENER_NAME - head.length - SUFFIX_ROOM - 1;
  const body = full.length <= room ? full : `${full.slice(0, room - 9)}-${createHash('sha256').update(full).digest('hex').slice(0, 8)}`;
  return `${head}${body}_`;
}
export const listenerName = (owner: Owner, protocol: string, port: number): string => `${ownerListenerPrefix(owner)}${protocol}_${port}`;
export const isOwnListener = (name: string, owner: Owner): boolean => name.startsWith(ownerListenerPrefix(owner));
export const isClusterListener = (name: string, clusterId: string): boolean => name.startsWith(clusterListenerPrefix(clusterId));

/** The tags of a CLB this controller creates for `owner`. */
export function createdLoadBalancerTags(owner: Owner): Tags {
  return { [TAGS.createdBy]: 'yes', [TAGS.clusterId]: owner.clusterId, [TAGS.ownerUid]: owner.uid };
}

/** Tags that find the CLB created for `owner` (the lookup after a crash between create and status). */
export const ownedLoadBalancerLookup = (owner: Owner): Tags => ({ [TAGS.clusterId]: owner.clusterId, [TAGS.ownerUid]: owner.uid });

export function isCreatedFor(lb: LoadBalancer, owner: Owner): boolean {
  return lb.tags[TAGS.createdBy] === 'yes' && lb.tags[TAGS.clusterId] === owner.clusterId && lb.tags[TAGS.ownerUid] === owner.uid;
}

/** A CLB name of at most 60 characters that says which cluster and object it serves. */
export function loadBalancerName(owner: Owner): string {
  const name = `${owner.clusterId}_${owner.namespace}_${owner.name}`;
  return name.length <= 60 ? name : `${name.slice(0, 51)}_${owner.uid.replace(/-/g, '').slice(0, 8)}`;
}

/**
 * TKE's rules for reusing a CLB named by the user (reference §2): it must exist (E4011), be in the cluster's
 * VPC, not have been created by TKE (E4012), and not be claimed by another cluster (E4013).
 */
export function refuseExistingLoadBalancer(field: string, id: string, lb: LoadBalancer | undefined, clusterId: string, vpcId: string): Problem | undefined {
  if (!lb) return problem('ExistingLoadBalancerNotFound', field, id, 'no CLB with this id exists in the region (E4011)');
  if (lb.vpcId !== vpcId) return problem('ExistingLoadBalancerRefused', field, id, `the CLB is in ${lb.vpcId}, not in the cluster's VPC ${vpcId}`);
  if (lb.tags[TAGS.createdBy] === 'yes') return problem('ExistingLoadBalancerRefused', field, id, 'the CLB was created automatically by TKE or this controller and cannot be reused (E4012)');
  const claimedBy = lb.tags[TAGS.clusterId];
  if (claimedBy && claimedBy !== clusterId) return problem('ExistingLoadBalancerRefused', field, id, `the CLB is used by another cluster, ${claimedBy} (E4013)`);
  return undefined;
}
