/**
 * Keep-alive connections to the API server. client-node (2.0.x) builds a new undici Agent — so a new TCP and TLS
 * connection — for every request whenever TLS options apply (a CA, as in-cluster; skipTLSVerify): a TLS handshake per
 * PATCH, at thousands of writes per resync. This makes a KubeConfig reuse one dispatcher per set of TLS options, the
 * way client-go's transport does. The options are read at each request as before (a rotated client certificate gets
 * a new dispatcher), only equal ones share.
 */
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

const POOLED = Symbol('clb-controller.pooledConnections');

type DispatcherFactory = (cluster: unknown, agentOptions: Record<string, unknown>) => unknown;

/** The same KubeConfig, its requests sharing connections; applying it twice changes nothing. */
export function withPooledConnections(kubeConfig: KubeConfig): KubeConfig {
  const patched = kubeConfig as unknown as { [POOLED]?: true; createDispatcher?: DispatcherFactory };
  if (patched[POOLED] || typeof patched.createDispatcher !== 'function') return kubeConfig;
  const original = patched.createDispatcher.bind(kubeConfig);
  // The current dispatcher per cluster and user, with the key of the TLS options it was made for: a rotated client
  // certificate replaces it, and the one replaced is closed (its idle connections go).
  const current = new Map<string, { key: string; dispatcher: unknown }>();
  patched.createDispatcher = (cluster, agentOptions) => {
    const c = (cluster ?? {}) as { name?: string; server?: string; proxyUrl?: string; skipTLSVerify?: boolean };
    const slot = JSON.stringify([c.name, c.server, c.proxyUrl, kubeConfig.getCurrentUser()?.name]);
    const options = Object.entries(agentOptions).sort(([a], [b]) => a.localeCompare(b)).flat();
    const key = digestOf([c.skipTLSVerify, c.server, c.proxyUrl, ...options]);
    const held = current.get(slot);
    if (held?.key === key) return held.dispatcher;
    const dispatcher = original(cluster, agentOptions);
    current.set(slot, { key, dispatcher });
    void (held?.dispatcher as { close?: () => Promise<void> } | undefined)?.close?.().catch(() => undefined);
    return dispatcher;
  };
  patched[POOLED] = true;
  return kubeConfig;
}

/**
 * A digest of connection settings, TLS material included: Buffers (keys, certificates) are hashed as they are,
 * never serialised on every request. Equal settings give equal digests.
 */
export function digestOf(values: readonly unknown[]): string {
  const hash = createHash('sha256');
  for (const value of values) {
    hash.update('|');
    if (Buffer.isBuffer(value)) hash.update(value);
    else if (value !== undefined) hash.update(typeof value === 'string' ? value : JSON.stringify(value) ?? '');
  }
  return hash.digest('hex');
}
