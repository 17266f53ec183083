/**
 * What the simulated CLB API enforces on listeners and layer-7 rules: ids, port+protocol uniqueness, listener
 * settings, quotas, domain+url uniqueness and formats, the response shapes of DescribeListeners (reference §8),
 * the deletion calls (including DeleteLoadBalancerListeners' delete-everything default), and the health-check,
 * keep-alive, deregister-RST and forward-type ranges of the SDK's models (mocks/clb/health-checks.ts).
 */
import { describe, expect, it } from '@jest/globals';
import type { clb } from '../../providers/tencentcloud/api.js';
import { UNKNOWN_LISTENER, UNKNOWN_LOCATION, createClb, createListener, createRule, expectRefused, listeners, simulator } from './clb-fixtures.js';

const LISTENER_ID = /^lbl-[a-z0-9]{8}$/;
const LOCATION_ID = /^loc-[a-z0-9]{8}$/;
const CERT = { SSLMode: 'UNIDIRECTIONAL', CertId: 'cert-aaaaaaaa' };

async function withClb(options: Parameters<typeof simulator>[0] = {}) {
  const sim = simulator(options);
  const lb = await createClb(sim);
  return { sim, lb };
}

async function withHttpListener() {
  const { sim, lb } = await withClb();
  const listener = await createListener(sim, lb, 'HTTP', 80);
  return { sim, lb, listener };
}

const rulesOf = async (sim: ReturnType<typeof simulator>, lb: string, listenerId: string) =>
  ((await sim.DescribeListeners({ LoadBalancerId: lb, ListenerIds: [listenerId] })).Listeners?.[0]?.Rules ?? []).map((r) => `${r.Domain}${r.Url}`).sort();

describe('CreateListener', () => {
  it('returns one lbl-xxxxxxxx id per port, named after ListenerNames', async () => {
    const { sim, lb } = await withClb();
    const res = await sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [80, 81], ListenerNames: ['a', 'b'] });
    expect(res.ListenerIds).toHaveLength(2);
    for (const id of res.ListenerIds ?? []) expect(id).toMatch(LISTENER_ID);
    const found = await listeners(sim, lb);
    expect(found.map((l) => [l.ListenerId, l.ListenerName, l.Port])).toEqual([[res.ListenerIds?.[0], 'a', 80], [res.ListenerIds?.[1], 'b', 81]]);
  });

  it('fills in the API defaults on a layer-4 listener: WRR, no session persistence, health check on', async () => {
    const { sim, lb } = await withClb();
    await createListener(sim, lb, 'TCP', 80);
    expect((await listeners(sim, lb))[0]).toMatchObject({
      Protocol: 'TCP', Scheduler: 'WRR', SessionExpireTime: 0,
      HealthCheck: { HealthSwitch: 1, TimeOut: 2, IntervalTime: 5, HealthNum: 3, UnHealthNum: 3 },
    });
  });

  it.each<[string, string, number, string, number]>([
    ['TCP 80 twice', 'TCP', 80, 'TCP', 80],
    ['UDP 53 twice', 'UDP', 53, 'UDP', 53],
    ['TCP 80 then HTTP 80 (same TCP family)', 'TCP', 80, 'HTTP', 80],
    ['HTTP 80 then HTTPS 80 (same TCP family)', 'HTTP', 80, 'HTTPS', 80],
    ['TCP 443 then TCP_SSL 443 (same TCP family)', 'TCP', 443, 'TCP_SSL', 443],
    ['HTTPS 443 then TCP 443 (same TCP family)', 'HTTPS', 443, 'TCP', 443],
  ])('refuses %s with InvalidParameter.PortCheckFailed', async (_rule, firstProtocol, firstPort, protocol, port) => {
    const { sim, lb } = await withClb();
    await createListener(sim, lb, firstProtocol, firstPort, firstProtocol === 'HTTPS' ? { Certificate: CERT } : {});
    const extra = ['HTTPS', 'TCP_SSL'].includes(protocol) ? { Certificate: CERT } : {};
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: lb, Protocol: protocol, Ports: [port], ...extra }), 'InvalidParameter.PortCheckFailed');
  });

  it('refuses the same port twice in one call with InvalidParameter.PortCheckFailed, creating none', async () => {
    const { sim, lb } = await withClb();
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [80, 81, 80] }), 'InvalidParameter.PortCheckFailed');
  });

  it.each<[string, string, string]>([
    ['TCP 80 and UDP 80', 'TCP', 'UDP'],
    ['HTTPS 443 and UDP 443', 'HTTPS', 'UDP'],
  ])('allows %s on one CLB (different transport)', async (_case, first, second) => {
    const { sim, lb } = await withClb();
    const port = first === 'HTTPS' ? 443 : 80;
    await createListener(sim, lb, first, port, first === 'HTTPS' ? { Certificate: CERT } : {});
    await createListener(sim, lb, second, port);
    expect((await listeners(sim, lb)).map((l) => `${l.Protocol}:${l.Port}`).sort()).toEqual([`${first}:${port}`, `${second}:${port}`].sort());
  });

  it.each<[string, Partial<clb.CreateListenerRequest>, string]>([
    ['no Ports', { Protocol: 'TCP', Ports: [] }, 'MissingParameter'],
    ['no Protocol', { Ports: [80] }, 'MissingParameter'],
    ['an unknown Protocol', { Protocol: 'SCTP', Ports: [80] }, 'InvalidParameterValue'],
    ['port 0', { Protocol: 'TCP', Ports: [0] }, 'InvalidParameterValue.Range'],
    ['port 65536', { Protocol: 'TCP', Ports: [65536] }, 'InvalidParameterValue.Range'],
    ['fewer ListenerNames than Ports', { Protocol: 'TCP', Ports: [80, 81], ListenerNames: ['a'] }, 'InvalidParameter'],
    ['an HTTPS listener without certificate', { Protocol: 'HTTPS', Ports: [443] }, 'MissingParameter'],
    ['a TCP_SSL listener without certificate', { Protocol: 'TCP_SSL', Ports: [443] }, 'MissingParameter'],
    ['a certificate on an HTTP listener', { Protocol: 'HTTP', Ports: [80], Certificate: CERT }, 'InvalidParameter'],
    ['SniSwitch on a non-HTTPS listener', { Protocol: 'HTTP', Ports: [80], SniSwitch: 1 }, 'InvalidParameter'],
    ['a HealthCheck on a layer-7 listener (set per rule)', { Protocol: 'HTTP', Ports: [80], HealthCheck: { HealthSwitch: 1 } }, 'InvalidParameter'],
    ['a Scheduler on a layer-7 listener (set per rule)', { Protocol: 'HTTP', Ports: [80], Scheduler: 'WRR' }, 'InvalidParameter'],
    ['SessionExpireTime below 30 s', { Protocol: 'TCP', Ports: [80], SessionExpireTime: 10 }, 'InvalidParameterValue.Range'],
    ['SessionExpireTime above 3600 s', { Protocol: 'TCP', Ports: [80], SessionExpireTime: 3601 }, 'InvalidParameterValue.Range'],
    ['an unknown Scheduler', { Protocol: 'TCP', Ports: [80], Scheduler: 'RANDOM' }, 'InvalidParameterValue'],
    ['a health-check interval above 300 s', { Protocol: 'TCP', Ports: [80], HealthCheck: { IntervalTime: 301 } }, 'InvalidParameterValue.Range'],
  ])('refuses %s', async (_rule, req, code) => {
    const { sim, lb } = await withClb();
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: lb, ...req } as clb.CreateListenerRequest), code);
  });

  it('accepts an HTTPS listener with SNI and no listener-level certificate', async () => {
    const { sim, lb } = await withClb();
    await createListener(sim, lb, 'HTTPS', 443, { SniSwitch: 1 });
    expect((await listeners(sim, lb))[0]).toMatchObject({ Protocol: 'HTTPS', SniSwitch: 1, Certificate: null });
  });

  it('refuses listeners beyond the per-CLB quota with LimitExceeded', async () => {
    const { sim, lb } = await withClb({ quotas: { listenersPerLoadBalancer: 2 } });
    await createListener(sim, lb, 'TCP', 80);
    await createListener(sim, lb, 'UDP', 80);
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [81] }), 'LimitExceeded');
  });

  it('counts every port of one call against the listener quota: an overshooting call creates none', async () => {
    const { sim, lb } = await withClb({ quotas: { listenersPerLoadBalancer: 2 } });
    await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [80, 81, 82] }), 'LimitExceeded');
    await sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [80, 81] });
    expect(await listeners(sim, lb)).toHaveLength(2);
  });
});

describe('DescribeListeners', () => {
  it('shows a layer-4 listener with its own HealthCheck/Scheduler/SessionExpireTime, Rules null and Certificate null', async () => {
    const { sim, lb } = await withClb();
    await createListener(sim, lb, 'TCP', 80, { Scheduler: 'LEAST_CONN', SessionExpireTime: 60 });
    const [listener] = await listeners(sim, lb);
    expect(listener).toMatchObject({ Protocol: 'TCP', Port: 80, Scheduler: 'LEAST_CONN', SessionExpireTime: 60, HealthCheck: expect.objectContaining({ HealthSwitch: 1 }) });
    expect(listener?.Rules).toBeNull();
    expect(listener?.Certificate).toBeNull();
  });

  it('shows a layer-7 listener with HealthCheck, Scheduler and SessionExpireTime null and its Rules[], each carrying its own settings', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const location = await createRule(sim, lb, listener, 'www.example.com', '/api');
    const [found] = await listeners(sim, lb);
    expect(found).toMatchObject({ Protocol: 'HTTP', HealthCheck: null, Scheduler: null, SessionExpireTime: null });
    expect(found?.Rules).toEqual([expect.objectContaining({
      LocationId: location, ListenerId: listener, Domain: 'www.example.com', Url: '/api',
      Scheduler: 'WRR', SessionExpireTime: 0, HealthCheck: expect.objectContaining({ HealthSwitch: 1 }), Certificate: null,
    })]);
  });

  it('shows a layer-7 listener without rules with an empty Rules[]', async () => {
    const { sim, lb } = await withHttpListener();
    expect((await listeners(sim, lb))[0]?.Rules).toEqual([]);
  });

  it('filters on ListenerIds, Protocol and Port', async () => {
    const { sim, lb } = await withClb();
    const tcp80 = await createListener(sim, lb, 'TCP', 80);
    const udp80 = await createListener(sim, lb, 'UDP', 80);
    const tcp81 = await createListener(sim, lb, 'TCP', 81);
    const ids = async (req: Partial<clb.DescribeListenersRequest>) => ((await sim.DescribeListeners({ LoadBalancerId: lb, ...req })).Listeners ?? []).map((l) => l.ListenerId).sort();
    expect(await ids({ ListenerIds: [udp80] })).toEqual([udp80]);
    expect(await ids({ Protocol: 'TCP' })).toEqual([tcp80, tcp81].sort());
    expect(await ids({ Port: 80 })).toEqual([tcp80, udp80].sort());
  });

  it('refuses more than 100 ListenerIds with InvalidParameterValue.Length', async () => {
    const { sim, lb } = await withClb();
    await expectRefused(sim, () => sim.DescribeListeners({ LoadBalancerId: lb, ListenerIds: Array.from({ length: 101 }, () => UNKNOWN_LISTENER) }), 'InvalidParameterValue.Length');
  });
});

describe('ModifyListener', () => {
  it('changes name, scheduler and health check of a layer-4 listener, keeping unspecified health-check fields', async () => {
    const { sim, lb } = await withClb();
    const id = await createListener(sim, lb, 'TCP', 80);
    await sim.ModifyListener({ LoadBalancerId: lb, ListenerId: id, ListenerName: 'svc', Scheduler: 'IP_HASH', HealthCheck: { IntervalTime: 10 } });
    expect((await listeners(sim, lb))[0]).toMatchObject({ ListenerName: 'svc', Scheduler: 'IP_HASH', HealthCheck: { HealthSwitch: 1, IntervalTime: 10, TimeOut: 2 } });
  });

  it('refuses listener-level Scheduler on a layer-7 listener with InvalidParameter', async () => {
    const { sim, lb, listener } = await withHttpListener();
    await expectRefused(sim, () => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: listener, Scheduler: 'WRR' }), 'InvalidParameter');
  });

  it('refuses an unknown listener with InvalidParameter.ListenerIdNotFound', async () => {
    const { sim, lb } = await withClb();
    await expectRefused(sim, () => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: UNKNOWN_LISTENER, ListenerName: 'x' }), 'InvalidParameter.ListenerIdNotFound');
  });
});

describe('deleting listeners', () => {
  it('DeleteListener removes one listener', async () => {
    const { sim, lb } = await withClb();
    const a = await createListener(sim, lb, 'TCP', 80);
    const b = await createListener(sim, lb, 'TCP', 81);
    await sim.DeleteListener({ LoadBalancerId: lb, ListenerId: a });
    expect((await listeners(sim, lb)).map((l) => l.ListenerId)).toEqual([b]);
  });

  it('DeleteListener refuses an unknown listener with InvalidParameter.ListenerIdNotFound', async () => {
    const { sim, lb } = await withClb();
    await createListener(sim, lb, 'TCP', 80);
    await expectRefused(sim, () => sim.DeleteListener({ LoadBalancerId: lb, ListenerId: UNKNOWN_LISTENER }), 'InvalidParameter.ListenerIdNotFound');
  });

  it('DeleteLoadBalancerListeners with ListenerIds removes only those', async () => {
    const { sim, lb } = await withClb();
    const a = await createListener(sim, lb, 'TCP', 80);
    const b = await createListener(sim, lb, 'TCP', 81);
    const c = await createListener(sim, lb, 'TCP', 82);
    await sim.DeleteLoadBalancerListeners({ LoadBalancerId: lb, ListenerIds: [a, c] });
    expect((await listeners(sim, lb)).map((l) => l.ListenerId)).toEqual([b]);
  });

  it('DeleteLoadBalancerListeners WITHOUT ListenerIds deletes ALL listeners (as the real API: never call it without ids)', async () => {
    const { sim, lb } = await withClb();
    await createListener(sim, lb, 'TCP', 80);
    await createListener(sim, lb, 'HTTP', 8080);
    await sim.DeleteLoadBalancerListeners({ LoadBalancerId: lb });
    expect(await listeners(sim, lb)).toEqual([]);
  });

  it('DeleteLoadBalancerListeners with an empty ListenerIds list also deletes ALL listeners (an empty list is an omitted one)', async () => {
    const { sim, lb } = await withClb();
    await createListener(sim, lb, 'TCP', 80);
    await sim.DeleteLoadBalancerListeners({ LoadBalancerId: lb, ListenerIds: [] });
    expect(await listeners(sim, lb)).toEqual([]);
  });

  it('DeleteLoadBalancerListeners without ListenerIds deletes all listeners even when there are more than 20', async () => {
    const { sim, lb } = await withClb();
    await sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: Array.from({ length: 25 }, (_, i) => 8000 + i) });
    await sim.DeleteLoadBalancerListeners({ LoadBalancerId: lb });
    expect(await listeners(sim, lb)).toEqual([]);
  });

  it('DeleteLoadBalancerListeners refuses 21 ListenerIds with InvalidParameterValue.Length', async () => {
    const { sim, lb } = await withClb();
    const ids = (await sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: Array.from({ length: 21 }, (_, i) => 8000 + i) })).ListenerIds ?? [];
    await expectRefused(sim, () => sim.DeleteLoadBalancerListeners({ LoadBalancerId: lb, ListenerIds: ids }), 'InvalidParameterValue.Length');
  });

  it('DeleteLoadBalancerListeners refuses a batch with one unknown listener as a whole: nothing is deleted', async () => {
    const { sim, lb } = await withClb();
    const a = await createListener(sim, lb, 'TCP', 80);
    await expectRefused(sim, () => sim.DeleteLoadBalancerListeners({ LoadBalancerId: lb, ListenerIds: [a, UNKNOWN_LISTENER] }), 'InvalidParameter.ListenerIdNotFound');
  });
});

describe('CreateRule', () => {
  it('returns one loc-xxxxxxxx id per rule; the rules show up under the listener', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const res = await sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'a.example.com', Url: '/' }, { Domain: 'b.example.com', Url: '/x' }] });
    expect(res.LocationIds).toHaveLength(2);
    for (const id of res.LocationIds ?? []) expect(id).toMatch(LOCATION_ID);
    expect(await rulesOf(sim, lb, listener)).toEqual(['a.example.com/', 'b.example.com/x']);
  });

  it('refuses a domain+url that already has a rule on the listener with InvalidParameterValue.Duplicate', async () => {
    const { sim, lb, listener } = await withHttpListener();
    await createRule(sim, lb, listener, 'www.example.com', '/api');
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'www.example.com', Url: '/api' }] }), 'InvalidParameterValue.Duplicate');
  });

  it('refuses a domain+url repeated within one call with InvalidParameterValue.Duplicate, creating none', async () => {
    const { sim, lb, listener } = await withHttpListener();
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'a.com', Url: '/' }, { Domain: 'b.com', Url: '/' }, { Domain: 'a.com', Url: '/' }] }), 'InvalidParameterValue.Duplicate');
  });

  it('allows the same url on another domain, the same domain with another url, and the same domain+url on another listener', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const other = await createListener(sim, lb, 'HTTP', 8080);
    await createRule(sim, lb, listener, 'a.com', '/');
    await createRule(sim, lb, listener, 'b.com', '/');
    await createRule(sim, lb, listener, 'a.com', '/x');
    await createRule(sim, lb, other, 'a.com', '/');
    expect(await rulesOf(sim, lb, listener)).toEqual(['a.com/', 'a.com/x', 'b.com/']);
    expect(await rulesOf(sim, lb, other)).toEqual(['a.com/']);
  });

  it.each(['api', '/a b', '/a_b', `/${'a'.repeat(120)}`, '/caf\u00e9'])('refuses the invalid url %j with InvalidParameterValue', async (url) => {
    const { sim, lb, listener } = await withHttpListener();
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'a.com', Url: url }] }), 'InvalidParameterValue');
  });

  it.each(['/', '/api/v1', '/a.b-c=d?e', '=/exact'])('accepts the url %j', async (url) => {
    const { sim, lb, listener } = await withHttpListener();
    await createRule(sim, lb, listener, 'a.com', url);
    expect(await rulesOf(sim, lb, listener)).toEqual([`a.com${url}`]);
  });

  it.each(['bad_domain.com', '-a.com', 'a..com', 'a.*.com', `${'a'.repeat(64)}.com`, 'a b.com'])('refuses the invalid domain %j with InvalidParameterValue', async (domain) => {
    const { sim, lb, listener } = await withHttpListener();
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: domain, Url: '/' }] }), 'InvalidParameterValue');
  });

  it.each(['*.example.com', 'example.com', '203.0.113.2'])('accepts the domain %j (wildcard, host name, or the VIP for host-less rules)', async (domain) => {
    const { sim, lb, listener } = await withHttpListener();
    await createRule(sim, lb, listener, domain, '/');
    expect(await rulesOf(sim, lb, listener)).toEqual([`${domain}/`]);
  });

  it.each<[string, Partial<clb.RuleInput>]>([
    ['no Domain', { Url: '/' }],
    ['no Url', { Domain: 'a.com' }],
  ])('refuses a rule with %s with MissingParameter', async (_rule, input) => {
    const { sim, lb, listener } = await withHttpListener();
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [input as clb.RuleInput] }), 'MissingParameter');
  });

  it('refuses an empty Rules list with MissingParameter', async () => {
    const { sim, lb, listener } = await withHttpListener();
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [] }), 'MissingParameter');
  });

  it.each(['TCP', 'UDP'])('refuses rules on a %s listener with InvalidParameter.ProtocolCheckFailed', async (protocol) => {
    const { sim, lb } = await withClb();
    const listener = await createListener(sim, lb, protocol, 80);
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'a.com', Url: '/' }] }), 'InvalidParameter.ProtocolCheckFailed');
  });

  it('refuses an unknown listener with InvalidParameter.ListenerIdNotFound', async () => {
    const { sim, lb } = await withHttpListener();
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: UNKNOWN_LISTENER, Rules: [{ Domain: 'a.com', Url: '/' }] }), 'InvalidParameter.ListenerIdNotFound');
  });

  it('refuses rules beyond the per-listener quota with LimitExceeded', async () => {
    const sim = simulator({ quotas: { rulesPerListener: 2 } });
    const lb = await createClb(sim);
    const listener = await createListener(sim, lb, 'HTTP', 80);
    await createRule(sim, lb, listener, 'a.com', '/');
    await createRule(sim, lb, listener, 'b.com', '/');
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'c.com', Url: '/' }] }), 'LimitExceeded');
  });

  it('counts every rule of one call against the quota: an overshooting call creates none', async () => {
    const sim = simulator({ quotas: { rulesPerListener: 2 } });
    const lb = await createClb(sim);
    const listener = await createListener(sim, lb, 'HTTP', 80);
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'a.com', Url: '/' }, { Domain: 'b.com', Url: '/' }, { Domain: 'c.com', Url: '/' }] }), 'LimitExceeded');
  });

  it('on an SNI listener, refuses a new domain without a certificate with MissingParameter', async () => {
    const { sim, lb } = await withClb();
    const listener = await createListener(sim, lb, 'HTTPS', 443, { SniSwitch: 1 });
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'a.com', Url: '/' }] }), 'MissingParameter');
    await sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'a.com', Url: '/', Certificate: CERT }] });
    // The domain now has its certificate: further rules on it need none.
    await createRule(sim, lb, listener, 'a.com', '/b');
    const rules = (await listeners(sim, lb))[0]?.Rules ?? [];
    expect(rules.map((r) => r.Certificate?.CertId)).toEqual([CERT.CertId, CERT.CertId]);
  });
});

describe('ModifyRule, ModifyDomainAttributes, DeleteRule', () => {
  it('ModifyRule changes the url and the rule settings', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const location = await createRule(sim, lb, listener, 'a.com', '/');
    await sim.ModifyRule({ LoadBalancerId: lb, ListenerId: listener, LocationId: location, Url: '/v2', Scheduler: 'LEAST_CONN' });
    expect((await listeners(sim, lb))[0]?.Rules).toEqual([expect.objectContaining({ LocationId: location, Url: '/v2', Scheduler: 'LEAST_CONN' })]);
  });

  it('ModifyRule refuses a url another rule of the domain has with InvalidParameterValue.Duplicate', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const location = await createRule(sim, lb, listener, 'a.com', '/');
    await createRule(sim, lb, listener, 'a.com', '/b');
    await expectRefused(sim, () => sim.ModifyRule({ LoadBalancerId: lb, ListenerId: listener, LocationId: location, Url: '/b' }), 'InvalidParameterValue.Duplicate');
  });

  it('ModifyRule refuses an unknown rule with InvalidParameter.LocationNotFound', async () => {
    const { sim, lb, listener } = await withHttpListener();
    await expectRefused(sim, () => sim.ModifyRule({ LoadBalancerId: lb, ListenerId: listener, LocationId: UNKNOWN_LOCATION, Url: '/b' }), 'InvalidParameter.LocationNotFound');
  });

  it('ModifyDomainAttributes renames a domain across all its rules', async () => {
    const { sim, lb, listener } = await withHttpListener();
    await createRule(sim, lb, listener, 'old.com', '/');
    await createRule(sim, lb, listener, 'old.com', '/x');
    await sim.ModifyDomainAttributes({ LoadBalancerId: lb, ListenerId: listener, Domain: 'old.com', NewDomain: 'new.com' });
    expect(await rulesOf(sim, lb, listener)).toEqual(['new.com/', 'new.com/x']);
  });

  it('ModifyDomainAttributes refuses a certificate on an HTTP listener with InvalidParameter.ProtocolCheckFailed', async () => {
    const { sim, lb, listener } = await withHttpListener();
    await createRule(sim, lb, listener, 'a.com', '/');
    await expectRefused(sim, () => sim.ModifyDomainAttributes({ LoadBalancerId: lb, ListenerId: listener, Domain: 'a.com', Certificate: CERT }), 'InvalidParameter.ProtocolCheckFailed');
  });

  it('DeleteRule removes rules by LocationIds, or by Domain+Url', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const a = await createRule(sim, lb, listener, 'a.com', '/');
    await createRule(sim, lb, listener, 'b.com', '/');
    await createRule(sim, lb, listener, 'c.com', '/');
    await sim.DeleteRule({ LoadBalancerId: lb, ListenerId: listener, LocationIds: [a], NewDefaultServerDomain: 'b.com' }); // a.com was the default domain
    await sim.DeleteRule({ LoadBalancerId: lb, ListenerId: listener, Domain: 'b.com', Url: '/', NewDefaultServerDomain: 'c.com' });
    expect(await rulesOf(sim, lb, listener)).toEqual(['c.com/']);
  });

  it('DeleteRule refuses an unknown LocationId with InvalidParameter.LocationNotFound, deleting none of the batch', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const a = await createRule(sim, lb, listener, 'a.com', '/');
    await expectRefused(sim, () => sim.DeleteRule({ LoadBalancerId: lb, ListenerId: listener, LocationIds: [a, UNKNOWN_LOCATION] }), 'InvalidParameter.LocationNotFound');
  });
});

describe('health checks, keep-alive, deregister-RST and forward types', () => {
  const CUSTOM: clb.HealthCheck = { HealthSwitch: 1, CheckType: 'CUSTOM', CheckPort: 9001, ContextType: 'HEX', SendContext: '50494E47', RecvContext: '504F4E47', SourceIpType: 1 };
  const RULE_CHECK: clb.HealthCheck = { HealthSwitch: 1, TimeOut: 3, IntervalTime: 10, HealthNum: 2, UnHealthNum: 4, CheckType: 'HTTPS', HttpCheckPath: '/ready', HttpCheckDomain: 'a.com', HttpCheckMethod: 'GET', HttpCode: 6, SourceIpType: 1 };
  const TCP_HTTP: clb.HealthCheck = { CheckType: 'HTTP', HttpCheckDomain: 'a.com', HttpVersion: 'HTTP/1.1' };

  /** A listener of `protocol` (HTTPS and TCP_SSL with a certificate). */
  const listenerOf = (sim: ReturnType<typeof simulator>, lb: string, protocol: string, extra: Partial<clb.CreateListenerRequest> = {}) =>
    createListener(sim, lb, protocol, protocol === 'UDP' ? 53 : 443, ['HTTPS', 'TCP_SSL'].includes(protocol) ? { Certificate: CERT, ...extra } : extra);
  const describeOne = async (sim: ReturnType<typeof simulator>, lb: string, id: string) => (await sim.DescribeListeners({ LoadBalancerId: lb, ListenerIds: [id] })).Listeners?.[0];

  describe('stored and described', () => {
    it('CreateListener keeps a TCP listener\'s CUSTOM check and DeregisterTargetRst; DescribeListeners shows them, KeepaliveEnable null', async () => {
      const { sim, lb } = await withClb();
      const id = await listenerOf(sim, lb, 'TCP', { HealthCheck: CUSTOM, DeregisterTargetRst: true });
      const listener = await describeOne(sim, lb, id);
      expect(listener).toMatchObject({ DeregisterTargetRst: true, KeepaliveEnable: null, HealthCheck: { ...CUSTOM, TimeOut: 2, IntervalTime: 5, HealthNum: 3, UnHealthNum: 3 } });
    });

    it('a new listener keeps the defaults it always had: health check on, 2/5/3/3, no check type; DeregisterTargetRst off; KeepaliveEnable 0 on layer 7', async () => {
      const { sim, lb } = await withClb();
      const tcp = await listenerOf(sim, lb, 'TCP');
      const http = await createListener(sim, lb, 'HTTP', 80);
      expect((await describeOne(sim, lb, tcp))?.HealthCheck).toEqual({ HealthSwitch: 1, TimeOut: 2, IntervalTime: 5, HealthNum: 3, UnHealthNum: 3 });
      expect(await describeOne(sim, lb, tcp)).toMatchObject({ DeregisterTargetRst: false, KeepaliveEnable: null });
      expect(await describeOne(sim, lb, http)).toMatchObject({ KeepaliveEnable: 0, DeregisterTargetRst: null });
    });

    it('ModifyListener changes the new fields, keeps the unspecified ones, and CheckPort -1 goes back to the target\'s port', async () => {
      const { sim, lb } = await withClb();
      const id = await listenerOf(sim, lb, 'TCP', { HealthCheck: CUSTOM });
      await sim.ModifyListener({ LoadBalancerId: lb, ListenerId: id, DeregisterTargetRst: true, HealthCheck: { ContextType: 'TEXT', SendContext: 'ping', RecvContext: 'pong', SourceIpType: 0 } });
      expect((await describeOne(sim, lb, id))).toMatchObject({ DeregisterTargetRst: true, HealthCheck: { CheckType: 'CUSTOM', CheckPort: 9001, ContextType: 'TEXT', SendContext: 'ping', RecvContext: 'pong', SourceIpType: 0 } });
      await sim.ModifyListener({ LoadBalancerId: lb, ListenerId: id, HealthCheck: { CheckPort: -1 } });
      expect((await describeOne(sim, lb, id))?.HealthCheck).not.toHaveProperty('CheckPort');
    });

    it('the rescheduling fields: kept on create, changed by ModifyListener one at a time; DescribeListeners shows the two times, never the three switches', async () => {
      const { sim, lb } = await withClb();
      const id = await listenerOf(sim, lb, 'UDP', { RescheduleTargetZeroWeight: true, RescheduleInterval: 30 });
      await sim.ModifyListener({ LoadBalancerId: lb, ListenerId: id, RescheduleStartTime: 5 });
      const described = await describeOne(sim, lb, id);
      expect(described).toMatchObject({ RescheduleStartTime: 5, RescheduleInterval: 30 });
      for (const key of ['RescheduleTargetZeroWeight', 'RescheduleUnhealthy', 'RescheduleExpandTarget']) expect(described).not.toHaveProperty(key);
      const stored = (sim.snapshot().loadBalancers as { listeners: { id: string; reschedule: object }[] }[]).flatMap((l) => l.listeners).find((l) => l.id === id);
      expect(stored?.reschedule).toEqual({ targetZeroWeight: true, unhealthy: false, expandTarget: false, startTime: 5, interval: 30 });
      const http = await createListener(sim, lb, 'HTTP', 80);
      expect(await describeOne(sim, lb, http)).toMatchObject({ RescheduleStartTime: null, RescheduleInterval: null });
    });

    it('KeepaliveEnable is kept on create and changed by ModifyListener on HTTP and HTTPS listeners', async () => {
      const { sim, lb } = await withClb();
      const http = await createListener(sim, lb, 'HTTP', 80, { KeepaliveEnable: 1 });
      const https = await listenerOf(sim, lb, 'HTTPS');
      await sim.ModifyListener({ LoadBalancerId: lb, ListenerId: http, KeepaliveEnable: 0 });
      await sim.ModifyListener({ LoadBalancerId: lb, ListenerId: https, KeepaliveEnable: 1 });
      expect([(await describeOne(sim, lb, http))?.KeepaliveEnable, (await describeOne(sim, lb, https))?.KeepaliveEnable]).toEqual([0, 1]);
    });

    it('CreateRule keeps ForwardType (HTTP by default) and every rule health-check field; DescribeListeners\' rules show them', async () => {
      const { sim, lb } = await withClb();
      const https = await listenerOf(sim, lb, 'HTTPS');
      const res = await sim.CreateRule({ LoadBalancerId: lb, ListenerId: https, Rules: [{ Domain: 'a.com', Url: '/', ForwardType: 'HTTPS', HealthCheck: RULE_CHECK }, { Domain: 'a.com', Url: '/plain' }] });
      const rules = (await describeOne(sim, lb, https))?.Rules ?? [];
      expect(rules.find((r) => r.LocationId === res.LocationIds?.[0])).toMatchObject({ ForwardType: 'HTTPS', HealthCheck: RULE_CHECK });
      expect(rules.find((r) => r.LocationId === res.LocationIds?.[1])).toMatchObject({ ForwardType: 'HTTP' });
    });

    it('ModifyRule changes ForwardType and merges a health check over the rule\'s own', async () => {
      const { sim, lb } = await withClb();
      const https = await listenerOf(sim, lb, 'HTTPS');
      const [location] = (await sim.CreateRule({ LoadBalancerId: lb, ListenerId: https, Rules: [{ Domain: 'a.com', Url: '/', HealthCheck: RULE_CHECK }] })).LocationIds ?? [];
      await sim.ModifyRule({ LoadBalancerId: lb, ListenerId: https, LocationId: location!, ForwardType: 'GRPC', HealthCheck: { CheckType: 'GRPC', HttpCode: 2 } });
      expect((await describeOne(sim, lb, https))?.Rules?.[0]).toMatchObject({ ForwardType: 'GRPC', HealthCheck: { ...RULE_CHECK, CheckType: 'GRPC', HttpCode: 2 } });
    });

    it.each<[string, string[]]>([
      ['TCP', ['TCP', 'HTTP', 'CUSTOM']],
      ['UDP', ['PING', 'CUSTOM']],
      ['TCP_SSL', ['TCP', 'HTTP']],
      ['QUIC', ['TCP', 'HTTP']],
    ])('a %s listener accepts the check types %j', async (protocol, checkTypes) => {
      const { sim, lb } = await withClb();
      const extra = ['TCP_SSL', 'QUIC'].includes(protocol) ? { Certificate: CERT } : {};
      for (const [i, CheckType] of checkTypes.entries()) {
        const check = CheckType === 'CUSTOM' ? CUSTOM : CheckType === 'HTTP' && protocol === 'TCP' ? TCP_HTTP : { CheckType };
        await createListener(sim, lb, protocol, 1000 + i, { ...extra, HealthCheck: check });
      }
      expect((await listeners(sim, lb)).map((l) => l.HealthCheck?.CheckType)).toEqual(checkTypes);
    });

    it.each<[string, string[]]>([
      ['HTTP', ['HTTP', 'GRPC']],
      ['HTTPS', ['HTTP', 'HTTPS', 'GRPC']],
    ])('a rule of an %s listener accepts the check types %j', async (protocol, checkTypes) => {
      const { sim, lb } = await withClb();
      const listener = await listenerOf(sim, lb, protocol);
      await sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: checkTypes.map((CheckType, i) => ({ Domain: 'a.com', Url: `/${i}`, HealthCheck: { CheckType } })) });
      expect(((await describeOne(sim, lb, listener))?.Rules ?? []).map((r) => r.HealthCheck?.CheckType).sort()).toEqual([...checkTypes].sort());
    });

    it('an IPv6 CLB takes health-check intervals of 5 s and more', async () => {
      const sim = simulator();
      const lb = await createClb(sim, { AddressIPVersion: 'IPV6' });
      await createListener(sim, lb, 'TCP', 80, { HealthCheck: { IntervalTime: 5, TimeOut: 2 } });
      await expectRefused(sim, () => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [81], HealthCheck: { IntervalTime: 4, TimeOut: 2 } }), 'InvalidParameterValue.Range');
    });
  });

  describe('refused, changing nothing', () => {
    /** A TCP listener (port 80) and an HTTPS listener (443) with one rule, to refuse calls against. */
    async function withListeners() {
      const { sim, lb } = await withClb();
      const tcp = await createListener(sim, lb, 'TCP', 80);
      const udp = await createListener(sim, lb, 'UDP', 53);
      const http = await createListener(sim, lb, 'HTTP', 8080);
      const https = await listenerOf(sim, lb, 'HTTPS');
      const [rule] = (await sim.CreateRule({ LoadBalancerId: lb, ListenerId: https, Rules: [{ Domain: 'a.com', Url: '/' }] })).LocationIds ?? [];
      const [httpRule] = (await sim.CreateRule({ LoadBalancerId: lb, ListenerId: http, Rules: [{ Domain: 'a.com', Url: '/' }] })).LocationIds ?? [];
      return { sim, lb, tcp, udp, http, https, rule: rule!, httpRule: httpRule! };
    }
    type Ids = Awaited<ReturnType<typeof withListeners>>;
    type Call = (sim: Ids['sim'], ids: Ids) => Promise<unknown>;
    /** The same health check refused on all four writes that take one. */
    const everywhere = (hc: clb.HealthCheck, protocol = 'TCP'): [string, Call][] => [
      ['CreateListener', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: protocol, Ports: [9000], HealthCheck: hc })],
      ['ModifyListener', (sim, { lb, tcp, udp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: protocol === 'UDP' ? udp : tcp, HealthCheck: hc })],
      ['CreateRule', (sim, { lb, https }) => sim.CreateRule({ LoadBalancerId: lb, ListenerId: https, Rules: [{ Domain: 'b.com', Url: '/', HealthCheck: hc }] })],
      ['ModifyRule', (sim, { lb, https, rule }) => sim.ModifyRule({ LoadBalancerId: lb, ListenerId: https, LocationId: rule, HealthCheck: hc })],
    ];
    const refusals = (rule: string, code: string, cases: [string, Call][]) => cases.map(([call, run]): [string, string, string, Call] => [rule, call, code, run]);
    /** The first API field a case's name mentions (HealthSwitch, HttpCheckPath, …). */
    const fieldOf = (name: string, fallback: string) => /\b[A-Z][a-z]+[A-Z][A-Za-z]*\b/.exec(name)?.[0] ?? fallback;
    /** Refused with `code` and a message naming `field`, and nothing changed. */
    async function refusedNaming(run: Call, code: string, field: string): Promise<void> {
      const ids = await withListeners();
      const named = () => run(ids.sim, ids).catch((error: unknown) => {
        expect((error as Error).message).toContain(field);
        throw error;
      });
      await expectRefused(ids.sim, named, code);
    }

    it.each<[string, string, string, Call]>([
      ...refusals('HealthSwitch 2 (0|1)', 'InvalidParameterValue.Range', everywhere({ HealthSwitch: 2 })),
      ...refusals('TimeOut 1 (2–60)', 'InvalidParameterValue.Range', everywhere({ TimeOut: 1 })),
      ...refusals('TimeOut 61 (2–60)', 'InvalidParameterValue.Range', everywhere({ TimeOut: 61, IntervalTime: 300 })),
      ...refusals('IntervalTime 1 (2–300)', 'InvalidParameterValue.Range', everywhere({ IntervalTime: 1 })),
      ...refusals('IntervalTime 301 (2–300)', 'InvalidParameterValue.Range', everywhere({ IntervalTime: 301 })),
      ...refusals('HealthNum 1 (2–10)', 'InvalidParameterValue.Range', everywhere({ HealthNum: 1 })),
      ...refusals('HealthNum 11 (2–10)', 'InvalidParameterValue.Range', everywhere({ HealthNum: 11 })),
      ...refusals('UnHealthNum 1 (2–10)', 'InvalidParameterValue.Range', everywhere({ UnHealthNum: 1 })),
      ...refusals('UnHealthNum 11 (2–10)', 'InvalidParameterValue.Range', everywhere({ UnHealthNum: 11 })),
      ...refusals('a TimeOut equal to the IntervalTime', 'InvalidParameterValue', everywhere({ TimeOut: 10, IntervalTime: 10 })),
      ...refusals('a TimeOut above the stored (default 5 s) IntervalTime', 'InvalidParameterValue', everywhere({ TimeOut: 6 })),
      ...refusals('SourceIpType 2 (0|1)', 'InvalidParameterValue.Range', everywhere({ SourceIpType: 2 })),
      ...refusals('an unknown HttpCheckMethod (HEAD|GET)', 'InvalidParameterValue', everywhere({ HttpCheckMethod: 'POST' })),
      ...refusals('HttpCode 0 (1–31)', 'InvalidParameterValue.Range', everywhere({ HttpCode: 0 })),
      ...refusals('HttpCode 32 (1–31)', 'InvalidParameterValue.Range', everywhere({ HttpCode: 32 })),
      ...refusals('an HttpCheckPath not starting with /', 'InvalidParameterValue', everywhere({ HttpCheckPath: 'healthz' })),
    ])('%s: %s', async (rule, _call, code, run) => refusedNaming(run, code, fieldOf(rule, 'HealthCheck')));

    it.each<[string, string, Call]>([
      ['PING on a TCP listener (TCP|HTTP|CUSTOM)', 'InvalidParameterValue', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [9000], HealthCheck: { CheckType: 'PING' } })],
      ['TCP on a UDP listener (PING|CUSTOM)', 'InvalidParameterValue', (sim, { lb, udp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: udp, HealthCheck: { CheckType: 'TCP' } })],
      ['HTTP on a UDP listener (PING|CUSTOM)', 'InvalidParameterValue', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'UDP', Ports: [9000], HealthCheck: { CheckType: 'HTTP' } })],
      ['CUSTOM on a TCP_SSL listener (TCP|HTTP)', 'InvalidParameterValue', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP_SSL', Ports: [9443], Certificate: CERT, HealthCheck: CUSTOM })],
      ['HTTPS on a rule of an HTTP listener (HTTP|GRPC)', 'InvalidParameterValue', (sim, { lb, http, httpRule }) => sim.ModifyRule({ LoadBalancerId: lb, ListenerId: http, LocationId: httpRule, HealthCheck: { CheckType: 'HTTPS' } })],
      ['TCP on a rule of an HTTPS listener (HTTP|HTTPS|GRPC)', 'InvalidParameterValue', (sim, { lb, https }) => sim.CreateRule({ LoadBalancerId: lb, ListenerId: https, Rules: [{ Domain: 'b.com', Url: '/', HealthCheck: { CheckType: 'TCP' } }] })],
    ])('CheckType per protocol: %s', async (_rule, code, run) => refusedNaming(run, code, 'CheckType'));

    it.each<[string, string, Call]>([
      ['CheckPort 0 (1–65535)', 'InvalidParameterValue.Range', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { CheckPort: 0 } })],
      ['CheckPort 65536 (1–65535)', 'InvalidParameterValue.Range', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'UDP', Ports: [9000], HealthCheck: { CheckPort: 65536 } })],
      ['CheckPort on a rule (TCP/UDP listeners only)', 'InvalidParameter', (sim, { lb, https, rule }) => sim.ModifyRule({ LoadBalancerId: lb, ListenerId: https, LocationId: rule, HealthCheck: { CheckPort: 8080 } })],
      ['CheckPort on a TCP_SSL listener (TCP/UDP listeners only)', 'InvalidParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP_SSL', Ports: [9443], Certificate: CERT, HealthCheck: { CheckPort: 8080 } })],
      ['an unknown ContextType (HEX|TEXT)', 'InvalidParameterValue', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { ...CUSTOM, ContextType: 'BASE64' } })],
      ['ContextType on a rule (TCP/UDP listeners only)', 'InvalidParameter', (sim, { lb, https }) => sim.CreateRule({ LoadBalancerId: lb, ListenerId: https, Rules: [{ Domain: 'b.com', Url: '/', HealthCheck: { ContextType: 'TEXT' } }] })],
      ['a CUSTOM check without ContextType', 'MissingParameter', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { CheckType: 'CUSTOM', SendContext: 'a', RecvContext: 'b' } })],
      ['a CUSTOM check without SendContext', 'MissingParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'UDP', Ports: [9000], HealthCheck: { CheckType: 'CUSTOM', ContextType: 'TEXT', RecvContext: 'b' } })],
      ['a CUSTOM check without RecvContext', 'MissingParameter', (sim, { lb, udp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: udp, HealthCheck: { CheckType: 'CUSTOM', ContextType: 'TEXT', SendContext: 'a' } })],
      ['a HEX context of odd length', 'InvalidParameterValue', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { ...CUSTOM, SendContext: 'ABC' } })],
      ['a HEX context in lower case (0123456789ABCDEF only)', 'InvalidParameterValue', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { ...CUSTOM, RecvContext: '0a0b' } })],
      ['a HEX context with a non-hex character', 'InvalidParameterValue', (sim, { lb, udp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: udp, HealthCheck: { ...CUSTOM, SendContext: '0G' } })],
      ['a TEXT context of 501 characters (at most 500)', 'InvalidParameterValue.Length', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { ...CUSTOM, ContextType: 'TEXT', SendContext: 'a'.repeat(501) } })],
      ['a TEXT context with a control character (visible ASCII only)', 'InvalidParameterValue', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { ...CUSTOM, ContextType: 'TEXT', RecvContext: 'ok\n' } })],
    ])('CheckPort and CUSTOM checks: %s', async (rule, code, run) => refusedNaming(run, code, fieldOf(rule, 'Context')));

    it.each<[string, string, Call]>([
      ['HttpCheckPath on a UDP listener (never an HTTP check)', 'InvalidParameter', (sim, { lb, udp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: udp, HealthCheck: { HttpCheckPath: '/' } })],
      ['HttpCode on a UDP listener (never an HTTP check)', 'InvalidParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'UDP', Ports: [9000], HealthCheck: { HttpCode: 2 } })],
      ['a TCP listener\'s HTTP check without HttpCheckDomain', 'MissingParameter', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { CheckType: 'HTTP', HttpVersion: 'HTTP/1.1' } })],
      ['a TCP listener\'s HTTP check without HttpVersion', 'MissingParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [9000], HealthCheck: { CheckType: 'HTTP', HttpCheckDomain: 'a.com' } })],
      ['an unknown HttpVersion (HTTP/1.0|HTTP/1.1)', 'InvalidParameterValue', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, HealthCheck: { ...TCP_HTTP, HttpVersion: 'HTTP/2' } })],
      ['HttpVersion on a rule (TCP listeners only)', 'InvalidParameter', (sim, { lb, https, rule }) => sim.ModifyRule({ LoadBalancerId: lb, ListenerId: https, LocationId: rule, HealthCheck: { HttpVersion: 'HTTP/1.1' } })],
    ])('HTTP checks: %s', async (rule, code, run) => refusedNaming(run, code, fieldOf(rule, 'HttpCheck')));

    it('accepts a TCP listener\'s HTTP check with HttpCheckDomain and HttpVersion, and its HTTP fields', async () => {
      const { sim, lb } = await withClb();
      const id = await listenerOf(sim, lb, 'TCP', { HealthCheck: { ...TCP_HTTP, HttpCheckPath: '/healthz', HttpCheckMethod: 'GET', HttpCode: 2, CheckPort: 8081 } });
      expect((await describeOne(sim, lb, id))?.HealthCheck).toMatchObject({ ...TCP_HTTP, HttpCheckPath: '/healthz', HttpCheckMethod: 'GET', HttpCode: 2, CheckPort: 8081 });
    });

    it.each<[string, string, Call]>([
      ['KeepaliveEnable on a TCP listener (HTTP/HTTPS only)', 'InvalidParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP', Ports: [9000], KeepaliveEnable: 1 })],
      ['KeepaliveEnable on a UDP listener (HTTP/HTTPS only)', 'InvalidParameter', (sim, { lb, udp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: udp, KeepaliveEnable: 0 })],
      ['KeepaliveEnable 2 (0|1)', 'InvalidParameterValue.Range', (sim, { lb, http }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: http, KeepaliveEnable: 2 })],
      ['DeregisterTargetRst on an HTTP listener (TCP/UDP only)', 'InvalidParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'HTTP', Ports: [9000], DeregisterTargetRst: true })],
      ['DeregisterTargetRst on an HTTPS listener (TCP/UDP only)', 'InvalidParameter', (sim, { lb, https }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: https, DeregisterTargetRst: false })],
      ['DeregisterTargetRst on a TCP_SSL listener (TCP/UDP only)', 'InvalidParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP_SSL', Ports: [9443], Certificate: CERT, DeregisterTargetRst: true })],
      ['DeregisterTargetRst not a boolean', 'InvalidParameterValue', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, DeregisterTargetRst: 1 as unknown as boolean })],
      ['RescheduleTargetZeroWeight on an HTTP listener (TCP/UDP only)', 'InvalidParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'HTTP', Ports: [9000], RescheduleTargetZeroWeight: true })],
      ['RescheduleInterval on a TCP_SSL listener (TCP/UDP only)', 'InvalidParameter', (sim, { lb }) => sim.CreateListener({ LoadBalancerId: lb, Protocol: 'TCP_SSL', Ports: [9443], Certificate: CERT, RescheduleInterval: 10 })],
      ['RescheduleUnhealthy not a boolean', 'InvalidParameterValue', (sim, { lb, tcp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: tcp, RescheduleUnhealthy: 1 as unknown as boolean })],
      ['RescheduleStartTime 3601 (0-3600)', 'InvalidParameterValue', (sim, { lb, udp }) => sim.ModifyListener({ LoadBalancerId: lb, ListenerId: udp, RescheduleStartTime: 3601 })],
    ])('listener switches: %s', async (rule, code, run) => refusedNaming(run, code, fieldOf(rule, '')));

    it.each<[string, string, Call]>([
      ['an unknown ForwardType on CreateRule (HTTP|HTTPS|GRPC|GRPCS)', 'InvalidParameterValue', (sim, { lb, https }) => sim.CreateRule({ LoadBalancerId: lb, ListenerId: https, Rules: [{ Domain: 'b.com', Url: '/', ForwardType: 'SOAP' }] })],
      ['TRPC on CreateRule (not open)', 'InvalidParameterValue', (sim, { lb, https }) => sim.CreateRule({ LoadBalancerId: lb, ListenerId: https, Rules: [{ Domain: 'b.com', Url: '/', ForwardType: 'TRPC' }] })],
      ['GRPCS on ModifyRule (HTTP|HTTPS|GRPC)', 'InvalidParameterValue', (sim, { lb, https, rule }) => sim.ModifyRule({ LoadBalancerId: lb, ListenerId: https, LocationId: rule, ForwardType: 'GRPCS' })],
      ['HTTPS on a rule of an HTTP listener (HTTPS listeners only)', 'InvalidParameter', (sim, { lb, http }) => sim.CreateRule({ LoadBalancerId: lb, ListenerId: http, Rules: [{ Domain: 'b.com', Url: '/', ForwardType: 'HTTPS' }] })],
      ['GRPC on a rule of an HTTP listener (HTTPS listeners only)', 'InvalidParameter', (sim, { lb, http, httpRule }) => sim.ModifyRule({ LoadBalancerId: lb, ListenerId: http, LocationId: httpRule, ForwardType: 'GRPC' })],
    ])('ForwardType: %s', async (_rule, code, run) => refusedNaming(run, code, 'ForwardType'));
  });
});

describe('the default domain (DefaultServer)', () => {
  const defaultOf = async (sim: ReturnType<typeof simulator>, lb: string, listenerId: string) => {
    const rules = (await sim.DescribeListeners({ LoadBalancerId: lb, ListenerIds: [listenerId] })).Listeners?.[0]?.Rules ?? [];
    return [...new Set(rules.filter((r) => r.DefaultServer).map((r) => r.Domain))];
  };

  it('a listener\'s first domain is its default; CreateRule and ModifyDomainAttributes can make another one the default', async () => {
    const { sim, lb, listener } = await withHttpListener();
    await createRule(sim, lb, listener, 'a.com', '/');
    await createRule(sim, lb, listener, 'b.com', '/');
    expect(await defaultOf(sim, lb, listener)).toEqual(['a.com']);
    await sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'c.com', Url: '/', DefaultServer: true }] });
    expect(await defaultOf(sim, lb, listener)).toEqual(['c.com']);
    await sim.ModifyDomainAttributes({ LoadBalancerId: lb, ListenerId: listener, Domain: 'b.com', DefaultServer: true });
    expect(await defaultOf(sim, lb, listener)).toEqual(['b.com']);
  });

  it('a listener always has one: switching it off, or deleting its rules while others stay, needs NewDefaultServerDomain', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const a = await createRule(sim, lb, listener, 'a.com', '/');
    await createRule(sim, lb, listener, 'b.com', '/');
    await expectRefused(sim, () => sim.ModifyDomainAttributes({ LoadBalancerId: lb, ListenerId: listener, Domain: 'a.com', DefaultServer: false }), 'InvalidParameter');
    await expectRefused(sim, () => sim.CreateRule({ LoadBalancerId: lb, ListenerId: listener, Rules: [{ Domain: 'c.com', Url: '/', DefaultServer: true }, { Domain: 'd.com', Url: '/', DefaultServer: true }] }), 'InvalidParameter');
    // Deleting the default domain's last rule while others stay needs the new default named.
    await expectRefused(sim, () => sim.DeleteRule({ LoadBalancerId: lb, ListenerId: listener, LocationIds: [a] }), 'InvalidParameter');
    await sim.DeleteRule({ LoadBalancerId: lb, ListenerId: listener, LocationIds: [a], NewDefaultServerDomain: 'b.com' });
    expect(await defaultOf(sim, lb, listener)).toEqual(['b.com']);
  });
});
