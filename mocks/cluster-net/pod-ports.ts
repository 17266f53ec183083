/**
 * Which ports a simulated Pod listens on, and which of them speak HTTP. Example workloads rarely declare their
 * container ports, so the ports come from the Services selecting the Pod: each Service port's target port on the Pod
 * (`targetPortOn`, which the simulated EndpointSlices use too) with its protocol.
 *
 * HTTP or plain TCP: a TCP port speaks HTTP when its Service port says so by name (`http`, `web`, `http-…`, `web-…`),
 * by `appProtocol: http`, or by number (port or targetPort 80 or 8080); any other TCP port greets and echoes.
 */
import type { V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { PodPort } from './pod-server.js';

const HTTP_NAMES = /^(http|web)(-.*)?$/i;
const HTTP_PORTS = new Set([80, 8080]);

/** Whether a TCP Service port (going to `targetPort` on the Pod) speaks HTTP. */
export function speaksHttp(servicePort: V1ServicePort, targetPort: number): boolean {
  return HTTP_NAMES.test(servicePort.name ?? '') || servicePort.appProtocol?.toLowerCase() === 'http' || HTTP_PORTS.has(servicePort.port) || HTTP_PORTS.has(targetPort);
}

/**
 * The port on the Pod a Service port goes to: a numeric targetPort, a named one through the Pod's container ports —
 * or, leniently, the Service port itself (unset targetPort; a name no container port has, where a real cluster would
 * leave the Pod out: example workloads rarely declare their ports).
 */
export function targetPortOn(pod: V1Pod | undefined, servicePort: V1ServicePort): number {
  const target = servicePort.targetPort;
  if (typeof target === 'number') return target;
  const named = pod?.spec?.containers?.flatMap((c) => c.ports ?? []).find((p) => p.name === target && (p.protocol ?? 'TCP') === (servicePort.protocol ?? 'TCP'));
  return named?.containerPort ?? servicePort.port;
}

/** The ports `pod` listens on for the Services that select it (HTTP wins where two Services share a port). */
export function podPortsFor(pod: V1Pod, selectingServices: readonly V1Service[]): PodPort[] {
  const ports = new Map<string, PodPort>();
  for (const servicePort of selectingServices.flatMap((s) => s.spec?.ports ?? [])) {
    const protocol = servicePort.protocol ?? 'TCP';
    const port = targetPortOn(pod, servicePort);
    if (protocol !== 'TCP' && protocol !== 'UDP') continue;
    const key = `${protocol}/${port}`;
    const http = protocol === 'TCP' && (speaksHttp(servicePort, port) || ports.get(key)?.http === true);
    ports.set(key, { port, protocol, ...(http ? { http } : {}) });
  }
  return [...ports.values()];
}
