/** fitToQuota keeps what the CLB has first — rules and targets — including rules without a host (on the VIP). */
import { describe, expect, it } from '@jest/globals';
import type { Listener, ListenerTargets, LoadBalancer, Target } from '../../providers/provider.js';
import { fitToQuota } from '../../src/deploy/quota.js';
import { planChanges, planCount } from '../../src/deploy/plan.js';
import { DEFAULT_DOMAIN, type DesiredListener } from '../../src/model/desired.js';

const LB: LoadBalancer = { id: 'lb-aaaaaaaa', name: 'lb', type: 'OPEN', vpcId: 'vpc-1', vips: ['1.2.3.4'], status: 'running', tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false };
const NAME = 'k8s_cls_ing_default_site_HTTP_80';
const node = (i: number): Target => ({ instanceId: `ins-${i}`, port: 30080, weight: 10 });
const isOwn = (l: Listener) => l.name === NAME;

describe('fitToQuota at the rule and target quotas', () => {
  it('rules without a host: those on the CLB (at its VIP) stay, with their bound targets — nothing churns', () => {
    const rule = (url: string) => ({ domain: DEFAULT_DOMAIN, url, targets: [node(1), node(2), node(3)] });
    const desired: DesiredListener[] = [{ name: NAME, protocol: 'HTTP', port: 80, targets: [], rules: [rule('/'), rule('/a'), rule('/b')] }];
    const listener: Listener = { id: 'lbl-1', name: NAME, protocol: 'HTTP', port: 80, rules: [{ id: 'loc-a', domain: '1.2.3.4', url: '/a' }, { id: 'loc-b', domain: '1.2.3.4', url: '/b' }] };
    const bound: ListenerTargets = { listenerId: 'lbl-1', protocol: 'HTTP', port: 80, targets: [], rules: [
      { ruleId: 'loc-a', domain: '1.2.3.4', url: '/a', targets: [node(2), node(3)] }, { ruleId: 'loc-b', domain: '1.2.3.4', url: '/b', targets: [node(2), node(3)] },
    ] };
    const actual = { loadBalancer: LB, listeners: [listener], targets: new Map([['lbl-1', bound]]) };
    const fit = fitToQuota(desired, actual, isOwn, { listenersPerLoadBalancer: 50, rulesPerListener: 2, targetsPerRule: 2 });
    expect(fit.listeners[0]!.rules.map((r) => [r.url, r.targets.map((t) => t.instanceId)])).toEqual([['/a', ['ins-2', 'ins-3']], ['/b', ['ins-2', 'ins-3']]]);
    expect(planCount(planChanges(fit.listeners, actual, isOwn, 2))).toBe(0);
    expect(fit.leftOut.map((p) => p.eventReason)).toEqual(['QuotaExceeded', 'QuotaExceeded', 'QuotaExceeded']);
  });
});
