/** Helpers for tests that drive the real SDK clients over HTTP against the local TC3 emulator. */
import { Agent } from 'node:http';
import { startApiServer, type ApiKey, type ApiServerOptions, type RunningApiServer } from '../../mocks/clb/api-server.js';
import type { SimulatorOptions } from '../../mocks/clb/options.js';
import { ClbSimulator } from '../../mocks/clb/simulator.js';
import type { ApiClients } from '../../providers/tencentcloud/api-caller.js';
import type { DynamicCredential } from '../../providers/tencentcloud/credentials.js';
import { createSdkClients } from '../../providers/tencentcloud/sdk-clients.js';

export const TEST_KEY: ApiKey = { secretId: 'AKIDcontracttest000000000000000000', secretKey: 'contract-test-secret-key-00000000' };

/** Resolves every host to loopback, so the SDK signs for the real service names (clb, vpc, tag). */
export function loopbackAgent(): Agent {
  return new Agent({
    keepAlive: true,
    lookup: ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      options?.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)) as never,
  });
}

export const emulatorEndpoints = (port: number) => ({
  clb: `clb.tencentcloudapi.com:${port}`,
  vpc: `vpc.tencentcloudapi.com:${port}`,
  tag: `tag.tencentcloudapi.com:${port}`,
});

export interface WireRig {
  readonly simulator: ClbSimulator;
  readonly server: RunningApiServer;
  readonly agent: Agent;
  clients(credential?: DynamicCredential, options?: { requestTimeoutSeconds?: number }): ApiClients;
  close(): Promise<void>;
}

export async function startWireRig(simulatorOptions: SimulatorOptions = {}, server: Partial<Omit<ApiServerOptions, 'simulator'>> = {}): Promise<WireRig> {
  const simulator = new ClbSimulator(simulatorOptions);
  const running = await startApiServer({ simulator, keys: [TEST_KEY], ...server });
  const agent = loopbackAgent();
  return {
    simulator,
    server: running,
    agent,
    clients: (credential = { getCredential: async () => TEST_KEY }, options = {}) =>
      createSdkClients({ region: simulator.region, credential, endpoints: emulatorEndpoints(running.port), protocol: 'http://', agent, ...options }),
    close: async () => {
      agent.destroy();
      await running.close();
    },
  };
}
