/**
 * The informers' indexes (client-go's Indexer): a reconcile reads its own Service's EndpointSlices from an index
 * kept at every add, update and delete — and a relist that drops an object drops it from the index too.
 */
import { describe, expect, it } from '@jest/globals';
import type { Informer, KubernetesObject, ObjectCache, V1EndpointSlice } from '@kubernetes/client-node';
import { SLICES_BY_POD, SLICES_BY_SERVICE, endpointSlicesOf, servicesOfPod, slicePodKeys, sliceServiceKeys, storeOf } from '../../src/kube/cluster-view.js';
import { ResilientInformer } from '../../src/runtime/informer.js';
import { silentLogger } from '../../src/runtime/logger.js';

/** An informer as client-node's: a cache, and add/update/delete events after each change of it. */
function fakeInformer<T extends KubernetesObject>() {
  const objects = new Map<string, T>();
  const handlers = new Map<string, ((o: T) => void)[]>();
  const key = (o: T) => `${o.metadata?.namespace}/${o.metadata?.name}`;
  const emit = (kind: string, o: T) => (handlers.get(kind) ?? []).forEach((h) => h(o));
  const informer = {
    on: (kind: string, h: (o: T) => void) => handlers.set(kind, [...(handlers.get(kind) ?? []), h]),
    off: () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    list: (ns?: string) => [...objects.values()].filter((o) => !ns || o.metadata?.namespace === ns),
    get: (name: string, ns?: string) => objects.get(`${ns}/${name}`),
  } as unknown as Informer<T> & ObjectCache<T>;
  return {
    informer,
    add: (o: T) => (objects.set(key(o), o), emit('add', o)),
    update: (o: T) => (objects.set(key(o), o), emit('update', o)),
    remove: (o: T) => (objects.delete(key(o)), emit('delete', o)),
  };
}

const slice = (name: string, service: string, pods: string[], namespace = 'default'): V1EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
  endpoints: pods.map((pod, i) => ({ addresses: [`172.16.0.${i + 1}`], targetRef: { kind: 'Pod', name: pod, namespace } })),
});

describe('informer indexes', () => {
  function informerWithIndexes() {
    const fake = fakeInformer<V1EndpointSlice>();
    const informer = new ResilientInformer(fake.informer, { name: 'endpointslices', logger: silentLogger() });
    informer.addIndex(SLICES_BY_SERVICE, sliceServiceKeys);
    informer.addIndex(SLICES_BY_POD, slicePodKeys);
    return { fake, view: { endpointSlices: informer } };
  }

  it('a Service\'s slices, and a Pod\'s Services, follow adds, updates (a slice moving to another Service) and deletes', () => {
    const { fake, view } = informerWithIndexes();
    fake.add(slice('web-a', 'web', ['web-0', 'web-1']));
    fake.add(slice('web-b', 'web', ['web-2']));
    fake.add(slice('api-a', 'api', ['api-0']));
    fake.add(slice('web-a', 'web', ['web-9'], 'other')); // same names, another namespace
    expect(endpointSlicesOf(view, 'default', 'web').map((s) => s.metadata?.name).sort()).toEqual(['web-a', 'web-b']);
    expect(servicesOfPod(view, { metadata: { name: 'web-2', namespace: 'default' } })).toEqual(['web']);

    fake.update(slice('web-b', 'api', ['web-2']));
    expect(endpointSlicesOf(view, 'default', 'web').map((s) => s.metadata?.name)).toEqual(['web-a']);
    expect(servicesOfPod(view, { metadata: { name: 'web-2', namespace: 'default' } })).toEqual(['api']);

    fake.remove(slice('web-a', 'web', ['web-0', 'web-1']));
    expect(endpointSlicesOf(view, 'default', 'web')).toEqual([]);
    expect(servicesOfPod(view, { metadata: { name: 'web-0', namespace: 'default' } })).toEqual([]);
    expect(endpointSlicesOf(view, 'other', 'web').map((s) => s.metadata?.name)).toEqual(['web-a']);
  });

  it('an index added to a filled cache starts with what the cache has', () => {
    const fake = fakeInformer<V1EndpointSlice>();
    fake.add(slice('web-a', 'web', []));
    const informer = new ResilientInformer(fake.informer, { name: 'endpointslices', logger: silentLogger() });
    informer.addIndex(SLICES_BY_SERVICE, sliceServiceKeys);
    expect(informer.byIndex(SLICES_BY_SERVICE, 'default/web').map((s) => s.metadata?.name)).toEqual(['web-a']);
  });

  it('a plain store (plan, goldens) answers the same by filtering', () => {
    const slices = [slice('web-a', 'web', ['web-0']), slice('api-a', 'api', ['api-0'])];
    const view = { endpointSlices: storeOf(() => slices) };
    expect(endpointSlicesOf(view, 'default', 'web').map((s) => s.metadata?.name)).toEqual(['web-a']);
    expect(servicesOfPod(view, { metadata: { name: 'api-0', namespace: 'default' } })).toEqual(['api']);
  });
});
