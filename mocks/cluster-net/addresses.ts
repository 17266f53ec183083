/**
 * Where a simulated cluster address really listens. The sandbox's Nodes and Pods keep the addresses a real cluster
 * gives them (node InternalIPs 10.0.1.x, Pod IPs 172.16.x.y), so that the controller and the CLB see what they would
 * see in a VPC; their sockets listen on loopback instead, because every address in 127.0.0.0/8 is on `lo` without any
 * set-up and traffic must never leave the machine.
 *
 * Addresses: the first octet of a private address is dropped and 127 put in front:
 *   10.a.b.c → 127.a.b.c        (node InternalIPs: 10.0.1.11 → 127.0.1.11)
 *   172.16-31.b.c → 127.16-31.b.c  (Pod IPs: 172.16.0.5 → 127.16.0.5)
 *   192.168.b.c → 127.168.b.c
 * An address already in 127.0.0.0/8 is kept; any other address throws, so nothing binds or connects outside loopback.
 * The translation is one-way and can collide (10.16.0.5 and 172.16.0.5 both give 127.16.0.5): a simulated cluster
 * keeps its nodes in 10.0.x.x and its Pods in 172.16-31.x.x, which never meet.
 *
 * Ports: a port is bound as it is when this process may bind it (root, or a port at or above
 * /proc/sys/net/ipv4/ip_unprivileged_port_start — 1024 when that file cannot be read). A lower port, as an
 * unprivileged user, is bound at port + PRIVILEGED_PORT_OFFSET (80 → 10080): who connects uses `portFor` too.
 */
import { readFileSync } from 'node:fs';

/** What an unprivileged process adds to a port it may not bind. */
export const PRIVILEGED_PORT_OFFSET = 10_000;

/** What decides whether a port can be bound as it is. */
export interface BindContext {
  readonly root: boolean;
  /** The lowest port an unprivileged process may bind (ip_unprivileged_port_start). */
  readonly unprivilegedPortStart: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Is this an address of 127.0.0.0/8 (where every socket of the simulated cluster and its load balancers is)? */
export const isLoopback = (address: string): boolean => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);

/** The loopback address where the sockets of `clusterIp` (a node InternalIP or a Pod IP) listen. */
export function loopbackFor(clusterIp: string): string {
  const match = IPV4.exec(clusterIp);
  const octets = match?.slice(1).map(Number);
  if (!octets || octets.some((o) => o > 255)) throw new Error(`not an IPv4 address: "${clusterIp}"`);
  const [first, second] = octets as [number, number, number, number];
  const privateRange = first === 10 || (first === 172 && second >= 16 && second <= 31) || (first === 192 && second === 168);
  if (first !== 127 && !privateRange) {
    throw new Error(`${clusterIp} is neither a private cluster address (10/8, 172.16/12, 192.168/16) nor a loopback one: the simulated cluster only listens on 127.0.0.0/8`);
  }
  return `127.${octets.slice(1).join('.')}`;
}

let processContext: BindContext | undefined;

/** This process's context, read once. */
export function currentBindContext(): BindContext {
  if (!processContext) {
    let start = 1024;
    try {
      const value = Number.parseInt(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim(), 10);
      if (Number.isInteger(value) && value >= 0) start = value;
    } catch {
      // Not Linux, or no /proc: the classic limit.
    }
    processContext = { root: process.getuid?.() === 0, unprivilegedPortStart: start };
  }
  return processContext;
}

/** The port really bound for `port` (see the module comment). */
export function portFor(port: number, context: BindContext = currentBindContext()): number {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`not a port: ${port}`);
  return context.root || port >= context.unprivilegedPortStart ? port : port + PRIVILEGED_PORT_OFFSET;
}

/** One line for logs and reports saying how ports are mapped here, or undefined when every port is bound as it is. */
export function describePortMapping(context: BindContext = currentBindContext()): string | undefined {
  if (context.root || context.unprivilegedPortStart <= 1) return undefined;
  return `ports below ${context.unprivilegedPortStart} cannot be bound without root: port P listens on P+${PRIVILEGED_PORT_OFFSET}`;
}
