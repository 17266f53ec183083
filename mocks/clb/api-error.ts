import { createRequire } from 'node:module';

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
