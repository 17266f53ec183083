/**
 * What the config reader refuses before any write, by listener protocol, as the CLB API would: each case is a
 * Warning naming the field, and that listener or rule keeps all its settings.
 */
import { describe, expect, it } from '@jest/globals';
import { parseTkeServiceConfig } from '../../src/tke-service-config/tke-service-config.js';

const l4 = (entry: object) => parseTkeServiceConfig({ metadata: { name: 'c', namespace: 'default' }, spec: { loadBalancer: { l4Listeners: [entry] } } });
const l7 = (protocol: string, rule: object) => parseTkeServiceConfig({ metadata: { name: 'c', namespace: 'default' }, spec: { loadBalancer: { l7Listeners: [{ protocol, port: 443, domains: [{ domain: 'a.com', rules: [{ url: '/', ...rule }] }] }] } } });

describe('the TkeServiceConfig reader refuses what the CLB would', () => {
  it.each<[string, object, string]>([
    ['PING on a TCP listener (TCP, HTTP, CUSTOM)', { protocol: 'TCP', port: 80, healthCheck: { checkType: 'PING' } }, 'healthCheck.checkType'],
    ['TCP on a UDP listener (PING, CUSTOM)', { protocol: 'UDP', port: 53, healthCheck: { checkType: 'TCP' } }, 'healthCheck.checkType'],
    ['an HTTP check on TCP without httpVersion', { protocol: 'TCP', port: 80, healthCheck: { checkType: 'HTTP', httpCheckDomain: 'a.com' } }, 'healthCheck.httpVersion'],
    ['an HTTP check on TCP without httpCheckDomain', { protocol: 'TCP', port: 80, healthCheck: { checkType: 'HTTP', httpVersion: 'HTTP/1.1' } }, 'healthCheck.httpCheckDomain'],
    ['httpVersion on TCP_SSL (TCP listeners only)', { protocol: 'TCP_SSL', port: 443, healthCheck: { checkType: 'TCP', httpVersion: 'HTTP/1.1' } }, 'healthCheck.httpVersion'],
    ['an HTTP field on UDP (never an HTTP check)', { protocol: 'UDP', port: 53, healthCheck: { httpCheckPath: '/x' } }, 'healthCheck.httpCheckPath'],
    ['checkPort on QUIC (TCP and UDP only)', { protocol: 'QUIC', port: 443, healthCheck: { checkPort: 8080 } }, 'healthCheck.checkPort'],
    ['a CUSTOM check without its contexts', { protocol: 'TCP', port: 80, healthCheck: { checkType: 'CUSTOM', contextType: 'TEXT' } }, 'healthCheck.sendContext'],
    ['a HEX context of odd length', { protocol: 'UDP', port: 53, healthCheck: { checkType: 'CUSTOM', contextType: 'HEX', sendContext: 'ABC', recvContext: 'AB' } }, 'healthCheck.sendContext'],
  ])('layer 4: %s', (_name, entry, field) => {
    const { settings, problems } = l4(entry);
    expect(problems.map((p) => p.field)).toContain(`TkeServiceConfig default/c: spec.loadBalancer.l4Listeners[0].${field}`);
    expect(settings.l4.size).toBe(0);
    expect(settings.refused.size).toBe(1);
  });

  it.each<[string, string, object, string]>([
    ['forwardType HTTPS on an HTTP listener', 'HTTP', { forwardType: 'HTTPS' }, 'forwardType'],
    ['checkType HTTPS on an HTTP listener\'s rule (HTTP, GRPC)', 'HTTP', { healthCheck: { checkType: 'HTTPS' } }, 'healthCheck.checkType'],
    ['checkPort on a rule (listeners only)', 'HTTPS', { healthCheck: { checkPort: 8080 } }, 'healthCheck.checkPort'],
  ])('layer 7: %s', (_name, protocol, rule, field) => {
    const { problems, settings } = l7(protocol, rule);
    expect(problems.map((p) => p.field)).toContain(`TkeServiceConfig default/c: spec.loadBalancer.l7Listeners[0].domains[0].rules[0].${field}`);
    expect([...settings.refused]).toEqual([`${protocol}:443|a.com/`]);
  });

  it('a health check without enable leaves the switch as it is; with the fields CLB takes, nothing is refused', () => {
    const { settings, problems } = l4({ protocol: 'TCP', port: 80, healthCheck: { intervalTime: 10, checkType: 'HTTP', httpCheckDomain: 'a.com', httpVersion: 'HTTP/1.0' } });
    expect(problems).toEqual([]);
    expect(settings.l4.get('TCP:80')?.healthCheck).toEqual({ intervalSeconds: 10, checkType: 'HTTP', httpCheckDomain: 'a.com', httpVersion: 'HTTP/1.0' });
  });
});
