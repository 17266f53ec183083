/**
 * The cloud `plan` writes to: a scratch copy, in the local simulator, of what the manifests touch in the world's
 * cloud — the cluster's CLBs created for them, the CLBs they name or have recorded, the subnets they name. The
 * pipeline then runs on the copy object after object, as `run` would on the cloud: a second Service reusing a
 * CLB sees the first one's listener and claim. The world's own cloud is only read.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { createLocalCloud, type LocalCloud } from '../../../mocks/clb/local-cloud.js';
import { clusterVpcs } from '../../../mocks/clb/options.js';
import { CloudStateError, readCloudState, type CloudStateVpc } from '../../../providers/cloud-state.js';
import type { CloudProvider, LoadBalancer } from '../../../providers/provider.js';
import { INGRESS_ANNOTATIONS, SERVICE_ANNOTATIONS, TAGS } from '../../annotations/keys.js';
import { ConfigError } from '../../config.js';

const ID_ANNOTATIONS = [SERVICE_ANNOTATIONS.loadBalancerId, SERVICE_ANNOTATIONS.existingLoadBalancerId, INGRESS_ANNOTATIONS.loadBalancerId, INGRESS_ANNOTATIONS.existingLoadBalancerId];
const SUBNET_ANNOTATIONS = [SERVICE_ANNOTATIONS.internalSubnetId, INGRESS_ANNOTATIONS.subnetId];
const LB_ID = /^lb-[a-z0-9]{8}$/;
const SUBNET_ID = /^subnet-[a-z0-9]{8}$/;

const named = (subjects: readonly KubernetesObject[], keys: readonly string[], pattern: RegExp) =>
  [...new Set(subjects.flatMap((s) => keys.map((k) => s.metadata?.annotations?.[k]?.trim() ?? '').filter((v) => pattern.test(v))))].sort();

export async function scratchCloud(world: { readonly provider: CloudProvider; readonly vpcs?: readonly CloudStateVpc[] }, subjects: readonly KubernetesObject[], settings: { readonly clusterId: string; readonly vpcId: string }): Promise<LocalCloud> {
  const uids = new Set(subjects.map((s) => s.metadata?.uid));
  const createdForThem = (await world.provider.findLoadBalancersByTags({ [TAGS.clusterId]: settings.clusterId })).filter((lb) => uids.has(lb.tags[TAGS.ownerUid]));
  const ids = named(subjects, ID_ANNOTATIONS, LB_ID).filter((id) => !createdForThem.some((lb) => lb.id === id));
  const namedLoadBalancers: LoadBalancer[] = [];
  for (let i = 0; i < ids.length; i += 20) namedLoadBalancers.push(...(await world.provider.describeLoadBalancers(ids.slice(i, i + 20))));
  const state = await readCloudState(world.provider, [...createdForThem, ...namedLoadBalancers], named(subjects, SUBNET_ANNOTATIONS, SUBNET_ID));
  // The cluster's VPC is always there (a new CLB goes into it), with the simulator's default subnets.
  const vpcs = clusterVpcs(settings.vpcId);
  try {
    return createLocalCloud({ vpcs, cloudState: { ...state, ...(world.vpcs ? { vpcs: world.vpcs } : {}) } });
  } catch (error) {
    // What the real cloud holds but the simulator cannot represent (e.g. a CLB with two VIPs): say which, and stop.
    if (error instanceof CloudStateError) throw new ConfigError(`plan cannot copy the cloud's state to plan on: ${error.message}`);
    throw error;
  }
}
