/**
 * Names and tags the controller gives what it creates, from the owner (a Service or an Ingress) alone: listener
 * names carry the ownership marker (`k8s_<cluster>_<svc|ing>_<namespace>_<name>_`), CLB names say whom they
 * serve, and a created CLB's tags say who created it for which object. Deterministic, so builders stay pure.
 */
import { createHash } from 'node:crypto';
import type { Tags } from '../../providers/provider.js';
import { TAGS } from '../annotations/keys.js';

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
/** The tags of a CLB this controller creates for `owner`. */
export function createdLoadBalancerTags(owner: Owner): Tags {
  return { [TAGS.createdBy]: 'yes', [TAGS.clusterId]: owner.clusterId, [TAGS.ownerUid]: owner.uid };
}

/** A CLB name of at most 60 characters that says which cluster and object it serves. */
export function loadBalancerName(owner: Owner): string {
  const name = `${owner.clusterId}_${owner.namespace}_${owner.name}`;
  return name.length <= 60 ? name : `${name.slice(0, 51)}_${owner.uid.replace(/-/g, '').slice(0, 8)}`;
}

