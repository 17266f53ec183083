/**
 * A lean path for the controller's writes (merge patches of Services and Ingresses, Event POSTs). client-node 2.0
 * runs each request through its generated API, the ObjectSerializer (both ways) and undici's fetch; the controller
 * only needs the response as plain JSON, so this sends the request with node:http(s) over keep-alive agents and
 * parses the body with JSON.parse. Authentication stays client-node's: `applyToHTTPSOptions` is called per request,
 * as client-node does, so a rotated token file, an expiring exec credential or a rewritten certificate file is
 * picked up the same way.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig, KubernetesObject, V1Service, V1Ingress } from '@kubernetes/client-node';
import type { EventCreator } from './events.js';
import type { Patchers } from './object-writer.js';
import { digestOf } from './pooled-connections.js';

export interface LeanWritesOptions {
  /** The whole request, connect to last byte of the response. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface LeanWrites {
  /** A JSON merge patch (`application/merge-patch+json`); resolves to the object the server returns. */
  patchMerge<T = unknown>(path: string, body: object): Promise<T>;
  post<T = unknown>(path: string, body: object): Promise<T>;
  /** Closes the pooled connections. */
  close(): void;
}

/**
 * A non-2xx answer, shaped as client-node's ApiException where the controller reads one: `code` is the HTTP status,
 * `body` the Status the server sent (parsed here; client-node leaves it as text). The message names the request and
 * the server's reason, never a request header.
 */
export class KubeWriteError extends Error {
  override readonly name = 'KubeWriteError';
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string | string[] | undefined>>,
    message: string,
  ) {
    super(message);
  }
}

const MERGE_PATCH = 'application/merge-patch+json';
const JSON_TYPE = 'application/json';
const USER_AGENT = 'clb-controller';
// Free connections are dropped after this; in-use ones are left to the request's own timeout.
const IDLE_MS = 30_000;

interface Server {
  readonly tls: boolean;
  readonly hostname: string;
  readonly port: number;
  /** A path prefix of the server URL (a proxying front end), without the trailing slash. */
  readonly base: string;
}

export function createLeanWrites(kubeConfig: KubeConfig, options: LeanWritesOptions = {}): LeanWrites {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agents = new AgentPool();
  const servers = new Map<string, Server>();

  async function send<T>(method: 'PATCH' | 'POST', path: string, contentType: string, body: object): Promise<T> {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('The KubeConfig has no current cluster');
    // client-node tunnels these through proxy agents; this path does not, rather than bypass the proxy.
    if (cluster.proxyUrl) throw new Error('Lean writes do not support cluster.proxyUrl; write through client-node');
    let server = servers.get(cluster.server);
    if (!server) servers.set(cluster.server, (server = parseServer(cluster.server)));
    // Headers (Authorization, Impersonate-User), basic auth and the TLS material, read again for each request.
    const auth: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(auth);
    const agent = agents.agentFor(`${cluster.name}|${cluster.server}|${kubeConfig.getCurrentUser()?.name ?? ''}`, server, auth);
    const payload = JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {
      ...(auth.headers as http.OutgoingHttpHeaders | undefined),
      Accept: JSON_TYPE,
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(payload),
      'User-Agent': USER_AGENT,
    };
    if (auth.auth) headers.Authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    const request = (server.tls ? https : http).request({ hostname: server.hostname, port: server.port, path: server.base + path, method, agent, headers });
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => request.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      request.once('error', fail);
      request.once('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.once('error', fail);
        response.once('end', () => {
          clearTimeout(timer);
          const status = response.statusCode ?? 0;
          const parsed = parseBody(text);
          if (status >= 200 && status < 300) resolve(parsed as T);
          else {
            const reason = (parsed as { message?: unknown } | undefined)?.message;
            const message = `HTTP-Code: ${status}\nMessage: ${method} ${path}: ${typeof reason === 'string' ? reason : response.statusMessage ?? ''}`;
            reject(new KubeWriteError(status, parsed, response.headers, message));
          }
        });
      });
      request.end(payload);
    });
  }

  return {
    patchMerge: (path, body) => send('PATCH', path, MERGE_PATCH, body),
    post: (path, body) => send('POST', path, JSON_TYPE, body),
    close: () => agents.close(),
  };
}

const enc = encodeURIComponent;

function objectPatchers<T>(writes: LeanWrites, groupVersion: string, plural: string): Patchers<T> {
  const path = (name: string, namespace: string) => `${groupVersion}/namespaces/${enc(namespace)}/${plural}/${enc(name)}`;
  return {
    patch: (name, namespace, body) => writes.patchMerge<T>(path(name, namespace), body),
    patchStatus: (name, namespace, body) => writes.patchMerge<T>(`${path(name, namespace)}/status`, body),
  };
}

/** Wire JSON: timestamps stay strings (client-node's serializer would make them Dates). */
export const leanServicePatchers = <T extends KubernetesObject = V1Service>(writes: LeanWrites): Patchers<T> => objectPatchers<T>(writes, '/api/v1', 'services');

export const leanIngressPatchers = <T extends KubernetesObject = V1Ingress>(writes: LeanWrites): Patchers<T> =>
  objectPatchers<T>(writes, '/apis/networking.k8s.io/v1', 'ingresses');

export const leanEventCreator = (writes: LeanWrites): EventCreator => ({
  createEvent: (namespace, body) => writes.post(`/api/v1/namespaces/${enc(namespace)}/events`, body),
});

function parseServer(url: string): Server {
  const parsed = new URL(url);
  const tls = parsed.protocol === 'https:';
  if (!tls && parsed.protocol !== 'http:') throw new Error(`Unsupported API server protocol ${parsed.protocol}`);
  return {
    tls,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : tls ? 443 : 80,
    base: parsed.pathname.replace(/\/+$/, ''),
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * One keep-alive agent per cluster and user, keyed by a hash of its TLS material: equal material shares the agent,
 * a rotated certificate or CA gets a new one and the old one is retired (free sockets closed now, busy ones once
 * their request is done).
 */
class AgentPool {
  private readonly current = new Map<string, { key: string; agent: http.Agent }>();

  agentFor(slot: string, server: Server, tls: https.RequestOptions): http.Agent {
    const key = server.tls ? tlsKey(tls) : 'plain';
    const held = this.current.get(slot);
    if (held?.key === key) return held.agent;
    const agent = server.tls
      ? new https.Agent({
          keepAlive: true,
          keepAliveMsecs: 30_000,
          timeout: IDLE_MS,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          pfx: tls.pfx,
          passphrase: tls.passphrase,
          ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
          ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
        })
      : new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000, timeout: IDLE_MS });
    this.current.set(slot, { key, agent });
    if (held) retire(held.agent);
    return agent;
  }

  close(): void {
    for (const { agent } of this.current.values()) agent.destroy();
    this.current.clear();
  }
}

const tlsKey = (tls: https.RequestOptions): string => digestOf([tls.rejectUnauthorized, tls.servername, tls.ca, tls.cert, tls.key, tls.pfx, tls.passphrase]);

function retire(agent: http.Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  // The agent's own 'free' listener runs first and parks the socket; closing it drops it from the pool.
  agent.on('free', (socket: { destroy(): void }) => socket.destroy());
}
