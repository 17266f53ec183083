/**
 * The provider contract suite. It runs against every transport to the CLB API (the in-process simulator
 * here; the SDK client over HTTP in the wire suite), so a provider cannot drift from the contract unnoticed.
 * State and faults are controlled through the simulator behind the transport.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ClbSimulator } from '../../mocks/clb/simulator.js';
import type { SimulatorOptions } from '../../mocks/clb/options.js';
import {
  AuthFailedError, ConflictError, InvalidRequestError, NotFoundError, PartialBatchFailureError, QuotaExceededError, TaskFailedError, ThrottledError, TransientError,
  type CloudProvider, type HealthCheck, type ListenerSpec, type TargetBinding,
} from '../../providers/provider.js';

export interface ContractCloud {
  readonly provider: CloudProvider;
  readonly simulator: ClbSimulator;
  close?(): Promise<void>;
}

export type MakeCloud = (simulatorOptions?: SimulatorOptions, providerOptions?: { retries?: number }) => Promise<ContractCloud>;

const VPC = 'vpc-cluster1';
const OWNER_TAGS = { 'tke-createdBy-flag': 'yes', 'tke-clusterId': 'cls-contract' };

/** A layer-4 CUSTOM (send / expect) check with every field CLB takes on a TCP or UDP listener. */
export const EVERY_LAYER4_CHECK: HealthCheck = {
  enabled: true, timeoutSeconds: 4, intervalSeconds: 12, healthyThreshold: 3, unhealthyThreshold: 5,
  checkType: 'CUSTOM', checkPort: 9001, contextType: 'HEX', sendContext: '50494E47', recvContext: '504F4E47', sourceIpType: 1,
};
/** A rule's check with every field CLB takes on a rule of an HTTPS listener (a gRPC check). */
export const EVERY_RULE_CHECK: HealthCheck = {
  enabled: true, timeoutSeconds: 5, intervalSeconds: 20, healthyThreshold: 4, unhealthyThreshold: 6,
  checkType: 'GRPC', httpCheckPath: '/grpc.health.v1.Health/Check', httpCheckDomain: 'grpc.example.com', httpCheckMethod: 'GET', httpCode: 6, sourceIpType: 1,
};

const tcp = (port: number, name = `tcp-${port}`): ListenerSpec => ({ name, protocol: 'TCP', port });
const node = (i: number, port = 30080, weight = 10) => ({ instanceId: `ins-${String(i).padStart(8, '0')}`, port, weight });
const pod = (i: number, port = 8080, weight = 10) => ({ eniIp: `10.0.1.${i}`, port, weight });

export function describeProviderContract(transport: string, makeCloud: MakeCloud): void {
  describe(`CloudProvider contract over ${transport}`, () => {
    let cloud: ContractCloud;
    const open = async (sim?: SimulatorOptions, provider?: { retries?: number }) => {
      await cloud?.close?.();
      cloud = await makeCloud(sim, provider);
      return cloud;
    };
    beforeEach(async () => {
      cloud = await makeCloud();
    });
    afterEach(async () => {
      await cloud?.close?.();
    });
    const writes = (action: string) => cloud.simulator.traffic.counters()[action]?.writes ?? 0;
    const calls = (action: string) => cloud.simulator.traffic.counters()[action]?.calls ?? 0;
    const newLb = (name = 'svc-a') => cloud.provider.createLoadBalancer({ name, type: 'OPEN', vpcId: VPC, tags: OWNER_TAGS });

    describe('load balancers', () => {
      it('creates a public CLB, waits until it runs, and returns it with its VIP and tags', async () => {
        const lb = await newLb();
        expect(lb).toMatchObject({ name: 'svc-a', type: 'OPEN', vpcId: VPC, status: 'running', tags: OWNER_TAGS });
        expect(lb.id).toMatch(/^lb-[a-z0-9]{8}$/);
        expect(lb.vips[0]).toMatch(/^203\.0\.113\.\d+$/);
        // A describe also reads its modification protection, which a new CLB has off.
        expect(await cloud.provider.describeLoadBalancers([lb.id])).toEqual([{ ...lb, modificationProtect: false }]);
      });

      it('creates an internal CLB in the given subnet with a VIP from its CIDR', async () => {
        const lb = await cloud.provider.createLoadBalancer({ name: 'internal', type: 'INTERNAL', vpcId: VPC, subnetId: 'subnet-lb000001', tags: {} });
        expect(lb).toMatchObject({ type: 'INTERNAL', subnetId: 'subnet-lb000001' });
        expect(lb.vips[0]).toMatch(/^10\.0\.2\.\d+$/);
      });

      it('refuses an internal CLB in an unknown subnet or another VPC\'s subnet, creating nothing', async () => {
        for (const subnetId of ['subnet-missing1', 'subnet-other001']) {
          await expect(cloud.provider.createLoadBalancer({ name: 'x', type: 'INTERNAL', vpcId: VPC, subnetId, tags: {} })).rejects.toBeInstanceOf(InvalidRequestError);
        }
        expect(cloud.simulator.snapshot().loadBalancers).toHaveLength(0);
      });

      it('is idempotent with a client token: a repeated create returns the same CLB', async () => {
        const input = { name: 'svc-a', type: 'OPEN' as const, vpcId: VPC, tags: OWNER_TAGS, clientToken: 'uid-123' };
        const first = await cloud.provider.createLoadBalancer(input);
        const second = await cloud.provider.createLoadBalancer(input);
        expect(second.id).toBe(first.id);
        expect(cloud.simulator.snapshot().loadBalancers).toHaveLength(1);
      });

      it('surfaces an exceeded CLB quota as a non-retryable QuotaExceededError', async () => {
        await open({ quotas: { openLoadBalancers: 1 } });
        await newLb('first');
        const error = await newLb('second').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QuotaExceededError);
        expect(error).toMatchObject({ retryable: false, code: 'LimitExceeded' });
        expect(calls('CreateLoadBalancer')).toBe(2);
      });

      it('finds CLBs by tags across pages, without trusting TotalCount', async () => {
        await open({ quotas: { openLoadBalancers: 250 }, rateLimits: { CreateLoadBalancer: 1000, DescribeLoadBalancers: 1000, DescribeTaskStatus: 1000 } });
        const ours = await Promise.all(Array.from({ length: 130 }, (_, i) => newLb(`svc-${i}`)));
        await cloud.provider.createLoadBalancer({ name: 'foreign', type: 'OPEN', vpcId: VPC, tags: { 'tke-clusterId': 'cls-other' } });
        cloud.simulator.traffic.reset();
        const found = await cloud.provider.findLoadBalancersByTags(OWNER_TAGS);
        expect(found.map((lb) => lb.id).sort()).toEqual(ours.map((lb) => lb.id).sort());
        expect(calls('DescribeLoadBalancers')).toBe(2);
      });

      it('describes by id in calls of at most 20 ids', async () => {
        await open({ quotas: { openLoadBalancers: 50 }, rateLimits: { CreateLoadBalancer: 1000, DescribeLoadBalancers: 1000, DescribeTaskStatus: 1000 } });
        const lbs = await Promise.all(Array.from({ length: 45 }, (_, i) => newLb(`svc-${i}`)));
        cloud.simulator.traffic.reset();
        expect(await cloud.provider.describeLoadBalancers(lbs.map((lb) => lb.id))).toHaveLength(45);
        expect(calls('DescribeLoadBalancers')).toBe(3);
      });

      it('deletes CLBs; deleting one that is already gone succeeds', async () => {
        const [a, b] = [await newLb('a'), await newLb('b')];
        await cloud.provider.deleteLoadBalancers([a.id]);
        await cloud.provider.deleteLoadBalancers([a.id, b.id]);
        await cloud.provider.deleteLoadBalancers([a.id]);
        expect(cloud.simulator.snapshot().loadBalancers).toHaveLength(0);
      });

      it('modifies attributes; a delete-protected CLB is refused', async () => {
        const lb = await newLb();
        await cloud.provider.modifyLoadBalancerAttributes(lb.id, { passToTarget: true, deleteProtect: true });
        expect(await cloud.provider.describeLoadBalancers([lb.id])).toEqual([expect.objectContaining({ passToTarget: true, deleteProtect: true })]);
        await expect(cloud.provider.deleteLoadBalancers([lb.id])).rejects.toMatchObject({ code: 'OperationDenied' });
      });

      it('reports modification protection (set in the console), read 20 CLBs per call; unreadable, it is left unknown', async () => {
        await open({ quotas: { openLoadBalancers: 50 }, rateLimits: { CreateLoadBalancer: 1000, DescribeLoadBalancers: 1000, DescribeTaskStatus: 1000 } });
        const lbs = await Promise.all(Array.from({ length: 25 }, (_, i) => newLb(`svc-${i}`)));
        cloud.simulator.setModificationProtection(lbs[3]!.id, true);
        cloud.simulator.traffic.reset();
        const described = await cloud.provider.describeLoadBalancers(lbs.map((lb) => lb.id));
        expect(described.filter((lb) => lb.modificationProtect).map((lb) => lb.id)).toEqual([lbs[3]!.id]);
        expect(described.every((lb) => lb.modificationProtect !== undefined)).toBe(true);
        expect(calls('DescribeLBOperateProtect')).toBe(2);
        expect((await cloud.provider.findLoadBalancersByTags(OWNER_TAGS)).find((lb) => lb.id === lbs[3]!.id)?.modificationProtect).toBe(true);
        cloud.simulator.traffic.failNext('DescribeLBOperateProtect', 'UnauthorizedOperation');
        const [unknown] = await cloud.provider.describeLoadBalancers([lbs[3]!.id]);
        expect(unknown?.modificationProtect).toBeUndefined();
      });

      it('sets security groups with full-list semantics, and tags and untags', async () => {
        const lb = await newLb();
        await cloud.provider.setSecurityGroups(lb.id, ['sg-aaaaaaaa', 'sg-bbbbbbbb']);
        await cloud.provider.setSecurityGroups(lb.id, ['sg-bbbbbbbb']);
        await cloud.provider.tagLoadBalancer(lb.id, { 'tke-clusterId': 'cls-contract', team: 'web' });
        await cloud.provider.untagLoadBalancer(lb.id, ['team']);
        const [after] = await cloud.provider.describeLoadBalancers([lb.id]);
        expect(after?.securityGroups).toEqual(['sg-bbbbbbbb']);
        expect(after?.tags).toEqual(OWNER_TAGS);
        await expect(cloud.provider.tagLoadBalancer('lb-gone0000', { a: 'b' })).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('listeners and rules', () => {
      it('creates listeners with equal settings in one call and returns ids in input order', async () => {
        const lb = await newLb();
        const ids = await cloud.provider.createListeners(lb.id, [tcp(80), { name: 'udp-53', protocol: 'UDP', port: 53 }, tcp(443)]);
        expect(writes('CreateListener')).toBe(2);
        const listeners = await cloud.provider.describeListeners(lb.id);
        expect(ids.map((id) => listeners.find((l) => l.id === id)?.name)).toEqual(['tcp-80', 'udp-53', 'tcp-443']);
      });

      it('keeps listener settings: session persistence, scheduler, health check, certificate', async () => {
        const lb = await newLb();
        await cloud.provider.createListeners(lb.id, [
          { ...tcp(80), sessionExpireTime: 300, scheduler: 'LEAST_CONN', healthCheck: { enabled: true, intervalSeconds: 10 } },
          { name: 'tls', protocol: 'TCP_SSL', port: 443, certificate: { mode: 'UNIDIRECTIONAL', certId: 'cert-abc' } },
        ]);
        const listeners = await cloud.provider.describeListeners(lb.id);
        expect(listeners.find((l) => l.port === 80)).toMatchObject({ sessionExpireTime: 300, scheduler: 'LEAST_CONN', healthCheck: { enabled: true, intervalSeconds: 10 } });
        expect(listeners.find((l) => l.port === 443)).toMatchObject({ protocol: 'TCP_SSL', certificate: { certId: 'cert-abc' } });
      });

      it('keeps every health-check field, keep-alive, deregister-RST and forward type, created and modified', async () => {
        const lb = await newLb();
        const [custom, grpc] = [EVERY_LAYER4_CHECK, EVERY_RULE_CHECK];
        const [l4, https] = await cloud.provider.createListeners(lb.id, [
          { ...tcp(80), deregisterTargetRst: true, healthCheck: custom },
          { name: 'https', protocol: 'HTTPS', port: 443, certificate: { mode: 'UNIDIRECTIONAL', certId: 'cert-abc' }, keepaliveEnable: true },
        ]);
        const [rule] = await cloud.provider.createRules(lb.id, https!, [{ domain: 'grpc.example.com', url: '/', forwardType: 'GRPC', healthCheck: grpc }]);
        const read = async () => {
          const listeners = await cloud.provider.describeListeners(lb.id);
          return { l4: listeners.find((l) => l.id === l4)!, https: listeners.find((l) => l.id === https)! };
        };
        let now = await read();
        expect(now.l4).toMatchObject({ deregisterTargetRst: true });
        expect(now.l4.healthCheck).toEqual(custom);
        expect(now.https).toMatchObject({ keepaliveEnable: true });
        expect(now.https.rules).toEqual([expect.objectContaining({ id: rule, forwardType: 'GRPC' })]);
        expect(now.https.rules[0]?.healthCheck).toEqual(grpc);

        const text = { enabled: true, contextType: 'TEXT', sendContext: 'ping', recvContext: 'pong', sourceIpType: 0 };
        await cloud.provider.modifyListener(lb.id, l4!, { deregisterTargetRst: false, healthCheck: text });
        await cloud.provider.modifyListener(lb.id, https!, { keepaliveEnable: false });
        await cloud.provider.modifyRule(lb.id, https!, rule!, { forwardType: 'HTTPS', healthCheck: { enabled: true, checkType: 'HTTPS', httpCode: 2 } });
        now = await read();
        expect(now.l4).toMatchObject({ deregisterTargetRst: false });
        expect(now.l4.healthCheck).toEqual({ ...custom, ...text });
        expect(now.https).toMatchObject({ keepaliveEnable: false });
        expect(now.https.rules[0]).toMatchObject({ forwardType: 'HTTPS' });
        expect(now.https.rules[0]?.healthCheck).toEqual({ ...grpc, checkType: 'HTTPS', httpCode: 2 });
      });

      it('groups listeners by keep-alive and deregister-RST too, and sends neither when it is not set', async () => {
        const lb = await newLb();
        const http = (port: number, keepaliveEnable?: boolean): ListenerSpec => ({ name: `http-${port}`, protocol: 'HTTP', port, ...(keepaliveEnable === undefined ? {} : { keepaliveEnable }) });
        const ids = await cloud.provider.createListeners(lb.id, [
          tcp(80), { ...tcp(81), deregisterTargetRst: true }, { ...tcp(82), deregisterTargetRst: true }, http(8080, true), http(8081), http(8082, true),
        ]);
        expect(writes('CreateListener')).toBe(4);
        const requests = cloud.simulator.traffic.log.filter((c) => c.action === 'CreateListener').map((c) => c.request as Record<string, unknown>);
        expect(requests.map((r) => [r.Ports, r.DeregisterTargetRst, r.KeepaliveEnable])).toEqual([
          [[80], undefined, undefined], [[81, 82], true, undefined], [[8080, 8082], undefined, 1], [[8081], undefined, undefined],
        ]);
        expect(requests.filter((r) => 'DeregisterTargetRst' in r || 'KeepaliveEnable' in r)).toHaveLength(2);
        const listeners = await cloud.provider.describeListeners(lb.id);
        expect(ids.map((id) => listeners.find((l) => l.id === id)).map((l) => l?.deregisterTargetRst ?? l?.keepaliveEnable)).toEqual([false, true, true, true, false, true]);
      });

      it('reports a taken port+protocol as a ConflictError and changes nothing', async () => {
        const lb = await newLb();
        await cloud.provider.createListeners(lb.id, [tcp(80)]);
        await expect(cloud.provider.createListeners(lb.id, [tcp(80, 'again')])).rejects.toBeInstanceOf(ConflictError);
        expect(await cloud.provider.describeListeners(lb.id)).toHaveLength(1);
      });

      it('modifies and deletes listeners; deleting an already-deleted listener succeeds', async () => {
        const lb = await newLb();
        const [a, b] = await cloud.provider.createListeners(lb.id, [tcp(80), tcp(81)]);
        await cloud.provider.modifyListener(lb.id, a!, { sessionExpireTime: 60, name: 'renamed' });
        expect((await cloud.provider.describeListeners(lb.id)).find((l) => l.id === a)).toMatchObject({ name: 'renamed', sessionExpireTime: 60 });
        await cloud.provider.deleteListeners(lb.id, [a!]);
        await cloud.provider.deleteListeners(lb.id, [a!, b!]);
        await cloud.provider.deleteListeners(lb.id, [a!]);
        expect(await cloud.provider.describeListeners(lb.id)).toEqual([]);
      });

      it('never calls DeleteLoadBalancerListeners without ids, and deletes in calls of at most 20', async () => {
        const lb = await newLb();
        const ids = await cloud.provider.createListeners(lb.id, Array.from({ length: 45 }, (_, i) => tcp(1000 + i)));
        await cloud.provider.deleteListeners(lb.id, []);
        expect(calls('DeleteLoadBalancerListeners')).toBe(0);
        await cloud.provider.deleteListeners(lb.id, ids);
        expect(calls('DeleteLoadBalancerListeners')).toBe(3);
        for (const call of cloud.simulator.traffic.log.filter((c) => c.action === 'DeleteLoadBalancerListeners')) {
          expect((call.request as { ListenerIds?: string[] }).ListenerIds?.length).toBeGreaterThan(0);
        }
      });

      it('creates, modifies, re-certifies and deletes layer-7 rules', async () => {
        const lb = await newLb();
        const [https] = await cloud.provider.createListeners(lb.id, [{ name: 'https', protocol: 'HTTPS', port: 443, sniEnabled: true }]);
        const cert = (certId: string) => ({ mode: 'UNIDIRECTIONAL' as const, certId });
        const [api, web] = await cloud.provider.createRules(lb.id, https!, [
          { domain: 'a.example.com', url: '/api', certificate: cert('cert-a') },
          { domain: 'b.example.com', url: '/', certificate: cert('cert-b'), sessionExpireTime: 120 },
        ]);
        await cloud.provider.modifyRule(lb.id, https!, api!, { url: '/api/v2' });
        await cloud.provider.setDomainCertificate(lb.id, https!, 'a.example.com', cert('cert-a2'));
        let rules = (await cloud.provider.describeListeners(lb.id))[0]!.rules;
        expect(rules.find((r) => r.id === api)).toMatchObject({ url: '/api/v2', certificate: { certId: 'cert-a2' } });
        expect(rules.find((r) => r.id === web)).toMatchObject({ domain: 'b.example.com', sessionExpireTime: 120 });
        await expect(cloud.provider.createRules(lb.id, https!, [{ domain: 'b.example.com', url: '/' }])).rejects.toBeInstanceOf(ConflictError);
        // a.example.com is the listener's default domain (its first): deleting its last rule names the next one.
        await cloud.provider.deleteRules(lb.id, https!, [api!], 'b.example.com');
        expect((await cloud.provider.describeListeners(lb.id))[0]!.rules).toEqual([expect.objectContaining({ domain: 'b.example.com', defaultServer: true })]);
        await cloud.provider.deleteRules(lb.id, https!, [api!, web!]);
        rules = (await cloud.provider.describeListeners(lb.id))[0]!.rules;
        expect(rules).toEqual([]);
      });
    });

    describe('redirects', () => {
      it('redirects HTTP rules to HTTPS rules, reports them on describe, refuses chains, and removes them', async () => {
        const lb = await newLb();
        const [http, https] = await cloud.provider.createListeners(lb.id, [
          { name: 'http', protocol: 'HTTP', port: 80 },
          { name: 'https', protocol: 'HTTPS', port: 443, certificate: { mode: 'UNIDIRECTIONAL', certId: 'cert-a' } },
        ]);
        const [from] = await cloud.provider.createRules(lb.id, http!, [{ domain: 'a.example.com', url: '/' }]);
        const [to] = await cloud.provider.createRules(lb.id, https!, [{ domain: 'a.example.com', url: '/' }]);
        const redirect = { sourceListenerId: http!, sourceRuleId: from!, targetListenerId: https!, targetRuleId: to! };
        await cloud.provider.setRedirects(lb.id, [redirect]);
        const rule = (await cloud.provider.describeListeners(lb.id)).find((l) => l.id === http)?.rules[0];
        expect(rule?.redirect).toEqual({ listenerId: https, ruleId: to });
        await expect(cloud.provider.setRedirects(lb.id, [{ sourceListenerId: https!, sourceRuleId: to!, targetListenerId: http!, targetRuleId: from! }])).rejects.toBeInstanceOf(InvalidRequestError);
        await cloud.provider.deleteRedirects(lb.id, [redirect]);
        expect((await cloud.provider.describeListeners(lb.id)).find((l) => l.id === http)?.rules[0]?.redirect).toBeUndefined();
      });
    });

    describe('targets', () => {
      it('registers, re-weights and deregisters node and Pod targets on layer-4 listeners and layer-7 rules', async () => {
        const lb = await newLb();
        const [l4, http] = await cloud.provider.createListeners(lb.id, [tcp(80), { name: 'http', protocol: 'HTTP', port: 8080 }]);
        const [rule] = await cloud.provider.createRules(lb.id, http!, [{ domain: 'a.example.com', url: '/' }]);
        const bindings: TargetBinding[] = [
          { listenerId: l4!, target: node(1) },
          { listenerId: l4!, target: node(2) },
          { listenerId: http!, ruleId: rule!, target: pod(7) },
        ];
        await cloud.provider.registerTargets(lb.id, bindings);
        await cloud.provider.setTargetWeights(lb.id, [{ listenerId: l4!, target: node(2, 30080, 0) }, { listenerId: http!, ruleId: rule!, target: pod(7, 8080, 50) }]);
        const described = await cloud.provider.describeTargets(lb.id);
        expect(described.find((l) => l.listenerId === l4)?.targets).toEqual(expect.arrayContaining([node(1), node(2, 30080, 0)]));
        expect(described.find((l) => l.listenerId === http)?.rules).toEqual([{ ruleId: rule, domain: 'a.example.com', url: '/', targets: [pod(7, 8080, 50)] }]);
        await cloud.provider.deregisterTargets(lb.id, bindings);
        const after = await cloud.provider.describeTargets(lb.id, [l4!, http!]);
        expect(after.flatMap((l) => [...l.targets, ...l.rules.flatMap((r) => r.targets)])).toEqual([]);
        expect(writes('BatchRegisterTargets') + writes('BatchModifyTargetWeight') + writes('BatchDeregisterTargets')).toBe(3);
      });

      it('splits 1,200 targets into batches of at most 500 per call', async () => {
        const lb = await newLb();
        const listenerIds = await cloud.provider.createListeners(lb.id, Array.from({ length: 12 }, (_, i) => tcp(80 + i)));
        const bindings = listenerIds.flatMap((listenerId) => Array.from({ length: 100 }, (_, i) => ({ listenerId, target: node(i) })));
        await cloud.provider.registerTargets(lb.id, bindings);
        await cloud.provider.setTargetWeights(lb.id, bindings.map((b) => ({ ...b, target: { ...b.target, weight: 0 } })));
        const sizes = (action: string, field: 'Targets' | 'ModifyList') =>
          cloud.simulator.traffic.log.filter((c) => c.action === action).map((c) => {
            const items = (c.request as Record<string, { Targets?: unknown[] }[]>)[field] ?? [];
            return field === 'Targets' ? items.length : items.reduce((n, rule) => n + (rule.Targets?.length ?? 0), 0);
          });
        expect(sizes('BatchRegisterTargets', 'Targets')).toEqual([500, 500, 200]);
        expect(sizes('BatchModifyTargetWeight', 'ModifyList')).toEqual([500, 500, 200]);
        const described = await cloud.provider.describeTargets(lb.id, listenerIds);
        expect(described.flatMap((l) => l.targets)).toHaveLength(1200);
        expect(described.flatMap((l) => l.targets).every((t) => t.weight === 0)).toBe(true);
        await cloud.provider.deregisterTargets(lb.id, bindings);
        expect(sizes('BatchDeregisterTargets', 'Targets')).toEqual([500, 500, 200]);
        expect(calls('DescribeTargets')).toBe(1);
      });

      it('reports a partial batch failure per listener; the other listeners\' targets are bound', async () => {
        await open({ quotas: { targetsPerRule: 2 } });
        const lb = await newLb();
        const [full, fine] = await cloud.provider.createListeners(lb.id, [tcp(80), tcp(81)]);
        const error = await cloud.provider
          .registerTargets(lb.id, [1, 2, 3].map((i) => ({ listenerId: full!, target: node(i) })).concat([{ listenerId: fine!, target: node(9) }]))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PartialBatchFailureError);
        expect((error as PartialBatchFailureError).failedListenerIds).toEqual([full]);
        const described = await cloud.provider.describeTargets(lb.id);
        expect(described.find((l) => l.listenerId === fine)?.targets).toEqual([node(9)]);
        expect(described.find((l) => l.listenerId === full)?.targets).toEqual([]);
      });

      it('treats deregistering from a listener that is already gone as success', async () => {
        const lb = await newLb();
        const [a] = await cloud.provider.createListeners(lb.id, [tcp(80)]);
        await cloud.provider.registerTargets(lb.id, [{ listenerId: a!, target: node(1) }]);
        await cloud.provider.deleteListeners(lb.id, [a!]);
        await expect(cloud.provider.deregisterTargets(lb.id, [{ listenerId: a!, target: node(1) }])).resolves.toBeUndefined();
      });
    });

    describe('failure handling', () => {
      it('retries throttling (RequestLimitExceeded) to success', async () => {
        const lb = await newLb();
        cloud.simulator.traffic.failNext('DescribeListeners', 'RequestLimitExceeded', 3);
        await expect(cloud.provider.describeListeners(lb.id)).resolves.toEqual([]);
        expect(cloud.simulator.traffic.counters().DescribeListeners).toMatchObject({ calls: 4, throttled: 3 });
      });

      it('retries a busy CLB (ResourceInOperating) and InternalError', async () => {
        const lb = await newLb();
        cloud.simulator.traffic.failNext('CreateListener', 'FailedOperation.ResourceInOperating', 2);
        cloud.simulator.traffic.failNext('CreateListener', 'InternalError', 1);
        await cloud.provider.createListeners(lb.id, [tcp(80)]);
        expect(calls('CreateListener')).toBe(4);
        expect(await cloud.provider.describeListeners(lb.id)).toHaveLength(1);
      });

      it('gives up after the configured retries with a retryable typed error', async () => {
        await open({}, { retries: 2 });
        cloud.simulator.traffic.failNext('DescribeQuota', 'InternalError', 5);
        const error = await cloud.provider.getQuota().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ retryable: true, code: 'InternalError', action: 'DescribeQuota' });
        expect(calls('DescribeQuota')).toBe(3);
      });

      it('does not retry what cannot succeed: an auth failure is reported after one call', async () => {
        cloud.simulator.traffic.failNext('DescribeQuota', 'AuthFailure.SignatureFailure', 1);
        await expect(cloud.provider.getQuota()).rejects.toBeInstanceOf(AuthFailedError);
        expect(calls('DescribeQuota')).toBe(1);
      });

      it('serializes concurrent writes to one CLB: no call ever meets a running task', async () => {
        await open({ taskLatencyMs: 20 });
        const lb = await newLb();
        await Promise.all([80, 81, 82, 83, 84].map((port) => cloud.provider.createListeners(lb.id, [tcp(port)])));
        expect(await cloud.provider.describeListeners(lb.id)).toHaveLength(5);
        expect(cloud.simulator.traffic.log.filter((c) => c.errorCode === 'FailedOperation.ResourceInOperating')).toEqual([]);
      });

      it('keeps each action under its rate limit instead of hitting the server limit', async () => {
        await open({ rateLimitPerSecond: 5 });
        const lb = await newLb();
        await Promise.all(Array.from({ length: 8 }, () => cloud.provider.describeListeners(lb.id)));
        const times = cloud.simulator.traffic.log.filter((c) => c.action === 'DescribeListeners').map((c) => c.at);
        expect(times).toHaveLength(8);
        expect(cloud.simulator.traffic.counters().DescribeListeners?.throttled ?? 0).toBe(0);
        for (const t of times) expect(times.filter((u) => u >= t && u - t < 1000).length).toBeLessThanOrEqual(5);
      });

      it('reports a failed asynchronous task as TaskFailedError to the next call on the CLB, with nothing changed', async () => {
        const lb = await newLb();
        cloud.simulator.traffic.failNextTasks('CreateListener');
        // The write was accepted; its task fails afterwards, and whoever next touches the CLB learns of it.
        await cloud.provider.createListeners(lb.id, [tcp(80)]);
        await expect(cloud.provider.awaitWrites(lb.id)).rejects.toBeInstanceOf(TaskFailedError);
        expect(await cloud.provider.describeListeners(lb.id)).toEqual([]);
      });

      it('polls a write\'s task only when the CLB is touched again, and a new CLB\'s creation in batches', async () => {
        await open({ taskLatencyMs: 5, rateLimits: { CreateLoadBalancer: 1000, DescribeLoadBalancers: 1000 } });
        const lbs = await Promise.all(Array.from({ length: 25 }, (_, i) => newLb(`batch-${i}`)));
        expect(lbs.every((lb) => lb.status === 'running')).toBe(true);
        expect(calls('DescribeTaskStatus')).toBe(0);
        expect(calls('DescribeLoadBalancers')).toBeLessThan(25);
        const [one] = lbs;
        await cloud.provider.createListeners(one!.id, [tcp(80)]);
        expect(calls('DescribeTaskStatus')).toBe(0);
        const [listener] = await cloud.provider.describeListeners(one!.id);
        expect(listener?.port).toBe(80);
        expect(calls('DescribeTaskStatus')).toBeGreaterThan(0);
      });

      it('maps an operation on a missing CLB to NotFoundError', async () => {
        await expect(cloud.provider.describeListeners('lb-missing1')).rejects.toBeInstanceOf(NotFoundError);
        expect(ThrottledError).toBeDefined();
      });
    });

    describe('account and network', () => {
      it('reports quota limits and current CLB usage', async () => {
        await newLb();
        expect(await cloud.provider.getQuota()).toEqual({
          openLoadBalancers: { limit: 100, used: 1 },
          internalLoadBalancers: { limit: 100, used: 0 },
          listenersPerLoadBalancer: { limit: 50, used: null },
          rulesPerListener: { limit: 50, used: null },
          targetsPerRule: { limit: 100, used: null },
        });
      });

      it('looks up subnets: known ones with their VPC and CIDR, unknown ones as undefined', async () => {
        expect(await cloud.provider.describeSubnet('subnet-lb000001')).toMatchObject({ id: 'subnet-lb000001', vpcId: VPC, cidr: '10.0.2.0/24' });
        expect(await cloud.provider.describeSubnet('subnet-other001')).toMatchObject({ vpcId: 'vpc-another1' });
        expect(await cloud.provider.describeSubnet('subnet-missing1')).toBeUndefined();
      });
    });
  });
}
