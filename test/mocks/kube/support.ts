/** Helpers for the fake Kubernetes API server's tests: bounded waits, API errors, small fixtures, kubectl. */
import { execFileSync } from 'node:child_process';
import { it } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import type { StatusObject } from '../../../mocks/kube/index.js';

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The failure of a client call: HTTP code and the Status object the server sent. */
export async function apiError(call: Promise<unknown>): Promise<{ code: number; status: StatusObject }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const body: unknown = error.body;
      return { code: error.code, status: JSON.parse(typeof body === 'string' ? body : '{}') as StatusObject };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

export const service = (name: string, extra: { labels?: Record<string, string>; type?: string; finalizers?: string[]; namespace?: string } = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name,
    namespace: extra.namespace ?? 'default',
    ...(extra.labels ? { labels: extra.labels } : {}),
    ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
  },
  spec: { type: extra.type ?? 'ClusterIP', ports: [{ port: 80, targetPort: 8080 }], selector: { app: name } },
});

export const pod = (name: string, nodeName: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { nodeName, containers: [{ name: 'app', image: 'nginx' }] },
  status: { phase: 'Running', podIP: '10.0.0.1' },
});

/**
 * `it` when kubectl is installed and >= 1.25 (which leaves validation to a server that declares fieldValidation;
 * older ones need /openapi/v2, which the fake does not serve), else `it.skip`.
 */
export const kubectlIt = (() => {
  try {
    const version = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const minor = Number(/"minor":\s*"(\d+)/.exec(version)?.[1] ?? 0);
    return minor >= 25 ? it : it.skip;
  } catch {
    return it.skip;
  }
})();
