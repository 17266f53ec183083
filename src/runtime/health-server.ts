/**
 * The process's HTTP endpoints for the kubelet and Prometheus:
 * - `/healthz`: 200 while the process loop answers (and `alive()`, if given, agrees) — the liveness probe;
 * - `/readyz`:  200 only once `ready()` says the caches have synced, 503 before — the readiness probe, so a
 *               Service never routes to (and a rollout never counts) a replica that cannot act yet;
 * - `/metrics`: the Metrics registry in Prometheus text format.
 * A standby replica is ready too: readiness says "caches synced", not "leading" (a standby that reported
 * unready would block rolling updates).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface HealthServerOptions {
  readonly metrics: Metrics;
  /** True once the informer caches have synced. */
  readonly ready: () => boolean;
  /** Deeper liveness (e.g. workers not wedged); default: answering at all is alive. */
  readonly alive?: () => boolean;
  readonly logger: Logger;
  /** Default 8080; 0 picks a free port (tests). */
  readonly port?: number;
  /** Default: all interfaces. */
  readonly host?: string;
}

export interface HealthServer {
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting connections, lets requests in progress finish, and closes idle keep-alive connections. */
  close(): Promise<void>;
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.logger.error({ path: request.url, err: error instanceof Error ? error.message : String(error) }, 'Failed to answer health request');
      if (!response.headersSent) response.writeHead(500, TEXT);
      response.end('internal error\n');
    });
  });
  await listen(server, options.port ?? 8080, options.host);
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ port }, 'Started health and metrics server');
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

async function handle(options: HealthServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...TEXT, Allow: 'GET, HEAD' }).end('method not allowed\n');
    return;
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  switch (path) {
    case '/healthz': {
      const alive = options.alive?.() ?? true;
      response.writeHead(alive ? 200 : 503, TEXT).end(alive ? 'ok\n' : 'not alive\n');
      return;
    }
    case '/readyz': {
      const ready = options.ready();
      response.writeHead(ready ? 200 : 503, TEXT).end(ready ? 'ok\n' : 'caches not synced\n');
      return;
    }
    case '/metrics': {
      const body = await options.metrics.expose();
      response.writeHead(200, { 'Content-Type': options.metrics.contentType }).end(body);
      return;
    }
    default:
      response.writeHead(404, TEXT).end('not found\n');
  }
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
