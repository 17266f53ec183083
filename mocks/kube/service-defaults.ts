/**
 * What the real API server fills in on a Service: type, session affinity, IP families, port protocol
 * and targetPort defaults, a cluster IP, and node ports for NodePort / LoadBalancer Services (kept
 * across updates that omit them, released when the type no longer needs them). Allocation is
 * deterministic (the lowest free address / port), so tests can predict it.
 */
import type { FieldCause } from './errors.js';
import { isObj, type Obj } from './types.js';

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

const specOf = (svc: Obj): Obj => (isObj(svc.spec) ? svc.spec : (svc.spec = {}));
const portsOf = (spec: Obj): Obj[] => (Array.isArray(spec.ports) ? spec.ports.filter(isObj) : []);

/** What is taken: a set to ask and (for this write only) to add to. */
interface Taken<T> {
  has(value: T): boolean;
  add(value: T): unknown;
}

/**
 * The node ports and cluster IPs the stored Services hold, kept by the store at every commit — so a Service's write
 * allocates without scanning every other Service (the fake API stays linear with thousands of Services).
 */
export class ServiceAllocations {
  // Counted: a value two Services were given explicitly stays taken until both let it go.
  private readonly nodePorts = new Map<number, number>();
  private readonly clusterIPs = new Map<string, number>();

  /** After a commit: `previous` (if any) gives back what it held, `next` (if any) takes what it holds. */
  record(previous: Obj | undefined, next: Obj | undefined): void {
    const give = <T>(map: Map<T, number>) => (v: T) => {
      const n = (map.get(v) ?? 0) - 1;
      if (n > 0) map.set(v, n);
      else map.delete(v);
    };
    const take = <T>(map: Map<T, number>) => (v: T) => map.set(v, (map.get(v) ?? 0) + 1);
    if (previous) this.each(previous, give(this.nodePorts), give(this.clusterIPs));
    if (next) this.each(next, take(this.nodePorts), take(this.clusterIPs));
  }

  private each(svc: Obj, port: (p: number) => void, ip: (ip: string) => void): void {
    const spec = isObj(svc.spec) ? svc.spec : {};
    for (const p of portsOf(spec)) if (typeof p.nodePort === 'number') port(p.nodePort);
    if (typeof spec.healthCheckNodePort === 'number') port(spec.healthCheckNodePort);
    if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') ip(spec.clusterIP);
  }

  /** What one write sees as taken: the stored ones, plus what it allocates itself (not kept if the write fails). */
  forWrite(): { nodePorts: Taken<number>; clusterIPs: Taken<string> } {
    const overlay = <T>(base: Map<T, number>): Taken<T> => {
      const mine = new Set<T>();
      return { has: (v) => base.has(v) || mine.has(v), add: (v) => mine.add(v) };
    };
    return { nodePorts: overlay(this.nodePorts), clusterIPs: overlay(this.clusterIPs) };
  }
}

function allocateNodePort(used: Taken<number>): number | undefined {
  for (let p = NODE_PORT_RANGE.min; p <= NODE_PORT_RANGE.max; p++) {
    if (!used.has(p)) {
      used.add(p);
      return p;
    }
  }
  return undefined;
}

function allocateClusterIP(used: Taken<string>): string {
  for (let i = 10; i < 65535; i++) {
    const ip = `10.96.${i >> 8}.${i & 255}`;
    if (!used.has(ip)) return ip;
  }
  return '10.96.255.254';
}

function defaultClusterIP(spec: Obj, old: Obj | undefined, taken: Taken<string>, causes: FieldCause[]): void {
  const oldIP = old && old.type !== 'ExternalName' ? old.clusterIP : undefined;
  if (typeof oldIP === 'string' && oldIP !== '') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      spec.clusterIP = oldIP;
      spec.clusterIPs = old?.clusterIPs ?? [oldIP];
    } else if (spec.clusterIP !== oldIP) {
      causes.push({ field: 'spec.clusterIPs[0]', message: 'Invalid value: field is immutable' });
    }
  }
  if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = allocateClusterIP(taken);
  spec.clusterIPs ??= [spec.clusterIP];
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  spec.internalTrafficPolicy ??= 'Cluster';
}

function defaultNodePorts(spec: Obj, old: Obj | undefined, used: Taken<number>, causes: FieldCause[]): void {
  const type = spec.type;
  const needsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  const oldPorts = old ? portsOf(old) : [];
  portsOf(spec).forEach((port, i) => {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      delete port.nodePort;
      return;
    }
    if (typeof port.nodePort === 'number' && port.nodePort !== 0) {
      const ownedBefore = oldPorts.some((p) => p.nodePort === port.nodePort);
      if (port.nodePort < NODE_PORT_RANGE.min || port.nodePort > NODE_PORT_RANGE.max) {
        causes.push({ field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${port.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}` });
      } else if (used.has(port.nodePort) && !ownedBefore) {
        causes.push({ field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${port.nodePort}: provided port is already allocated` });
      }
      used.add(port.nodePort);
      return;
    }
    if (!needsNodePorts) return;
    const previous = oldPorts.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === port.protocol);
    port.nodePort = typeof previous?.nodePort === 'number' ? previous.nodePort : allocateNodePort(used);
  });
}

function defaultHealthCheckNodePort(spec: Obj, old: Obj | undefined, used: Taken<number>): void {
  if (spec.type !== 'LoadBalancer' || spec.externalTrafficPolicy !== 'Local') {
    delete spec.healthCheckNodePort;
    return;
  }
  if (typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort !== 0) return;
  spec.healthCheckNodePort = typeof old?.healthCheckNodePort === 'number' ? old.healthCheckNodePort : allocateNodePort(used);
}

/**
 * Fills in a Service's defaults and allocations in place. `previous` is the stored Service on update;
 * `taken` is what the stored Services hold (ServiceAllocations.forWrite). Returns validation causes.
 */
export function defaultService(svc: Obj, previous: Obj | undefined, taken: ReturnType<ServiceAllocations['forWrite']>): FieldCause[] {
  const causes: FieldCause[] = [];
  const spec = specOf(svc);
  const old = previous ? specOf(previous) : undefined;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') defaultClusterIP(spec, old, taken.clusterIPs, causes);
  for (const port of portsOf(spec)) {
    port.protocol ??= 'TCP';
    port.targetPort ??= port.port;
  }
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  else delete spec.externalTrafficPolicy;
  defaultNodePorts(spec, old, taken.nodePorts, causes);
  defaultHealthCheckNodePort(spec, old, taken.nodePorts);
  return causes;
}
