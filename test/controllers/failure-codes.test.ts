/** [observe] The code a failed sync is told with, by what the cloud said — and a message that stays the same across retries. */
import { describe, expect, it } from '@jest/globals';
import { AuthFailedError, CloudError, PartialBatchFailureError, QuotaExceededError, TaskFailedError, ThrottledError } from '../../providers/provider.js';
import { failureVerdict } from '../../src/controllers/report.js';
import { codeOfFailure } from '../../src/controllers/failure-codes.js';

describe('the error code of a failed sync', () => {
  it.each([
    { name: 'the CLB instance quota', error: new QuotaExceededError('x', { action: 'CreateLoadBalancer', code: 'LimitExceeded' }), want: 'E4003' },
    { name: 'the listener quota', error: new QuotaExceededError('x', { action: 'CreateListener', code: 'LimitExceeded' }), want: 'E4004' },
    { name: 'the rule quota', error: new QuotaExceededError('x', { action: 'CreateRule', code: 'LimitExceeded' }), want: 'E4005' },
    { name: 'the target quota', error: new QuotaExceededError('x', { action: 'BatchRegisterTargets', code: 'LimitExceeded' }), want: 'C4006' },
    { name: 'no capacity (not a quota)', error: new QuotaExceededError('x', { action: 'CreateLoadBalancer', code: 'ResourcesSoldOut' }), want: 'C5003' },
    { name: 'too many tags (not the CLB quota)', error: new QuotaExceededError('x', { action: 'CreateLoadBalancer', code: 'LimitExceeded.ResourceAttachedTags' }), want: 'C5003' },
    { name: 'a failed task', error: new TaskFailedError('x', { action: 'BatchRegisterTargets' }), want: 'E5009' },
    { name: 'a partial batch failure', error: new PartialBatchFailureError('x', ['lbl-1']), want: 'E5009' },
    { name: 'the rate limit', error: new ThrottledError('x', { code: 'RequestLimitExceeded' }), want: 'E4000' },
    { name: 'credentials', error: new AuthFailedError('x', { code: 'AuthFailure.SignatureFailure' }), want: 'C5002' },
    { name: 'anything else', error: new CloudError('x'), want: 'C5001' },
    { name: 'not a cloud error', error: new Error('socket hang up'), want: 'C5001' },
  ])('$name: $want', ({ error, want }) => {
    expect(codeOfFailure(error)).toBe(want);
  });

  it('leaves the task or request id out of the condition, so a retry failing the same way changes nothing', () => {
    const first = failureVerdict(new TaskFailedError('BatchRegisterTargets on lb-1: task 4f6c-aa01 failed: busy', { action: 'BatchRegisterTargets', requestId: '4f6c-aa01' }));
    const second = failureVerdict(new TaskFailedError('BatchRegisterTargets on lb-1: task 77d0-bb02 failed: busy', { action: 'BatchRegisterTargets', requestId: '77d0-bb02' }));
    expect(first).toEqual({ state: 'Failed', reason: 'SyncLoadBalancerFailed', code: 'E5009', message: 'E5009: Error syncing load balancer: BatchRegisterTargets on lb-1: task … failed: busy' });
    expect(second).toEqual(first);
  });

  it('says nothing for a 409 (a routine race: the retry comes at once)', () => {
    expect(failureVerdict(Object.assign(new Error('Conflict'), { code: 409 }))).toBeUndefined();
  });
});
