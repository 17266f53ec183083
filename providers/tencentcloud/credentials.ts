/**
 * Where the API credentials come from: the environment (`TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`,
 * optional `TENCENTCLOUD_SESSION_TOKEN`) or files mounted from a Secret (`secretId`, `secretKey`, optional
 * `token`), re-read when the kubelet swaps them so a rotation needs no restart.
 *
 * Credentials are handed to the SDK as a DynamicCredential, asked for on every request. Nothing here
 * logs or formats a secret: errors name the variable or file, never its content.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ApiCredential {
  readonly secretId: string;
  readonly secretKey: string;
  readonly token?: string;
}

/** The shape the SDK accepts as `credential` and calls before signing each request. */
export interface DynamicCredential {
  getCredential(): Promise<ApiCredential>;
}

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export const CREDENTIAL_ENV = {
  secretId: 'TENCENTCLOUD_SECRET_ID',
  secretKey: 'TENCENTCLOUD_SECRET_KEY',
  token: 'TENCENTCLOUD_SESSION_TOKEN',
} as const;

export const CREDENTIAL_FILES = { secretId: 'secretId', secretKey: 'secretKey', token: 'token' } as const;

export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): DynamicCredential {
  const secretId = env[CREDENTIAL_ENV.secretId]?.trim();
  const secretKey = env[CREDENTIAL_ENV.secretKey]?.trim();
  const missing = [!secretId && CREDENTIAL_ENV.secretId, !secretKey && CREDENTIAL_ENV.secretKey].filter(Boolean);
  if (missing.length) throw new CredentialsError(`Set ${missing.join(' and ')} (or mount a credentials Secret and pass its directory)`);
  const token = env[CREDENTIAL_ENV.token]?.trim();
  const credential: ApiCredential = { secretId: secretId!, secretKey: secretKey!, ...(token ? { token } : {}) };
  return { getCredential: async () => credential };
}

/**
 * Reads the Secret's files from `dir`, and reads them again once `recheckMs` has passed and the files
 * changed (a mounted Secret is updated by an atomic symlink swap, so the modification time moves).
 */
export function credentialsFromFiles(dir: string, options: { recheckMs?: number; now?: () => number } = {}): DynamicCredential {
  const recheckMs = options.recheckMs ?? 10_000;
  const now = options.now ?? Date.now;
  let cached: { credential: ApiCredential; version: string; checkedAt: number } | undefined;

  const version = () =>
    Object.values(CREDENTIAL_FILES)
      .map((file) => {
        try {
          const stat = statSync(join(dir, file));
          return `${stat.mtimeMs}:${stat.ino}:${stat.size}`;
        } catch {
          return 'absent';
        }
      })
      .join('|');

  const read = (): ApiCredential => {
    const value = (file: string, required: boolean): string | undefined => {
      try {
        const text = readFileSync(join(dir, file), 'utf8').trim();
        if (text) return text;
      } catch {
        // Reported below by name.
      }
      if (required) throw new CredentialsError(`Credentials file ${join(dir, file)} is missing or empty`);
      return undefined;
    };
    const token = value(CREDENTIAL_FILES.token, false);
    return { secretId: value(CREDENTIAL_FILES.secretId, true)!, secretKey: value(CREDENTIAL_FILES.secretKey, true)!, ...(token ? { token } : {}) };
  };

  return {
    async getCredential() {
      const at = now();
      if (cached && at - cached.checkedAt < recheckMs) return cached.credential;
      const current = version();
      if (!cached || current !== cached.version) cached = { credential: read(), version: current, checkedAt: at };
      else cached.checkedAt = at;
      return cached.credential;
    },
  };
}
