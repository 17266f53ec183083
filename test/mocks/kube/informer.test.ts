/** The real client-node informer (makeInformer) against the fake: events, relists after 410, reconnects, faults. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ApiException, CoreV1Api, makeInformer, type Informer, type ObjectCache, type V1Service } from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../../mocks/kube/index.js';
import { apiError, service, waitFor } from './support.js';

type ServiceInformer = Informer<V1Service> & ObjectCache<V1Service>;

describe('fake kube API: client-node informers', () => {
  let kube: FakeKube;
  let core: CoreV1Api;
  let informer: ServiceInformer | undefined;
  let events: string[];
  let errors: unknown[];

  const startInformer = async (path = '/api/v1/namespaces/default/services') => {
    const kc = kube.kubeConfig();
    informer = makeInformer(kc, path, () => core.listNamespacedService({ namespace: 'default' }));
    // This test's arrays: stop() during the reconnect backoff does not prevent one more watch, so a
    // stopped informer may still call back later.
    const [seen, failures] = [events, errors];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    informer.on('error', (e) => failures.push(e));
    await informer.start();
    await kube.watches.waitFor('services');
    return informer;
  };
  const names = () => (informer?.list('default') ?? []).map((s) => s.metadata?.name).sort();

  beforeEach(async () => {
    kube = await startFakeKube({ seed: [service('a'), service('b')] });
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
    events = [];
    errors = [];
  });
  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
    await kube.close();
  });

  it('lists, then receives add / update / delete over the watch', async () => {
    await startInformer();
    expect(events).toEqual(['add a', 'add b']);
    const [list, watch] = kube.requests.all({ resource: 'services' });
    expect(list).toMatchObject({ verb: 'list', query: {} });
    expect(watch).toMatchObject({ verb: 'watch', query: { watch: 'true', resourceVersion: kube.state.resourceVersion() } });

    await core.createNamespacedService({ namespace: 'default', body: service('c') });
    await core.patchNamespacedService({ name: 'a', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }] });
    await core.deleteNamespacedService({ name: 'b', namespace: 'default' });
    await waitFor(() => events.length === 5, 'three watch events');
    expect(events.slice(2)).toEqual(['add c', 'update a', 'delete b']);
    expect(informer?.get('a', 'default')?.metadata?.labels).toEqual({ x: 'y' });
    expect(names()).toEqual(['a', 'c']);
  });

  it('relists after its watch gets 410 Gone (history compacted) and converges', async () => {
    await startInformer();
    kube.faults.dropWatches('end');
    // While the watch is down: changes, then the history that would have replayed them is compacted.
    kube.state.delete('services', 'default/b');
    kube.state.seed(service('c'));
    kube.state.patch('services', 'default/a', { metadata: { labels: { v: '2' } } });
    kube.faults.compactHistory();

    await waitFor(() => kube.requests.count({ verb: 'list' }) === 2, 'a relist');
    await waitFor(() => names().join() === 'a,c', 'the cache to converge');
    expect(events.slice(2).sort()).toEqual(['add c', 'delete b', 'update a']);
    expect(errors).toEqual([]);
  });

  it('relists after an injected HTTP 410 on the next watch', async () => {
    await startInformer();
    kube.faults.expireNextWatches(1, { as: 'http' });
    kube.faults.dropWatches('end');
    kube.state.delete('services', 'default/a');
    await waitFor(() => names().join() === 'b', 'the cache to converge');
    expect(kube.requests.all({ verb: 'watch' }).map((r) => r.status)).toEqual([200, 410]);
    expect(kube.requests.count({ verb: 'list' })).toBe(2);
  });

  it('relists when open watches are ended with a 410 ERROR event', async () => {
    await startInformer();
    kube.faults.dropWatches('expire');
    kube.state.seed(service('c'));
    await waitFor(() => names().join() === 'a,b,c', 'the cache to converge');
    expect(kube.requests.count({ verb: 'list' })).toBe(2);
    expect(errors).toEqual([]);
  });

  it('reconnects by itself after its watch stream ends, resuming from its resourceVersion', async () => {
    await startInformer();
    expect(kube.faults.dropWatches('end')).toBe(1);
    kube.state.seed(service('while-down'));
    await kube.watches.waitFor('services');
    await waitFor(() => events.includes('add while-down'), 'the missed event to be replayed');
    await core.createNamespacedService({ namespace: 'default', body: service('after') });
    await waitFor(() => events.includes('add after'), 'an event on the new watch');
    expect(kube.requests.count({ verb: 'list' })).toBe(1);
    expect(errors).toEqual([]);
  });

  it('stops for good after a dropped connection (reset mid-stream) and reports it once on `error`', async () => {
    await startInformer();
    kube.faults.dropWatches('destroy');
    await waitFor(() => errors.length > 0, 'an error callback');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(kube.watches.list('services')).toEqual([]);
    expect(kube.requests.count({ verb: 'watch' })).toBe(1);
  });

  it('stops for good when a watch is answered with 500 (the controller must restart it)', async () => {
    kube.faults.failNext(1, { verb: 'watch' });
    informer = makeInformer(kube.kubeConfig(), '/api/v1/namespaces/default/services', () => core.listNamespacedService({ namespace: 'default' }));
    const failures = errors;
    informer.on('error', (e) => failures.push(e));
    await informer.start();
    await waitFor(() => errors.length === 1, 'the error callback');
    expect(errors[0]).toMatchObject({ statusCode: 500 });
  });

  it('makes a burst of 500s observable to the client, then recovers', async () => {
    kube.faults.failNext(2, { verb: 'list', resource: 'services' });
    expect(await apiError(core.listNamespacedService({ namespace: 'default' }))).toMatchObject({ code: 500, status: { reason: 'InternalError' } });
    expect((await apiError(core.listServiceForAllNamespaces())).code).toBe(500);
    expect((await core.listNamespacedService({ namespace: 'default' })).items).toHaveLength(2);
    expect(kube.requests.all({ verb: 'list' }).map((r) => r.status)).toEqual([500, 500, 200]);

    kube.faults.failNext(1, { method: 'GET', status: 429, retryAfterSeconds: 1 });
    const throttled = await core.readNamespacedService({ name: 'a', namespace: 'default' }).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(ApiException);
    expect((throttled as ApiException<string>).headers['retry-after']).toBe('1');
  });

  it('reports a failing initial list on `error` and does not retry it itself', async () => {
    kube.faults.failNext(1, { verb: 'list' });
    informer = makeInformer(kube.kubeConfig(), '/api/v1/namespaces/default/services', () => core.listNamespacedService({ namespace: 'default' }));
    const failures = errors;
    informer.on('error', (e) => failures.push(e));
    await informer.start();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ApiException);
    expect(kube.requests.count({ verb: 'watch' })).toBe(0);
  });

  it('adds latency to matching requests', async () => {
    kube.faults.addLatency(150, { verb: 'get' });
    const started = Date.now();
    await core.readNamespacedService({ name: 'a', namespace: 'default' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const quick = Date.now();
    await core.listNamespacedService({ namespace: 'default' });
    expect(Date.now() - quick).toBeLessThan(140);
  });
});
