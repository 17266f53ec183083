import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cachedSign3, sdkSign3, type Sign3Request } from '../../providers/tencentcloud/tc3-signing.js';

/** Payloads like the provider's, with the characters JSON serialisers disagree on (json-bigint escapes some). */
const text = fc.string({ unit: fc.oneof(fc.constantFrom('\u2028', '\u00ad', '\ufeff', '"', '\\', '\n', 'é', '\u{1F600}'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })) });
const payload = fc.dictionary(
  fc.constantFrom('LoadBalancerId', 'Ports', 'Targets', 'Tags', 'ListenerNames', 'Weight'),
  fc.oneof(text, fc.integer(), fc.array(fc.record({ InstanceId: text, Port: fc.integer({ min: 1, max: 65535 }), Weight: fc.integer({ min: 0, max: 100 }) }), { maxLength: 3 })),
);
const request = fc.record({
  url: fc.constantFrom('https://clb.tencentcloudapi.com/', 'http://127.0.0.1:18080/', 'https://clb.internal.tencentcloudapi.com/?x=1'),
  payload,
  // Both sides of several UTC midnights, and the epoch's first day.
  timestamp: fc.oneof(fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }), fc.constantFrom(86_399, 86_400, 1_796_774_399, 1_796_774_400)),
  service: fc.constantFrom('clb', 'vpc', 'tag'),
  secretId: fc.constantFrom('AKIDexample', 'AKIDother'),
  secretKey: fc.constantFrom('secret-one', 'secret-two', ''),
});

const asSdkCalls = (r: { url: string; payload: unknown; timestamp: number; service: string; secretId: string; secretKey: string }): Sign3Request => ({
  method: 'POST', multipart: false, headers: { 'Content-Type': 'application/json', 'X-TC-Action': 'DescribeLoadBalancers' }, ...r,
});

describe('TC3 signing with the signing key kept per day and service', () => {
  it('gives exactly the SDK\'s Authorization header, request after request (one signer reused, so its key cache is exercised)', () => {
    const sign = cachedSign3();
    fc.assert(
      fc.property(request, (r) => {
        const call = asSdkCalls(r);
        expect(sign(call)).toBe(sdkSign3(call));
      }),
      { numRuns: 500 },
    );
  });

  it('signs a new day with that day\'s key (a key cached yesterday is not reused)', () => {
    const sign = cachedSign3();
    const call = asSdkCalls({ url: 'https://clb.tencentcloudapi.com/', payload: { LoadBalancerIds: ['lb-1'] }, timestamp: 1_796_774_399, service: 'clb', secretId: 'AKID', secretKey: 'k' });
    const before = sign(call);
    const next = { ...call, timestamp: call.timestamp + 1 };
    expect(sign(next)).toBe(sdkSign3(next));
    expect(sign(next)).toContain('/2026-12-09/clb/tc3_request');
    expect(before).toContain('/2026-12-08/clb/tc3_request');
  });

  it('leaves what it does not handle (multipart uploads, GET) to the SDK', () => {
    const sign = cachedSign3();
    const get: Sign3Request = { method: 'GET', url: 'https://clb.tencentcloudapi.com/?Limit=1', payload: '', timestamp: 1_800_000_000, service: 'clb', secretId: 'AKID', secretKey: 'k', multipart: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
    expect(sign(get)).toBe(sdkSign3(get));
  });
});
