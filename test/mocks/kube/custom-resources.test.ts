/**
 * Custom resources in the fake API: a CustomResourceDefinition created through it serves its resources (discovery,
 * OpenAPI, CRUD, patches, watches, the status subresource, Tables), objects are pruned, defaulted and validated against
 * its schema with the real server's messages, and deleting it deletes its objects. Through client-node
 * (ApiextensionsV1Api, CustomObjectsApi, makeInformer) and, when it is installed, kubectl with manifests/crds/ and the
 * TkeServiceConfig example.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ApiextensionsV1Api, CustomObjectsApi, loadAllYaml, loadYaml, makeInformer, PatchStrategy, setHeaderOptions,
  type KubernetesObject, type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { applyCrdsFrom, startFakeKube, type FakeKube } from '../../../mocks/kube/index.js';
import { kubeconfigYaml } from '../../../mocks/kube/serve.js';
import { apiError, kubectlIt, waitFor } from './support.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CRDS = join(ROOT, 'manifests/crds');
const EXAMPLE = join(ROOT, 'manifests/examples/tke-service-config.yaml');
const TKE = { group: 'cloud.tencent.com', version: 'v1alpha1', plural: 'tkeserviceconfigs' };
const WIDGETS = { group: 'example.com', version: 'v1', plural: 'widgets' };

/**
 * A CRD exercising what TkeServiceConfig does not: two versions, status subresource, printer columns, cluster scope.
 * Written in wire form, then read as client-node's model (whose `x-kubernetes-*` and `default` have other names).
 */
const widgetCrd = (scope: 'Namespaced' | 'Cluster' = 'Namespaced', edit: (wire: WireCrd) => void = () => undefined): V1CustomResourceDefinition => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object', required: ['size'],
        properties: {
          size: { type: 'integer', minimum: 1, maximum: 10 },
          color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
          name: { type: 'string', pattern: '^[a-z]+$', maxLength: 8 },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 2, 'x-kubernetes-list-type': 'set' },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          port: { 'x-kubernetes-int-or-string': true },
        },
      },
      status: { type: 'object', properties: { phase: { type: 'string' } } },
    },
  };
  const version = (name: string, storage: boolean) => ({
    name, served: true, storage, schema: { openAPIV3Schema: schema }, subresources: { status: {} },
    additionalPrinterColumns: [
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Color', type: 'string', jsonPath: '.spec.color', priority: 1 },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
  const wire: WireCrd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope, names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
      versions: [version('v1', true), version('v1beta1', false)],
    },
  };
  edit(wire);
  return loadYaml<V1CustomResourceDefinition>(JSON.stringify(wire));
};
interface WireCrd { apiVersion: string; kind: string; metadata: { name: string }; spec: { group: string; scope: string; names: object; versions: { storage: boolean; schema: { openAPIV3Schema: { properties: Record<string, unknown> } } }[] } }

const widget = (name: string, spec: Record<string, unknown> = { size: 3 }, apiVersion = 'example.com/v1') => ({ apiVersion, kind: 'Widget', metadata: { name }, spec });

const tkeCrd = () => loadAllYaml(readFileSync(join(CRDS, 'tkeserviceconfigs.yaml'), 'utf8'))[0] as V1CustomResourceDefinition;
const exampleObjects = () => loadAllYaml(readFileSync(EXAMPLE, 'utf8')) as KubernetesObject[];
const exampleConfig = () => exampleObjects().find((o) => o.kind === 'TkeServiceConfig') as KubernetesObject & { spec: { loadBalancer: { l4Listeners: Record<string, unknown>[] } } };

interface Listed { items: { apiVersion?: string; kind?: string; metadata: { name: string }; spec?: Record<string, unknown>; status?: Record<string, unknown> }[]; metadata: { resourceVersion: string }; kind: string }

describe('fake kube API: custom resources through client-node', () => {
  let kube: FakeKube;
  let crds: ApiextensionsV1Api;
  let custom: CustomObjectsApi;
  const json = async (path: string, accept = 'application/json') => {
    const res = await fetch(`${kube.url}${path}`, { headers: { Accept: accept } });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
  };
  const createWidgets = () => crds.createCustomResourceDefinition({ body: widgetCrd() });
  const create = (body: object, version = 'v1') => custom.createNamespacedCustomObject({ ...WIDGETS, version, namespace: 'default', body });
  const get = (name: string, version = 'v1') => custom.getNamespacedCustomObject({ ...WIDGETS, version, namespace: 'default', name }) as Promise<Listed['items'][number]>;
  const list = (version = 'v1') => custom.listNamespacedCustomObject({ ...WIDGETS, version, namespace: 'default' }) as Promise<Listed>;

  beforeEach(async () => {
    kube = await startFakeKube({ bookmarkIntervalMs: 50 });
    const kc = kube.kubeConfig();
    crds = kc.makeApiClient(ApiextensionsV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
  });
  afterEach(async () => kube.close());

  it('establishes a created CRD at once: names accepted, Established, stored version; the CRD lists and prints as the real one', async () => {
    const created = await createWidgets();
    expect(created.status?.conditions?.map((c) => [c.type, c.status])).toEqual([['NamesAccepted', 'True'], ['Established', 'True']]);
    expect(created.status?.acceptedNames).toMatchObject({ plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] });
    expect(created.status?.storedVersions).toEqual(['v1']);
    expect(created.metadata?.generation).toBe(1);
    expect((await crds.listCustomResourceDefinition()).items.map((c) => c.metadata?.name)).toEqual(['widgets.example.com']);
    const table = await json('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', 'application/json;as=Table;v=v1;g=meta.k8s.io');
    expect((table.body.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual(['Name', 'Created At']);
  });

  it('refuses a CRD the real server refuses: a name that is not plural.group, no storage version, a schema node without a type', async () => {
    const bad = widgetCrd('Namespaced', (wire) => {
      wire.metadata.name = 'widgets.example.org';
      for (const v of wire.spec.versions) v.storage = false;
      if (wire.spec.versions[0]) wire.spec.versions[0].schema.openAPIV3Schema.properties.loose = { description: 'no type' };
    });
    const { code, status } = await apiError(crds.createCustomResourceDefinition({ body: bad }));
    expect(code).toBe(422);
    expect(status.message).toContain('CustomResourceDefinition.apiextensions.k8s.io "widgets.example.org" is invalid: [');
    expect(status.details?.causes?.map((c) => c.field)).toEqual(expect.arrayContaining([
      'metadata.name', 'spec.versions', 'spec.versions[0].schema.openAPIV3Schema.properties[loose].type',
    ]));
    expect(status.message).toContain('metadata.name: Invalid value: "widgets.example.org": must be spec.names.plural+"."+spec.group');
  });

  it('serves the resources in discovery (legacy and aggregated) and OpenAPI v3 once the CRD exists, and drops them when it goes', async () => {
    expect((await json('/apis/example.com/v1')).status).toBe(404);
    await createWidgets();
    const groups = (await json('/apis')).body.groups as { name: string; preferredVersion: { version: string }; versions: { version: string }[] }[];
    expect(groups.find((g) => g.name === 'example.com')).toEqual({ name: 'example.com', versions: [{ groupVersion: 'example.com/v1', version: 'v1' }, { groupVersion: 'example.com/v1beta1', version: 'v1beta1' }], preferredVersion: { groupVersion: 'example.com/v1', version: 'v1' } });
    expect((await json('/apis/example.com')).body).toMatchObject({ kind: 'APIGroup', name: 'example.com', preferredVersion: { version: 'v1' } });
    expect((await json('/apis/example.com/v1')).body.resources).toEqual([
      { name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: expect.arrayContaining(['create', 'get', 'list', 'watch', 'patch', 'delete']), shortNames: ['wd'], categories: ['all'] },
      { name: 'widgets/status', singularName: '', namespaced: true, kind: 'Widget', verbs: ['get', 'patch', 'update'] },
    ]);
    const aggregated = await json('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json');
    expect(aggregated.type).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const item = (aggregated.body.items as { metadata: { name: string }; versions: { version: string; resources: Record<string, unknown>[] }[] }[]).find((i) => i.metadata.name === 'example.com');
    expect(item?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1']);
    expect(item?.versions[0]?.resources[0]).toMatchObject({ resource: 'widgets', scope: 'Namespaced', singularResource: 'widget', responseKind: { group: 'example.com', version: 'v1', kind: 'Widget' }, subresources: [{ subresource: 'status' }] });

    const root = (await json('/openapi/v3')).body.paths as Record<string, { serverRelativeURL: string }>;
    expect(root['apis/example.com/v1']?.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/example.com\/v1\?hash=[0-9A-F]{16}$/);
    const doc = (await json(root['apis/example.com/v1']?.serverRelativeURL ?? '')).body as { paths: Record<string, { patch?: { parameters: { name: string }[]; requestBody: { content: Record<string, unknown> } } }>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']?.patch;
    expect(patch?.parameters.map((p) => p.name)).toContain('fieldValidation');
    expect(Object.keys(patch?.requestBody.content ?? {})).not.toContain('application/strategic-merge-patch+json');
    expect(doc.components.schemas['com.example.v1.Widget']?.properties.spec).toMatchObject({ required: ['size'] });

    await crds.deleteCustomResourceDefinition({ name: 'widgets.example.com' });
    expect((await json('/apis')).body.groups).not.toContainEqual(expect.objectContaining({ name: 'example.com' }));
    expect((await json('/apis/example.com/v1')).status).toBe(404);
    expect((await json('/apis/example.com/v1/namespaces/default/widgets')).status).toBe(404);
    expect(Object.keys((await json('/openapi/v3')).body.paths as object)).not.toContain('apis/example.com/v1');
  });

  it('creates, gets, lists, replaces, merge- and JSON-patches and deletes custom resources; a strategic merge patch is 415', async () => {
    await createWidgets();
    const created = (await create(widget('w1', { size: 3, color: 'blue' }))) as Listed['items'][number] & { metadata: { uid: string; generation: number; resourceVersion: string } };
    expect(created).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default', generation: 1 }, spec: { size: 3, color: 'blue' } });
    await create(widget('w2'));
    const listed = await list();
    expect(listed.kind).toBe('WidgetList');
    expect(listed.items.map((i) => [i.apiVersion, i.kind, i.metadata.name])).toEqual([['example.com/v1', 'Widget', 'w1'], ['example.com/v1', 'Widget', 'w2']]);
    const selected = (await custom.listNamespacedCustomObject({ ...WIDGETS, namespace: 'default', fieldSelector: 'metadata.name=w2' })) as Listed;
    expect(selected.items.map((i) => i.metadata.name)).toEqual(['w2']);
    const unsupported = await apiError(custom.listNamespacedCustomObject({ ...WIDGETS, namespace: 'default', fieldSelector: 'spec.size=3' }));
    expect([unsupported.code, unsupported.status.message]).toEqual([400, 'field label not supported: spec.size']);

    const merged = (await custom.patchNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'w1', body: { spec: { size: 4 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as Listed['items'][number] & { metadata: { generation: number } };
    expect([merged.spec, merged.metadata.generation]).toEqual([{ size: 4, color: 'blue' }, 2]);
    const patched = (await custom.patchNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'w1', body: [{ op: 'replace', path: '/spec/size', value: 5 }, { op: 'add', path: '/metadata/labels', value: { team: 'a' } }] })) as Listed['items'][number] & { metadata: { generation: number; labels: Record<string, string> } };
    expect([patched.spec?.size, patched.metadata.labels, patched.metadata.generation]).toEqual([5, { team: 'a' }, 3]);
    const smp = await apiError(custom.patchNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'w1', body: { spec: { size: 6 } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)));
    expect([smp.code, smp.status.reason]).toEqual([415, 'UnsupportedMediaType']);
    expect(smp.status.message).toBe('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');

    const current = await get('w1');
    const replaced = (await custom.replaceNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'w1', body: { ...current, spec: { size: 7 } } })) as Listed['items'][number];
    expect(replaced.spec).toEqual({ size: 7, color: 'red' }); // color defaulted again
    const stale = await apiError(custom.replaceNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'w1', body: { ...current, spec: { size: 8 } } }));
    expect([stale.code, stale.status.message]).toEqual([409, 'Operation cannot be fulfilled on widgets.example.com "w1": the object has been modified; please apply your changes to the latest version and try again']);

    const deleted = (await custom.deleteNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'w1' })) as { kind: string; status: string; details: { kind: string; group: string } };
    expect(deleted).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'w1', group: 'example.com', kind: 'widgets' } });
    const missing = await apiError(get('w1'));
    expect([missing.code, missing.status.message]).toEqual([404, 'widgets.example.com "w1" not found']);
    expect(kube.requests.mutations({ resource: 'widgets' }).map((r) => [r.verb, r.customResource, r.group, r.resource])).toEqual([
      ['create', 'widgets', 'example.com', undefined], ['create', 'widgets', 'example.com', undefined], ['patch', 'widgets', 'example.com', undefined],
      ['patch', 'widgets', 'example.com', undefined], ['patch', 'widgets', 'example.com', undefined], ['update', 'widgets', 'example.com', undefined],
      ['update', 'widgets', 'example.com', undefined], ['delete', 'widgets', 'example.com', undefined],
    ]);
  });

  it('keeps .status to the status subresource, serves every version from the same objects, and cluster-scoped resources without a namespace', async () => {
    await createWidgets();
    await create({ ...widget('w1'), status: { phase: 'ignored' } });
    expect((await get('w1')).status).toBeUndefined();
    await custom.patchNamespacedCustomObjectStatus({ ...WIDGETS, namespace: 'default', name: 'w1', body: { status: { phase: 'Ready' }, spec: { size: 9 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const afterStatus = (await get('w1')) as Listed['items'][number] & { metadata: { generation: number } };
    expect([afterStatus.status, afterStatus.spec?.size, afterStatus.metadata.generation]).toEqual([{ phase: 'Ready' }, 3, 1]);
    await custom.patchNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'w1', body: { status: { phase: 'lost' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect((await get('w1')).status).toEqual({ phase: 'Ready' });

    // v1beta1 serves the same objects, at its own apiVersion.
    await create(widget('w2', { size: 2 }, 'example.com/v1beta1'), 'v1beta1');
    expect((await list('v1beta1')).items.map((i) => [i.apiVersion, i.metadata.name])).toEqual([['example.com/v1beta1', 'w1'], ['example.com/v1beta1', 'w2']]);
    expect((await get('w2')).apiVersion).toBe('example.com/v1');
    const wrong = await apiError(create(widget('w3', { size: 2 }, 'example.com/v1beta1')));
    expect([wrong.code, wrong.status.message]).toEqual([400, 'the API version in the data (example.com/v1beta1) does not match the expected API version (example.com/v1)']);

    await crds.deleteCustomResourceDefinition({ name: 'widgets.example.com' });
    await crds.createCustomResourceDefinition({ body: widgetCrd('Cluster') });
    await custom.createClusterCustomObject({ ...WIDGETS, body: widget('global') });
    expect((await custom.getClusterCustomObject({ ...WIDGETS, name: 'global' }) as Listed['items'][number]).metadata).not.toHaveProperty('namespace');
    expect((await json('/apis/example.com/v1/namespaces/default/widgets')).status).toBe(404);
    expect(kube.state.get('widgets', 'global')).toMatchObject({ spec: { size: 3 } });
  });

  it('prunes unknown fields (kept under x-kubernetes-preserve-unknown-fields), applies defaults, and refuses unknown fields under fieldValidation=Strict', async () => {
    await createWidgets();
    const body = JSON.stringify(widget('loose', { size: 2, typo: true, extra: { anything: { goes: 1 } }, port: 'http' }));
    const post = (query: string, name: string) => fetch(`${kube.url}/apis/example.com/v1/namespaces/default/widgets${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body.replace('"loose"', `"${name}"`) });
    const warned = await post('', 'loose');
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.typo\\""');
    expect(((await warned.json()) as { spec: unknown }).spec).toEqual({ size: 2, color: 'red', extra: { anything: { goes: 1 } }, port: 'http' });
    expect((await post('?fieldValidation=Ignore', 'quiet')).headers.get('warning')).toBeNull();
    const strict = await post('?fieldValidation=Strict', 'strict');
    expect(strict.status).toBe(422);
    expect(((await strict.json()) as { message: string }).message).toContain('spec.typo: Invalid value: field not declared in schema (strict decoding error: unknown field "spec.typo")');
  });

  it('validates against the schema with the real server\'s messages: type, required, enum, maximum, pattern, maxLength, maxItems, set duplicates', async () => {
    await createWidgets();
    const { code, status } = await apiError(create(widget('bad', { color: 'green', name: 'Not-Lower', tags: ['a', 'a', 'b'], port: 1.5, extra: 'x' })));
    expect(code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.details).toMatchObject({ name: 'bad', group: 'example.com', kind: 'Widget' });
    const byField = Object.fromEntries((status.details?.causes ?? []).map((c) => [c.field, [c.reason, c.message]]));
    expect(byField).toEqual({
      'spec.size': ['FieldValueRequired', 'Required value'],
      'spec.color': ['FieldValueNotSupported', 'Unsupported value: "green": supported values: "red", "blue"'],
      'spec.name': ['FieldValueInvalid', 'Invalid value: "Not-Lower": spec.name in body should match \'^[a-z]+$\''],
      'spec.tags': ['FieldValueTooMany', 'Too many: 3: must have at most 2 items'],
      'spec.tags[1]': ['FieldValueDuplicate', 'Duplicate value: "a"'],
      'spec.port': ['FieldValueTypeInvalid', 'Invalid value: "number": spec.port in body must be of type integer,string: "number"'],
      'spec.extra': ['FieldValueTypeInvalid', 'Invalid value: "string": spec.extra in body must be of type object: "string"'],
    });
    expect(status.message).toMatch(/^Widget\.example\.com "bad" is invalid: \[/);
    const tooBig = await apiError(create(widget('big', { size: 11, name: 'abcdefghij' })));
    expect(tooBig.status.message).toBe('Widget.example.com "big" is invalid: [spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10, spec.name: Too long: may not be more than 8 bytes]');
    expect(kube.state.list('widgets')).toEqual([]);
  });

  it('refuses an out-of-range TkeServiceConfig naming the field, the value and the range (manifests/crds/tkeserviceconfigs.yaml)', async () => {
    await crds.createCustomResourceDefinition({ body: tkeCrd() });
    const config = exampleConfig();
    const ok = (await custom.createNamespacedCustomObject({ ...TKE, namespace: 'default', body: config })) as typeof config;
    expect(ok.spec).toEqual(config.spec);

    const healthCheck = (l: Record<string, unknown>) => l.healthCheck as Record<string, unknown>;
    const bad = exampleConfig();
    bad.metadata = { name: 'out-of-range' };
    const [first, second] = bad.spec.loadBalancer.l4Listeners;
    Object.assign(healthCheck(first ?? {}), { intervalTime: 500, httpCode: 32, httpCheckPath: 'healthz' });
    Object.assign(second ?? {}, { protocol: 'SCTP', scheduler: 'IP_HASH', rescheduleInterval: 4000 });
    Object.assign(healthCheck(second ?? {}), { timeout: 1, checkType: 'GRPC' });
    const { code, status } = await apiError(custom.createNamespacedCustomObject({ ...TKE, namespace: 'default', body: bad }));
    expect(code).toBe(422);
    const l4 = 'spec.loadBalancer.l4Listeners';
    expect(status.details?.causes?.map((c) => `${c.field}: ${c.message}`).sort()).toEqual([
      `${l4}[0].healthCheck.httpCheckPath: Invalid value: "healthz": ${l4}[0].healthCheck.httpCheckPath in body should match '^/'`,
      `${l4}[0].healthCheck.httpCode: Invalid value: 32: ${l4}[0].healthCheck.httpCode in body should be less than or equal to 31`,
      `${l4}[0].healthCheck.intervalTime: Invalid value: 500: ${l4}[0].healthCheck.intervalTime in body should be less than or equal to 300`,
      `${l4}[1].healthCheck.checkType: Unsupported value: "GRPC": supported values: "TCP", "HTTP", "CUSTOM", "PING"`,
      `${l4}[1].healthCheck.timeout: Invalid value: 1: ${l4}[1].healthCheck.timeout in body should be greater than or equal to 2`,
      `${l4}[1].protocol: Unsupported value: "SCTP": supported values: "TCP", "UDP", "TCP_SSL", "QUIC"`,
      `${l4}[1].rescheduleInterval: Invalid value: 4000: ${l4}[1].rescheduleInterval in body should be less than or equal to 3600`,
      `${l4}[1].scheduler: Unsupported value: "IP_HASH": supported values: "WRR", "LEAST_CONN"`,
    ]);
    expect(status.message).toMatch(/^TkeServiceConfig\.cloud\.tencent\.com "out-of-range" is invalid: \[/);

    // Layer 7: keys are unique, the domain defaults to the VIP (""), rules take IP_HASH and sessions up to a day.
    const l7 = {
      apiVersion: 'cloud.tencent.com/v1alpha1', kind: 'TkeServiceConfig', metadata: { name: 'ingress-config' },
      spec: { loadBalancer: { l7Listeners: [{ protocol: 'HTTPS', port: 443, keepaliveEnable: 1, defaultServer: 'shop.example.com', domains: [{ rules: [{ url: '/', forwardType: 'GRPC', scheduler: 'IP_HASH', session: { enable: true, sessionExpireTime: 86400 }, healthCheck: { enable: true, checkType: 'GRPC', httpCheckMethod: 'GET', httpCode: 2, sourceIpType: 1 } }] }] }] } },
    };
    const stored = (await custom.createNamespacedCustomObject({ ...TKE, namespace: 'default', body: l7 })) as { spec: { loadBalancer: { l7Listeners: { domains: { domain: string; rules: unknown[] }[] }[] } } };
    expect(stored.spec.loadBalancer.l7Listeners[0]?.domains[0]?.domain).toBe('');
    expect(stored.spec.loadBalancer.l7Listeners[0]?.domains[0]?.rules).toEqual(l7.spec.loadBalancer.l7Listeners[0]?.domains[0]?.rules); // nothing pruned
    const dup = { ...l7, metadata: { name: 'dup' }, spec: { loadBalancer: { l7Listeners: [{ protocol: 'HTTP', port: 80, keepaliveEnable: 2 }, { protocol: 'HTTP', port: 80 }] } } };
    const refused = await apiError(custom.createNamespacedCustomObject({ ...TKE, namespace: 'default', body: dup }));
    expect(refused.status.details?.causes?.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.loadBalancer.l7Listeners[0].keepaliveEnable: Unsupported value: 2: supported values: "0", "1"',
      'spec.loadBalancer.l7Listeners[1]: Duplicate value: {"protocol":"HTTP","port":80}',
    ]);
  });

  it('watches as the built-in kinds do: from a resourceVersion, with bookmarks, to a client-node informer on the custom resource path', async () => {
    await createWidgets();
    await create(widget('before'));
    const from = kube.state.resourceVersion();
    const controller = new AbortController();
    const res = await fetch(`${kube.url}/apis/example.com/v1beta1/namespaces/default/widgets?watch=true&allowWatchBookmarks=true&resourceVersion=${from}`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let text = '';
    await create(widget('after'));
    const events = async (n: number) => {
      while (text.split('\n').filter((l) => l).length < n) text += new TextDecoder().decode((await reader.read()).value);
      return text.split('\n').filter((l) => l).map((l) => JSON.parse(l) as { type: string; object: { apiVersion: string; kind: string; metadata: { name?: string; resourceVersion: string } } });
    };
    const [added, bookmark] = await events(2);
    controller.abort();
    expect([added?.type, added?.object.apiVersion, added?.object.metadata.name]).toEqual(['ADDED', 'example.com/v1beta1', 'after']);
    expect([bookmark?.type, bookmark?.object.kind, bookmark?.object.apiVersion]).toEqual(['BOOKMARK', 'Widget', 'example.com/v1beta1']);

    const kc = kube.kubeConfig();
    const informer = makeInformer<KubernetesObject>(kc, '/apis/example.com/v1/namespaces/default/widgets', () => custom.listNamespacedCustomObject({ ...WIDGETS, namespace: 'default' }) as never);
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    try {
      await informer.start();
      await kube.watches.waitFor('widgets');
      expect(kube.watches.list('widgets.example.com')).toHaveLength(1);
      await create(widget('third'));
      await custom.patchNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'before', body: [{ op: 'replace', path: '/spec/size', value: 9 }] });
      await custom.deleteNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'after' });
      await waitFor(() => seen.length === 5, 'the informer to see three changes');
      expect(seen).toEqual(['add after', 'add before', 'add third', 'update before', 'delete after']);
    } finally {
      await informer.stop();
    }
  });

  it('prints the CRD\'s additionalPrinterColumns for kubectl get (Name first), and Name and Age without them', async () => {
    await createWidgets();
    await create(widget('w1', { size: 4 }));
    await custom.patchNamespacedCustomObjectStatus({ ...WIDGETS, namespace: 'default', name: 'w1', body: { status: { phase: 'Ready' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const table = (await json('/apis/example.com/v1/namespaces/default/widgets', 'application/json;as=Table;v=v1;g=meta.k8s.io')).body as { columnDefinitions: { name: string; type: string; priority: number }[]; rows: { cells: unknown[] }[] };
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.priority])).toEqual([['Name', 'string', 0], ['Size', 'integer', 0], ['Color', 'string', 1], ['Phase', 'string', 0], ['Age', 'date', 0]]);
    expect(table.rows[0]?.cells).toEqual(['w1', 4, 'red', 'Ready', expect.stringMatching(/^\d+s$/)]);
    await crds.createCustomResourceDefinition({ body: tkeCrd() });
    await custom.createNamespacedCustomObject({ ...TKE, namespace: 'default', body: exampleConfig() });
    const plain = (await json('/apis/cloud.tencent.com/v1alpha1/namespaces/default/tkeserviceconfigs', 'application/json;as=Table;v=v1;g=meta.k8s.io')).body as typeof table;
    expect(plain.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(plain.rows[0]?.cells[0]).toBe('example-tke-service-config');
  });

  it('deletes a CRD\'s objects with it (watches see them go, then end), honouring their finalizers, refusing creates meanwhile', async () => {
    await createWidgets();
    await create(widget('plain'));
    await create({ ...widget('held'), metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const informer = makeInformer<KubernetesObject>(kube.kubeConfig(), '/apis/example.com/v1/namespaces/default/widgets', () => custom.listNamespacedCustomObject({ ...WIDGETS, namespace: 'default' }) as never);
    const seen: string[] = [];
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    informer.on('error', () => undefined);
    await informer.start();
    await kube.watches.waitFor('widgets');

    // The answer is the CRD, terminating (client-node would read it as a Status).
    const answer = (await (await fetch(`${kube.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com`, { method: 'DELETE' })).json()) as V1CustomResourceDefinition;
    expect([answer.kind, typeof answer.metadata?.deletionTimestamp]).toEqual(['CustomResourceDefinition', 'string']);
    const terminating = await crds.readCustomResourceDefinition({ name: 'widgets.example.com' });
    expect(terminating.metadata?.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(terminating.status?.conditions?.find((c) => c.type === 'Terminating')).toMatchObject({ status: 'True', reason: 'InstanceDeletionInProgress' });
    expect((await list()).items.map((i) => [i.metadata.name, Boolean((i.metadata as { deletionTimestamp?: string }).deletionTimestamp)])).toEqual([['held', true]]);
    const refused = await apiError(create(widget('late')));
    expect([refused.code, refused.status.message]).toEqual([405, 'create not allowed while custom resource definition is terminating']);

    await custom.patchNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'held', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await waitFor(() => kube.state.served().every((r) => r.group !== 'example.com'), 'the CRD to go');
    expect((await apiError(crds.readCustomResourceDefinition({ name: 'widgets.example.com' }))).code).toBe(404);
    await waitFor(() => kube.watches.list('widgets').length === 0, 'the watch to end');
    expect(seen).toEqual(['update held', 'delete plain', 'delete held']);
    await informer.stop();
    expect(() => kube.state.list('widgets')).toThrow('serves no resource "widgets"');
  });

  it('applies the CRDs of a folder without HTTP (applyCrdsFrom, for the sandbox) and then stores and serves their objects', async () => {
    expect(kube.state.serves('cloud.tencent.com/v1alpha1', 'TkeServiceConfig')).toBe(false);
    expect(() => kube.state.apply(exampleConfig())).toThrow('is its CustomResourceDefinition created?');
    const applied = applyCrdsFrom(kube, CRDS);
    expect(applied.map((c) => c.metadata?.name)).toEqual(['tkeserviceconfigs.cloud.tencent.com']);
    // In wire form (not client-node's model names), so the schema's list keys and defaults are in force.
    expect(JSON.stringify(applied)).toContain('"x-kubernetes-list-map-keys":["protocol","port"]');
    expect(JSON.stringify(applied)).not.toMatch(/xKubernetes|_default/);
    expect(kube.state.serves('cloud.tencent.com/v1alpha1', 'TkeServiceConfig')).toBe(true);
    for (const o of exampleObjects()) kube.state.apply(o);
    expect(kube.state.get('tkeserviceconfigs', 'default/example-tke-service-config')).toMatchObject({ kind: 'TkeServiceConfig', metadata: { generation: 1 } });
    expect(kube.state.list('tkeserviceconfigs.cloud.tencent.com')).toHaveLength(1);
    expect(applyCrdsFrom(kube, CRDS)[0]?.metadata?.generation).toBe(1);
    expect(kube.state.served()).toContainEqual({ resource: 'tkeserviceconfigs', group: 'cloud.tencent.com', version: 'v1alpha1', apiVersion: 'cloud.tencent.com/v1alpha1', kind: 'TkeServiceConfig', namespaced: true });
  });
});

describe('fake kube API: custom resources through kubectl', () => {
  let kube: FakeKube;
  let dir: string;
  let run: (...args: string[]) => Promise<string>;
  const failure = async (...args: string[]) => {
    try {
      await run(...args);
    } catch (error) {
      return String((error as { stderr?: string }).stderr);
    }
    throw new Error(`kubectl ${args.join(' ')} succeeded`);
  };

  beforeAll(async () => {
    kube = await startFakeKube();
    dir = mkdtempSync(join(tmpdir(), 'kubectl-crd-'));
    writeFileSync(join(dir, 'kubeconfig'), kubeconfigYaml(kube.url));
    const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') };
    // Asynchronously: the fake answers from this process. Its own discovery cache, so nothing from other runs.
    run = async (...args) => (await promisify(execFile)('kubectl', [...args, '--request-timeout=20s', `--cache-dir=${join(dir, 'cache')}`], { env, encoding: 'utf8', cwd: ROOT })).stdout;
  });
  afterAll(async () => {
    await kube?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  kubectlIt('kubectl apply -f manifests/crds/ && kubectl apply -f the example; get tkeserviceconfigs | tsc | -o yaml; an out-of-range value refused naming the field; delete', async () => {
    expect(await run('apply', '-f', 'manifests/crds/')).toBe('customresourcedefinition.apiextensions.k8s.io/tkeserviceconfigs.cloud.tencent.com created\n');
    expect(await run('apply', '-f', 'manifests/examples/tke-service-config.yaml')).toBe('tkeserviceconfig.cloud.tencent.com/example-tke-service-config created\nservice/example-tke-service-config created\n');
    const table = (await run('get', 'tkeserviceconfigs')).trim().split('\n').map((l) => l.split(/\s+/));
    expect(table).toEqual([['NAME', 'AGE'], ['example-tke-service-config', expect.stringMatching(/^\d+s$/)]]);
    expect((await run('get', 'tsc', '-o', 'name'))).toBe('tkeserviceconfig.cloud.tencent.com/example-tke-service-config\n');
    const yaml = await run('get', 'tkeserviceconfigs', '-o', 'yaml');
    expect(yaml).toContain('kind: TkeServiceConfig');
    expect(yaml).toContain('sessionExpireTime: 3600');

    // A second apply with a change: kubectl computes a JSON merge patch (no strategic merge for custom resources).
    writeFileSync(join(dir, 'changed.yaml'), readFileSync(EXAMPLE, 'utf8').replace('intervalTime: 10', 'intervalTime: 20'));
    expect(await run('apply', '-f', join(dir, 'changed.yaml'))).toContain('tkeserviceconfig.cloud.tencent.com/example-tke-service-config configured');
    expect(await run('get', 'tsc', 'example-tke-service-config', '-o', 'jsonpath={.spec.loadBalancer.l4Listeners[0].healthCheck.intervalTime}')).toBe('20');
    expect(kube.requests.all({ resource: 'tkeserviceconfigs', verb: 'patch' }).map((r) => r.contentType)).toEqual(['application/merge-patch+json']);

    writeFileSync(join(dir, 'bad.yaml'), readFileSync(EXAMPLE, 'utf8').replace('name: example-tke-service-config\n  namespace', 'name: out-of-range\n  namespace').replace('intervalTime: 10', 'intervalTime: 500'));
    const stderr = await failure('apply', '-f', join(dir, 'bad.yaml'));
    expect(stderr).toContain('spec.loadBalancer.l4Listeners[0].healthCheck.intervalTime: Invalid value: 500: spec.loadBalancer.l4Listeners[0].healthCheck.intervalTime in body should be less than or equal to 300');
    expect(kube.state.get('tkeserviceconfigs', 'default/out-of-range')).toBeUndefined();
    expect(await failure('patch', 'tsc', 'example-tke-service-config', '--type=strategic', '-p', '{"spec":{}}')).toContain('application/strategic-merge-patch+json is not supported');

    expect(await run('delete', 'tsc', 'example-tke-service-config')).toBe('tkeserviceconfig.cloud.tencent.com "example-tke-service-config" deleted\n');
    await run('apply', '-f', 'manifests/examples/tke-service-config.yaml');
    expect(await run('delete', '-f', 'manifests/crds/')).toBe('customresourcedefinition.apiextensions.k8s.io "tkeserviceconfigs.cloud.tencent.com" deleted\n');
    expect(kube.state.served().some((r) => r.kind === 'TkeServiceConfig')).toBe(false);
    expect(await failure('get', 'tkeserviceconfigs')).toMatch(/the server doesn't have a resource type "tkeserviceconfigs"|could not find the requested resource/);
  }, 60_000);
});
