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
  const dispatchers = new Map<string, unknown>();
  patched.createDispatcher = (cluster, agentOptions) => {
    const key = createHash('sha256').update(JSON.stringify([cluster, agentOptions], (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v))).digest('hex');
    if (!dispatchers.has(key)) dispatchers.set(key, original(cluster, agentOptions));
    return dispatchers.get(key);
  };
  patched[POOLED] = true;
  return kubeConfig;
}
