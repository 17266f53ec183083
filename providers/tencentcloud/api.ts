/**
 * The method shapes of the tencentcloud-sdk-nodejs clients the provider calls, typed with the SDK's
 * own models. The real SDK clients satisfy these structurally; so does the local simulator in
 * `mocks/clb/`. Keeping this list explicit also documents (and lets a test check) every API action
 * the provider may call — the CAM policy grants exactly these.
 */
import type * as clb from 'tencentcloud-sdk-nodejs/tencentcloud/services/clb/v20180317/clb_models.js';
import type * as vpc from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_models.js';
import type * as tag from 'tencentcloud-sdk-nodejs/tencentcloud/services/tag/v20180813/tag_models.js';

export type { clb, vpc, tag };

export interface ClbApi {
  CreateLoadBalancer(req: clb.CreateLoadBalancerRequest): Promise<clb.CreateLoadBalancerResponse>;
  DescribeLoadBalancers(req: clb.DescribeLoadBalancersRequest): Promise<clb.DescribeLoadBalancersResponse>;
  DeleteLoadBalancer(req: clb.DeleteLoadBalancerRequest): Promise<clb.DeleteLoadBalancerResponse>;
  ModifyLoadBalancerAttributes(req: clb.ModifyLoadBalancerAttributesRequest): Promise<clb.ModifyLoadBalancerAttributesResponse>;
  SetLoadBalancerSecurityGroups(req: clb.SetLoadBalancerSecurityGroupsRequest): Promise<clb.SetLoadBalancerSecurityGroupsResponse>;
  CreateListener(req: clb.CreateListenerRequest): Promise<clb.CreateListenerResponse>;
  DescribeListeners(req: clb.DescribeListenersRequest): Promise<clb.DescribeListenersResponse>;
  ModifyListener(req: clb.ModifyListenerRequest): Promise<clb.ModifyListenerResponse>;
  DeleteLoadBalancerListeners(req: clb.DeleteLoadBalancerListenersRequest): Promise<clb.DeleteLoadBalancerListenersResponse>;
  CreateRule(req: clb.CreateRuleRequest): Promise<clb.CreateRuleResponse>;
  ModifyRule(req: clb.ModifyRuleRequest): Promise<clb.ModifyRuleResponse>;
  ModifyDomainAttributes(req: clb.ModifyDomainAttributesRequest): Promise<clb.ModifyDomainAttributesResponse>;
  DeleteRule(req: clb.DeleteRuleRequest): Promise<clb.DeleteRuleResponse>;
  ManualRewrite(req: clb.ManualRewriteRequest): Promise<clb.ManualRewriteResponse>;
  DeleteRewrite(req: clb.DeleteRewriteRequest): Promise<clb.DeleteRewriteResponse>;
  DescribeTargets(req: clb.DescribeTargetsRequest): Promise<clb.DescribeTargetsResponse>;
  BatchRegisterTargets(req: clb.BatchRegisterTargetsRequest): Promise<clb.BatchRegisterTargetsResponse>;
  BatchDeregisterTargets(req: clb.BatchDeregisterTargetsRequest): Promise<clb.BatchDeregisterTargetsResponse>;
  BatchModifyTargetWeight(req: clb.BatchModifyTargetWeightRequest): Promise<clb.BatchModifyTargetWeightResponse>;
  DescribeTaskStatus(req: clb.DescribeTaskStatusRequest): Promise<clb.DescribeTaskStatusResponse>;
  DescribeQuota(req?: clb.DescribeQuotaRequest): Promise<clb.DescribeQuotaResponse>;
  DescribeLBOperateProtect(req: clb.DescribeLBOperateProtectRequest): Promise<clb.DescribeLBOperateProtectResponse>;
}

export interface VpcApi {
  DescribeSubnets(req: vpc.DescribeSubnetsRequest): Promise<vpc.DescribeSubnetsResponse>;
}

export interface TagApi {
  TagResources(req: tag.TagResourcesRequest): Promise<tag.TagResourcesResponse>;
  UnTagResources(req: tag.UnTagResourcesRequest): Promise<tag.UnTagResourcesResponse>;
}

/** Every action the provider calls, per API service (used for the CAM policy). */
export const PROVIDER_ACTIONS = {
  clb: [
    'CreateLoadBalancer', 'DescribeLoadBalancers', 'DeleteLoadBalancer', 'ModifyLoadBalancerAttributes',
    'SetLoadBalancerSecurityGroups', 'CreateListener', 'DescribeListeners', 'ModifyListener',
    'DeleteLoadBalancerListeners', 'CreateRule', 'ModifyRule', 'ModifyDomainAttributes', 'DeleteRule', 'ManualRewrite', 'DeleteRewrite',
    'DescribeTargets', 'BatchRegisterTargets', 'BatchDeregisterTargets', 'BatchModifyTargetWeight',
    'DescribeTaskStatus', 'DescribeQuota', 'DescribeLBOperateProtect',
  ],
  vpc: ['DescribeSubnets'],
  tag: ['TagResources', 'UnTagResources'],
} as const satisfies { clb: readonly (keyof ClbApi)[]; vpc: readonly (keyof VpcApi)[]; tag: readonly (keyof TagApi)[] };

/** Read actions: everything else is a write (and, for CLB, an asynchronous task). */
export const READ_ACTIONS: ReadonlySet<string> = new Set([
  'DescribeLoadBalancers', 'DescribeListeners', 'DescribeTargets', 'DescribeTaskStatus', 'DescribeSubnets', 'DescribeQuota', 'DescribeLBOperateProtect',
]);

// Compile-time check that PROVIDER_ACTIONS lists every method of the client shapes, so the CAM policy
// test (which compares the policy with PROVIDER_ACTIONS) covers everything the provider can call.
type Unlisted = Exclude<keyof ClbApi, (typeof PROVIDER_ACTIONS.clb)[number]> | Exclude<keyof VpcApi, (typeof PROVIDER_ACTIONS.vpc)[number]> | Exclude<keyof TagApi, (typeof PROVIDER_ACTIONS.tag)[number]>;
const everyActionListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyActionListed;
