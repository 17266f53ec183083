import { createRequire } from 'node:module';
import { CloudStateError } from '../../providers/cloud-state.js';

const require = createRequire(import.meta.url);
// The SDK's own exception class, so the simulator fails exactly as the real client does.
const { default: TencentCloudSDKHttpException } = require(
  'tencentcloud-sdk-nodejs/tencentcloud/common/exception/tencent_cloud_sdk_exception.js',
) as { default: new (message: string, requestId?: string) => Error & { code?: string; requestId: string } };

export type SdkError = Error & { code?: string; requestId: string };

/** An API error as the SDK surfaces it: `code` is the API's `Response.Error.Code`. */
export function apiError(code: string, message: string, requestId = ''): SdkError {
  const error = new TencentCloudSDKHttpException(message, requestId);
  error.code = code;
  return error;
}

/** Thrown inside handlers; the simulator stamps the request id on the way out. */
export class ApiFailure extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export const fail = (code: string, message: string): never => {
  throw new ApiFailure(code, message);
};

/** Refuses a seeded cloud state: `path` names the offending part, e.g. `loadBalancers[0].listeners[1].port`. */
export function refuse(path: string, message: string): never {
  throw new CloudStateError(`${path}: ${message}`);
}

/** Runs the API's own check on a part of a seeded cloud state: what the API would refuse is refused at `path`. */
export function atPath<T>(path: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ApiFailure) refuse(path, `${error.code}: ${error.message}`);
    throw error;
  }
}
