import { describe, expect, it } from '@jest/globals';
import {
  AuthFailedError, ConflictError, InvalidRequestError, NotFoundError, QuotaExceededError, ResourceBusyError, ThrottledError, TransientError,
} from '../../providers/provider.js';
import { errorForCode } from '../../providers/tencentcloud/error-codes.js';
import { toCloudError } from '../../providers/tencentcloud/api-caller.js';
import { apiError } from '../../mocks/clb/api-error.js';

describe('errorForCode: every API error code becomes a typed error', () => {
  it.each([
    ['RequestLimitExceeded', ThrottledError, true],
    ['FailedOperation.ResourceInOperating', ResourceBusyError, true],
    ['FailedOperation.InvalidLBStatus', ResourceBusyError, true],
    ['InternalError', TransientError, true],
    ['InvalidParameter.LBIdNotFound', NotFoundError, false],
    ['InvalidParameter.ListenerIdNotFound', NotFoundError, false],
    ['InvalidParameter.LocationNotFound', NotFoundError, false],
    ['ResourceNotFound', NotFoundError, false],
    ['InvalidParameter.PortCheckFailed', ConflictError, false],
    ['InvalidParameter.ProtocolCheckFailed', ConflictError, false],
    ['InvalidParameterValue.Duplicate', ConflictError, false],
    ['LimitExceeded', QuotaExceededError, false],
    ['ResourceInsufficient', QuotaExceededError, false],
    ['ResourcesSoldOut', QuotaExceededError, false],
    ['AuthFailure.SignatureFailure', AuthFailedError, false],
    ['AuthFailure.SignatureExpire', AuthFailedError, false],
    ['UnauthorizedOperation', AuthFailedError, false],
    ['InvalidParameter', InvalidRequestError, false],
    ['MissingParameter', InvalidRequestError, false],
    ['OperationDenied', InvalidRequestError, false],
  ])('%s → %p (retryable: %p)', (code, type, retryable) => {
    const error = errorForCode(code, 'message', { action: 'CreateListener', requestId: 'req-1' });
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code, retryable, action: 'CreateListener', requestId: 'req-1', name: type.name });
  });
});

describe('toCloudError: what the SDK client throws', () => {
  it('maps an API error by its code and keeps the request id', () => {
    const error = toCloudError(apiError('InvalidParameter.PortCheckFailed', 'port taken', 'req-9'), 'CreateListener');
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.requestId).toBe('req-9');
    expect(error.message).toContain('InvalidParameter.PortCheckFailed');
  });

  it('treats transport failures (no API code, socket errors, 5xx) as transient', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(toCloudError(reset, 'DescribeListeners')).toBeInstanceOf(TransientError);
    expect(toCloudError(Object.assign(new Error('bad gateway'), { httpCode: 502 }), 'DescribeListeners')).toBeInstanceOf(TransientError);
    expect(toCloudError(new Error('invalid json response body'), 'DescribeListeners').retryable).toBe(true);
  });

  it('treats an HTTP 4xx without an API code as an invalid request', () => {
    expect(toCloudError(Object.assign(new Error('forbidden'), { httpCode: 403 }), 'DescribeListeners')).toBeInstanceOf(InvalidRequestError);
  });
});
