/**
 * [edges] 5 — bad input and repeats: an invalid host in specify-protocol is left out alone (the valid hosts are
 * served), an Event never echoes more than 200 characters of a value, and re-sending a registration that is
 * already in place is success.
 */
import { describe, expect, it } from '@jest/globals';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { PartialBatchFailureError } from '../../providers/provider.js';
import { describeProblem, problem } from '../../src/model/problems.js';
import { buildServiceModel } from '../../src/service/build-service-model.js';

const SETTINGS = { clusterId: 'cls-edges', vpcId: 'vpc-cluster1' };
const NODE = { metadata: { name: '10.0.1.1' }, spec: { providerID: 'qcloud:///800002/ins-00000001' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };

describe('specify-protocol hosts', () => {
  it('leaves out only the host CLB would refuse, with a Warning naming it; the valid host is served', () => {
    const built = buildServiceModel({
      service: {
        metadata: { name: 'web', namespace: 'default', uid: 'u1', annotations: { 'service.cloud.tencent.com/specify-protocol': '{"80":{"protocol":["HTTP"],"hosts":{"bücher.example.com":{},"shop.example.com":{}}}}' } },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] },
      },
      nodes: [NODE], endpointSlices: [], secrets: new Map(), subnets: new Map(),
    }, SETTINGS);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.model.listeners[0]?.rules.map((r) => r.domain)).toEqual(['shop.example.com']);
    expect(built.warnings).toEqual([expect.objectContaining({ field: 'service.cloud.tencent.com/specify-protocol', value: 'bücher.example.com', eventReason: 'InvalidAnnotation' })]);
  });
});

describe('Event messages', () => {
  it('echo at most 200 characters of a value, and say how long it was', () => {
    const message = describeProblem(problem('InvalidAnnotation', 'service.cloud.tencent.com/lb-rs-weight', 'x'.repeat(10_000), 'expected a JSON object'));
    expect(message.length).toBeLessThan(400);
    expect(message).toContain('(10000 characters)');
    expect(message).toContain('expected a JSON object');
  });
});

describe('a registration re-sent', () => {
  it('is success when the targets are already bound as asked, and keeps the cloud\'s message when they are not', async () => {
    const cloud = createLocalCloud();
    const lb = await cloud.provider.createLoadBalancer({ name: 'web', type: 'OPEN', vpcId: 'vpc-cluster1', tags: {} });
    const [listenerId] = await cloud.provider.createListeners(lb.id, [{ name: 'l', protocol: 'TCP', port: 80 }]);
    const binding = { listenerId: listenerId!, target: { instanceId: 'ins-00000001', port: 30080, weight: 10 } };
    await cloud.provider.registerTargets(lb.id, [binding]);
    // The previous leader's batch, sent again by the new one.
    await expect(cloud.provider.registerTargets(lb.id, [binding])).resolves.toBeUndefined();
    // Bound, but at another weight: not what was asked — a failure that says why.
    const error = await cloud.provider.registerTargets(lb.id, [{ ...binding, target: { ...binding.target, weight: 50 } }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialBatchFailureError);
    expect((error as Error).message).toContain('is already bound');
  });
});
