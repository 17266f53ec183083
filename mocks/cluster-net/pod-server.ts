/**
 * A Pod's containers reduced to what traffic sees: sockets on the Pod's ports that say which Pod answered.
 * HTTP ports answer every request 200 with the Pod's name (and `x-pod`), and `/healthz` 200 until the Pod is told it
 * is terminating, 503 after (so an HTTP health check sees a draining Pod); plain TCP ports send the name and echo; UDP
 * ports answer each datagram with the name. It listens on `loopbackFor(ip)`:`portFor(port)` (addresses.ts).
 *
 *   const pod = await startPodServer({ name: 'web-0', ip: '172.16.0.11', ports: [{ port: 80, protocol: 'TCP', http: true }] });
 *   pod.terminating();   // the preStop grace: /healthz 503, everything else still served
 *   await pod.stop();    // the Pod is gone: listeners closed, open connections destroyed
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { loopbackFor, portFor } from './addresses.js';

export interface PodPort {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  /** A TCP port that speaks HTTP (answers requests) rather than greeting and echoing. */
  readonly http?: boolean;
}

export interface PodServerOptions {
  readonly name: string;
  /** The Pod IP as the cluster knows it (172.16.x.y): the sockets listen on its loopback translation. */
  readonly ip: string;
  readonly ports: readonly PodPort[];
}

export interface PodServer {
  readonly name: string;
  readonly ip: string;
  /** The loopback address the sockets listen on. */
  readonly address: string;
  /** The ports open now. */
  readonly ports: readonly PodPort[];
  /** True once `terminating()` was called. */
  readonly isTerminating: boolean;
  /** True once `stop()` was called. */
  readonly closed: boolean;
  /** Marks the Pod terminating: `/healthz` answers 503, everything else is still served. */
  terminating(): void;
  /** Opens more ports (those not open yet), as when a Service starts selecting the Pod. */
  addPorts(ports: readonly PodPort[]): Promise<void>;
  /** TCP connections open now (HTTP included). */
  connections(): number;
  /** HTTP requests, TCP connections and UDP datagrams answered so far. */
  served(): number;
  /** Closes the listeners and destroys open connections: the Pod is gone. */
  stop(): Promise<void>;
}

const portKey = (p: PodPort) => `${p.protocol}/${p.port}`;

type Listener = { close(): Promise<void> };

export async function startPodServer(options: PodServerOptions): Promise<PodServer> {
  const address = loopbackFor(options.ip);
  const reply = `${options.name}\n`;
  const sockets = new Set<Socket>();
  const listeners = new Map<string, Listener>();
  const open: PodPort[] = [];
  let isTerminating = false;
  let closed = false;
  let served = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A peer that resets is no failure of the Pod's.
    socket.on('error', () => undefined);
  };

  const listenStream = (server: HttpServer | TcpServer, port: number) =>
    new Promise<Listener>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve({ close: () => new Promise<void>((done) => server.close(() => done())) });
      });
    });

  const listenHttp = (port: number) => {
    const server = createHttpServer((req, res) => {
      served += 1;
      const health = req.method === 'GET' && req.url?.split('?')[0] === '/healthz';
      const [status, body] = health ? (isTerminating ? [503, 'terminating\n'] : [200, 'ok\n']) : [200, reply];
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'x-pod': options.name });
      res.end(body);
    });
    server.on('connection', track);
    return listenStream(server, port);
  };

  const listenTcp = (port: number) => {
    const server = createTcpServer((socket) => {
      served += 1;
      socket.write(reply);
      socket.pipe(socket);
    });
    server.on('connection', track);
    return listenStream(server, port);
  };

  const listenUdp = (port: number) =>
    new Promise<Listener>((resolve, reject) => {
      const socket: UdpSocket = createSocket('udp4');
      socket.on('message', (_message, from) => {
        served += 1;
        socket.send(reply, from.port, from.address);
      });
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        // An unreachable sender (ICMP) must not crash the Pod.
        socket.on('error', () => undefined);
        resolve({ close: () => new Promise<void>((done) => socket.close(() => done())) });
      });
    });

  async function addPorts(ports: readonly PodPort[]): Promise<void> {
    if (closed) throw new Error(`Pod ${options.name} is stopped`);
    for (const port of ports) {
      if (listeners.has(portKey(port))) continue;
      const real = portFor(port.port);
      try {
        const listener = await (port.protocol === 'UDP' ? listenUdp(real) : port.http ? listenHttp(real) : listenTcp(real));
        listeners.set(portKey(port), listener);
        open.push(port);
      } catch (error) {
        throw new Error(`Pod ${options.name} cannot listen on ${address}:${real}/${port.protocol}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async function stop(): Promise<void> {
    if (closed) return;
    closed = true;
    // Stop accepting first, so no connection slips in after the others are destroyed.
    const closing = [...listeners.values()].map((l) => l.close());
    listeners.clear();
    for (const socket of sockets) socket.destroy();
    await Promise.all(closing);
  }

  const server: PodServer = {
    name: options.name,
    ip: options.ip,
    address,
    ports: open,
    get isTerminating() {
      return isTerminating;
    },
    get closed() {
      return closed;
    },
    terminating() {
      isTerminating = true;
    },
    addPorts,
    connections: () => sockets.size,
    served: () => served,
    stop,
  };
  try {
    await addPorts(options.ports);
  } catch (error) {
    await stop();
    throw error;
  }
  return server;
}
