/**
 * What the simulated CLB API enforces on listeners and layer-7 rules: ids, port+protocol uniqueness, listener
 * settings, quotas, domain+url uniqueness and formats, the response shapes of DescribeListeners (reference §8),
 * and the deletion calls (including DeleteLoadBalancerListeners' delete-everything default).
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
    await sim.DeleteRule({ LoadBalancerId: lb, ListenerId: listener, LocationIds: [a] });
    await sim.DeleteRule({ LoadBalancerId: lb, ListenerId: listener, Domain: 'b.com', Url: '/' });
    expect(await rulesOf(sim, lb, listener)).toEqual(['c.com/']);
  });

  it('DeleteRule refuses an unknown LocationId with InvalidParameter.LocationNotFound, deleting none of the batch', async () => {
    const { sim, lb, listener } = await withHttpListener();
    const a = await createRule(sim, lb, listener, 'a.com', '/');
    await expectRefused(sim, () => sim.DeleteRule({ LoadBalancerId: lb, ListenerId: listener, LocationIds: [a, UNKNOWN_LOCATION] }), 'InvalidParameter.LocationNotFound');
  });
});
