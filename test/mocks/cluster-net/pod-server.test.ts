/** A Pod server answers HTTP, TCP and UDP with its name on the loopback translation of its Pod IP. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { loopbackFor, portFor } from '../../../mocks/cluster-net/addresses.js';
import { startPodServer, type PodServer } from '../../../mocks/cluster-net/pod-server.js';
import { httpGet, tcpExchange, udpExchange } from '../../../mocks/cluster-net/probes.js';
import { waitFor } from '../kube/support.js';

// This file's Pod IPs (172.17.x.x): test files run in parallel and must not share addresses.
const IP = '172.17.0.11';

describe('cluster-net: Pod server', () => {
  let pod: PodServer | undefined;
  const sockets: Socket[] = [];
  const start = async (ports: Parameters<typeof startPodServer>[0]['ports']) => (pod = await startPodServer({ name: 'web-a', ip: IP, ports }));

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await pod?.stop();
    pod = undefined;
  });

  it('answers every HTTP request with its name, and /healthz until it is terminating', async () => {
    const server = await start([{ port: 80, protocol: 'TCP', http: true }]);
    expect(server.address).toBe('127.17.0.11');
    expect(await httpGet(IP, 80, '/any/path')).toEqual({ status: 200, body: 'web-a\n', pod: 'web-a' });
    expect(await httpGet(IP, 80, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    server.terminating();
    expect(server.isTerminating).toBe(true);
    expect(await httpGet(IP, 80, '/healthz')).toMatchObject({ status: 503, pod: 'web-a' });
    expect(await httpGet(IP, 80, '/')).toEqual({ status: 200, body: 'web-a\n', pod: 'web-a' });
    expect(server.served()).toBe(4);
  });

  it('greets and echoes on a plain TCP port, answers UDP datagrams with its name', async () => {
    await start([{ port: 9000, protocol: 'TCP' }, { port: 5353, protocol: 'UDP' }]);
    expect(await tcpExchange(IP, 9000, 'hello')).toBe('web-a\nhello');
    expect(await udpExchange(IP, 5353, 'query')).toBe('web-a\n');
  });

  it('opens the ports added later, keeps those it has', async () => {
    const server = await start([{ port: 9000, protocol: 'TCP' }]);
    await server.addPorts([{ port: 9000, protocol: 'TCP' }, { port: 8080, protocol: 'TCP', http: true }]);
    expect(server.ports.map((p) => `${p.protocol}/${p.port}`)).toEqual(['TCP/9000', 'TCP/8080']);
    expect((await httpGet(IP, 8080)).pod).toBe('web-a');
  });

  it('stop() closes the listeners and destroys open connections: the Pod is gone', async () => {
    const server = await start([{ port: 9000, protocol: 'TCP' }]);
    const open = connect({ host: loopbackFor(IP), port: portFor(9000) });
    sockets.push(open);
    open.on('error', () => undefined);
    open.resume();
    const closed = new Promise((resolve) => open.once('close', resolve));
    await waitFor(() => server.connections() === 1, 'the connection', 5_000);
    await server.stop();
    expect(server.closed).toBe(true);
    await closed;
    await expect(tcpExchange(IP, 9000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses an address outside loopback and fails clearly on a port taken', async () => {
    await expect(startPodServer({ name: 'x', ip: '8.8.8.8', ports: [] })).rejects.toThrow(/127\.0\.0\.0\/8/);
    await start([{ port: 9000, protocol: 'TCP' }]);
    await expect(startPodServer({ name: 'twin', ip: IP, ports: [{ port: 9000, protocol: 'TCP' }] })).rejects.toThrow(/Pod twin cannot listen on 127\.17\.0\.11:9000\/TCP: .*EADDRINUSE/);
  });
});
