/**
 * Builds the real tencentcloud-sdk-nodejs clients (CLB, VPC, Tag) from configuration. Deep imports of the
 * three service modules load in a fraction of the time of the SDK's root module (platform notes).
 */
import type { Agent } from 'node:http';
import { Client as ClbClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/clb/v20180317/clb_client.js';
import { Client as TagClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tag/v20180813/tag_client.js';
import { Client as VpcClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client.js';
import type { ApiClients } from './api-caller.js';
import type { DynamicCredential } from './credentials.js';
import { installCachedSigning } from './tc3-signing.js';

export interface SdkClientsConfig {
  readonly region: string;
  readonly credential: DynamicCredential;
  /**
   * Endpoint host overrides, e.g. `clb.internal.tencentcloudapi.com` from inside a VPC, or a local
   * emulator. Default: the public endpoints (`clb.tencentcloudapi.com`, …).
   */
  readonly endpoints?: Partial<Record<keyof ApiClients, string>>;
  readonly protocol?: 'https://' | 'http://';
  /** Per-request timeout. */
  readonly requestTimeoutSeconds?: number;
  /** A custom agent (keep-alive tuning; tests use it to resolve the endpoint to 127.0.0.1). */
  readonly agent?: Agent;
}

export const DEFAULT_ENDPOINTS: Record<keyof ApiClients, string> = {
  clb: 'clb.tencentcloudapi.com',
  vpc: 'vpc.tencentcloudapi.com',
  tag: 'tag.tencentcloudapi.com',
};

export function createSdkClients(config: SdkClientsConfig): ApiClients {
  installCachedSigning();
  const clientConfig = (service: keyof ApiClients) => ({
    credential: config.credential,
    region: config.region,
    profile: {
      httpProfile: {
        endpoint: config.endpoints?.[service] ?? DEFAULT_ENDPOINTS[service],
        protocol: config.protocol ?? 'https://',
        reqTimeout: config.requestTimeoutSeconds ?? 30,
        ...(config.agent ? { agent: config.agent } : {}),
      },
    },
  });
  return {
    clb: new ClbClient(clientConfig('clb')),
    vpc: new VpcClient(clientConfig('vpc')),
    tag: new TagClient(clientConfig('tag')),
  };
}
