/**
 * The mock CLB carries real traffic (mocks/clb/data-path/): CLBs made through the real provider, backends that
 * answer with their name on loopback, and requests through the VIP. Every address is in 127.0.0.0/8; every loop is
 * bounded in count.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { DataPath } from '../../mocks/clb/data-path/data-path.js';
import { selfSignedKeyPair } from '../../mocks/clb/data-path/self-signed.js';
import { createLocalCloud, type LocalCloud } from '../../mocks/clb/local-cloud.js';
import type { ListenerSpec, Target } from '../../providers/provider.js';

const VPC = 'vpc-cluster1';
/** Backends are Pods of the cluster's VPC (10.0.x.y); their sockets are at 127.0.x.y. */
const loopback = (ip: string) => ip.replace(/^10\./, '127.');
const pod = (n: number) => `10.0.1.${100 + n}`;

const closers: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const KEY_PAIR = selfSignedKeyPair(['*.example.com', 'shop.example.com']);

async function rig(): Promise<{ cloud: LocalCloud; path: DataPath }> {
  // VIPs from 127.101/16, not the sandbox's 127.100/16: test files run in parallel and must not share addresses.
  const cloud = createLocalCloud({ publicVipRanges: ['127.101.0.0/16'], rateLimitPerSecond: 1000 });
  const path = new DataPath(cloud.simulator, {
    keyPairOf: (certId) => (certId === 'cert-known' ? KEY_PAIR : undefined),
    resolve: (t) => (t.eniIp ? { host: loopback(t.eniIp), port: t.port } : undefined),
    healthScale: 0.01,
    syncEveryMs: 20,
  });
  await path.start();
  closers.push(() => path.stop());
  return { cloud, path };
}

/** An HTTP backend answering `name path` (and 503 on /healthz once `sick`). */
async function httpBackend(name: string, ip: string, port = 8080): Promise<{ server: Server; sick: boolean }> {
  const state = { server: undefined as unknown as Server, sick: false };
  state.server = createHttpServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(state.sick ? 503 : 200).end();
    res.end(`${name} ${req.url}`);
  });
  state.server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => state.server.listen(port, loopback(ip), resolve));
  closers.push(() => new Promise((resolve) => { state.server.closeAllConnections(); state.server.close(resolve); }));
  return state;
}

async function tcpBackend(name: string, ip: string, port = 9000): Promise<{ sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.write(`${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(port, loopback(ip), resolve));
  const close = () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); });
  closers.push(close);
  return { sockets, close };
}

function get(host: string, port: number, path: string, hostHeader?: string): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, headers: { host: hostHeader ?? host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A TCP connection's first line (the backend's name), with the socket left open. */
function firstLine(host: string, port: number): Promise<{ name: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    closers.push(() => void socket.destroy());
    let got = '';
    socket.on('data', (c) => {
      got += c;
      if (got.includes('\n')) resolve({ name: got.split('\n')[0]!, socket });
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed before a line (got "${got}")`)));
  });
}

const eni = (ip: string, port: number, weight = 10): Target => ({ eniIp: ip, port, weight });

async function clbWith(cloud: LocalCloud, listeners: ListenerSpec[]) {
  const lb = await cloud.provider.createLoadBalancer({ name: 'traffic', type: 'OPEN', vpcId: VPC, tags: {} });
  const ids = await cloud.provider.createListeners(lb.id, listeners);
  return { lb, ids, vip: lb.vips[0]! };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the data path', () => {
  it('gives CLBs loopback VIPs when asked', async () => {
    const { cloud } = await rig();
    const { vip } = await clbWith(cloud, []);
    expect(vip).toMatch(/^127\.101\./);
  });

  describe('layer 7: host and URL routing as CLB does it', () => {
    async function routed() {
      const { cloud, path } = await rig();
      const { lb, ids, vip } = await clbWith(cloud, [{ name: 'http', protocol: 'HTTP', port: 8081 }]);
      const [listener] = ids as [string];
      const rules = [
        { domain: 'shop.example.com', url: '/' }, { domain: 'shop.example.com', url: '/api' }, { domain: 'shop.example.com', url: '=/exact' },
        { domain: '*.example.com', url: '/' }, { domain: vip, url: '/' },
      ];
      const ruleIds = await cloud.provider.createRules(lb.id, listener, rules);
      const names = ['root', 'api', 'exact', 'wildcard', 'vip'];
      for (const [i, name] of names.entries()) await httpBackend(name, pod(i));
      await cloud.provider.registerTargets(lb.id, ruleIds.map((ruleId, i) => ({ listenerId: listener, ruleId, target: eni(pod(i), 8080) })));
      await path.sync();
      return { ...path.addressOf(lb, 8081), vip };
    }

    it('a prefix matches by character, the longest wins; = is exact; a wildcard domain; the VIP; an unknown host goes to the default domain', async () => {
      const { host, port, vip } = await routed();
      const at = async (hostHeader: string, p: string) => (await get(host, port, p, hostHeader)).body.split(' ')[0];
      expect(await at('shop.example.com', '/')).toBe('root');
      expect(await at('shop.example.com', '/api/v1')).toBe('api');
      expect(await at('shop.example.com', '/apix')).toBe('api'); // by character, not by path segment
      expect(await at('shop.example.com', '/ap')).toBe('root');
      expect(await at('shop.example.com', '/exact')).toBe('exact');
      expect(await at('shop.example.com', '/exact/more')).toBe('root'); // = matches that path only
      expect(await at('blog.example.com', '/')).toBe('wildcard');
      expect(await at(vip, '/')).toBe('vip');
      // No domain matches: the listener's default domain (its first) answers.
      expect(await at('other.test', '/anything')).toBe('root');
    });

    it('a redirect the controller set answers 301 to the target listener, same host and path', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'http', protocol: 'HTTP', port: 8082 }, { name: 'other', protocol: 'HTTP', port: 8083 }]);
      const [from, to] = ids as [string, string];
      const [source] = await cloud.provider.createRules(lb.id, from, [{ domain: 'a.example.com', url: '/' }]);
      const [target] = await cloud.provider.createRules(lb.id, to, [{ domain: 'a.example.com', url: '/' }]);
      await cloud.provider.setRedirects(lb.id, [{ sourceListenerId: from, sourceRuleId: source!, targetListenerId: to, targetRuleId: target! }]);
      await path.sync();
      const { host, port } = path.addressOf(lb, 8082);
      expect(await get(host, port, '/cart?x=1', 'a.example.com')).toMatchObject({ status: 301, location: 'http://a.example.com:8083/cart?x=1' });
    });

    it('HTTPS with the listener\'s certificate: the request is routed and answered', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'https', protocol: 'HTTPS', port: 8443, certificate: { mode: 'UNIDIRECTIONAL', certId: 'cert-known' } }]);
      const [rule] = await cloud.provider.createRules(lb.id, ids[0]!, [{ domain: 'shop.example.com', url: '/' }]);
      await httpBackend('secure', pod(7));
      await cloud.provider.registerTargets(lb.id, [{ listenerId: ids[0]!, ruleId: rule!, target: eni(pod(7), 8080) }]);
      await path.sync();
      const { host, port } = path.addressOf(lb, 8443);
      const answer = await new Promise<{ body: string; subject: string }>((resolve, reject) => {
        const req = httpsRequest({ host, port, path: '/cart', servername: 'shop.example.com', headers: { host: 'shop.example.com' }, ca: KEY_PAIR.cert, agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ body, subject: String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN) }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer).toEqual({ body: 'secure /cart', subject: '*.example.com' });
    });

    it('no rule for the path: 404; a rule without a backend that can take it: 503', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'http', protocol: 'HTTP', port: 8084 }]);
      await cloud.provider.createRules(lb.id, ids[0]!, [{ domain: 'a.example.com', url: '/only' }]);
      await path.sync();
      const { host, port } = path.addressOf(lb, 8084);
      expect((await get(host, port, '/other', 'a.example.com')).status).toBe(404);
      expect((await get(host, port, '/only', 'a.example.com')).status).toBe(503);
    });

    // HttpCode defaults to 31 (every status healthy, as the API documents): the check counts 2xx only here.
    it('a failing HTTP health check takes a backend out, and back in when it passes again', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'http', protocol: 'HTTP', port: 8085 }]);
      const [rule] = await cloud.provider.createRules(lb.id, ids[0]!, [{ domain: 'a.example.com', url: '/', healthCheck: { enabled: true, httpCheckPath: '/healthz', httpCode: 2, intervalSeconds: 5, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2 } }]);
      const a = await httpBackend('a', pod(1));
      await httpBackend('b', pod(2));
      await cloud.provider.registerTargets(lb.id, [pod(1), pod(2)].map((ip) => ({ listenerId: ids[0]!, ruleId: rule!, target: eni(ip, 8080) })));
      await path.sync();
      const { host, port } = path.addressOf(lb, 8085);
      const names = async (n: number) => { const seen = new Set<string>(); for (let i = 0; i < n; i++) seen.add((await get(host, port, '/', 'a.example.com')).body.split(' ')[0]!); return seen; };
      expect(await names(10)).toEqual(new Set(['a', 'b']));
      a.sick = true;
      await until(async () => (await names(6)).size === 1, 'a to be taken out');
      expect(await names(20)).toEqual(new Set(['b']));
      a.sick = false;
      await until(async () => (await names(6)).size === 2, 'a to be back');
    });
  });

  describe('layer 4', () => {
    it('weighted round robin: a 3:1 split within 5% over 2,000 connections', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'tcp', protocol: 'TCP', port: 9001 }]);
      await tcpBackend('heavy', pod(1));
      await tcpBackend('light', pod(2));
      await cloud.provider.registerTargets(lb.id, [{ listenerId: ids[0]!, target: eni(pod(1), 9000, 30) }, { listenerId: ids[0]!, target: eni(pod(2), 9000, 10) }]);
      await path.sync();
      const { host, port } = path.addressOf(lb, 9001);
      const counts = new Map<string, number>();
      for (let i = 0; i < 2000; i++) {
        const { name, socket } = await firstLine(host, port);
        socket.destroy();
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      expect(Math.abs((counts.get('heavy') ?? 0) / 2000 - 0.75)).toBeLessThanOrEqual(0.05);
      expect(Math.abs((counts.get('light') ?? 0) / 2000 - 0.25)).toBeLessThanOrEqual(0.05);
    }, 30_000);

    it('weight 0: no new connections, the open ones carry on; deregistered without DeregisterTargetRst they still carry on', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'tcp', protocol: 'TCP', port: 9002 }]);
      await tcpBackend('a', pod(1));
      await tcpBackend('b', pod(2));
      const binding = (ip: string, weight: number) => ({ listenerId: ids[0]!, target: eni(ip, 9000, weight) });
      await cloud.provider.registerTargets(lb.id, [binding(pod(1), 10), binding(pod(2), 10)]);
      await path.sync();
      const { host, port } = path.addressOf(lb, 9002);
      const open: Socket[] = [];
      for (let i = 0; i < 4; i++) open.push((await firstLine(host, port)).socket);
      await cloud.provider.setTargetWeights(lb.id, [binding(pod(1), 0)]);
      await path.sync();
      for (let i = 0; i < 10; i++) {
        const { name, socket } = await firstLine(host, port);
        socket.destroy();
        expect(name).toBe('b');
      }
      await cloud.provider.deregisterTargets(lb.id, [binding(pod(1), 0)]);
      await path.sync();
      // Every connection opened before still echoes.
      for (const socket of open) {
        const echoed = new Promise<string>((resolve) => socket.once('data', (c) => resolve(String(c))));
        socket.write('ping\n');
        expect(await echoed).toBe('ping\n');
      }
    });

    it('with DeregisterTargetRst, a deregistered target\'s connections are reset at once', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'tcp', protocol: 'TCP', port: 9003, deregisterTargetRst: true }]);
      await tcpBackend('a', pod(1));
      await cloud.provider.registerTargets(lb.id, [{ listenerId: ids[0]!, target: eni(pod(1), 9000) }]);
      await path.sync();
      const { host, port } = path.addressOf(lb, 9003);
      const { socket } = await firstLine(host, port);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      await cloud.provider.deregisterTargets(lb.id, [{ listenerId: ids[0]!, target: eni(pod(1), 9000) }]);
      await path.sync();
      await closed;
    });

    it('session persistence: a client keeps its target while the session lasts', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'tcp', protocol: 'TCP', port: 9004, sessionExpireTime: 30 }]);
      await tcpBackend('a', pod(1));
      await tcpBackend('b', pod(2));
      await cloud.provider.registerTargets(lb.id, [pod(1), pod(2)].map((ip) => ({ listenerId: ids[0]!, target: eni(ip, 9000) })));
      await path.sync();
      const { host, port } = path.addressOf(lb, 9004);
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const { name, socket } = await firstLine(host, port);
        socket.destroy();
        seen.add(name);
      }
      expect(seen.size).toBe(1);
    });

    it('a failing TCP health check takes a target out', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'tcp', protocol: 'TCP', port: 9005, healthCheck: { enabled: true, intervalSeconds: 5, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2 } }]);
      const a = await tcpBackend('a', pod(1));
      await tcpBackend('b', pod(2));
      await cloud.provider.registerTargets(lb.id, [pod(1), pod(2)].map((ip) => ({ listenerId: ids[0]!, target: eni(ip, 9000) })));
      await path.sync();
      const { host, port } = path.addressOf(lb, 9005);
      await a.close();
      // Until the checks see it, a connection to a fails; afterwards every one reaches b.
      const reachesB = async () => { try { const { name, socket } = await firstLine(host, port); socket.destroy(); return name === 'b'; } catch { return false; } };
      await until(async () => (await reachesB()) && (await reachesB()) && (await reachesB()), 'a to be taken out');
      for (let i = 0; i < 10; i++) {
        const { name, socket } = await firstLine(host, port);
        socket.destroy();
        expect(name).toBe('b');
      }
    });

    it('UDP: a datagram round trip through the VIP', async () => {
      const { cloud, path } = await rig();
      const { lb, ids } = await clbWith(cloud, [{ name: 'udp', protocol: 'UDP', port: 5300 }]);
      const backend = createSocket('udp4');
      backend.on('message', (m, from) => backend.send(`pod-a ${m}`, from.port, from.address));
      await new Promise<void>((resolve) => backend.bind(5353, loopback(pod(1)), resolve));
      closers.push(() => new Promise<void>((resolve) => backend.close(() => resolve())));
      await cloud.provider.registerTargets(lb.id, [{ listenerId: ids[0]!, target: eni(pod(1), 5353) }]);
      await path.sync();
      const { host, port } = path.addressOf(lb, 5300);
      const client = createSocket('udp4');
      closers.push(() => new Promise<void>((resolve) => client.close(() => resolve())));
      const replies: string[] = [];
      const two = new Promise<void>((resolve) => client.on('message', (m) => replies.push(String(m)) === 2 && resolve()));
      // Back to back, before the CLB's side of the pairing is set up: both arrive, and nothing crashes.
      client.send('hello', port, host);
      client.send('again', port, host);
      await two;
      expect(replies.sort()).toEqual(['pod-a again', 'pod-a hello']);
    });

    it('a target whose address cannot be resolved (or resolves off loopback) takes no traffic, and crashes nothing', async () => {
      const cloud = createLocalCloud({ publicVipRanges: ['127.101.0.0/16'], rateLimitPerSecond: 1000 });
      const path = new DataPath(cloud.simulator, {
        resolve: (t) => {
          if (t.eniIp === pod(1)) throw new Error('no such address');
          if (t.eniIp === pod(2)) return { host: '10.0.1.102', port: t.port }; // not loopback
          return t.eniIp ? { host: loopback(t.eniIp), port: t.port } : undefined;
        },
        syncEveryMs: 20,
      });
      await path.start();
      closers.push(() => path.stop());
      const { lb, ids } = await clbWith(cloud, [{ name: 'tcp', protocol: 'TCP', port: 9006 }]);
      await tcpBackend('good', pod(3));
      await cloud.provider.registerTargets(lb.id, [pod(1), pod(2), pod(3)].map((ip) => ({ listenerId: ids[0]!, target: eni(ip, 9000) })));
      await path.sync();
      const { host, port } = path.addressOf(lb, 9006);
      for (let i = 0; i < 6; i++) {
        const { name, socket } = await firstLine(host, port);
        socket.destroy();
        expect(name).toBe('good');
      }
    });
  });
});
