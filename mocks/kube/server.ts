/**
 * A fake Kubernetes API server on 127.0.0.1 that speaks the real wire protocol (JSON over HTTP,
 * watch streams, Status errors, discovery) to the real `@kubernetes/client-node`.
 *
 *   const kube = await startFakeKube({ seed: [namespace, service] });
 *   const core = kube.kubeConfig().makeApiClient(CoreV1Api);
 *   …
 *   await kube.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { failure, KubeApiError, methodNotAllowed, routeNotFound } from './errors.js';
import { Faults } from './faults.js';
import { handleObject, verbOf } from './handlers.js';
import { CrdController } from './crds.js';
import { RequestLog, type RequestInfo } from './request-log.js';
import { ResourceRegistry } from './registry.js';
import { aggregatedDiscoveryType, coreVersions, Discovery, isResourceName, versionInfo, type ResourceName } from './resources.js';
import { openApiV3Document, openApiV3Root } from './openapi.js';
import { parseRoute, type Route } from './routes.js';
import { clusterState, type ClusterState } from './state-access.js';
import { ObjectStore } from './store.js';
import { includeObjectOf, toTable, wantsTable } from './tables.js';
import { expiredStatus, WatchHub, type OpenWatch } from './watch.js';

export interface FakeKubeOptions {
  /** Objects present from the start (see `ClusterState.seed`). */
  readonly seed?: readonly object[];
  /** Change events kept for watches to resume from; older versions get 410 Gone. Default 1000. */
  readonly historySize?: number;
  /** Interval of BOOKMARK events on watches that ask for them (`allowWatchBookmarks=true`). Default 10 000 ms. */
  readonly bookmarkIntervalMs?: number;
  /** Server-side timeout of watches that send no `timeoutSeconds`. Default: none (the real one uses 30–60 min). */
  readonly watchTimeoutSeconds?: number;
  /** The first resourceVersion. Default 1. */
  readonly initialResourceVersion?: number;
  /** Clock for creationTimestamp / deletionTimestamp. */
  readonly now?: () => Date;
  /** Port on 127.0.0.1. Default 0: any free port. */
  readonly port?: number;
}

export interface WatchTracker {
  /** Watch streams open now (optionally of one resource: a built-in's name, a custom resource's plural or plural.group). */
  list(resource?: ResourceName | (string & {})): OpenWatch[];
  /** Resolves once at least `count` watches of `resource` are open; rejects after `timeoutMs` (default 2000). */
  waitFor(resource: ResourceName | (string & {}), count?: number, timeoutMs?: number): Promise<void>;
}

export interface FakeKube {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** A fresh KubeConfig pointing at the fake (plain HTTP, so `skipTLSVerify: true`). */
  kubeConfig(namespace?: string): KubeConfig;
  /** Objects, read and written without HTTP. */
  readonly state: ClusterState;
  readonly faults: Faults;
  /** Every request answered, for counting API calls. */
  readonly requests: RequestLog;
  readonly watches: WatchTracker;
  /** Ends all watches, closes all connections, stops the server. */
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Discovery and other non-resource paths. */
function nonResource(route: Route, serverAddress: string, registry: ResourceRegistry, discovery: Discovery): unknown {
  switch (route.kind) {
    case 'version':
      return versionInfo();
    case 'core-versions':
      return coreVersions(serverAddress);
    case 'groups':
      return discovery.groupList();
    case 'group':
      return discovery.groupDocument(route.group);
    case 'resources':
      return discovery.resourceList(route.group, route.version);
    case 'openapi-v3':
      return route.path === '' ? openApiV3Root(registry.all()) : openApiV3Document(registry.all(), route.path);
    case 'root':
      return { paths: ['/api', '/api/v1', '/apis', ...discovery.groupList().groups.flatMap((g) => [`/apis/${g.name}`, ...g.versions.map((v) => `/apis/${v.groupVersion}`)]), '/healthz', '/livez', '/openapi/v3', '/readyz', '/version'] };
    default:
      return undefined;
  }
}

export async function startFakeKube(options: FakeKubeOptions = {}): Promise<FakeKube> {
  const now = options.now ?? (() => new Date());
  const store = new ObjectStore({
    historySize: options.historySize ?? 1000,
    initialResourceVersion: options.initialResourceVersion ?? 1,
    now,
  });
  const hub = new WatchHub(store, {
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
    ...(options.watchTimeoutSeconds !== undefined ? { defaultTimeoutSeconds: options.watchTimeoutSeconds } : {}),
  });
  const faults = new Faults(store, hub);
  const requests = new RequestLog();
  const registry = new ResourceRegistry();
  const discovery = new Discovery(() => registry.all());
  const crds = new CrdController(store, registry, hub);
  const state = clusterState(store, registry);
  state.seed(...(options.seed ?? []));
  let address = '127.0.0.1:0';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const route = parseRoute(url.pathname, (group, version, plural) => registry.find(group, version, plural));
    const contentType = mediaType(req.headers['content-type']);
    const info: RequestInfo = {
      method, path: url.pathname, query: Object.fromEntries(url.searchParams), contentType,
      verb: route.kind === 'object' ? verbOf(method, route, url.searchParams) : route.kind === 'unknown' ? 'other' : 'discovery',
      ...(route.kind === 'object' ? {
        ...(route.rt.custom || !isResourceName(route.rt.name) ? { customResource: route.rt.name } : { resource: route.rt.name }),
        group: route.rt.group,
        ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
        ...(route.name !== undefined ? { name: route.name } : {}),
        ...(route.subresource !== undefined ? { subresource: route.subresource } : {}),
      } : {}),
    };
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      requests.record(info, status);
      sendJson(res, status, body, headers);
    };
    try {
      const text = await readBody(req);
      const latency = faults.latencyFor(info);
      if (latency > 0) await sleep(latency);
      const injected = faults.takeFailure(info);
      if (injected) {
        const headers: Record<string, string> = injected.retryAfterSeconds !== undefined ? { 'Retry-After': String(injected.retryAfterSeconds) } : {};
        return reply(injected.error.code, injected.error.status, headers);
      }
      if (route.kind === 'health') {
        requests.record(info, 200);
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('ok');
      }
      if (route.kind !== 'object') {
        // Aggregated discovery for the clients that ask for it (kubectl); the legacy documents for the others.
        const aggregated = (route.kind === 'core-versions' || route.kind === 'groups') && method === 'GET' ? aggregatedDiscoveryType(req.headers.accept) : undefined;
        if (aggregated) return reply(200, discovery.aggregated(route.kind === 'core-versions'), { 'Content-Type': aggregated, Vary: 'Accept' });
        const doc = nonResource(route, address, registry, discovery);
        if (doc === undefined) throw routeNotFound();
        if (method !== 'GET') throw methodNotAllowed(method);
        return reply(200, doc);
      }
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw failure(400, 'BadRequest', 'the request body is not valid JSON');
      }
      const result = handleObject(store, route, { method, query: url.searchParams, body, contentType }, { terminating: (rt) => crds.terminating(rt) });
      if ('status' in result) {
        // kubectl get asks for server-side printing; writes answer with the object whatever is asked.
        const table = method === 'GET' && result.status === 200 && wantsTable(req.headers.accept);
        const body = table ? toTable(route.rt, result.body, includeObjectOf(url.searchParams), now()) : result.body;
        return reply(result.status, body, result.warnings ? { Warning: result.warnings.join(', ') } : {});
      }
      const expiry = faults.takeWatchExpiry(info);
      if (expiry === 'http') return reply(410, expiredStatus('too old resource version (injected)'));
      requests.record(info, 200);
      if (expiry === 'event') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.end(`${JSON.stringify({ type: 'ERROR', object: expiredStatus(`too old resource version: ${result.watch.resourceVersion ?? '0'} (${store.resourceVersion})`) })}\n`);
        return;
      }
      // kubectl get -w: each event's object as a one-row Table.
      const include = includeObjectOf(url.searchParams);
      hub.serve(res, wantsTable(req.headers.accept) ? { ...result.watch, present: (o) => toTable(route.rt, o, include, now()) } : result.watch);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof KubeApiError) return reply(error.code, error.status);
      const message = error instanceof Error ? error.message : String(error);
      return reply(500, failure(500, 'InternalError', `Internal error occurred: ${message}`).status);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    kubeConfig(namespace?: string) {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'fake', token: 'fake-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', ...(namespace ? { namespace } : {}) }],
        currentContext: 'fake',
      });
      return kc;
    },
    state,
    faults,
    requests,
    watches: {
      list: (resource) => hub.list(resource),
      async waitFor(resource, count = 1, timeoutMs = 2000) {
        const deadline = Date.now() + timeoutMs;
        while (hub.list(resource).length < count) {
          if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} watch(es) on ${resource} (open: ${hub.list(resource).length})`);
          await sleep(5);
        }
      },
    },
    async close() {
      hub.drop('end');
      faults.reset();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
