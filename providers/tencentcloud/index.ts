/**
 * Wires the CLB provider to the real Tencent Cloud API: credentials, region, endpoints, timeouts.
 * The composition root (src/main.ts) calls this with values it read from flags and the environment.
 */
import type { Agent } from 'node:http';
import { ClbProvider, type ClbProviderOptions } from './clb-provider.js';
import { credentialsFromEnv, credentialsFromFiles, type DynamicCredential } from './credentials.js';
import { endpointOptions } from './endpoint.js';
import { createSdkClients } from './sdk-clients.js';

export type CredentialSource =
  /** TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY / TENCENTCLOUD_SESSION_TOKEN. */
  | { readonly kind: 'env'; readonly env: Readonly<Record<string, string | undefined>> }
  /** A mounted Secret with keys secretId, secretKey and optionally token; re-read on rotation. */
  | { readonly kind: 'files'; readonly dir: string };

export interface TencentCloudConfig {
  readonly region: string;
  readonly accountUin: string;
  readonly credentials: CredentialSource;
  /** Endpoint host overrides, e.g. `{ clb: 'clb.internal.tencentcloudapi.com' }` from inside a VPC. */
  readonly endpoints?: { readonly clb?: string; readonly vpc?: string; readonly tag?: string };
  /** `--endpoint` as the user gave it (a host, or an emulator's URL); see endpoint.ts. Wins over `endpoints`. */
  readonly endpoint?: string;
  readonly requestTimeoutSeconds?: number;
  readonly rateLimitPerSecond?: number;
  readonly protocol?: 'https://' | 'http://';
  readonly agent?: Agent;
  readonly onRetry?: ClbProviderOptions['onRetry'];
  /** Told about every API attempt (metrics). */
  readonly onCall?: ClbProviderOptions['onCall'];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Region names as Tencent Cloud spells them: ap-guangzhou, na-siliconvalley, ap-shanghai-fsi, … */
export const REGION_PATTERN = /^[a-z]{2,3}-[a-z]+(-[a-z]+)?$/;

export function credentialFrom(source: CredentialSource): DynamicCredential {
  return source.kind === 'env' ? credentialsFromEnv(source.env) : credentialsFromFiles(source.dir);
}

export function createTencentCloudProvider(config: TencentCloudConfig): ClbProvider {
  if (!REGION_PATTERN.test(config.region)) throw new ConfigError(`Region "${config.region}" is not a Tencent Cloud region name (e.g. ap-guangzhou)`);
  if (!/^\d{5,20}$/.test(config.accountUin)) throw new ConfigError(`Account UIN "${config.accountUin}" must be the numeric account id (used to name CLBs for the Tag API)`);
  const endpoint = config.endpoint ? endpointOptions(config.endpoint) : undefined;
  const endpoints = endpoint?.endpoints ?? config.endpoints;
  const protocol = endpoint?.protocol ?? config.protocol;
  const agent = endpoint?.agent ?? config.agent;
  const clients = createSdkClients({
    region: config.region,
    credential: credentialFrom(config.credentials),
    ...(endpoints ? { endpoints } : {}),
    ...(protocol ? { protocol } : {}),
    ...(config.requestTimeoutSeconds ? { requestTimeoutSeconds: config.requestTimeoutSeconds } : {}),
    ...(agent ? { agent } : {}),
  });
  return new ClbProvider(clients, {
    region: config.region,
    accountUin: config.accountUin,
    ...(config.rateLimitPerSecond ? { rateLimitPerSecond: config.rateLimitPerSecond } : {}),
    ...(config.onRetry ? { onRetry: config.onRetry } : {}),
    ...(config.onCall ? { onCall: config.onCall } : {}),
  });
}
