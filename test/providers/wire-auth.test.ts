import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ApiKey } from '../../mocks/clb/api-server.js';
import { AuthFailedError } from '../../providers/provider.js';
import { ClbProvider } from '../../providers/tencentcloud/clb-provider.js';
import { CredentialsError, credentialsFromEnv, credentialsFromFiles } from '../../providers/tencentcloud/credentials.js';
import { ConfigError, createTencentCloudProvider } from '../../providers/tencentcloud/index.js';
import { TEST_KEY, emulatorEndpoints, startWireRig, type WireRig } from '../support/wire.js';

const WRONG_KEY = 'wrong-secret-key-that-must-never-leak';

/** Every way an error might end up printed: none may contain a secret. */
function printed(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [String(e), e.message, e.stack, JSON.stringify(e), String(e.cause), (e.cause as Error | undefined)?.stack].join('\n');
}

describe('the real SDK client against the TC3 emulator: authentication', () => {
  let rig: WireRig;
  const providerWith = (credential: ApiKey, r = rig) =>
    new ClbProvider(r.clients({ getCredential: async () => credential }), { region: r.simulator.region, accountUin: r.simulator.uin, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 } });

  beforeEach(async () => {
    rig = await startWireRig();
  });
  afterEach(async () => rig.close());

  it('accepts a correctly signed request', async () => {
    await expect(providerWith(TEST_KEY).getQuota()).resolves.toMatchObject({ openLoadBalancers: { limit: 100 } });
  });

  it('reports a signature mismatch (wrong SecretKey) as an auth error with a clear message, once, without leaking the key', async () => {
    const error = await providerWith({ ...TEST_KEY, secretKey: WRONG_KEY }).getQuota().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFailedError);
    expect(error).toMatchObject({ code: 'AuthFailure.SignatureFailure', retryable: false, action: 'DescribeQuota' });
    expect((error as Error).message).toMatch(/signature does not match.*SecretKey/);
    expect(printed(error)).not.toContain(WRONG_KEY);
    expect(printed(error)).not.toContain(TEST_KEY.secretKey);
    expect(rig.simulator.traffic.log).toHaveLength(0);
  });

  it('reports a stale timestamp (clock skew over 5 minutes) as SignatureExpire', async () => {
    const skewed = await startWireRig({}, { now: () => Date.now() + 10 * 60_000 });
    try {
      await expect(providerWith(TEST_KEY, skewed).getQuota()).rejects.toMatchObject({ name: 'AuthFailedError', code: 'AuthFailure.SignatureExpire' });
    } finally {
      await skewed.close();
    }
  });

  it('reports an unknown SecretId as SecretIdNotFound', async () => {
    await expect(providerWith({ ...TEST_KEY, secretId: 'AKIDunknown' }).getQuota()).rejects.toMatchObject({ name: 'AuthFailedError', code: 'AuthFailure.SecretIdNotFound' });
  });

  it('requires the session token of temporary credentials', async () => {
    const temporary = { secretId: 'AKIDtemporary', secretKey: 'temporary-key', token: 'session-token-1' };
    const withToken = await startWireRig({}, { keys: [temporary] });
    try {
      await expect(providerWith({ secretId: temporary.secretId, secretKey: temporary.secretKey }, withToken).getQuota()).rejects.toMatchObject({ code: 'AuthFailure.TokenFailure' });
      await expect(providerWith(temporary, withToken).getQuota()).resolves.toBeDefined();
    } finally {
      await withToken.close();
    }
  });

  it('picks up rotated credentials from a mounted Secret without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clb-credentials-'));
    // The kubelet updates a Secret volume by writing new files and swapping them in atomically.
    const mount = (key: ApiKey) => {
      for (const [file, value] of [['secretId', key.secretId], ['secretKey', key.secretKey]] as const) {
        writeFileSync(join(dir, `${file}.new`), value);
        renameSync(join(dir, `${file}.new`), join(dir, file));
      }
    };
    const rotated = { secretId: 'AKIDrotated', secretKey: 'rotated-secret-key' };
    const keys: ApiKey[] = [TEST_KEY];
    const rotating = await startWireRig({}, { keys });
    try {
      mount(TEST_KEY);
      let now = 0;
      const provider = new ClbProvider(rotating.clients(credentialsFromFiles(dir, { recheckMs: 1000, now: () => now })), {
        region: rotating.simulator.region,
        accountUin: rotating.simulator.uin,
        retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1 },
      });
      await expect(provider.getQuota()).resolves.toBeDefined();
      keys.splice(0, 1, rotated);
      mount(rotated);
      now += 2000;
      await expect(provider.getQuota()).resolves.toBeDefined();
    } finally {
      await rotating.close();
    }
  });
});

describe('configuration errors say what to set, never what a secret is', () => {
  it('names the missing environment variables', () => {
    expect(() => credentialsFromEnv({ TENCENTCLOUD_SECRET_KEY: 'value-not-shown' })).toThrow(new CredentialsError('Set TENCENTCLOUD_SECRET_ID (or mount a credentials Secret and pass its directory)'));
  });

  it('names a missing credentials file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clb-credentials-'));
    writeFileSync(join(dir, 'secretId'), 'AKIDonly');
    await expect(credentialsFromFiles(dir).getCredential()).rejects.toThrow(`Credentials file ${join(dir, 'secretKey')} is missing or empty`);
  });

  it('refuses a malformed region or account id', () => {
    const credentials = { kind: 'env' as const, env: { TENCENTCLOUD_SECRET_ID: 'id', TENCENTCLOUD_SECRET_KEY: 'key' } };
    expect(() => createTencentCloudProvider({ region: 'guangzhou', accountUin: '100000000001', credentials })).toThrow(ConfigError);
    expect(() => createTencentCloudProvider({ region: 'ap-guangzhou', accountUin: 'me', credentials })).toThrow(/numeric account id/);
    expect(createTencentCloudProvider({ region: 'ap-guangzhou', accountUin: '100000000001', credentials, endpoints: emulatorEndpoints(1) })).toBeInstanceOf(ClbProvider);
  });
});
