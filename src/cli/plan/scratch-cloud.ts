/**
 * The cloud `plan` writes to: a scratch copy, in the local simulator, of what the manifests touch in the world's
 * cloud — the cluster's CLBs created for them, the CLBs they name or have recorded, the subnets they name. The
 * pipeline then runs on the copy object after object, as `run` would on the cloud: a second Service reusing a
 * CLB sees the first one's listener and claim. The world's own cloud is only read.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { createLocalCloud, type LocalCloud } from '../../../mocks/clb/local-cloud.js';
import { clusterVpcs, type Quotas } from '../../../mocks/clb/options.js';
import { CloudStateError, readCloudState, type CloudStateVpc } from '../../../providers/cloud-state.js';
import type { CloudProvider, LoadBalancer, QuotaUsage } from '../../../providers/provider.js';
import { INGRESS_ANNOTATIONS, SERVICE_ANNOTATIONS, TAGS } from '../../annotations/keys.js';
import { ConfigError } from '../../config.js';

const ID_ANNOTATIONS = [SERVICE_ANNOTATIONS.loadBalancerId, SERVICE_ANNOTATIONS.existingLoadBalancerId, INGRESS_ANNOTATIONS.loadBalancerId, INGRESS_ANNOTATIONS.existingLoadBalancerId];
const SUBNET_ANNOTATIONS = [SERVICE_ANNOTATIONS.internalSubnetId, INGRESS_ANNOTATIONS.subnetId];
const LB_ID = /^lb-[a-z0-9]{8}$/;
const SUBNET_ID = /^subnet-[a-z0-9]{8}$/;

const named = (subjects: readonly KubernetesObject[], keys: readonly string[], pattern: RegExp) =>
  [...new Set(subjects.flatMap((s) => keys.map((k) => s.metadata?.annotations?.[k]?.trim() ?? '').filter((v) => pattern.test(v))))].sort();

export async function scratchCloud(world: { readonly provider: CloudProvider; readonly vpcs?: readonly CloudStateVpc[]; readonly notes?: string[] }, subjects: readonly KubernetesObject[], settings: { readonly clusterId: string; readonly vpcId: string }): Promise<LocalCloud> {
  const uids = new Set(subjects.map((s) => s.metadata?.uid));
  const createdForThem = (await world.provider.findLoadBalancersByTags({ [TAGS.clusterId]: settings.clusterId })).filter((lb) => uids.has(lb.tags[TAGS.ownerUid]));
  const ids = named(subjects, ID_ANNOTATIONS, LB_ID).filter((id) => !createdForThem.some((lb) => lb.id === id));
  const namedLoadBalancers: LoadBalancer[] = [];
  for (let i = 0; i < ids.length; i += 20) namedLoadBalancers.push(...(await world.provider.describeLoadBalancers(ids.slice(i, i + 20))));
  const state = await readCloudState(world.provider, [...createdForThem, ...namedLoadBalancers], named(subjects, SUBNET_ANNOTATIONS, SUBNET_ID));
  // The cluster's VPC is always there (a new CLB goes into it), with the simulator's default subnets.
  const vpcs = clusterVpcs(settings.vpcId);
  const quotas = await quotasOf(world.provider, [...createdForThem, ...namedLoadBalancers]);
  if (!quotas) world.notes?.push('the cloud\'s quotas could not be read (DescribeQuota): planned with the default quotas, so what a quota would leave out is not shown');
  try {
    return createLocalCloud({ vpcs, ...(quotas ? { quotas } : {}), cloudState: { ...state, ...(world.vpcs ? { vpcs: world.vpcs } : {}) } });
  } catch (error) {
    // What the real cloud holds but the simulator cannot represent (e.g. a CLB with two VIPs): say which, and stop.
    if (error instanceof CloudStateError) throw new ConfigError(`plan cannot copy the cloud's state to plan on: ${error.message}`);
    throw error;
  }
}

/**
 * The world's quotas, so the scratch copy refuses (and the plan leaves out) what the cloud would: per-CLB limits as
 * they are, instance quotas as the room left in the account plus the CLBs copied (the copy holds only those).
 * Unknown (the read failed, or no quota API): the simulator's defaults.
 */
async function quotasOf(provider: CloudProvider, copied: readonly LoadBalancer[]): Promise<Partial<Quotas> | undefined> {
  const quota = await provider.getQuota().catch(() => undefined);
  if (!quota) return undefined;
  // A limit of 0 is a quota the cloud did not report: left to the simulator's default.
  const room = (q: QuotaUsage, type: LoadBalancer['type']) => (q.limit <= 0 ? undefined : q.used === null ? q.limit : Math.max(0, q.limit - q.used) + copied.filter((lb) => lb.type === type).length);
  const limit = (q: QuotaUsage) => (q.limit > 0 ? q.limit : undefined);
  const quotas = {
    openLoadBalancers: room(quota.openLoadBalancers, 'OPEN'),
    internalLoadBalancers: room(quota.internalLoadBalancers, 'INTERNAL'),
    listenersPerLoadBalancer: limit(quota.listenersPerLoadBalancer),
    rulesPerListener: limit(quota.rulesPerListener),
    targetsPerRule: limit(quota.targetsPerRule),
  };
  return Object.fromEntries(Object.entries(quotas).filter(([, value]) => value !== undefined)) as Partial<Quotas>;
}
