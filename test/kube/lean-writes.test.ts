/**
 * The lean write path: against the fake API server (merge patches land, 409 and 404 come back as client-node's
 * ApiException carries them, Events are created), and against small local servers for what the fake does not
 * check: the credentials sent (token, rotated token file, exec, basic, client certificate), TLS verification,
 * keep-alive, the timeout, and errors that never carry a token.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { createLeanWrites, KubeWriteError, leanEventCreator, leanIngressPatchers, leanServicePatchers, type LeanWrites } from '../../src/kube/lean-writes.js';
import { selfSignedKeyPair } from '../../mocks/clb/data-path/self-signed.js';
import { startFakeKube, type FakeKube } from '../../mocks/kube/index.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  jest.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function leanFor(kc: KubeConfig, timeoutMs?: number): LeanWrites {
  const writes = createLeanWrites(kc, timeoutMs === undefined ? {} : { timeoutMs });
  cleanups.push(() => writes.close());
  return writes;
}

async function fakeKube(): Promise<FakeKube> {
  const kube = await startFakeKube({
    seed: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'shop', namespace: 'default' }, spec: { rules: [{ host: 'shop.example.com' }] } },
    ],
  });
  cleanups.push(() => kube.close());
  return kube;
}

type Meta = { metadata: { resourceVersion: string; annotations?: Record<string, string> }; status?: { loadBalancer?: unknown } };

describe('lean writes against the fake API server', () => {
  it('a merge patch lands and resolves to the updated object, as plain JSON', async () => {
    const kube = await fakeKube();
    const services = leanServicePatchers<Meta & { apiVersion?: string; kind?: string }>(leanFor(kube.kubeConfig()));
    const before = kube.state.get<Meta>('services', 'default/web')!;
    const patched = await services.patch('web', 'default', { metadata: { annotations: { a: '1' }, resourceVersion: before.metadata.resourceVersion } });
    expect(patched.metadata.annotations).toEqual({ a: '1' });
    expect(patched.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    expect(typeof (patched.metadata as { creationTimestamp?: unknown }).creationTimestamp).toBe('string');
    const ingress = [{ ip: '203.0.113.7' }];
    const status = await services.patchStatus('web', 'default', { metadata: { resourceVersion: patched.metadata.resourceVersion }, status: { loadBalancer: { ingress } } });
    expect(status.status?.loadBalancer).toEqual({ ingress });
    expect(kube.state.get<Meta>('services', 'default/web')!.status?.loadBalancer).toEqual({ ingress });
    expect(kube.requests.mutations({ resource: 'services' })).toHaveLength(2);
  });

  it('patches Ingresses and their status at networking.k8s.io/v1', async () => {
    const kube = await fakeKube();
    const ingresses = leanIngressPatchers<Meta>(leanFor(kube.kubeConfig()));
    await ingresses.patch('shop', 'default', { metadata: { annotations: { b: '2' } } });
    await ingresses.patchStatus('shop', 'default', { status: { loadBalancer: { ingress: [{ ip: '203.0.113.8' }] } } });
    const held = kube.state.get<Meta>('ingresses', 'default/shop')!;
    expect(held.metadata.annotations).toEqual({ b: '2' });
    expect(held.status?.loadBalancer).toEqual({ ingress: [{ ip: '203.0.113.8' }] });
  });

  it('a stale resourceVersion is a 409 with the Conflict Status; a missing object a 404', async () => {
    const kube = await fakeKube();
    const services = leanServicePatchers(leanFor(kube.kubeConfig()));
    const stale = kube.state.get<Meta>('services', 'default/web')!.metadata.resourceVersion;
    await services.patch('web', 'default', { metadata: { annotations: { a: '1' } } });
    const conflict = await services.patch('web', 'default', { metadata: { annotations: { a: '2' }, resourceVersion: stale } }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(KubeWriteError);
    expect(conflict).toMatchObject({ code: 409, body: { kind: 'Status', reason: 'Conflict', code: 409 } });
    const missing = await services.patchStatus('gone', 'default', { status: {} }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 404, body: { kind: 'Status', reason: 'NotFound' } });
    expect((missing as Error).message).toContain('HTTP-Code: 404');
  });

  it('a POSTed Event is created and listed', async () => {
    const kube = await fakeKube();
    const events = leanEventCreator(leanFor(kube.kubeConfig()));
    const time = new Date();
    const body = { metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Service', name: 'web', namespace: 'default' }, type: 'Normal', reason: 'EnsuredLoadBalancer', message: 'ok', firstTimestamp: time, lastTimestamp: time, count: 1 };
    await expect(events.createEvent('default', body)).resolves.toMatchObject({ metadata: { name: 'web.1' }, reason: 'EnsuredLoadBalancer' });
    expect(kube.state.list<{ metadata: { name: string }; lastTimestamp: string }>('events')).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: 'web.1' }), lastTimestamp: time.toISOString() })]);
  });
});

interface Recorder {
  readonly url: string;
  readonly headers: IncomingMessage['headers'][];
  readonly peerCertificates: string[];
  connections(): number;
}

/** A server on 127.0.0.1 that records each request's headers and answers `answer` (default 200 {}). */
async function recorder(options: { tls?: { key: string; cert: string }; answer?: (res: ServerResponse) => void } = {}): Promise<Recorder> {
  const headers: IncomingMessage['headers'][] = [];
  const peerCertificates: string[] = [];
  let connections = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    headers.push(req.headers);
    const peer = options.tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
    if (peer?.fingerprint256) peerCertificates.push(peer.fingerprint256);
    req.resume().once('end', () => (options.answer ? options.answer(res) : res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
  };
  const server: Server = options.tls ? createTlsServer({ ...options.tls, requestCert: true, rejectUnauthorized: false }, handler) : createServer(handler);
  server.on(options.tls ? 'secureConnection' : 'connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, headers, peerCertificates, connections: () => connections };
}

function kubeConfigFor(server: string, user: Omit<User, 'name'>, cluster: { skipTLSVerify?: boolean; caData?: string } = { skipTLSVerify: true }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server, ...cluster }], users: [{ name: 'u', ...user }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return kc;
}

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

describe('lean writes: credentials, TLS, connections', () => {
  it('sends the bearer token, merge-patch content type, and reuses one connection for 20 requests', async () => {
    const server = await recorder();
    const writes = leanFor(kubeConfigFor(server.url, { token: 'secret-token' }));
    for (let i = 0; i < 20; i++) await writes.patchMerge('/api/v1/namespaces/default/services/web', { metadata: { annotations: { i: String(i) } } });
    expect(server.headers).toHaveLength(20);
    expect(server.headers[0]).toMatchObject({ authorization: 'Bearer secret-token', 'content-type': 'application/merge-patch+json', accept: 'application/json' });
    expect(server.connections()).toBe(1);
  });

  it('picks up a rotated token file when client-node re-reads it (after 60 s)', async () => {
    const server = await recorder();
    const dir = mkdtempSync(join(tmpdir(), 'lean-writes-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'first');
    // Only Date is faked: the client's own timeout and Node's sockets keep real timers.
    jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const writes = leanFor(kubeConfigFor(server.url, { authProvider: { name: 'tokenFile', config: { tokenFile } } }));
    await writes.post('/api/v1/namespaces/default/events', {});
    writeFileSync(tokenFile, 'second');
    jest.setSystemTime(Date.now() + 61_000);
    await writes.post('/api/v1/namespaces/default/events', {});
    expect(server.headers.map((h) => h.authorization)).toEqual(['Bearer first', 'Bearer second']);
  });

  it('runs an exec credential plugin, and sends basic auth', async () => {
    const server = await recorder();
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'exec-token' } });
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`] };
    await leanFor(kubeConfigFor(server.url, { exec })).post('/x', {});
    await leanFor(kubeConfigFor(server.url, { username: 'admin', password: 'pw' })).post('/x', {});
    expect(server.headers.map((h) => h.authorization)).toEqual(['Bearer exec-token', `Basic ${Buffer.from('admin:pw').toString('base64')}`]);
  });

  it('verifies the server against the CA, presents the client certificate, keeps the TLS connection', async () => {
    const serverPair = selfSignedKeyPair(['127.0.0.1']);
    const clientPair = selfSignedKeyPair(['lean-writes-client']);
    const server = await recorder({ tls: serverPair });
    const user = { certData: b64(clientPair.cert), keyData: b64(clientPair.key) };
    const writes = leanFor(kubeConfigFor(server.url, user, { caData: b64(serverPair.cert) }));
    for (let i = 0; i < 5; i++) await writes.post('/x', {});
    expect(server.connections()).toBe(1);
    expect(server.peerCertificates).toHaveLength(5);
    // Another CA: the server is refused (verification stays on unless skipTLSVerify says otherwise).
    const other = selfSignedKeyPair(['127.0.0.1']);
    await expect(leanFor(kubeConfigFor(server.url, user, { caData: b64(other.cert) })).post('/x', {})).rejects.toThrow(/self.signed|certificate/i);
    await expect(leanFor(kubeConfigFor(server.url, user, { skipTLSVerify: true })).post('/x', {})).resolves.toEqual({});
  });

  it('refuses plain http without skipTLSVerify, as client-node does', async () => {
    const server = await recorder();
    await expect(leanFor(kubeConfigFor(server.url, { token: 't' }, {})).post('/x', {})).rejects.toThrow(/skipTLSVerify/);
    expect(server.headers).toHaveLength(0);
  });

  it('times out, and keeps the token out of errors', async () => {
    const silent = await recorder({ answer: () => undefined });
    await expect(leanFor(kubeConfigFor(silent.url, { token: 'secret-token' }), 100).post('/x', {})).rejects.toThrow('POST /x timed out after 100 ms');
    const denied = await recorder({ answer: (res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","code":401,"message":"Unauthorized"}') });
    const error = await leanFor(kubeConfigFor(denied.url, { token: 'secret-token' })).post('/x', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 401, body: { message: 'Unauthorized' } });
    expect(JSON.stringify(error) + String((error as Error).message) + String((error as Error).stack)).not.toContain('secret-token');
  });
});
