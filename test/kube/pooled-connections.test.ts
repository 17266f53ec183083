/**
 * client-node opens a new connection per request when TLS options apply (in-cluster: a CA); the controller's
 * KubeConfig shares one pool per set of options, as client-go does. Counted on a real server: connections opened for
 * 20 sequential requests.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { withPooledConnections } from '../../src/kube/pooled-connections.js';

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

async function countingServer(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } })));
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, connections: () => connections };
}

function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('withPooledConnections', () => {
  it('20 requests share keep-alive connections (client-node alone opens one each)', async () => {
    const pooled = await countingServer();
    const core = withPooledConnections(kubeConfigFor(pooled.url)).makeApiClient(CoreV1Api);
    for (let i = 0; i < 20; i++) await core.readNamespace({ name: 'default' });
    expect(pooled.connections()).toBeLessThanOrEqual(2);
  });

  it('without it, client-node opens a connection per request (what this fixes)', async () => {
    const plain = await countingServer();
    const core = kubeConfigFor(plain.url).makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await core.readNamespace({ name: 'default' });
    expect(plain.connections()).toBe(5);
  });

  it('is applied once, however often it is called', () => {
    const kc = kubeConfigFor('http://127.0.0.1:1');
    expect(withPooledConnections(withPooledConnections(kc))).toBe(kc);
  });
});
