import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import type { CloudProvider } from '../../providers/provider.js';
import { PROVIDER_ACTIONS } from '../../providers/tencentcloud/api.js';

const policy = JSON.parse(readFileSync(new URL('../../manifests/cam-policy.json', import.meta.url), 'utf8')) as {
  version: string;
  statement: { effect: string; action: string[]; resource: string[] }[];
};
const granted = policy.statement.filter((s) => s.effect === 'allow').flatMap((s) => s.action);
const serviceOf = (action: string) => (['DescribeSubnets'].includes(action) ? 'vpc' : ['TagResources', 'UnTagResources'].includes(action) ? 'tag' : 'clb');

/** Calls every operation of the contract once, the way a controller would, and returns the API actions used. */
async function everyOperation(): Promise<Set<string>> {
  const { provider, simulator } = createLocalCloud();
  const p: CloudProvider = provider;
  const lb = await p.createLoadBalancer({ name: 'policy', type: 'OPEN', vpcId: 'vpc-cluster1', tags: { 'tke-clusterId': 'cls-1' } });
  await p.describeLoadBalancers([lb.id]);
  await p.findLoadBalancersByTags({ 'tke-clusterId': 'cls-1' });
  await p.modifyLoadBalancerAttributes(lb.id, { passToTarget: true });
  await p.setSecurityGroups(lb.id, ['sg-aaaaaaaa']);
  await p.tagLoadBalancer(lb.id, { owner: 'uid' });
  await p.untagLoadBalancer(lb.id, ['owner']);
  const [tcp, https] = await p.createListeners(lb.id, [
    { name: 'tcp', protocol: 'TCP', port: 80 },
    { name: 'https', protocol: 'HTTPS', port: 443, sniEnabled: true },
  ]);
  await p.modifyListener(lb.id, tcp!, { sessionExpireTime: 60 });
  const [rule] = await p.createRules(lb.id, https!, [{ domain: 'a.example.com', url: '/', certificate: { mode: 'UNIDIRECTIONAL', certId: 'c1' } }]);
  await p.modifyRule(lb.id, https!, rule!, { url: '/v2' });
  const [http] = await p.createListeners(lb.id, [{ name: 'http', protocol: 'HTTP', port: 8080 }]);
  const [plain] = await p.createRules(lb.id, http!, [{ domain: 'a.example.com', url: '/v2' }]);
  const redirect = { sourceListenerId: http!, sourceRuleId: plain!, targetListenerId: https!, targetRuleId: rule! };
  await p.setRedirects(lb.id, [redirect]);
  await p.deleteRedirects(lb.id, [redirect]);
  await p.setDomainCertificate(lb.id, https!, 'a.example.com', { mode: 'UNIDIRECTIONAL', certId: 'c2' });
  const binding = { listenerId: tcp!, target: { instanceId: 'ins-00000001', port: 30080, weight: 10 } };
  await p.registerTargets(lb.id, [binding]);
  await p.setTargetWeights(lb.id, [{ ...binding, target: { ...binding.target, weight: 0 } }]);
  await p.describeTargets(lb.id);
  await p.deregisterTargets(lb.id, [binding]);
  await p.deleteRules(lb.id, https!, [rule!]);
  await p.describeListeners(lb.id);
  await p.deleteListeners(lb.id, [tcp!, https!, http!]);
  await p.getQuota();
  await p.describeSubnet('subnet-lb000001');
  await p.deleteLoadBalancers([lb.id]);
  return new Set(simulator.traffic.log.map((call) => `${serviceOf(call.action)}:${call.action}`));
}

describe('manifests/cam-policy.json grants exactly what the provider calls', () => {
  it('is a CAM policy document (version 2.0, allow statements)', () => {
    expect(policy.version).toBe('2.0');
    expect(policy.statement.every((s) => s.effect === 'allow' && s.resource.length > 0)).toBe(true);
  });

  it('lists exactly the provider\'s declared API actions', () => {
    const declared = Object.entries(PROVIDER_ACTIONS).flatMap(([service, actions]) => actions.map((a) => `${service}:${a}`));
    expect([...granted].sort()).toEqual(declared.sort());
  });

  it('covers every action the provider really calls, and grants none it never calls', async () => {
    const used = await everyOperation();
    expect([...used].sort()).toEqual([...granted].sort());
  });
});
