/**
 * The local mock cloud: the real CLB provider over the in-process simulator. Tests, the benchmark and the
 * offline sandbox all use this — there is no second, simplified mock.
 */
import { ClbProvider, type ClbProviderOptions } from '../../providers/tencentcloud/clb-provider.js';
import type { SimulatorOptions } from './options.js';
import { ClbSimulator } from './simulator.js';

export interface LocalCloud {
  readonly simulator: ClbSimulator;
  readonly provider: ClbProvider;
}

export function createLocalCloud(
  simulatorOptions: SimulatorOptions = {},
  providerOptions: Partial<Omit<ClbProviderOptions, 'region' | 'accountUin'>> = {},
): LocalCloud {
  const simulator = new ClbSimulator(simulatorOptions);
  const provider = new ClbProvider(
    { clb: simulator, vpc: simulator.vpc, tag: simulator.tag },
    {
      region: simulator.region,
      accountUin: simulator.uin,
      rateLimitPerSecond: simulatorOptions.rateLimitPerSecond ?? 20,
      ...(simulatorOptions.rateLimits ? { rateLimits: simulatorOptions.rateLimits } : {}),
      // The simulator's tasks take `taskLatencyMs`: poll right after that instead of the real cloud's cadence.
      taskPoll: { firstPollMs: simulator.taskLatencyMs, maxPollMs: Math.max(50, simulator.taskLatencyMs), timeoutMs: 60_000 },
      retry: { retries: 8, minDelayMs: 20, maxDelayMs: 1_000 },
      ...providerOptions,
    },
  );
  return { simulator, provider };
}
