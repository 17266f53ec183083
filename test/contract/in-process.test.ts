import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { describeProviderContract } from './provider-contract.js';

// The local mock cloud: the real provider over the in-process simulator.
describeProviderContract('the in-process simulator', async (simulatorOptions = {}, providerOptions = {}) =>
  createLocalCloud(simulatorOptions, providerOptions.retries === undefined ? {} : { retry: { retries: providerOptions.retries, minDelayMs: 5, maxDelayMs: 20 } }),
);
