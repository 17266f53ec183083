/** The error code of a reconcile that failed for a reason other than a user error (SyncLoadBalancerFailed). */
import { AuthFailedError, PartialBatchFailureError, QuotaExceededError, TaskFailedError, ThrottledError } from '../../providers/provider.js';
import type { ErrorCode } from '../model/error-codes.js';

/** Which quota an action's QuotaExceeded is (CreateLoadBalancer: instances, CreateListener: listeners…). */
const QUOTA_CODES: Readonly<Record<string, ErrorCode>> = { CreateLoadBalancer: 'E4003', CreateListener: 'E4004', CreateRule: 'E4005' };

export function codeOfFailure(error: unknown): ErrorCode {
  if (error instanceof ThrottledError) return 'E4000';
  if (error instanceof QuotaExceededError) {
    // Only a plain LimitExceeded is a CLB quota; no capacity left, or another limit (tags per resource…), is not.
    if (error.code !== undefined && error.code !== 'LimitExceeded') return 'C5003';
    return QUOTA_CODES[error.action ?? ''] ?? 'C4006';
  }
  if (error instanceof TaskFailedError || error instanceof PartialBatchFailureError) return 'E5009';
  if (error instanceof AuthFailedError) return 'C5002';
  return 'C5001';
}
