/**
 * Node readiness grace in the pure builders: with the clock given as data (`now`), a node that went NotReady less
 * than the grace window ago stays bound and the result says when to build again; without it, nothing changes (the
 * goldens are built without a clock).
 */
import { describe, expect, it } from '@jest/globals';
import type { V1Ingress, V1Node, V1Service } from '@kubernetes/client-node';
import { buildIngressModel } from '../../src/ingress/build-ingress-model.js';
import { buildServiceModel } from '../../src/service/build-service-model.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const SETTINGS = { clusterId: 'cls-grace', vpcId: 'vpc-cluster1' };

function node(i: number, ready: { status: string; since?: number } = { status: 'True' }, labels: Record<string, string> = {}): V1Node {
  return {
    metadata: { name: `n${i}`, labels },
    spec: { providerID: `qcloud:///800002/ins-${String(i).padStart(8, '0')}` },
    status: { conditions: [{ type: 'Ready', status: ready.status, ...(ready.since !== undefined ? { lastTransitionTime: new Date(ready.since) } : {}) }] },
  };
}

const service: V1Service = {
  metadata: { name: 'web', namespace: 'default', uid: 'u-1' },
  spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'p0', port: 80, protocol: 'TCP', nodePort: 30080 }] },
};
const ingress: V1Ingress = {
  metadata: { name: 'shop', namespace: 'default', uid: 'u-2' },
  spec: { ingressClassName: 'qcloud', rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
};

function serviceTargets(nodes: V1Node[], clock: { now?: number; nodeReadyGraceMs?: number }) {
  const built = buildServiceModel({ service, nodes, endpointSlices: [], secrets: new Map(), subnets: new Map(), ...clock }, SETTINGS);
  if (!built.ok) throw new Error('did not build');
  return { targets: built.model.listeners[0]!.targets.map((t) => t.instanceId), recheckAt: built.recheckAt };
}

function ingressTargets(nodes: V1Node[], clock: { now?: number; nodeReadyGraceMs?: number }) {
  const built = buildIngressModel(
    { ingress, services: new Map([['web', { ...service, spec: { ...service.spec, type: 'NodePort' } }]]), endpointSlices: [], pods: new Map(), nodes, secrets: new Map(), subnets: new Map(), ...clock },
    { ...SETTINGS, defaultClass: false },
  );
  if (!built.ok) throw new Error('did not build');
  return { targets: built.model.listeners[0]!.rules[0]!.targets.map((t) => t.instanceId), recheckAt: built.recheckAt };
}

describe('node readiness grace', () => {
  it.each([
    { name: 'a Ready node', given: node(2), clock: { now: NOW }, bound: true, recheckAt: undefined },
    { name: 'NotReady 10 s ago (default 60 s grace)', given: node(2, { status: 'False', since: NOW - 10_000 }), clock: { now: NOW }, bound: true, recheckAt: NOW + 50_000 },
    { name: 'Unknown 10 s ago', given: node(2, { status: 'Unknown', since: NOW - 10_000 }), clock: { now: NOW }, bound: true, recheckAt: NOW + 50_000 },
    { name: 'NotReady 61 s ago', given: node(2, { status: 'False', since: NOW - 61_000 }), clock: { now: NOW }, bound: false, recheckAt: undefined },
    { name: 'NotReady 10 s ago, grace 5 s', given: node(2, { status: 'False', since: NOW - 10_000 }), clock: { now: NOW, nodeReadyGraceMs: 5_000 }, bound: false, recheckAt: undefined },
    { name: 'NotReady 10 s ago, no clock (the goldens)', given: node(2, { status: 'False', since: NOW - 10_000 }), clock: {}, bound: false, recheckAt: undefined },
    { name: 'NotReady without a transition time', given: node(2, { status: 'False' }), clock: { now: NOW }, bound: false, recheckAt: undefined },
    { name: 'NotReady 10 s ago but excluded', given: node(2, { status: 'False', since: NOW - 10_000 }, { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }), clock: { now: NOW }, bound: false, recheckAt: undefined },
  ])('$name: bound=$bound', ({ given, clock, bound, recheckAt }) => {
    const expected = bound ? ['ins-00000001', 'ins-00000002'] : ['ins-00000001'];
    expect(serviceTargets([node(1), given], clock)).toEqual({ targets: expected, recheckAt });
    expect(ingressTargets([node(1), given], clock)).toEqual({ targets: expected, recheckAt });
  });
});
