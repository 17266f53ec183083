/**
 * Layer-4 listeners on real sockets: TCP (a connection piped to one backend) and UDP (datagrams of one client
 * address relayed to one backend, replies relayed back, the pairing ended after an idle time). A connection no
 * backend can take is closed at once, as CLB resets one without a healthy target.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Pool } from './pool.js';

export interface Frontend {
  /** Bound (or failed to bind: then `error` says why). */
  readonly ready: Promise<void>;
  error?: Error;
  close(): Promise<void>;
}

/** How long a UDP client's pairing with its backend outlives its last datagram. */
const UDP_IDLE_MS = 30_000;

export function tcpFrontend(host: string, port: number, pool: Pool): Frontend {
  const clients = new Set<Socket>();
  const server: Server = createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.on('error', () => client.destroy());
    const chosen = pool.pick(client.remoteAddress ?? '');
    if (!chosen) return void client.resetAndDestroy();
    const upstream = connect({ host: chosen.backend.host, port: chosen.backend.port });
    // Tracked as one connection: ending it (a reset) ends both sides.
    const connection = { destroy: () => { client.resetAndDestroy(); upstream.destroy(); }, once: (e: 'close', f: () => void) => client.once(e, f) };
    pool.balancer.track(chosen.key, connection);
    upstream.on('error', () => client.resetAndDestroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.end());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const frontend: Frontend = {
    ready: new Promise((resolve) => {
      // A bind error is the frontend's; any later error (an accept failing) is kept, never thrown.
      server.on('error', (error) => {
        frontend.error ??= error;
        resolve();
      });
      server.listen({ host, port }, () => resolve());
    }),
    close: () => {
      for (const c of clients) c.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return frontend;
}

export function udpFrontend(host: string, port: number, pool: Pool): Frontend {
  const socket = createSocket('udp4');
  const sessions = new Map<string, { upstream: UdpSocket; backend: { host: string; port: number }; idle: NodeJS.Timeout }>();
  const endSession = (client: string) => {
    const session = sessions.get(client);
    if (!session) return;
    clearTimeout(session.idle);
    sessions.delete(client);
    session.upstream.close();
  };
  socket.on('message', (message: Buffer, from: RemoteInfo) => {
    const client = `${from.address}:${from.port}`;
    let session = sessions.get(client);
    if (!session) {
      const chosen = pool.pick(from.address);
      if (!chosen) return; // dropped: no backend can take it
      // Not connect()ed: a datagram sent before a connect completes would throw. Each is sent to the backend's address.
      const upstream = createSocket('udp4');
      const backend = chosen.backend;
      upstream.on('message', (reply, sender) => {
        if (sender.address === backend.host && sender.port === backend.port) socket.send(reply, from.port, from.address);
      });
      upstream.on('error', () => endSession(client));
      session = { upstream, backend, idle: setTimeout(() => endSession(client), UDP_IDLE_MS).unref() };
      sessions.set(client, session);
      pool.balancer.track(chosen.key, { destroy: () => endSession(client), once: (_e, f) => void upstream.once('close', f) });
    } else {
      session.idle.refresh();
    }
    session.upstream.send(message, session.backend.port, session.backend.host);
  });
  const frontend: Frontend = {
    ready: new Promise((resolve) => {
      socket.on('error', (error) => {
        frontend.error ??= error;
        resolve();
      });
      socket.bind({ address: host, port }, () => resolve());
    }),
    close: async () => {
      for (const client of [...sessions.keys()]) endSession(client);
      await new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve(); // never bound
        }
      });
    },
  };
  return frontend;
}
