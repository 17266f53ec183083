import { describe, expect, it } from '@jest/globals';
import { ClbSimulator } from '../../mocks/clb/simulator.js';

describe('smoke', () => {
  it('creates a CLB', async () => {
    const sim = new ClbSimulator();
    const res = await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: 'vpc-cluster1' });
    expect(res.LoadBalancerIds?.[0]).toMatch(/^lb-/);
    const d = await sim.DescribeLoadBalancers({ LoadBalancerIds: res.LoadBalancerIds! });
    expect(d.LoadBalancerSet?.[0]?.Status).toBe(1);
    await expect(sim.DescribeListeners({ LoadBalancerId: 'lb-zzzzzzzz' })).rejects.toMatchObject({ code: 'InvalidParameter.LBIdNotFound' });
  });
});
