/**
 * Tencent Cloud API error codes → the typed errors of the provider contract (`../errors.ts`).
 * The contract defines the classes; only this provider knows which of its API's codes mean what.
 */
import {
  AuthFailedError, CloudError, ConflictError, InvalidRequestError, NotFoundError, QuotaExceededError, ResourceBusyError, ThrottledError, TransientError,
  type CloudErrorDetails,
} from '../errors.js';

const RETRYABLE_CODES = new Set([
  'RequestLimitExceeded',
  'FailedOperation.ResourceInOperating',
  'FailedOperation.InvalidLBStatus',
  'InternalError',
]);

const NOT_FOUND_CODES = new Set([
  'InvalidParameter.LBIdNotFound',
  'InvalidParameter.ListenerIdNotFound',
  'InvalidParameter.LocationNotFound',
  'ResourceNotFound',
]);

const CONFLICT_CODES = new Set([
  'InvalidParameter.PortCheckFailed',
  'InvalidParameter.ProtocolCheckFailed',
  'InvalidParameterValue.Duplicate',
]);

const QUOTA_CODES = new Set(['LimitExceeded', 'ResourceInsufficient', 'ResourcesSoldOut']);

export function isRetryableCode(code: string): boolean {
  return RETRYABLE_CODES.has(code) || code.startsWith('InternalError');
}

/** Maps a Tencent Cloud API error code to the typed error the contract promises. */
export function errorForCode(code: string, message: string, details: Omit<CloudErrorDetails, 'code'> = {}): CloudError {
  const withCode = { ...details, code };
  if (code === 'RequestLimitExceeded' || code.startsWith('RequestLimitExceeded.')) return new ThrottledError(message, withCode);
  if (code === 'FailedOperation.ResourceInOperating' || code === 'FailedOperation.InvalidLBStatus') {
    return new ResourceBusyError(message, withCode);
  }
  if (isRetryableCode(code)) return new TransientError(message, withCode);
  if (NOT_FOUND_CODES.has(code) || code.startsWith('ResourceNotFound')) return new NotFoundError(message, withCode);
  if (CONFLICT_CODES.has(code)) return new ConflictError(message, withCode);
  if (QUOTA_CODES.has(code) || code.startsWith('LimitExceeded')) return new QuotaExceededError(message, withCode);
  if (code.startsWith('AuthFailure') || code.startsWith('UnauthorizedOperation')) return new AuthFailedError(message, withCode);
  return new InvalidRequestError(message, withCode);
}
