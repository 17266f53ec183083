/**
 * Clients for the simulated cluster's sockets, by cluster address: `httpGet('10.0.1.11', 30000)` connects to
 * loopbackFor('10.0.1.11'):portFor(30000). One fresh connection per call (no keep-alive), a timeout on each, so
 * a test or a load loop counts every failure (refused, reset, timed out) as one rejected promise.
 */
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect } from 'node:net';
import { loopbackFor, portFor } from './addresses.js';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** The `x-pod` header: which Pod answered. */
  readonly pod: string | undefined;
}

/** Generous: on a loaded machine (test files in parallel on two cores) a loopback exchange can stall for a while. */
const DEFAULT_TIMEOUT_MS = 5000;

/** GET `path` from a cluster address and port. */
export function httpGet(ip: string, port: number, path = '/', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: loopbackFor(ip), port: portFor(port), path, agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), pod: res.headers['x-pod'] as string | undefined }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${ip}:${port} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Connects over TCP, sends `message` and half-closes; resolves with all that came back once the peer closes. */
export function tcpExchange(ip: string, port: number, message = '', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: loopbackFor(ip), port: portFor(port), timeout: timeoutMs });
    const chunks: Buffer[] = [];
    socket.on('connect', () => {
      if (!socket.writableEnded) socket.end(message);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('timeout', () => socket.destroy(new Error(`no answer from ${ip}:${port} within ${timeoutMs} ms`)));
    socket.on('error', reject);
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Sends one UDP datagram; resolves with the first answer. */
export function udpExchange(ip: string, port: number, message = 'ping', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const [host, realPort] = [loopbackFor(ip), portFor(port)];
    const socket = createSocket('udp4');
    const timer = setTimeout(() => finish(new Error(`no UDP answer from ${ip}:${port} within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const finish = (error?: Error, answer?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(answer ?? '');
    };
    socket.on('message', (answer) => finish(undefined, answer.toString('utf8')));
    socket.on('error', (error) => finish(error));
    // Bound on loopback, not the wildcard: nothing of the simulation listens outside 127.0.0.0/8.
    socket.bind(0, '127.0.0.1', () => socket.send(message, realPort, host));
  });
}
