/**
 * Typed cloud errors. Callers branch with `instanceof` and `retryable`, never on message text.
 * `code` keeps the API's own error code (e.g. `InvalidParameter.PortCheckFailed`) for logs and events.
 * Which API codes become which class is the Tencent Cloud provider's business: `tencentcloud/error-codes.ts`.
 */

export interface CloudErrorDetails {
  readonly action?: string;
  readonly code?: string;
  readonly requestId?: string;
  readonly cause?: unknown;
}

export class CloudError extends Error {
  readonly retryable: boolean = false;
  readonly action: string | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, details: CloudErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.action = details.action;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

/** The resource does not exist (any more). Deletes treat it as success. */
export class NotFoundError extends CloudError {}

/** The request collides with existing state: port+protocol taken, duplicate rule or target. */
export class ConflictError extends CloudError {}

/** The API's rate limit answered `RequestLimitExceeded`. */
export class ThrottledError extends CloudError {
  override readonly retryable = true;
}

/** The CLB is running another task (`ResourceInOperating`, `InvalidLBStatus`). */
export class ResourceBusyError extends CloudError {
  override readonly retryable = true;
}

/** A transient server-side failure (`InternalError`, transport failures). */
export class TransientError extends CloudError {
  override readonly retryable = true;
}

/** A quota would be exceeded (`LimitExceeded`, `ResourceInsufficient`, `ResourcesSoldOut`). */
export class QuotaExceededError extends CloudError {}

/** The API refused the request as malformed or not allowed for this resource. */
export class InvalidRequestError extends CloudError {}

/** Credentials are wrong, expired, or lack permission for the action. */
export class AuthFailedError extends CloudError {}

/** An asynchronous task finished with a failure status. */
export class TaskFailedError extends CloudError {}

/**
 * A batched target call succeeded for some listeners and failed for others
 * (`FailListenerIdSet`). The failed listeners' targets were not changed.
 */
export class PartialBatchFailureError extends CloudError {
  override readonly retryable = true;
  readonly failedListenerIds: readonly string[];

  constructor(message: string, failedListenerIds: readonly string[], details: CloudErrorDetails = {}) {
    super(message, details);
    this.failedListenerIds = failedListenerIds;
  }
}
