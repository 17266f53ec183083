/**
 * The CloudProvider over Tencent Cloud's CLB, VPC and Tag APIs. It is given clients with the SDK clients'
 * method shapes: the real SDK clients in production, the simulator in `mocks/clb/` offline. Offline and real
 * differ only in that transport.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { NotFoundError, PartialBatchFailureError, TaskFailedError } from '../errors.js';
import type {
  Certificate, CloudProvider, CreateLoadBalancerInput, Listener, ListenerChanges, ListenerSpec, ListenerTargets, LoadBalancer, LoadBalancerAttributes,
  Quota, QuotaUsage, Redirect, RuleChanges, RuleSpec, Subnet, TargetBinding, Tags,
} from '../provider.js';
import { ApiCaller, type ApiClients, type CallerOptions, type RetryOptions, type TaskPollOptions } from './api-caller.js';
import { CreationWaiter } from './creation-waiter.js';
import type { clb } from './api.js';
import { API_LIMITS, chunk, packWeightCalls } from './batching.js';
import {
  fromCertificate, fromHealthCheck, fromRuleSpec, listenerSettings, rescheduleFields, toBatchTarget, toListener, toListenerTargets, toLoadBalancer, toSdkTarget,
} from './mapping.js';

export interface ClbProviderOptions {
  readonly region: string;
  /** The account's UIN: the Tag API names a CLB `qcs::clb:<region>:uin/<uin>:clb/<id>`. */
  readonly accountUin: string;
  /** Requests per second per action (CLB's documented default is 20). */
  readonly rateLimitPerSecond?: number;
  readonly rateLimits?: Readonly<Record<string, number>>;
  readonly retry?: Partial<RetryOptions>;
  readonly taskPoll?: Partial<TaskPollOptions>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: CallerOptions['onRetry'];
  readonly onCall?: CallerOptions['onCall'];
}

/** How many spent ClientTokens (CLBs of the same owner deleted before) one create walks past. */
const MAX_TOKEN_HOPS = 32;

export const DEFAULT_RETRY: RetryOptions = { retries: 8, minDelayMs: 200, maxDelayMs: 10_000 };
export const DEFAULT_TASK_POLL: TaskPollOptions = { firstPollMs: 300, maxPollMs: 2_000, timeoutMs: 300_000 };

export class ClbProvider implements CloudProvider {
  private readonly api: ApiCaller;
  private readonly creations: CreationWaiter;

  constructor(
    clients: ApiClients,
    private readonly options: ClbProviderOptions,
  ) {
    this.api = new ApiCaller(clients, {
      rateLimitPerSecond: options.rateLimitPerSecond ?? 20,
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
      retry: { ...DEFAULT_RETRY, ...options.retry },
      taskPoll: { ...DEFAULT_TASK_POLL, ...options.taskPoll },
      now: options.now ?? Date.now,
      sleep: options.sleep ?? ((ms) => sleepFor(ms)),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.onCall ? { onCall: options.onCall } : {}),
    });
    const poll = { ...DEFAULT_TASK_POLL, ...options.taskPoll };
    this.creations = new CreationWaiter({
      describe: (ids) => this.describeSettled(ids),
      pollMs: poll.firstPollMs,
      timeoutMs: poll.timeoutMs,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? ((ms) => sleepFor(ms)),
    });
  }

  // ---- load balancers -------------------------------------------------------------------------

  async describeLoadBalancers(ids: readonly string[]): Promise<LoadBalancer[]> {
    await this.api.settle(ids);
    return this.withModificationProtection(await this.describeSettled(ids));
  }

  /**
   * The CLBs with their modification (operate) protection, which DescribeLoadBalancers does not report. Unknown
   * when it cannot be read (a CAM policy without DescribeLBOperateProtect, say): nothing is lost — the cloud still
   * refuses changes to a protected CLB — only the early, clearer Warning.
   */
  private async withModificationProtection(lbs: LoadBalancer[]): Promise<LoadBalancer[]> {
    const protection = new Map<string, boolean>();
    for (const ids20 of chunk(lbs.map((lb) => lb.id), API_LIMITS.loadBalancerIds)) {
      const res = await this.api.call('clb', 'DescribeLBOperateProtect', { LoadBalancerIds: ids20 }).catch(() => undefined);
      for (const p of res?.LoadBalancerSet ?? []) protection.set(p.LoadBalancerId, p.ProtectState === true);
    }
    return lbs.map((lb) => (protection.has(lb.id) ? { ...lb, modificationProtect: protection.get(lb.id)! } : lb));
  }

  private async describeSettled(ids: readonly string[]): Promise<LoadBalancer[]> {
    const found: LoadBalancer[] = [];
    for (const ids20 of chunk([...new Set(ids)], API_LIMITS.loadBalancerIds)) {
      const res = await this.api.call('clb', 'DescribeLoadBalancers', { LoadBalancerIds: ids20, Limit: API_LIMITS.describePageSize });
      found.push(...(res.LoadBalancerSet ?? []).map(toLoadBalancer));
    }
    return found;
  }

  async findLoadBalancersByTags(tags: Tags): Promise<LoadBalancer[]> {
    const filters = Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
    const found: LoadBalancer[] = [];
    // Page until a short page: TotalCount is not to be trusted (reference §8).
    for (let offset = 0; ; offset += API_LIMITS.describePageSize) {
      const res = await this.api.call('clb', 'DescribeLoadBalancers', { Filters: filters, Offset: offset, Limit: API_LIMITS.describePageSize });
      const page = res.LoadBalancerSet ?? [];
      found.push(...page.map(toLoadBalancer));
      if (page.length < API_LIMITS.describePageSize) return this.withModificationProtection(found);
    }
  }

  async createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer> {
    const request: clb.CreateLoadBalancerRequest = {
      ...input.extraParameters,
      LoadBalancerType: input.type,
      LoadBalancerName: input.name,
      VpcId: input.vpcId,
      ...(input.subnetId ? { SubnetId: input.subnetId } : {}),
      Tags: Object.entries(input.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      ...(input.clientToken ? { ClientToken: input.clientToken } : {}),
      ...(input.passToTarget !== undefined ? { LoadBalancerPassToTarget: input.passToTarget } : {}),
      ...(input.internetChargeType || input.internetMaxBandwidthOut
        ? {
            InternetAccessible: {
              ...(input.internetChargeType ? { InternetChargeType: input.internetChargeType } : {}),
              ...(input.internetMaxBandwidthOut ? { InternetMaxBandwidthOut: input.internetMaxBandwidthOut } : {}),
            },
          }
        : {}),
    };
    // Not under a CLB lock: nothing else knows the new id yet. Retried creates are idempotent by ClientToken.
    // A ClientToken keeps answering with the CLB it first created — also once that CLB is gone (deleted, or its
    // creation failed), which would leave its owner without a CLB for good. Such a token is spent: the next one is
    // derived from it and the vanished id, so it is still deterministic (a retry after a lost answer lands on the
    // same CLB). Each deleted generation of an owner's CLB costs one more hop.
    for (let hop = 0; ; hop++) {
      const res = await this.api.call('clb', 'CreateLoadBalancer', request);
      const id = res.LoadBalancerIds?.[0];
      if (!id) throw new NotFoundError('CreateLoadBalancer returned no LoadBalancerIds', { action: 'CreateLoadBalancer' });
      try {
        return await this.creations.waitRunning(id);
      } catch (error) {
        if (!(error instanceof TaskFailedError) || !input.clientToken || hop >= MAX_TOKEN_HOPS) throw error;
        request.ClientToken = `${input.clientToken.slice(0, 64 - id.length - 1)}-${id}`;
      }
    }
  }

  async deleteLoadBalancers(ids: readonly string[]): Promise<void> {
    const existing = (await this.describeLoadBalancers(ids)).map((lb) => lb.id);
    for (const ids20 of chunk(existing, API_LIMITS.loadBalancerIds)) {
      await this.ignoringGone(
        () => this.api.write(ids20, 'DeleteLoadBalancer', { LoadBalancerIds: ids20 }, { wait: 'now' }),
        // One of them vanished meanwhile: delete those that are left.
        async () => {
          const left = (await this.describeLoadBalancers(ids20)).map((lb) => lb.id);
          if (left.length) await this.api.write(left, 'DeleteLoadBalancer', { LoadBalancerIds: left }, { wait: 'now' });
        },
      );
    }
  }

  async modifyLoadBalancerAttributes(id: string, attributes: LoadBalancerAttributes): Promise<void> {
    await this.api.write([id], 'ModifyLoadBalancerAttributes', {
      LoadBalancerId: id,
      ...(attributes.name !== undefined ? { LoadBalancerName: attributes.name } : {}),
      ...(attributes.passToTarget !== undefined ? { LoadBalancerPassToTarget: attributes.passToTarget } : {}),
      ...(attributes.deleteProtect !== undefined ? { DeleteProtect: attributes.deleteProtect } : {}),
    });
  }

  async setSecurityGroups(id: string, securityGroupIds: readonly string[]): Promise<void> {
    await this.api.write([id], 'SetLoadBalancerSecurityGroups', { LoadBalancerId: id, SecurityGroups: [...securityGroupIds] });
  }

  async tagLoadBalancer(id: string, tags: Tags): Promise<void> {
    const res = await this.api.call('tag', 'TagResources', {
      ResourceList: [this.resourceName(id)],
      Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    });
    const failed = res.FailedResources?.[0];
    if (failed) throw new NotFoundError(`TagResources: ${id}: ${failed.Code}: ${failed.Message}`, { action: 'TagResources', code: failed.Code });
  }

  async untagLoadBalancer(id: string, tagKeys: readonly string[]): Promise<void> {
    if (!tagKeys.length) return;
    await this.api.call('tag', 'UnTagResources', { ResourceList: [this.resourceName(id)], TagKeys: [...tagKeys] });
  }

  private resourceName(id: string): string {
    return `qcs::clb:${this.options.region}:uin/${this.options.accountUin}:clb/${id}`;
  }

  // ---- listeners and rules --------------------------------------------------------------------

  async describeListeners(loadBalancerId: string): Promise<Listener[]> {
    await this.api.settle([loadBalancerId]);
    const res = await this.api.call('clb', 'DescribeListeners', { LoadBalancerId: loadBalancerId });
    return (res.Listeners ?? []).filter(Boolean).map(toListener);
  }

  async createListeners(loadBalancerId: string, listeners: readonly ListenerSpec[]): Promise<string[]> {
    // One CreateListener takes many ports of one protocol with the same settings: group by those.
    const groups = new Map<string, { settings: ReturnType<typeof listenerSettings>; indexes: number[] }>();
    listeners.forEach((spec, index) => {
      const settings = listenerSettings(spec);
      const key = JSON.stringify(settings);
      const group = groups.get(key) ?? { settings, indexes: [] };
      group.indexes.push(index);
      groups.set(key, group);
    });
    const ids: string[] = new Array(listeners.length);
    for (const { settings, indexes } of groups.values()) {
      const res = await this.api.write([loadBalancerId], 'CreateListener', {
        LoadBalancerId: loadBalancerId,
        ...settings,
        Ports: indexes.map((i) => listeners[i]!.port),
        ListenerNames: indexes.map((i) => listeners[i]!.name),
      });
      indexes.forEach((listenerIndex, i) => (ids[listenerIndex] = res.ListenerIds?.[i] ?? ''));
    }
    return ids;
  }

  async modifyListener(loadBalancerId: string, listenerId: string, changes: ListenerChanges): Promise<void> {
    await this.api.write([loadBalancerId], 'ModifyListener', {
      LoadBalancerId: loadBalancerId,
      ListenerId: listenerId,
      ...(changes.name !== undefined ? { ListenerName: changes.name } : {}),
      ...(changes.sessionExpireTime !== undefined ? { SessionExpireTime: changes.sessionExpireTime } : {}),
      ...(changes.scheduler !== undefined ? { Scheduler: changes.scheduler } : {}),
      ...(changes.healthCheck !== undefined ? { HealthCheck: fromHealthCheck(changes.healthCheck) } : {}),
      ...(changes.certificate !== undefined ? { Certificate: fromCertificate(changes.certificate) } : {}),
      ...(changes.sniEnabled !== undefined ? { SniSwitch: changes.sniEnabled ? 1 : 0 } : {}),
      ...(changes.keepaliveEnable !== undefined ? { KeepaliveEnable: changes.keepaliveEnable ? 1 : 0 } : {}),
      ...(changes.deregisterTargetRst !== undefined ? { DeregisterTargetRst: changes.deregisterTargetRst } : {}),
      ...rescheduleFields(changes),
    });
  }

  async deleteListeners(loadBalancerId: string, listenerIds: readonly string[]): Promise<void> {
    // Never call DeleteLoadBalancerListeners without ids: the API would delete every listener of the CLB.
    for (const ids20 of chunk([...new Set(listenerIds)].filter(Boolean), API_LIMITS.deleteListenerIds)) {
      await this.ignoringGone(
        () => this.api.write([loadBalancerId], 'DeleteLoadBalancerListeners', { LoadBalancerId: loadBalancerId, ListenerIds: ids20 }),
        async () => {
          const existing = new Set((await this.describeListeners(loadBalancerId)).map((l) => l.id));
          const left = ids20.filter((id) => existing.has(id));
          if (left.length) await this.api.write([loadBalancerId], 'DeleteLoadBalancerListeners', { LoadBalancerId: loadBalancerId, ListenerIds: left });
        },
      );
    }
  }

  async createRules(loadBalancerId: string, listenerId: string, rules: readonly RuleSpec[]): Promise<string[]> {
    if (!rules.length) return [];
    const res = await this.api.write([loadBalancerId], 'CreateRule', { LoadBalancerId: loadBalancerId, ListenerId: listenerId, Rules: rules.map(fromRuleSpec) });
    return res.LocationIds ?? [];
  }

  async modifyRule(loadBalancerId: string, listenerId: string, ruleId: string, changes: RuleChanges): Promise<void> {
    await this.api.write([loadBalancerId], 'ModifyRule', {
      LoadBalancerId: loadBalancerId,
      ListenerId: listenerId,
      LocationId: ruleId,
      ...(changes.url !== undefined ? { Url: changes.url } : {}),
      ...(changes.sessionExpireTime !== undefined ? { SessionExpireTime: changes.sessionExpireTime } : {}),
      ...(changes.scheduler !== undefined ? { Scheduler: changes.scheduler } : {}),
      ...(changes.healthCheck !== undefined ? { HealthCheck: fromHealthCheck(changes.healthCheck) } : {}),
      ...(changes.forwardType !== undefined ? { ForwardType: changes.forwardType } : {}),
    });
  }

  async setDomainCertificate(loadBalancerId: string, listenerId: string, domain: string, certificate: Certificate): Promise<void> {
    await this.api.write([loadBalancerId], 'ModifyDomainAttributes', {
      LoadBalancerId: loadBalancerId,
      ListenerId: listenerId,
      Domain: domain,
      Certificate: fromCertificate(certificate),
    });
  }

  async setDefaultDomain(loadBalancerId: string, listenerId: string, domain: string): Promise<void> {
    await this.api.write([loadBalancerId], 'ModifyDomainAttributes', { LoadBalancerId: loadBalancerId, ListenerId: listenerId, Domain: domain, DefaultServer: true });
  }

  async deleteRules(loadBalancerId: string, listenerId: string, ruleIds: readonly string[], newDefaultDomain?: string): Promise<void> {
    const ids = [...new Set(ruleIds)].filter(Boolean);
    if (!ids.length) return;
    const newDefault = newDefaultDomain !== undefined ? { NewDefaultServerDomain: newDefaultDomain } : {};
    await this.ignoringGone(
      () => this.api.write([loadBalancerId], 'DeleteRule', { LoadBalancerId: loadBalancerId, ListenerId: listenerId, LocationIds: ids, ...newDefault }),
      async () => {
        const listener = (await this.describeListeners(loadBalancerId)).find((l) => l.id === listenerId);
        const existing = new Set(listener?.rules.map((r) => r.id));
        const left = ids.filter((id) => existing.has(id));
        if (left.length) await this.api.write([loadBalancerId], 'DeleteRule', { LoadBalancerId: loadBalancerId, ListenerId: listenerId, LocationIds: left, ...newDefault });
      },
    );
  }

  async setRedirects(loadBalancerId: string, redirects: readonly Redirect[]): Promise<void> {
    for (const [pair, group] of byListenerPair(redirects)) {
      await this.api.write([loadBalancerId], 'ManualRewrite', { LoadBalancerId: loadBalancerId, ...pair, RewriteInfos: group.map(rewriteInfo) });
    }
  }

  async deleteRedirects(loadBalancerId: string, redirects: readonly Redirect[]): Promise<void> {
    for (const [pair, group] of byListenerPair(redirects)) {
      await this.ignoringGone(
        () => this.api.write([loadBalancerId], 'DeleteRewrite', { LoadBalancerId: loadBalancerId, ...pair, RewriteInfos: group.map(rewriteInfo) }),
        async () => undefined,
      );
    }
  }

  // ---- targets --------------------------------------------------------------------------------

  async describeTargets(loadBalancerId: string, listenerIds?: readonly string[]): Promise<ListenerTargets[]> {
    await this.api.settle([loadBalancerId]);
    if (!listenerIds) {
      const res = await this.api.call('clb', 'DescribeTargets', { LoadBalancerId: loadBalancerId });
      return (res.Listeners ?? []).filter(Boolean).map(toListenerTargets);
    }
    const found: ListenerTargets[] = [];
    for (const ids20 of chunk([...new Set(listenerIds)], API_LIMITS.describeTargetListenerIds)) {
      const res = await this.api.call('clb', 'DescribeTargets', { LoadBalancerId: loadBalancerId, ListenerIds: ids20 });
      found.push(...(res.Listeners ?? []).filter(Boolean).map(toListenerTargets));
    }
    return found;
  }

  async registerTargets(loadBalancerId: string, bindings: readonly TargetBinding[]): Promise<void> {
    const failed = new Set<string>();
    const messages: string[] = [];
    for (const batch of chunk(bindings, API_LIMITS.batchTargets)) {
      const res = await this.api.write([loadBalancerId], 'BatchRegisterTargets', { LoadBalancerId: loadBalancerId, Targets: batch.map((b) => toBatchTarget(b, true)) });
      (res.FailListenerIdSet ?? []).forEach((id) => failed.add(id));
      const message = (res as { Message?: string }).Message;
      if (res.FailListenerIdSet?.length && message) messages.push(message);
    }
    if (!failed.size) return;
    // Already bound as asked (a leader taking over re-sends its predecessor's batch): that failure is success.
    const bound = await this.describeTargets(loadBalancerId, [...failed]);
    const isBound = (b: TargetBinding) => {
      const at = bound.find((l) => l.listenerId === b.listenerId);
      const list = b.ruleId ? at?.rules.find((r) => r.ruleId === b.ruleId)?.targets : at?.targets;
      return list?.some((t) => (t.instanceId ?? t.eniIp) === (b.target.instanceId ?? b.target.eniIp) && t.port === b.target.port && t.weight === b.target.weight) ?? false;
    };
    const stillFailed = [...failed].filter((id) => bindings.some((b) => b.listenerId === id && !isBound(b)));
    if (stillFailed.length) {
      throw new PartialBatchFailureError(`BatchRegisterTargets on ${loadBalancerId} failed for listeners ${stillFailed.join(', ')}${messages.length ? `: ${messages.join('; ')}` : ''}`, stillFailed, { action: 'BatchRegisterTargets' });
    }
  }

  async deregisterTargets(loadBalancerId: string, bindings: readonly TargetBinding[]): Promise<void> {
    const failed = new Set<string>();
    const messages: string[] = [];
    for (const batch of chunk(bindings, API_LIMITS.batchTargets)) {
      const res = await this.api.write([loadBalancerId], 'BatchDeregisterTargets', { LoadBalancerId: loadBalancerId, Targets: batch.map((b) => toBatchTarget(b, false)) });
      (res.FailListenerIdSet ?? []).forEach((id) => failed.add(id));
      const message = (res as { Message?: string }).Message;
      if (res.FailListenerIdSet?.length && message) messages.push(message);
    }
    if (!failed.size) return;
    // A listener that no longer exists has no targets left to remove: that failure is success.
    const existing = new Set((await this.describeListeners(loadBalancerId)).map((l) => l.id));
    const stillFailed = [...failed].filter((id) => existing.has(id));
    if (stillFailed.length) {
      throw new PartialBatchFailureError(`BatchDeregisterTargets on ${loadBalancerId} failed for listeners ${stillFailed.join(', ')}${messages.length ? `: ${messages.join('; ')}` : ''}`, stillFailed, { action: 'BatchDeregisterTargets' });
    }
  }

  async setTargetWeights(loadBalancerId: string, bindings: readonly TargetBinding[]): Promise<void> {
    for (const call of packWeightCalls(bindings)) {
      await this.api.write([loadBalancerId], 'BatchModifyTargetWeight', {
        LoadBalancerId: loadBalancerId,
        ModifyList: call.map((group) => ({
          ListenerId: group.listenerId,
          ...(group.ruleId ? { LocationId: group.ruleId } : {}),
          Targets: group.bindings.map((b) => toSdkTarget(b.target)),
        })),
      });
    }
  }

  async awaitWrites(loadBalancerId: string): Promise<void> {
    await this.api.settle([loadBalancerId]);
  }

  // ---- account and network --------------------------------------------------------------------

  async getQuota(): Promise<Quota> {
    const res = await this.api.call('clb', 'DescribeQuota', null);
    const byId = new Map((res.QuotaSet ?? []).filter(Boolean).map((q) => [q.QuotaId, q]));
    const usage = (id: string): QuotaUsage => {
      const q = byId.get(id);
      return { limit: Number(q?.QuotaLimit ?? 0), used: q?.QuotaCurrent === null || q?.QuotaCurrent === undefined ? null : Number(q.QuotaCurrent) };
    };
    return {
      openLoadBalancers: usage('TOTAL_OPEN_CLB_QUOTA'),
      internalLoadBalancers: usage('TOTAL_INTERNAL_CLB_QUOTA'),
      listenersPerLoadBalancer: usage('TOTAL_LISTENER_QUOTA'),
      rulesPerListener: usage('TOTAL_LISTENER_RULE_QUOTA'),
      targetsPerRule: usage('TOTAL_TARGET_BIND_QUOTA'),
    };
  }

  async describeSubnet(subnetId: string): Promise<Subnet | undefined> {
    try {
      const res = await this.api.call('vpc', 'DescribeSubnets', { SubnetIds: [subnetId] });
      const subnet = (res.SubnetSet ?? []).find((s) => s?.SubnetId === subnetId);
      if (!subnet) return undefined;
      return { id: subnetId, vpcId: subnet.VpcId ?? '', cidr: subnet.CidrBlock ?? '', ...(subnet.Zone ? { zone: subnet.Zone } : {}) };
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Runs a delete; if the API says something in it is already gone, runs `retryWithoutGone` instead. */
  private async ignoringGone(remove: () => Promise<unknown>, retryWithoutGone: () => Promise<unknown>): Promise<void> {
    try {
      await remove();
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      await retryWithoutGone();
    }
  }
}

const rewriteInfo = (r: Redirect) => ({ SourceLocationId: r.sourceRuleId, TargetLocationId: r.targetRuleId });

/** ManualRewrite and DeleteRewrite take one source and one target listener per call. */
function byListenerPair(redirects: readonly Redirect[]): Map<{ SourceListenerId: string; TargetListenerId: string }, Redirect[]> {
  const groups = new Map<string, { pair: { SourceListenerId: string; TargetListenerId: string }; items: Redirect[] }>();
  for (const r of redirects) {
    const key = `${r.sourceListenerId}>${r.targetListenerId}`;
    const group = groups.get(key) ?? { pair: { SourceListenerId: r.sourceListenerId, TargetListenerId: r.targetListenerId }, items: [] };
    group.items.push(r);
    groups.set(key, group);
  }
  return new Map([...groups.values()].map((g) => [g.pair, g.items]));
}
