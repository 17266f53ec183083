/** The fake API server through the real client-node API clients: CRUD, conflicts, patches, status, finalizers. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CoordinationV1Api, CoreV1Api, DiscoveryV1Api, KubernetesObjectApi, NetworkingV1Api, PatchStrategy, setHeaderOptions, type V1Service,
} from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../../mocks/kube/index.js';
import { apiError, service } from './support.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('fake kube API: objects', () => {
  let kube: FakeKube;
  let core: CoreV1Api;
  let networking: NetworkingV1Api;

  beforeEach(async () => {
    kube = await startFakeKube();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
    networking = kube.kubeConfig().makeApiClient(NetworkingV1Api);
  });
  afterEach(async () => {
    await kube.close();
  });

  it('creates, reads, lists, replaces and deletes a Service', async () => {
    const created = await core.createNamespacedService({ namespace: 'default', body: service('web') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.spec?.clusterIP).toMatch(/^10\.96\./);

    const read = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    const list = await core.listNamespacedService({ namespace: 'default' });
    expect(list.kind).toBe('ServiceList');
    expect(list.apiVersion).toBe('v1');
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['web']);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion));
    expect((await core.listServiceForAllNamespaces()).items).toHaveLength(1);

    read.metadata!.labels = { tier: 'front' };
    const replaced = await core.replaceNamespacedService({ name: 'web', namespace: 'default', body: read });
    expect(replaced.metadata?.labels).toEqual({ tier: 'front' });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));

    const deleted = await core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    expect(deleted.metadata?.name).toBe('web');
    const gone = await apiError(core.readNamespacedService({ name: 'web', namespace: 'default' }));
    expect(gone.code).toBe(404);
    expect(gone.status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'services "web" not found' });
  });

  it('serves every resource type through its generated client', async () => {
    const kc = kube.kubeConfig();
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const coordination = kc.makeApiClient(CoordinationV1Api);
    await core.createNode({ body: { metadata: { name: 'node-1' }, spec: { providerID: 'qcloud:///800002/ins-1' } } });
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } } });
    await core.createNamespacedEndpoints({ namespace: 'default', body: { metadata: { name: 'web' }, subsets: [] } });
    await core.createNamespacedEvent({ namespace: 'default', body: { metadata: { generateName: 'web.' }, involvedObject: { kind: 'Service', name: 'web' }, reason: 'EnsuringLoadBalancer' } });
    await discovery.createNamespacedEndpointSlice({ namespace: 'default', body: { metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }] } });
    await networking.createIngressClass({ body: { metadata: { name: 'qcloud' }, spec: { controller: 'cloud.tencent.com/clb' } } });
    await networking.createNamespacedIngress({ namespace: 'default', body: { metadata: { name: 'ing' }, spec: { ingressClassName: 'qcloud' } } });
    await coordination.createNamespacedLease({ namespace: 'kube-system', body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a' } } });

    expect((await core.readNode({ name: 'node-1' })).spec?.providerID).toBe('qcloud:///800002/ins-1');
    expect((await core.readNamespacedPod({ name: 'p', namespace: 'default' })).status?.phase).toBe('Pending');
    expect((await core.readNamespacedSecret({ name: 's', namespace: 'default' })).type).toBe('kubernetes.io/tls');
    expect((await core.listNamespacedEvent({ namespace: 'default' })).items[0]?.metadata?.name).toMatch(/^web\.[a-z0-9]{5}$/);
    expect((await discovery.listEndpointSliceForAllNamespaces({ labelSelector: 'kubernetes.io/service-name=web' })).items).toHaveLength(1);
    expect((await networking.readIngressClass({ name: 'qcloud' })).metadata?.generation).toBe(1);
    expect((await networking.readNamespacedIngress({ name: 'ing', namespace: 'default' })).status).toEqual({ loadBalancer: {} });
    expect((await coordination.readNamespacedLease({ name: 'leader', namespace: 'kube-system' })).spec?.holderIdentity).toBe('a');
    expect(await core.deleteNode({ name: 'node-1' })).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(kube.state.list('nodes')).toEqual([]);
  });

  it('refuses a duplicate create with 409 AlreadyExists and a bad name with 422 Invalid', async () => {
    await core.createNamespacedService({ namespace: 'default', body: service('web') });
    const dup = await apiError(core.createNamespacedService({ namespace: 'default', body: service('web') }));
    expect(dup).toMatchObject({ code: 409, status: { reason: 'AlreadyExists', message: 'services "web" already exists' } });
    const bad = await apiError(core.createNamespacedService({ namespace: 'default', body: service('9-Bad') }));
    expect(bad).toMatchObject({ code: 422, status: { reason: 'Invalid', details: { causes: [{ field: 'metadata.name' }] } } });
    const wrongNs = await apiError(core.createNamespacedService({ namespace: 'other', body: service('web') }));
    expect(wrongNs).toMatchObject({ code: 400, status: { reason: 'BadRequest' } });
  });

  it('answers a stale update with 409 Conflict (optimistic concurrency)', async () => {
    const first = await core.createNamespacedService({ namespace: 'default', body: service('web') });
    const stale = structuredClone(first);
    first.metadata!.labels = { a: '1' };
    await core.replaceNamespacedService({ name: 'web', namespace: 'default', body: first });
    stale.metadata!.labels = { a: '2' };
    const err = await apiError(core.replaceNamespacedService({ name: 'web', namespace: 'default', body: stale }));
    expect(err.code).toBe(409);
    expect(err.status.reason).toBe('Conflict');
    expect(err.status.message).toContain('the object has been modified');
    expect(kube.state.get<V1Service>('services', 'default/web')?.metadata?.labels).toEqual({ a: '1' });
  });

  it('writes nothing for an update that changes nothing', async () => {
    const svc = await core.createNamespacedService({ namespace: 'default', body: service('web') });
    const again = await core.replaceNamespacedService({ name: 'web', namespace: 'default', body: svc });
    expect(again.metadata?.resourceVersion).toBe(svc.metadata?.resourceVersion);
  });

  it('merge-patches with setHeaderOptions(Content-Type, MergePatch), and checks a resourceVersion in the patch', async () => {
    const svc = await core.createNamespacedService({ namespace: 'default', body: service('web', { labels: { a: '1', b: '2' } }) });
    const patched = await core.patchNamespacedService({ name: 'web', namespace: 'default', body: { metadata: { labels: { b: null, c: '3' } } } }, mergePatch);
    expect(patched.metadata?.labels).toEqual({ a: '1', c: '3' });
    expect(kube.requests.all({ verb: 'patch' })[0]?.contentType).toBe('application/merge-patch+json');
    const stale = await apiError(core.patchNamespacedService({ name: 'web', namespace: 'default', body: { metadata: { resourceVersion: svc.metadata?.resourceVersion, labels: { d: '4' } } } }, mergePatch));
    expect(stale).toMatchObject({ code: 409, status: { reason: 'Conflict' } });
  });

  it('applies JSON patches (the client default), failing a `test` op with 422', async () => {
    await core.createNamespacedService({ namespace: 'default', body: service('web', { labels: { a: '1' } }) });
    const patched = await core.patchNamespacedService({ name: 'web', namespace: 'default', body: [
      { op: 'test', path: '/metadata/labels/a', value: '1' },
      { op: 'add', path: '/metadata/annotations', value: { 'x/y': 'z' } },
      { op: 'replace', path: '/spec/ports/0/port', value: 443 },
    ] });
    expect(patched.metadata?.annotations).toEqual({ 'x/y': 'z' });
    expect(patched.spec?.ports?.[0]?.port).toBe(443);
    expect(kube.requests.all({ verb: 'patch' })[0]?.contentType).toBe('application/json-patch+json');
    const failed = await apiError(core.patchNamespacedService({ name: 'web', namespace: 'default', body: [{ op: 'test', path: '/metadata/labels/a', value: 'nope' }, { op: 'remove', path: '/metadata/labels' }] }));
    expect(failed).toMatchObject({ code: 422, status: { reason: 'Invalid' } });
    expect(kube.state.get<V1Service>('services', 'default/web')?.metadata?.labels).toEqual({ a: '1' });
    const ssa = await apiError(core.patchNamespacedService({ name: 'web', namespace: 'default', body: {} }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)));
    expect(ssa.code).toBe(415);
  });

  it('keeps .status and .spec apart: main writes ignore status, /status writes change only status', async () => {
    await core.createNamespacedService({ namespace: 'default', body: { ...service('web', { type: 'LoadBalancer' }), status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } } } });
    expect(kube.state.get<V1Service>('services', 'default/web')?.status).toEqual({ loadBalancer: {} });

    const ingress = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
    const afterStatus = await core.patchNamespacedServiceStatus({ name: 'web', namespace: 'default', body: { status: ingress, spec: { type: 'ClusterIP' }, metadata: { labels: { x: 'y' } } } }, mergePatch);
    expect(afterStatus.status).toEqual(ingress);
    expect(afterStatus.spec?.type).toBe('LoadBalancer');
    expect(afterStatus.metadata?.labels).toBeUndefined();

    const afterMain = await core.patchNamespacedService({ name: 'web', namespace: 'default', body: { status: { loadBalancer: {} }, metadata: { labels: { x: 'y' } } } }, mergePatch);
    expect(afterMain.status).toEqual(ingress);
    expect(afterMain.metadata?.labels).toEqual({ x: 'y' });

    afterMain.status = { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } };
    const replaced = await core.replaceNamespacedServiceStatus({ name: 'web', namespace: 'default', body: afterMain });
    expect(replaced.status?.loadBalancer?.ingress?.[0]?.hostname).toBe('lb.example');
    expect((await apiError(core.replaceNamespacedServiceStatus({ name: 'web', namespace: 'default', body: afterMain }))).code).toBe(409);
  });

  it('bumps metadata.generation on spec changes only (Ingress)', async () => {
    const ing = await networking.createNamespacedIngress({ namespace: 'default', body: { metadata: { name: 'ing' }, spec: { ingressClassName: 'a' } } });
    expect(ing.metadata?.generation).toBe(1);
    const labelled = await networking.patchNamespacedIngress({ name: 'ing', namespace: 'default', body: { metadata: { labels: { l: 'v' } } } }, mergePatch);
    expect(labelled.metadata?.generation).toBe(1);
    const status = await networking.patchNamespacedIngressStatus({ name: 'ing', namespace: 'default', body: { status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } } } }, mergePatch);
    expect(status.metadata?.generation).toBe(1);
    const respec = await networking.patchNamespacedIngress({ name: 'ing', namespace: 'default', body: { spec: { ingressClassName: 'b' } } }, mergePatch);
    expect(respec.metadata?.generation).toBe(2);
  });

  it('holds a deleted object with finalizers until the last finalizer goes', async () => {
    await core.createNamespacedService({ namespace: 'default', body: service('web', { finalizers: ['service.k8s.tencent/resources'] }) });
    const deleting = await core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    expect(deleting.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const held = kube.state.get<V1Service>('services', 'default/web');
    expect(held?.metadata?.deletionTimestamp).toEqual(expect.any(String));
    const again = await core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    expect(again.metadata?.resourceVersion).toBe(held?.metadata?.resourceVersion);

    const refused = await apiError(core.patchNamespacedService({ name: 'web', namespace: 'default', body: { metadata: { finalizers: ['service.k8s.tencent/resources', 'other'] } } }, mergePatch));
    expect(refused).toMatchObject({ code: 422, status: { reason: 'Invalid' } });

    await core.patchNamespacedService({ name: 'web', namespace: 'default', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    expect(kube.state.get('services', 'default/web')).toBeUndefined();
  });

  it('fills in Service defaults: cluster IP, node ports kept across updates, released on type change', async () => {
    const lb = await core.createNamespacedService({ namespace: 'default', body: service('lb', { type: 'LoadBalancer' }) });
    const nodePort = lb.spec?.ports?.[0]?.nodePort;
    expect(nodePort).toBe(30000);
    expect(lb.spec).toMatchObject({ sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true });
    const second = await core.createNamespacedService({ namespace: 'default', body: service('lb2', { type: 'NodePort' }) });
    expect(second.spec?.ports?.[0]?.nodePort).toBe(30001);

    lb.spec!.ports = [{ port: 80, protocol: 'TCP', targetPort: 8080 }];
    const kept = await core.replaceNamespacedService({ name: 'lb', namespace: 'default', body: lb });
    expect(kept.spec?.ports?.[0]?.nodePort).toBe(nodePort);

    const clash = structuredClone(second);
    clash.spec!.ports![0]!.nodePort = nodePort;
    expect((await apiError(core.replaceNamespacedService({ name: 'lb2', namespace: 'default', body: clash }))).code).toBe(422);

    const demoted = await core.patchNamespacedService({ name: 'lb', namespace: 'default', body: { spec: { type: 'ClusterIP' } } }, mergePatch);
    expect(demoted.spec?.ports?.[0]?.nodePort).toBeUndefined();
  });

  it('answers discovery for kubectl-style clients', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${kube.url}${path}`);
      expect(res.headers.get('content-type')).toBe('application/json');
      return (await res.json()) as Record<string, unknown>;
    };
    expect(await get('/api')).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await get('/apis')) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(['apiextensions.k8s.io', 'apps', 'coordination.k8s.io', 'discovery.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io']);
    const core1 = (await get('/api/v1')) as { resources: { name: string; namespaced: boolean }[] };
    expect(core1.resources).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'services', namespaced: true }), expect.objectContaining({ name: 'services/status' }), expect.objectContaining({ name: 'nodes', namespaced: false }),
    ]));
    expect(await get('/apis/networking.k8s.io/v1')).toMatchObject({ groupVersion: 'networking.k8s.io/v1' });
    kube.requests.clear();
    const generic = KubernetesObjectApi.makeApiClient(kube.kubeConfig());
    await generic.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' } });
    expect((await generic.list('networking.k8s.io/v1', 'Ingress', 'default')).items).toHaveLength(1);
    expect(kube.requests.count({ path: '/apis/networking.k8s.io/v1' })).toBe(1); // the generic client caches discovery
    const res = await fetch(`${kube.url}/apis/nope/v1/things`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
  });
});
