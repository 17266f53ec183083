/** The VPC (DescribeSubnets) and Tag (TagResources / UnTagResources) facades, over the simulator's own state. */
import type { TagApi, VpcApi, tag, vpc } from '../../providers/tencentcloud/api.js';
import { fail } from './api-error.js';
import { BATCH_LIMITS } from './options.js';
import type { ActionTable, SimState } from './sim-state.js';
import type { SimLoadBalancer } from './state.js';
import { ID_PATTERNS } from './support.js';

function describeSubnets(s: SimState, r: vpc.DescribeSubnetsRequest): Omit<vpc.DescribeSubnetsResponse, 'RequestId'> {
  const ids = r.SubnetIds ?? [];
  for (const id of ids) if (!ID_PATTERNS.subnet.test(id)) fail('InvalidParameterValue.Malformed', `SubnetId ${id} is malformed.`);
  const missing = ids.find((id) => !s.findSubnet(id));
  if (missing) fail('ResourceNotFound', `Subnet ${missing} does not exist.`);
  const vpcFilter = r.Filters?.find((f) => f.Name === 'vpc-id')?.Values;
  const subnets = s.vpcs.flatMap((v) => v.subnets.map((sub) => ({ v, sub })))
    .filter(({ sub }) => !ids.length || ids.includes(sub.subnetId))
    .filter(({ v }) => !vpcFilter || vpcFilter.includes(v.vpcId));
  return {
    TotalCount: subnets.length,
    SubnetSet: subnets.map(({ v, sub }) => ({ VpcId: v.vpcId, SubnetId: sub.subnetId, CidrBlock: sub.cidr, ...(sub.zone ? { Zone: sub.zone } : {}) })),
  };
}

function taggedLoadBalancers(s: SimState, resources: readonly string[]): { found: SimLoadBalancer[]; failed: tag.FailedResource[] } {
  if (!resources?.length) fail('MissingParameter', 'ResourceList is required.');
  if (resources.length > BATCH_LIMITS.tagResources) fail('InvalidParameterValue.Length', `ResourceList has ${resources.length} entries; at most ${BATCH_LIMITS.tagResources} are accepted.`);
  const prefix = s.resourcePrefix();
  const found: SimLoadBalancer[] = [];
  const failed: tag.FailedResource[] = [];
  for (const resource of resources) {
    if (!resource.startsWith(prefix)) fail('InvalidParameterValue.ResourceDescriptionError', `Resource ${resource} is not a CLB of this account and region.`);
    const lb = s.loadBalancers.get(resource.slice(prefix.length));
    if (lb) found.push(lb);
    else failed.push({ Resource: resource, Code: 'ResourceNotFound', Message: 'The resource does not exist.' });
  }
  return { found, failed };
}

function tagResources(s: SimState, r: tag.TagResourcesRequest): Omit<tag.TagResourcesResponse, 'RequestId'> {
  const { found, failed } = taggedLoadBalancers(s, r.ResourceList);
  const tags = r.Tags ?? [];
  if (!tags.length) fail('MissingParameter', 'Tags is required.');
  for (const lb of found) {
    const keys = new Set([...lb.tags.keys(), ...tags.map((t) => t.TagKey)]);
    if (keys.size > s.quotas.tagsPerResource) fail('LimitExceeded.ResourceAttachedTags', `${lb.id} would carry ${keys.size} tags; at most ${s.quotas.tagsPerResource} are allowed.`);
  }
  for (const lb of found) for (const t of tags) lb.tags.set(t.TagKey, t.TagValue);
  return { FailedResources: failed };
}

function untagResources(s: SimState, r: tag.UnTagResourcesRequest): Omit<tag.UnTagResourcesResponse, 'RequestId'> {
  const { found } = taggedLoadBalancers(s, r.ResourceList);
  if (!r.TagKeys?.length) fail('MissingParameter', 'TagKeys is required.');
  for (const lb of found) for (const key of r.TagKeys) lb.tags.delete(key);
  return {};
}

export const vpcActions = { DescribeSubnets: describeSubnets } satisfies ActionTable<VpcApi>;
export const tagActions = { TagResources: tagResources, UnTagResources: untagResources } satisfies ActionTable<TagApi>;
