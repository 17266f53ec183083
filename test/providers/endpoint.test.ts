/**
 * `--endpoint`: a host name overrides the CLB endpoint (inside a VPC); an emulator's URL sends CLB, VPC and Tag
 * calls to that address with the real service names signed — so `run` and `plan --provider tencentcloud` can be
 * pointed at the local TC3 emulator as they would at the real API.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startApiServer, type RunningApiServer } from '../../mocks/clb/api-server.js';
import { ClbSimulator } from '../../mocks/clb/simulator.js';
import { endpointOptions } from '../../providers/tencentcloud/endpoint.js';
import { createTencentCloudProvider } from '../../providers/tencentcloud/index.js';
import { TEST_KEY } from '../support/wire.js';

let server: RunningApiServer | undefined;
afterEach(async () => server?.close());

describe('--endpoint', () => {
  it('a host name overrides the CLB endpoint only, over HTTPS', () => {
    expect(endpointOptions('clb.internal.tencentcloudapi.com')).toEqual({ endpoints: { clb: 'clb.internal.tencentcloudapi.com' } });
  });

  it('an emulator URL reaches CLB, VPC and Tag at that address, signed for the real services', async () => {
    const simulator = new ClbSimulator();
    server = await startApiServer({ simulator, keys: [TEST_KEY] });
    const provider = createTencentCloudProvider({
      region: simulator.region,
      accountUin: simulator.uin,
      credentials: { kind: 'env', env: { TENCENTCLOUD_SECRET_ID: TEST_KEY.secretId, TENCENTCLOUD_SECRET_KEY: TEST_KEY.secretKey } },
      endpoint: `http://127.0.0.1:${server.port}`,
    });
    const lb = await provider.createLoadBalancer({ name: 'via-emulator', type: 'OPEN', vpcId: 'vpc-cluster1', tags: { team: 'a' } }); // CLB
    expect(await provider.findLoadBalancersByTags({ team: 'a' })).toEqual([expect.objectContaining({ id: lb.id })]); // Tag
    expect(await provider.describeSubnet('subnet-lb000001')).toEqual(expect.objectContaining({ id: 'subnet-lb000001' })); // VPC
    expect(simulator.traffic.log.map((c) => c.action)).toEqual(expect.arrayContaining(['CreateLoadBalancer', 'DescribeSubnets']));
  });
});
