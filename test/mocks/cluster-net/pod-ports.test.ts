/** The ports a simulated Pod listens on, from the Services selecting it, and which speak HTTP. */
import { describe, expect, it } from '@jest/globals';
import type { V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { podPortsFor, speaksHttp, targetPortOn } from '../../../mocks/cluster-net/pod-ports.js';

const pod: V1Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', ports: [{ name: 'metrics', containerPort: 9100 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] }] } };
const service = (...ports: V1ServicePort[]): V1Service => ({ spec: { ports } });

describe('cluster-net: Pod ports', () => {
  it('targets the targetPort, a named one through the container ports, else the Service port', () => {
    expect(targetPortOn(pod, { port: 80, targetPort: 8080 as never })).toBe(8080);
    expect(targetPortOn(pod, { port: 9000, targetPort: 'metrics' as never })).toBe(9100);
    expect(targetPortOn(pod, { port: 53, protocol: 'UDP', targetPort: 'dns' as never })).toBe(5353);
    expect(targetPortOn(pod, { port: 443 })).toBe(443);
    expect(targetPortOn(pod, { port: 7000, targetPort: 'nowhere' as never })).toBe(7000);
  });

  it('speaks HTTP on ports named http/web, with appProtocol http, or numbered 80/8080', () => {
    expect(speaksHttp({ name: 'http', port: 1234 }, 1234)).toBe(true);
    expect(speaksHttp({ name: 'web-admin', port: 1234 }, 1234)).toBe(true);
    expect(speaksHttp({ name: 'x', port: 1234, appProtocol: 'HTTP' }, 1234)).toBe(true);
    expect(speaksHttp({ name: 'x', port: 80 }, 9000)).toBe(true);
    expect(speaksHttp({ name: 'x', port: 9000 }, 8080)).toBe(true);
    expect(speaksHttp({ name: 'https', port: 443 }, 443)).toBe(false);
    expect(speaksHttp({ name: 'x', port: 9000 }, 9000)).toBe(false);
  });

  it('merges the ports of every selecting Service; HTTP wins on a shared port, UDP is never HTTP', () => {
    const ports = podPortsFor(pod, [
      service({ name: 'tcp', port: 9000, targetPort: 8080 as never }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' as never }),
      service({ name: 'plain', port: 8080 }, { name: 'http', port: 80, protocol: 'UDP' }, { name: 'sctp', port: 7, protocol: 'SCTP' }),
    ]);
    expect(ports).toEqual([{ port: 8080, protocol: 'TCP', http: true }, { port: 5353, protocol: 'UDP' }, { port: 80, protocol: 'UDP' }]);
  });
});
