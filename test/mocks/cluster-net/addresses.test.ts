/** Cluster addresses and ports → where the simulated cluster's sockets really listen. */
import { describe, expect, it } from '@jest/globals';
import { describePortMapping, loopbackFor, portFor, PRIVILEGED_PORT_OFFSET } from '../../../mocks/cluster-net/addresses.js';

describe('cluster-net addresses', () => {
  it('drops the first octet of a private address and puts 127 in front', () => {
    expect(loopbackFor('10.0.1.11')).toBe('127.0.1.11');
    expect(loopbackFor('172.16.0.5')).toBe('127.16.0.5');
    expect(loopbackFor('172.31.255.254')).toBe('127.31.255.254');
    expect(loopbackFor('192.168.3.4')).toBe('127.168.3.4');
  });

  it('keeps a loopback address and refuses anything that is neither private nor loopback', () => {
    expect(loopbackFor('127.0.113.5')).toBe('127.0.113.5');
    for (const bad of ['8.8.8.8', '172.32.0.1', '172.15.0.1', '192.169.0.1', '0.0.0.0', '10.0.0.256', 'node-1', '::1', '']) {
      expect(() => loopbackFor(bad)).toThrow(/127\.0\.0\.0\/8|not an IPv4 address/);
    }
  });

  it('binds a port as it is when allowed, else at port + 10000', () => {
    const unprivileged = { root: false, unprivilegedPortStart: 1024 };
    expect(portFor(80, unprivileged)).toBe(80 + PRIVILEGED_PORT_OFFSET);
    expect(portFor(1024, unprivileged)).toBe(1024);
    expect(portFor(30000, unprivileged)).toBe(30000);
    expect(portFor(80, { root: true, unprivilegedPortStart: 1024 })).toBe(80);
    expect(portFor(80, { root: false, unprivilegedPortStart: 0 })).toBe(80);
    expect(() => portFor(0)).toThrow(/not a port/);
    expect(() => portFor(70000)).toThrow(/not a port/);
  });

  it('says how ports are mapped, only when they are', () => {
    expect(describePortMapping({ root: false, unprivilegedPortStart: 1024 })).toBe('ports below 1024 cannot be bound without root: port P listens on P+10000');
    expect(describePortMapping({ root: true, unprivilegedPortStart: 1024 })).toBeUndefined();
    expect(describePortMapping({ root: false, unprivilegedPortStart: 0 })).toBeUndefined();
  });
});
