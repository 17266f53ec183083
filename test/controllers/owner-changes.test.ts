/** Which updates of a Service are worth a reconcile: what the reconcile reads, never the controller's own echoes. */
import { describe, expect, it } from '@jest/globals';
import type { V1Service } from '@kubernetes/client-node';
import { relevantChanges } from '../../src/controllers/owner-changes.js';

const FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
const base: V1Service = {
  metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '1', annotations: { team: 'a' }, finalizers: [FINALIZER] },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
};
const edit = (change: (s: V1Service) => V1Service) => change(structuredClone(base));

describe('relevantChanges', () => {
  it.each<[string, V1Service, boolean]>([
    ['status written by the controller', edit((s) => ({ ...s, metadata: { ...s.metadata, resourceVersion: '2' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } })), false],
    ['its read-only load-balancer-id annotation', edit((s) => ({ ...s, metadata: { ...s.metadata, annotations: { ...s.metadata!.annotations, 'service.kubernetes.io/loadbalance-id': 'lb-12345678' } } })), false],
    ['managedFields and resourceVersion only', edit((s) => ({ ...s, metadata: { ...s.metadata, resourceVersion: '3', managedFields: [{ manager: 'kubectl' }] } })), false],
    ['a finalizer someone else added', edit((s) => ({ ...s, metadata: { ...s.metadata, finalizers: [FINALIZER, 'example.com/other'] } })), false],
    ['a spec change', edit((s) => ({ ...s, spec: { ...s.spec, ports: [{ port: 443 }] } })), true],
    ['a user annotation', edit((s) => ({ ...s, metadata: { ...s.metadata, annotations: { team: 'b' } } })), true],
    ['a label', edit((s) => ({ ...s, metadata: { ...s.metadata, labels: { app: 'web' } } })), true],
    ['deletion started', edit((s) => ({ ...s, metadata: { ...s.metadata, deletionTimestamp: new Date('2026-12-04T00:00:00Z') } })), true],
    ['recreated under the same name (new uid)', edit((s) => ({ ...s, metadata: { ...s.metadata, uid: 'u2' } })), true],
    ['our finalizer taken off by someone else while the CLB is still wanted', edit((s) => ({ ...s, metadata: { ...s.metadata, finalizers: [] } })), true],
  ])('%s → reconcile: %s', (_name, updated, want) => {
    const changed = relevantChanges(['service.kubernetes.io/loadbalance-id'], { finalizer: FINALIZER, wants: (s: V1Service) => s.spec?.type === 'LoadBalancer' });
    expect(changed(base, 'add')).toBe(true);
    expect(changed(updated, 'update')).toBe(want);
  });

  it('a delete enqueues nothing (the finalizer held the object until its CLB was released)', () => {
    const changed = relevantChanges([]);
    changed(base, 'add');
    expect(changed(base, 'delete')).toBe(false);
    expect(changed(base, 'add')).toBe(true);
  });

  it('our finalizer removed as the Service stops wanting a CLB is the controller\'s own echo', () => {
    const changed = relevantChanges([], { finalizer: FINALIZER, wants: (s: V1Service) => s.spec?.type === 'LoadBalancer' });
    const clusterIp = edit((s) => ({ ...s, spec: { ...s.spec, type: 'ClusterIP' } }));
    changed(base, 'add');
    expect(changed(clusterIp, 'update')).toBe(true);
    expect(changed({ ...clusterIp, metadata: { ...clusterIp.metadata, finalizers: [] } }, 'update')).toBe(false);
  });
});
