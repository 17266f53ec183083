/** Watch streams through client-node's own `Watch`: replay, 410 for too-old versions, bookmarks, timeouts, selectors. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../../mocks/kube/index.js';
import { apiError, pod, service, waitFor } from './support.js';

interface Seen {
  readonly type: string;
  readonly name: string;
  readonly rv: string;
  readonly code?: number;
}

describe('fake kube API: watch streams', () => {
  let kube: FakeKube;
  let aborts: AbortController[];

  /** Opens a watch; `seen` fills as events arrive, `ended` resolves with the done callback's argument. */
  async function watch(path: string, query: Record<string, string | number | boolean>) {
    const seen: Seen[] = [];
    let ended: ((err: unknown) => void) | undefined;
    const done = new Promise<unknown>((resolve) => (ended = resolve));
    const controller = await new Watch(kube.kubeConfig()).watch(path, query, (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      seen.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '', ...(obj.code !== undefined ? { code: obj.code } : {}) });
    }, (err) => ended?.(err));
    aborts.push(controller);
    return { seen, done };
  }

  beforeEach(async () => {
    kube = await startFakeKube({ historySize: 5, bookmarkIntervalMs: 40 });
    aborts = [];
  });
  afterEach(async () => {
    aborts.forEach((c) => c.abort());
    await kube.close();
  });

  it('starts with synthetic ADDED events without a resourceVersion, and replays history after one', async () => {
    const [a] = kube.state.seed(service('a'), service('b'));
    const rvAfterA = a?.metadata?.resourceVersion ?? '';
    const fresh = await watch('/api/v1/namespaces/default/services', {});
    await waitFor(() => fresh.seen.length === 2, 'initial events');
    expect(fresh.seen.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a', 'ADDED b']);

    const resumed = await watch('/api/v1/services', { resourceVersion: rvAfterA });
    kube.state.patch('services', 'default/a', { metadata: { labels: { x: '1' } } });
    await waitFor(() => resumed.seen.length === 2, 'replayed and live events');
    expect(resumed.seen.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED b', 'MODIFIED a']);
    expect(Number(resumed.seen[1]?.rv)).toBe(Number(kube.state.resourceVersion()));
  });

  it('answers a version older than the kept history with an ERROR event carrying a 410 Expired Status', async () => {
    const start = kube.state.resourceVersion();
    for (let i = 0; i < 6; i++) kube.state.seed(service(`s${i}`));
    const old = await watch('/api/v1/namespaces/default/services', { resourceVersion: start });
    expect(await old.done).toBeNull();
    expect(old.seen).toEqual([{ type: 'ERROR', name: '', rv: '', code: 410 }]);
  });

  it('sends periodic BOOKMARKs when asked, with the current resourceVersion', async () => {
    const marked = await watch('/api/v1/namespaces/default/services', { allowWatchBookmarks: true, resourceVersion: kube.state.resourceVersion() });
    const plain = await watch('/api/v1/namespaces/default/services', { resourceVersion: kube.state.resourceVersion() });
    kube.state.seed(service('a'));
    await waitFor(() => marked.seen.filter((e) => e.type === 'BOOKMARK').length >= 2, 'two bookmarks');
    expect(marked.seen.at(-1)).toEqual({ type: 'BOOKMARK', name: '', rv: kube.state.resourceVersion() });
    expect(plain.seen.map((e) => e.type)).toEqual(['ADDED']);
  });

  it('streams a list with sendInitialEvents, ending it with an annotated BOOKMARK', async () => {
    kube.state.seed(service('a'));
    const streamed = await watch('/api/v1/namespaces/default/services', { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' });
    await waitFor(() => streamed.seen.length >= 2, 'initial events and bookmark');
    expect(streamed.seen.slice(0, 2).map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
  });

  it('ends the stream after timeoutSeconds', async () => {
    const started = Date.now();
    const timed = await watch('/api/v1/namespaces/default/services', { timeoutSeconds: 1 });
    expect(await timed.done).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(kube.watches.list()).toEqual([]);
  });

  it('applies selectors to events: leaving the selection is DELETED, entering it is ADDED', async () => {
    kube.state.seed(service('a', { labels: { app: 'web' } }));
    const selected = await watch('/api/v1/namespaces/default/services', { labelSelector: 'app in (web),tier!=db', resourceVersion: kube.state.resourceVersion() });
    kube.state.patch('services', 'default/a', { metadata: { labels: { tier: 'db' } } });
    kube.state.patch('services', 'default/a', { metadata: { labels: { tier: 'front' } } });
    kube.state.seed(service('other'));
    kube.state.delete('services', 'default/a');
    await waitFor(() => selected.seen.length === 3, 'three events');
    expect(selected.seen.map((e) => `${e.type} ${e.name}`)).toEqual(['DELETED a', 'ADDED a', 'DELETED a']);
  });

  it('filters pods by spec.nodeName and services by namespace on list and watch', async () => {
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    kube.state.seed(pod('p1', 'node-1'), pod('p2', 'node-2'), service('x', { namespace: 'other' }));
    const onNode1 = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-1' });
    expect(onNode1.items.map((p) => p.metadata?.name)).toEqual(['p1']);
    const notNode1 = await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName!=node-1,status.phase=Running' });
    expect(notNode1.items.map((p) => p.metadata?.name)).toEqual(['p2']);
    expect((await core.listServiceForAllNamespaces({ fieldSelector: 'metadata.namespace=other' })).items).toHaveLength(1);
    const bad = await apiError(core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.unknown=x' }));
    expect(bad).toMatchObject({ code: 400, status: { reason: 'BadRequest', message: 'field label not supported: spec.unknown' } });
    expect((await apiError(core.listNamespacedPod({ namespace: 'default', labelSelector: 'a in (b' }))).code).toBe(400);

    const podWatch = await watch('/api/v1/pods', { fieldSelector: 'spec.nodeName=node-2' });
    kube.state.seed(pod('p3', 'node-2'), pod('p4', 'node-1'));
    await waitFor(() => podWatch.seen.length === 2, 'two pod events');
    expect(podWatch.seen.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED p2', 'ADDED p3']);
  });

  it('pages lists with limit and continue', async () => {
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    kube.state.seed(service('a'), service('b'), service('c'));
    const first = await core.listNamespacedService({ namespace: 'default', limit: 2 });
    expect(first.items.map((s) => s.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const rest = await core.listNamespacedService({ namespace: 'default', limit: 2, _continue: first.metadata?._continue ?? '' });
    expect(rest.items.map((s) => s.metadata?.name)).toEqual(['c']);
    expect(rest.metadata?._continue).toBeUndefined();
  });
});
