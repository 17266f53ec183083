import { providerOptionsFor } from '../../mocks/clb/local-cloud.js';
import { ClbProvider } from '../../providers/tencentcloud/clb-provider.js';
import { startWireRig } from '../support/wire.js';
import { describeProviderContract } from './provider-contract.js';

// The same contract, through the real tencentcloud-sdk-nodejs clients over HTTP to the TC3 emulator.
describeProviderContract('the SDK client over HTTP (TC3 emulator)', async (simulatorOptions = {}, providerOptions = {}) => {
  const rig = await startWireRig(simulatorOptions);
  const retry = providerOptions.retries === undefined ? {} : { retry: { retries: providerOptions.retries, minDelayMs: 5, maxDelayMs: 20 } };
  return { provider: new ClbProvider(rig.clients(), providerOptionsFor(rig.simulator, simulatorOptions, retry)), simulator: rig.simulator, close: rig.close };
});
