/**
 * Layer-7 listeners on real sockets: HTTP, and HTTPS with the listener's certificate (or, with SNI, each domain's).
 * Each request is routed as CLB routes it (routing.ts) to a rule, then either redirected (a rule the controller made
 * redirect with ManualRewrite: 301 to the target rule's listener, same host and path) or proxied to one of the
 * rule's backends. No rule: 404; no backend that can take it: 503; a backend that fails: 502.
 */
import { createServer as createHttpServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { SimListener, SimLoadBalancer } from '../state.js';
import type { Frontend } from './l4.js';
import type { Pool } from './pool.js';
import { routeRequest } from './routing.js';

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

export interface HttpFrontendOptions {
  readonly host: string;
  readonly port: number;
  readonly lb: Readonly<SimLoadBalancer>;
  readonly listener: Readonly<SimListener>;
  /** The pool of each rule, by rule id (made on first use, kept by the caller across syncs). */
  readonly poolOf: (ruleId: string) => Pool | undefined;
  /** The port a listener port is served on (redirect locations name it). */
  readonly servedPort: (port: number) => number;
  /** HTTPS: the key pair of a CLB certificate id. */
  readonly keyPairOf?: (certId: string) => KeyPair | undefined;
}

const hostOf = (req: IncomingMessage) => (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');

export function httpFrontend(options: HttpFrontendOptions): Frontend {
  const { listener, lb } = options;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rule = routeRequest(listener, hostOf(req), url.pathname);
    if (!rule) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no rule matches\n');
    if (rule.rewrite) {
      const target = lb.listeners.get(rule.rewrite.listenerId);
      const port = target ? options.servedPort(target.port) : 443;
      const scheme = target?.protocol === 'HTTPS' ? 'https' : 'http';
      const defaultPort = scheme === 'https' ? 443 : 80;
      return void res.writeHead(301, { location: `${scheme}://${hostOf(req)}${port === defaultPort ? '' : `:${port}`}${url.pathname}${url.search}` }).end();
    }
    const pool = options.poolOf(rule.id);
    const chosen = pool?.pick(req.socket.remoteAddress ?? '');
    if (!pool || !chosen) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('no backend can take the request\n');
    // A connection per request (no pooled keep-alive): a backend closing an idle socket must not show as a 502.
    const upstream = request({ host: chosen.backend.host, port: chosen.backend.port, method: req.method, path: req.url, agent: false, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    pool.balancer.track(chosen.key, { destroy: () => upstream.destroy(), once: (_e, f) => void res.once('close', f) });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502, { 'content-type': 'text/plain' }).end('the backend failed\n')));
    res.on('close', () => !res.writableFinished && upstream.destroy()); // the client went away
    req.pipe(upstream);
  };

  let server: Server;
  if (listener.protocol === 'HTTPS') {
    const contexts = new Map<string, SecureContext | undefined>();
    const contextOf = (certId: string | undefined) => {
      if (!certId) return undefined;
      if (!contexts.has(certId)) {
        const pair = options.keyPairOf?.(certId);
        contexts.set(certId, pair ? createSecureContext(pair) : undefined);
      }
      return contexts.get(certId);
    };
    const listenerCert = listener.certificate?.CertId;
    const fallback = options.keyPairOf?.(listenerCert ?? [...listener.domainCertificates.values()][0]?.CertId ?? '');
    server = createHttpsServer({
      ...(fallback ?? {}),
      // SNI: the certificate of the domain asked for (CLB serves each domain's own).
      SNICallback: (servername, done) => done(null, contextOf(listener.sniSwitch === 1 ? listener.domainCertificates.get(servername)?.CertId ?? listenerCert : listenerCert) ?? contextOf(listenerCert ?? [...listener.domainCertificates.values()][0]?.CertId)),
    }, handler);
  } else {
    server = createHttpServer(handler);
  }
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const frontend: Frontend = {
    ready: new Promise((resolve) => {
      server.on('error', (error) => {
        frontend.error ??= error;
        resolve();
      });
      server.listen({ host: options.host, port: options.port }, () => resolve());
    }),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return frontend;
}
