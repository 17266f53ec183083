/**
 * kube-proxy for one simulated node, in userspace: the node's NodePorts really listen (on the loopback translation of
 * its InternalIP, addresses.ts) and every new connection is forwarded to one of the Service's endpoints, so that a
 * CLB target `nodeIP:nodePort` reaches a Pod server (pod-server.ts) as it would through a real node.
 *
 * What it forwards to, per Service port (as kube-proxy's iptables/nftables modes decide):
 *  - the endpoints of the Service's EndpointSlices (label kubernetes.io/service-name) at the slice port of the same
 *    name and protocol; `ready` ones, or — when there is none — the `serving` + `terminating` ones (KEP-1669: a Pod in
 *    its termination grace still takes traffic when nothing else can);
 *  - with `externalTrafficPolicy: Local`, only the endpoints on this node;
 *  - one pick per connection, round robin, no retry on another endpoint (the old userspace mode retried, which would
 *    hide exactly the failures a rollout test looks for): a Pod gone under a connection resets it.
 * A NodePort listens only while it has an endpoint to forward to: with none (no ready endpoint, or none on this node
 * under Local) a connection is refused at once, as a node answers with a reset — and a CLB TCP health check sees it.
 * UDP: one session socket per client address, replies relayed back, closed after `udpIdleTimeoutMs` without traffic
 * (conntrack's UDP timeout).
 *
 * Changes are followed by polling the fake's resourceVersion every `pollMs` (100 ms): that delay stands for the
 * endpoint propagation delay of a real cluster, which termination grace exists to cover. The fake's in-process change
 * hook is not public, and a watch over HTTP would show up in `kube.requests` and `kube.watches`, which tests count.
 * Endpoint changes apply to new connections; open ones continue (conntrack).
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import type { FakeKube } from '../kube/index.js';
import { loopbackFor, portFor } from './addresses.js';

export interface NodeProxyOptions {
  readonly kube: FakeKube;
  readonly nodeName: string;
  /** How often to look for changes: the propagation delay of endpoint changes. Default 100 ms. */
  readonly pollMs?: number;
  /** A UDP session without traffic for this long is closed. Default 30 000 ms. */
  readonly udpIdleTimeoutMs?: number;
}

export interface Endpoint {
  /** The Pod IP (cluster address). */
  readonly address: string;
  readonly port: number;
  readonly pod?: string;
}

/** One NodePort and where its connections go. */
export interface NodePortRoute {
  /** `namespace/name` of the Service. */
  readonly service: string;
  /** The Service port's name ('' when unnamed). */
  readonly portName: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly nodePort: number;
  readonly endpoints: readonly Endpoint[];
}

export interface NodeProxy {
  readonly nodeName: string;
  /** The node's InternalIP (cluster address). */
  readonly nodeIp: string;
  /** The loopback address the NodePorts listen on. */
  readonly address: string;
  /** Re-reads Services and EndpointSlices now; resolves once the listeners follow (rejects if one cannot listen). */
  refresh(): Promise<void>;
  /** The NodePorts with their endpoints, listened on or not (not: no endpoint to forward to). */
  routes(): NodePortRoute[];
  /** `PROTOCOL/nodePort` of the NodePorts listening now. */
  listening(): string[];
  /** TCP connections being forwarded now. */
  connections(): number;
  /** Connections and UDP sessions forwarded, and TCP connections reset (no endpoint, or the endpoint failed). */
  stats(): { forwarded: number; reset: number };
  /** Why listeners could not open at the last refresh (empty when all did). */
  problems(): string[];
  /** Closes every listener, connection and session. */
  stop(): Promise<void>;
}

const routeKey = (protocol: string, nodePort: number) => `${protocol}/${nodePort}`;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether an address has a loopback translation: an endpoint outside the simulated ranges is never connected to. */
const onLoopback = (address: string) => {
  try {
    loopbackFor(address);
    return true;
  } catch {
    return false;
  }
};

/** The node's InternalIP; a node without addresses but named by its IP (as the soak's) is taken at its name. */
export function nodeAddress(node: V1Node): string | undefined {
  const internal = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (internal) return internal;
  const name = node.metadata?.name ?? '';
  return IPV4.test(name) ? name : undefined;
}

/** Where each NodePort of this node forwards to, from the Services and EndpointSlices (see the module comment). */
export function nodePortRoutes(services: readonly V1Service[], slices: readonly V1EndpointSlice[], nodeName: string): NodePortRoute[] {
  const routes: NodePortRoute[] = [];
  for (const service of services) {
    if (service.spec?.type !== 'NodePort' && service.spec?.type !== 'LoadBalancer') continue;
    const namespace = service.metadata?.namespace ?? 'default';
    const name = service.metadata?.name ?? '';
    const own = slices.filter((s) => (s.metadata?.namespace ?? 'default') === namespace && s.metadata?.labels?.['kubernetes.io/service-name'] === name && s.addressType === 'IPv4');
    const localOnly = service.spec.externalTrafficPolicy === 'Local';
    for (const port of service.spec.ports ?? []) {
      const protocol = port.protocol ?? 'TCP';
      if (!port.nodePort || (protocol !== 'TCP' && protocol !== 'UDP')) continue;
      const ready: Endpoint[] = [];
      const servingTerminating: Endpoint[] = [];
      for (const slice of own) {
        const slicePort = slice.ports?.find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === protocol)?.port;
        if (!slicePort) continue;
        for (const endpoint of slice.endpoints ?? []) {
          if (localOnly && endpoint.nodeName !== nodeName) continue;
          // The API: an unset `ready` or `serving` means true, an unset `terminating` false.
          const { ready: isReady = true, terminating = false } = endpoint.conditions ?? {};
          const serving = endpoint.conditions?.serving ?? isReady;
          const list = isReady && !terminating ? ready : serving && terminating ? servingTerminating : undefined;
          for (const address of endpoint.addresses.filter(onLoopback)) list?.push({ address, port: slicePort, ...(endpoint.targetRef?.name ? { pod: endpoint.targetRef.name } : {}) });
        }
      }
      const endpoints = ready.length ? ready : servingTerminating;
      const unique = [...new Map(endpoints.map((e) => [`${e.address}:${e.port}`, e])).values()];
      unique.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }) || a.port - b.port);
      routes.push({ service: `${namespace}/${name}`, portName: port.name ?? '', protocol, nodePort: port.nodePort, endpoints: unique });
    }
  }
  return routes;
}

interface Listener {
  close(): Promise<void>;
}

/** Starts the proxy of a node (which must exist and have an address); resolves once its NodePorts listen. */
export async function startNodeProxy(options: NodeProxyOptions): Promise<NodeProxy> {
  const { kube, nodeName } = options;
  const node = kube.state.get<V1Node>('nodes', nodeName);
  if (!node) throw new Error(`node ${nodeName} does not exist`);
  const nodeIp = nodeAddress(node);
  if (!nodeIp) throw new Error(`node ${nodeName} has no InternalIP`);
  const address = loopbackFor(nodeIp);
  const udpIdleTimeoutMs = options.udpIdleTimeoutMs ?? 30_000;

  let routes = new Map<string, NodePortRoute>();
  const turns = new Map<string, number>();
  const listeners = new Map<string, Listener>();
  /** Every socket open (both sides of each forwarded connection), to destroy on stop. */
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  const stats = { forwarded: 0, reset: 0 };
  let problems: string[] = [];
  let stopped = false;
  let seenVersion = '';
  let queue: Promise<void> = Promise.resolve();

  /** The next endpoint of a NodePort, round robin over the endpoints it has now. */
  const pick = (key: string): Endpoint | undefined => {
    const endpoints = routes.get(key)?.endpoints ?? [];
    if (!endpoints.length) return undefined;
    const turn = turns.get(key) ?? 0;
    turns.set(key, turn + 1);
    return endpoints[turn % endpoints.length];
  };

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const forwardTcp = (key: string, client: Socket) => {
    track(client);
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.on('error', () => undefined);
    const target = pick(key);
    if (!target) {
      stats.reset += 1;
      return void client.resetAndDestroy();
    }
    stats.forwarded += 1;
    const upstream = connect({ host: loopbackFor(target.address), port: portFor(target.port), allowHalfOpen: true });
    track(upstream);
    // A failure on one side resets the other, as a dead Pod's RST reaches the client.
    upstream.on('error', () => {
      stats.reset += 1;
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.once('error', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listenTcp = (key: string, port: number) =>
    new Promise<Listener>((resolve, reject) => {
      // Half-open: a client's FIN is passed on, and the Pod's answer still comes back.
      const server: Server = createServer({ allowHalfOpen: true }, (client) => forwardTcp(key, client));
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve({ close: () => new Promise<void>((done) => server.close(() => done())) });
      });
    });

  const listenUdp = (key: string, port: number) =>
    new Promise<Listener>((resolve, reject) => {
      const front: UdpSocket = createSocket('udp4');
      const sessions = new Map<string, { socket: UdpSocket; target: Endpoint; timer: NodeJS.Timeout }>();
      const endSession = (client: string) => {
        const session = sessions.get(client);
        if (!session) return;
        sessions.delete(client);
        clearTimeout(session.timer);
        session.socket.close();
      };
      const touch = (client: string) => {
        const session = sessions.get(client);
        if (!session) return;
        clearTimeout(session.timer);
        session.timer = setTimeout(() => endSession(client), udpIdleTimeoutMs).unref();
      };
      front.on('message', (message, from: RemoteInfo) => {
        const client = `${from.address}:${from.port}`;
        let session = sessions.get(client);
        if (!session) {
          const target = pick(key);
          if (!target) return; // dropped, as a node without an endpoint drops it
          stats.forwarded += 1;
          const socket = createSocket('udp4');
          socket.on('error', () => endSession(client));
          socket.on('message', (answer) => {
            front.send(answer, from.port, from.address);
            touch(client);
          });
          socket.bind(0, address);
          session = { socket, target, timer: setTimeout(() => endSession(client), udpIdleTimeoutMs).unref() };
          sessions.set(client, session);
        }
        // Sent once bound (dgram queues until then).
        session.socket.send(message, portFor(session.target.port), loopbackFor(session.target.address));
        touch(client);
      });
      front.once('error', reject);
      front.bind(port, address, () => {
        front.off('error', reject);
        front.on('error', () => undefined);
        resolve({
          close: () => {
            for (const client of [...sessions.keys()]) endSession(client);
            return new Promise<void>((done) => front.close(() => done()));
          },
        });
      });
    });

  /** Opens the NodePorts that have somewhere to forward to and closes the others. */
  async function syncListeners(): Promise<void> {
    const failures: string[] = [];
    for (const [key, listener] of [...listeners]) {
      if (routes.get(key)?.endpoints.length) continue;
      listeners.delete(key);
      await listener.close();
    }
    for (const [key, route] of routes) {
      if (stopped || listeners.has(key) || !route.endpoints.length) continue;
      const port = portFor(route.nodePort);
      try {
        listeners.set(key, await (route.protocol === 'UDP' ? listenUdp(key, port) : listenTcp(key, port)));
      } catch (error) {
        failures.push(`${route.service} NodePort ${address}:${port}/${route.protocol}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    problems = failures;
    if (failures.length) throw new Error(`node ${nodeName}: ${failures.join('; ')}`);
  }

  function refresh(): Promise<void> {
    if (stopped) return Promise.resolve();
    seenVersion = kube.state.resourceVersion();
    // The routes change at once (new connections use them); the listeners follow, one refresh at a time.
    const next = nodePortRoutes(kube.state.list<V1Service>('services'), kube.state.list<V1EndpointSlice>('endpointslices'), nodeName);
    routes = new Map(next.map((r) => [routeKey(r.protocol, r.nodePort), r]));
    const run = queue.then(syncListeners);
    queue = run.catch(() => undefined);
    return run;
  }

  const poll = setInterval(() => {
    if (kube.state.resourceVersion() !== seenVersion || problems.length) refresh().catch(() => undefined);
  }, options.pollMs ?? 100);
  poll.unref();

  const proxy: NodeProxy = {
    nodeName,
    nodeIp,
    address,
    refresh,
    routes: () => [...routes.values()],
    listening: () => [...listeners.keys()],
    connections: () => clients.size,
    stats: () => ({ ...stats }),
    problems: () => [...problems],
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(poll);
      await queue;
      const closing = [...listeners.values()].map((l) => l.close());
      listeners.clear();
      for (const socket of sockets) socket.destroy();
      await Promise.all(closing);
    },
  };
  // A NodePort that cannot listen yet (its port taken) is in problems() and tried again at every poll.
  await refresh().catch(() => undefined);
  return proxy;
}

/**
 * Where a CLB target of this simulated cluster really is, for the data path: an ENI target is its Pod's socket; an
 * instance target, the proxy of the node with that instance id (its providerID), at the target's NodePort. Node
 * addresses are looked up again only when the cluster's state changed (this runs for every new connection).
 */
export function clusterTargetResolver(kube: FakeKube): (target: { readonly instanceId?: string; readonly eniIp?: string; readonly port: number }) => { host: string; port: number } | undefined {
  let seenAt = '';
  let byInstance = new Map<string, string>();
  return (target) => {
    if (target.eniIp) return { host: loopbackFor(target.eniIp), port: portFor(target.port) };
    if (seenAt !== kube.state.resourceVersion()) {
      seenAt = kube.state.resourceVersion();
      byInstance = new Map(kube.state.list<V1Node>('nodes').flatMap((node) => {
        const id = node.spec?.providerID?.split('/').pop();
        const address = nodeAddress(node);
        return id && address ? [[id, address] as const] : [];
      }));
    }
    const address = target.instanceId ? byInstance.get(target.instanceId) : undefined;
    return address ? { host: loopbackFor(address), port: portFor(target.port) } : undefined;
  };
}
