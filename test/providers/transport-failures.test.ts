import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { InvalidRequestError, TransientError } from '../../providers/provider.js';
import { ClbProvider } from '../../providers/tencentcloud/clb-provider.js';
import { createSdkClients } from '../../providers/tencentcloud/sdk-clients.js';
import { TEST_KEY } from '../support/wire.js';

// Failures the emulator does not produce, below the API: what the network and proxies do.
const ENDPOINT = 'https://clb.tencentcloudapi.com';
const provider = () =>
  new ClbProvider(createSdkClients({ region: 'ap-guangzhou', credential: { getCredential: async () => TEST_KEY }, requestTimeoutSeconds: 0.2 }), {
    region: 'ap-guangzhou',
    accountUin: '100000000001',
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
  });
const quotaResponse = { Response: { QuotaSet: [{ QuotaId: 'TOTAL_OPEN_CLB_QUOTA', QuotaCurrent: 3, QuotaLimit: 100 }], RequestId: 'req-ok' } };

describe('transport failures surface as typed errors, never as unhandled rejections', () => {
  const unhandled: unknown[] = [];
  const collect = (reason: unknown) => void unhandled.push(reason);
  beforeAll(() => {
    nock.disableNetConnect();
    process.on('unhandledRejection', collect);
  });
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
    expect(unhandled).toEqual([]);
  });
  afterAll(() => {
    process.off('unhandledRejection', collect);
    nock.enableNetConnect();
    // nock patches node's http and net for the whole worker process: the test files run after this one in the same
    // worker (real sockets on loopback: the data path, Pod servers) must get the real ones back.
    nock.restore();
  });

  it.each([
    ['HTTP 502 from a gateway', (scope: nock.Interceptor) => scope.reply(502, 'Bad Gateway')],
    ['HTTP 503 with an HTML page', (scope: nock.Interceptor) => scope.reply(503, '<html>unavailable</html>', { 'Content-Type': 'text/html' })],
    ['a 200 with a non-JSON body', (scope: nock.Interceptor) => scope.reply(200, '<html>captive portal</html>', { 'Content-Type': 'text/html' })],
    ['a connection reset', (scope: nock.Interceptor) => scope.replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))],
    ['a response slower than the request timeout', (scope: nock.Interceptor) => scope.delay(1000).reply(200, quotaResponse)],
  ])('%s is retried, then reported as a retryable TransientError', async (_name, respond) => {
    respond(nock(ENDPOINT).post('/').times(3));
    const error = await provider().getQuota().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ retryable: true, action: 'DescribeQuota' });
  });

  it('recovers when the failure is transient', async () => {
    nock(ENDPOINT).post('/').reply(502, 'Bad Gateway').post('/').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).post('/').reply(200, quotaResponse);
    await expect(provider().getQuota()).resolves.toMatchObject({ openLoadBalancers: { limit: 100, used: 3 } });
  });

  it('does not retry an HTTP 4xx without an API error: the request itself is wrong', async () => {
    nock(ENDPOINT).post('/').reply(403, 'Forbidden');
    await expect(provider().getQuota()).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('retries an API-level InternalError envelope', async () => {
    nock(ENDPOINT)
      .post('/')
      .reply(200, { Response: { Error: { Code: 'InternalError', Message: 'internal error' }, RequestId: 'req-1' } })
      .post('/')
      .reply(200, quotaResponse);
    await expect(provider().getQuota()).resolves.toBeDefined();
  });
});
