import { describe, expect, it } from '@jest/globals';
import type { Listener, ListenerTargets, LoadBalancer, Target } from '../../providers/provider.js';
import { planChanges, planCount, type ActualState } from '../../src/deploy/plan.js';
import { DEFAULT_DOMAIN, type DesiredListener } from '../../src/model/desired.js';

const LB: LoadBalancer = {
  id: 'lb-aaaaaaaa', name: 'lb', type: 'OPEN', vpcId: 'vpc-1', vips: ['203.0.113.7'], status: 'running', tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false,
};
const OURS = 'k8s_cls_svc_default_web_';
const node = (i: number, weight = 10, port = 30080): Target => ({ instanceId: `ins-0000000${i}`, port, weight });
const desiredTcp = (port: number, targets: Target[], extra: Partial<DesiredListener> = {}): DesiredListener => ({
  name: `${OURS}TCP_${port}`, protocol: 'TCP', port, sessionExpireTime: 0, targets, rules: [], ...extra,
});
const actualListener = (id: string, protocol: Listener['protocol'], port: number, name = `${OURS}${protocol}_${port}`, extra: Partial<Listener> = {}): Listener => ({
  id, name, protocol, port, sessionExpireTime: 0, scheduler: 'WRR', healthCheck: { enabled: true, intervalSeconds: 5 }, sniEnabled: false, rules: [], ...extra,
});
const targetsOf = (listenerId: string, targets: Target[], protocol: Listener['protocol'] = 'TCP', port = 80): [string, ListenerTargets] => [listenerId, { listenerId, protocol, port, targets, rules: [] }];
const actual = (listeners: Listener[], targets: [string, ListenerTargets][] = []): ActualState => ({ loadBalancer: LB, listeners, targets: new Map(targets) });
const isOwn = (l: Listener) => l.name.startsWith(OURS);

describe('planChanges', () => {
  it('plans nothing when the CLB already matches (cloud defaults such as health checks cause no diff)', () => {
    const plan = planChanges([desiredTcp(80, [node(1), node(2)])], actual([actualListener('lbl-1', 'TCP', 80)], [targetsOf('lbl-1', [node(2), node(1)])]), isOwn);
    expect(planCount(plan)).toBe(0);
  });

  it('creates missing listeners and registers their targets by listener key', () => {
    const plan = planChanges([desiredTcp(80, [node(1)]), desiredTcp(443, [node(1, 10, 30443)])], actual([]), isOwn);
    expect(plan.createListeners.map((l) => l.port)).toEqual([80, 443]);
    expect(plan.register).toEqual([
      { listenerKey: 'TCP:80', target: node(1) },
      { listenerKey: 'TCP:443', target: node(1, 10, 30443) },
    ]);
  });

  it('changes only what differs: targets added, re-weighted and removed on an existing listener', () => {
    const plan = planChanges(
      [desiredTcp(80, [node(1), node(2, 50), node(3)])],
      actual([actualListener('lbl-1', 'TCP', 80)], [targetsOf('lbl-1', [node(1), node(2), node(4)])]),
      isOwn,
    );
    expect(plan).toMatchObject({
      createListeners: [],
      register: [{ listenerKey: 'TCP:80', target: node(3) }],
      reweight: [{ listenerId: 'lbl-1', target: node(2, 50) }],
      deregister: [{ listenerId: 'lbl-1', target: node(4) }],
      deleteListeners: [],
    });
  });

  it('modifies listener settings in place (session persistence, certificate) instead of recreating', () => {
    const cert = { mode: 'UNIDIRECTIONAL' as const, certId: 'cert-new' };
    const plan = planChanges(
      [desiredTcp(80, [], { sessionExpireTime: 300 }), { ...desiredTcp(443, []), name: `${OURS}TCP_SSL_443`, protocol: 'TCP_SSL', certificate: cert }],
      actual([actualListener('lbl-1', 'TCP', 80), actualListener('lbl-2', 'TCP_SSL', 443, `${OURS}TCP_SSL_443`, { certificate: { mode: 'UNIDIRECTIONAL', certId: 'cert-old' } })]),
      isOwn,
    );
    expect(plan.modifyListeners).toEqual([
      { listenerId: 'lbl-1', changes: { sessionExpireTime: 300 } },
      { listenerId: 'lbl-2', changes: { certificate: cert } },
    ]);
    expect(plan.createListeners).toEqual([]);
    expect(plan.deleteListeners).toEqual([]);
  });

  it('deletes own listeners that are no longer desired, and never touches listeners it does not own', () => {
    const plan = planChanges([], actual([actualListener('lbl-1', 'TCP', 80), actualListener('lbl-user', 'TCP', 22, 'ssh-by-hand')]), isOwn);
    expect(plan.deleteListeners).toEqual(['lbl-1']);
    expect(plan.deregister).toEqual([]);
  });

  it('reports a port held by a listener it does not own as a conflict and plans nothing for that port only', () => {
    const plan = planChanges(
      [desiredTcp(80, [node(1)]), desiredTcp(81, [node(1, 10, 30081)])],
      actual([actualListener('lbl-other', 'TCP', 80, 'k8s_cls_svc_default_other_TCP_80')]),
      isOwn,
    );
    expect(plan.conflicts).toEqual([expect.objectContaining({ eventReason: 'PortConflict', value: '80' })]);
    expect(plan.createListeners.map((l) => l.port)).toEqual([81]);
    expect(plan.deleteListeners).toEqual([]);
  });

  it('lets TCP and UDP share a port, but deletes its own TCP:80 before creating HTTP:80 (same port family)', () => {
    const udp = planChanges([{ ...desiredTcp(80, []), name: `${OURS}UDP_80`, protocol: 'UDP' }], actual([actualListener('lbl-other', 'TCP', 80, 'someone-else')]), isOwn);
    expect(udp.conflicts).toEqual([]);
    const http: DesiredListener = { name: `${OURS}HTTP_80`, protocol: 'HTTP', port: 80, targets: [], rules: [{ domain: 'a.com', url: '/', targets: [node(1)] }] };
    const swap = planChanges([http], actual([actualListener('lbl-1', 'TCP', 80)]), isOwn);
    expect(swap.deleteListenersFirst).toEqual(['lbl-1']);
    expect(swap.deleteListeners).toEqual([]);
    expect(swap.createListeners.map((l) => l.protocol)).toEqual(['HTTP']);
  });

  it('resolves the default-domain placeholder to the CLB VIP, and diffs rules by domain + url', () => {
    const rule = (domain: string, url: string, targets: Target[]) => ({ domain, url, targets });
    const desired: DesiredListener = {
      name: `${OURS}HTTP_80`, protocol: 'HTTP', port: 80, targets: [],
      rules: [rule(DEFAULT_DOMAIN, '/', [node(1)]), rule('a.com', '/api', [node(2)])],
    };
    const existing = actualListener('lbl-1', 'HTTP', 80, undefined, { rules: [{ id: 'loc-1', domain: '203.0.113.7', url: '/' }, { id: 'loc-2', domain: 'a.com', url: '/old' }] });
    const targets: ListenerTargets = { listenerId: 'lbl-1', protocol: 'HTTP', port: 80, targets: [], rules: [{ ruleId: 'loc-1', domain: '203.0.113.7', url: '/', targets: [node(1)] }] };
    const plan = planChanges([desired], { loadBalancer: LB, listeners: [existing], targets: new Map([['lbl-1', targets]]) }, isOwn);
    expect(plan.createRules).toEqual([{ listenerKey: 'HTTP:80', rules: [rule('a.com', '/api', [node(2)])] }]);
    expect(plan.deleteRules).toEqual([{ listenerId: 'lbl-1', ruleIds: ['loc-2'] }]);
    expect(plan.register).toEqual([{ listenerKey: 'HTTP:80', ruleKey: 'a.com/api', target: node(2) }]);
    expect(plan.deregister).toEqual([]);
  });

  it('swaps an SNI domain certificate without touching the rules', () => {
    const cert = (certId: string) => ({ mode: 'UNIDIRECTIONAL' as const, certId });
    const desired: DesiredListener = {
      name: `${OURS}HTTPS_443`, protocol: 'HTTPS', port: 443, sniEnabled: true, targets: [],
      rules: [{ domain: 'a.com', url: '/', certificate: cert('c-2'), targets: [] }, { domain: 'a.com', url: '/x', certificate: cert('c-2'), targets: [] }],
    };
    const existing = actualListener('lbl-1', 'HTTPS', 443, undefined, {
      sniEnabled: true,
      rules: [{ id: 'loc-1', domain: 'a.com', url: '/', certificate: cert('c-1') }, { id: 'loc-2', domain: 'a.com', url: '/x', certificate: cert('c-1') }],
    });
    const plan = planChanges([desired], actual([existing]), isOwn);
    expect(plan.setDomainCertificates).toEqual([{ listenerId: 'lbl-1', domain: 'a.com', certificate: cert('c-2') }]);
    expect(planCount(plan)).toBe(1);
  });

  it('sets HTTP → HTTPS redirects by rule keys, and replaces a redirect that points elsewhere', () => {
    const https: DesiredListener = { name: `${OURS}HTTPS_443`, protocol: 'HTTPS', port: 443, certificate: { mode: 'UNIDIRECTIONAL', certId: 'c' }, targets: [], rules: [{ domain: 'a.com', url: '/', targets: [node(1)] }] };
    const http: DesiredListener = { name: `${OURS}HTTP_80`, protocol: 'HTTP', port: 80, targets: [], rules: [{ domain: 'a.com', url: '/', targets: [], redirect: { port: 443, domain: 'a.com', url: '/' } }] };
    const fresh = planChanges([http, https], actual([]), isOwn);
    expect(fresh.setRedirects).toEqual([{ source: { listenerKey: 'HTTP:80', ruleKey: 'a.com/' }, target: { listenerKey: 'HTTPS:443', ruleKey: 'a.com/' } }]);
    expect(fresh.deleteRedirects).toEqual([]);

    const existingHttps = actualListener('lbl-s', 'HTTPS', 443, undefined, { certificate: { mode: 'UNIDIRECTIONAL', certId: 'c' }, rules: [{ id: 'loc-s', domain: 'a.com', url: '/' }, { id: 'loc-old', domain: 'a.com', url: '/old' }] });
    const pointsElsewhere = actualListener('lbl-h', 'HTTP', 80, undefined, { rules: [{ id: 'loc-h', domain: 'a.com', url: '/', redirect: { listenerId: 'lbl-s', ruleId: 'loc-old' } }] });
    const moved = planChanges([http, { ...https, rules: [...https.rules, { domain: 'a.com', url: '/old', targets: [] }] }], actual([pointsElsewhere, existingHttps]), isOwn);
    expect(moved.deleteRedirects).toEqual([{ sourceListenerId: 'lbl-h', sourceRuleId: 'loc-h', targetListenerId: 'lbl-s', targetRuleId: 'loc-old' }]);
    expect(moved.setRedirects).toHaveLength(1);

    const converged = actualListener('lbl-h', 'HTTP', 80, undefined, { rules: [{ id: 'loc-h', domain: 'a.com', url: '/', redirect: { listenerId: 'lbl-s', ruleId: 'loc-s' } }] });
    const again = planChanges([http, https], actual([converged, { ...existingHttps, rules: [{ id: 'loc-s', domain: 'a.com', url: '/' }] }], [['lbl-s', { listenerId: 'lbl-s', protocol: 'HTTPS', port: 443, targets: [], rules: [{ ruleId: 'loc-s', domain: 'a.com', url: '/', targets: [node(1)] }] }]]), isOwn);
    expect(planCount(again)).toBe(0);
  });
});

describe('listener settings: only what the model sets is enforced (TkeServiceConfig semantics)', () => {
  const drifted = actualListener('lbl-1', 'TCP', 80, undefined, { scheduler: 'LEAST_CONN', sessionExpireTime: 0, healthCheck: { enabled: false, intervalSeconds: 7 }, deregisterTargetRst: true });
  it.each<[string, Partial<DesiredListener>, Record<string, unknown>]>([
    ['nothing set: the console\'s scheduler, health check and reset switch are left as they are', {}, {}],
    ['a configured scheduler put back', { scheduler: 'WRR' }, { scheduler: 'WRR' }],
    ['a configured health check switched off in the console is switched on again, with only the configured fields', { healthCheck: { enabled: true, intervalSeconds: 7 } }, { healthCheck: { enabled: true, intervalSeconds: 7 } }],
    ['a health check equal in what it configures: no change (other fields are not compared)', { healthCheck: { enabled: false } }, {}],
    ['the reset-on-deregister extension', { deregisterTargetRst: false }, { deregisterTargetRst: false }],
    ['rescheduling times the CLB reports: compared, 0 s when it reports none', { rescheduleStartTime: 0, rescheduleInterval: 60 }, { rescheduleInterval: 60 }],
    ['a rescheduling switch the CLB never reports, not known to be sent (after a restart): sent', { rescheduleTargetZeroWeight: false }, { rescheduleTargetZeroWeight: false }],
  ])('%s', (_name, settings, changes) => {
    const plan = planChanges([desiredTcp(80, [], { sessionExpireTime: 0, ...settings })], actual([drifted]), isOwn);
    expect(plan.modifyListeners).toEqual(Object.keys(changes).length ? [{ listenerId: 'lbl-1', changes }] : []);
  });

  it('a rescheduling switch as the cache remembers sending it: not sent again', () => {
    const sent = { ...drifted, rescheduleTargetZeroWeight: true };
    expect(planChanges([desiredTcp(80, [], { sessionExpireTime: 0, rescheduleTargetZeroWeight: true })], actual([sent]), isOwn).modifyListeners).toEqual([]);
  });
});

describe('the default domain (CLB DefaultServer)', () => {
  const http = (rules: { domain: string; url: string; defaultServer?: boolean }[]): DesiredListener => ({ name: `${OURS}HTTP_80`, protocol: 'HTTP', port: 80, targets: [], rules: rules.map((r) => ({ ...r, targets: [] })) });
  const onCloud = (rules: { id: string; domain: string; url: string; defaultServer?: boolean }[]) => actualListener('lbl-h', 'HTTP', 80, undefined, { rules });

  it('deleting the default domain\'s last rules names the new default: the configured one, else the first domain that stays', () => {
    const cloud = onCloud([{ id: 'loc-a', domain: 'a.com', url: '/', defaultServer: true }, { id: 'loc-b', domain: 'b.com', url: '/', defaultServer: false }, { id: 'loc-c', domain: 'c.com', url: '/', defaultServer: false }]);
    expect(planChanges([http([{ domain: 'b.com', url: '/' }, { domain: 'c.com', url: '/' }])], actual([cloud]), isOwn).deleteRules).toEqual([{ listenerId: 'lbl-h', ruleIds: ['loc-a'], newDefaultDomain: 'b.com' }]);
    expect(planChanges([http([{ domain: 'b.com', url: '/' }, { domain: 'c.com', url: '/', defaultServer: true }])], actual([cloud]), isOwn).deleteRules).toEqual([{ listenerId: 'lbl-h', ruleIds: ['loc-a'], newDefaultDomain: 'c.com' }]);
    // Another domain's rule deleted: nothing to name.
    expect(planChanges([http([{ domain: 'a.com', url: '/' }, { domain: 'c.com', url: '/' }])], actual([cloud]), isOwn).deleteRules).toEqual([{ listenerId: 'lbl-h', ruleIds: ['loc-b'] }]);
  });

  it('a configured default domain the listener has but not as its default: one ModifyDomainAttributes; already so: none', () => {
    const cloud = onCloud([{ id: 'loc-a', domain: 'a.com', url: '/', defaultServer: true }, { id: 'loc-b', domain: 'b.com', url: '/', defaultServer: false }]);
    expect(planChanges([http([{ domain: 'a.com', url: '/' }, { domain: 'b.com', url: '/', defaultServer: true }])], actual([cloud]), isOwn).setDefaultDomains).toEqual([{ listenerId: 'lbl-h', domain: 'b.com' }]);
    expect(planChanges([http([{ domain: 'a.com', url: '/', defaultServer: true }, { domain: 'b.com', url: '/' }])], actual([cloud]), isOwn).setDefaultDomains).toEqual([]);
  });
});
