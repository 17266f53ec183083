/**
 * The local mock cloud: the real CLB provider over the in-process simulator. Tests, the benchmark and the
 * offline sandbox all use this — there is no second, simplified mock. `createLocalCloud({ cloudState })` starts it
 * holding that state (ClbSimulator.seed).
 */
import { ClbProvider, type ClbProviderOptions } from '../../providers/tencentcloud/clb-provider.js';
import type { SimulatorOptions } from './options.js';
import { ClbSimulator } from './simulator.js';

export interface LocalCloud {
  readonly simulator: ClbSimulator;
  readonly provider: ClbProvider;
}

export type ProviderOverrides = Partial<Omit<ClbProviderOptions, 'region' | 'accountUin'>>;

/** Provider settings matched to a simulator: its account, its rate limits, and its task latency. */
export function providerOptionsFor(simulator: ClbSimulator, simulatorOptions: SimulatorOptions, overrides: ProviderOverrides = {}): ClbProviderOptions {
  return {
    region: simulator.region,
    accountUin: simulator.uin,
    rateLimitPerSecond: simulatorOptions.rateLimitPerSecond ?? 20,
    ...(simulatorOptions.rateLimits ? { rateLimits: simulatorOptions.rateLimits } : {}),
    // The simulator's tasks take `taskLatencyMs`: poll right after that instead of at the real cloud's cadence.
    taskPoll: { firstPollMs: simulator.taskLatencyMs, maxPollMs: Math.max(50, simulator.taskLatencyMs), timeoutMs: 60_000 },
    retry: { retries: 8, minDelayMs: 20, maxDelayMs: 1_000 },
    ...overrides,
  };
}

export function createLocalCloud(simulatorOptions: SimulatorOptions = {}, providerOverrides: ProviderOverrides = {}): LocalCloud {
  const simulator = new ClbSimulator(simulatorOptions);
  const provider = new ClbProvider({ clb: simulator, vpc: simulator.vpc, tag: simulator.tag }, providerOptionsFor(simulator, simulatorOptions, providerOverrides));
  return { simulator, provider };
}
