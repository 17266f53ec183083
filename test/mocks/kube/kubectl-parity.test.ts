/**
 * What kubectl needs of an API server, checked on the wire: server-side Tables, the OpenAPI v3 document
 * that tells kubectl the server validates, and that validation (422 with field paths), strategic merge
 * patches as kubectl apply sends them. When kubectl is installed, `kubectl get` prints the real columns.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../../mocks/kube/index.js';
import { applyStrategicMergePatch } from '../../../mocks/kube/patch.js';
import { kubeconfigYaml } from '../../../mocks/kube/serve.js';
import { humanDuration } from '../../../mocks/kube/tables.js';
import { apiError, kubectlIt, service } from './support.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const NOW = new Date('2026-01-01T12:00:00Z');

interface Table { kind: string; columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object?: { kind: string; metadata: { name: string } } }[] }

describe('the fake API answers kubectl as a cluster does', () => {
  let kube: FakeKube;
  const get = async (path: string, accept = TABLE) => {
    const res = await fetch(`${kube.url}${path}`, { headers: { Accept: accept } });
    return { status: res.status, body: (await res.json()) as Table & Record<string, unknown> };
  };
  const columns = (table: Table) => table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name);

  beforeAll(async () => {
    let clock = new Date(NOW.getTime() - 5 * 60_000);
    kube = await startFakeKube({ now: () => clock });
    kube.state.seed(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.34.0' } } },
      { ...service('web', { type: 'LoadBalancer' }), status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } },
      service('pending', { type: 'LoadBalancer' }),
      service('internal'),
      {
        apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'shop', namespace: 'default' },
        spec: { ingressClassName: 'qcloud', tls: [{ hosts: ['shop.example.com'] }], rules: [{ host: 'shop.example.com' }, { host: 'admin.example.com' }] },
        status: { loadBalancer: { ingress: [{ ip: '203.0.113.8' }] } },
      },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running', podIP: '172.16.0.9', containerStatuses: [{ name: 'c', ready: true, restartCount: 2 }] } },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'default' }, addressType: 'IPv4', ports: [{ port: 8080 }], endpoints: [{ addresses: ['172.16.0.9'] }] },
      { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Service', name: 'web', namespace: 'default' }, type: 'Warning', reason: 'SyncLoadBalancerFailed', message: 'bad annotation', lastTimestamp: '2026-01-01T11:59:30Z', count: 1 },
    );
    clock = NOW;
  });
  afterAll(async () => kube?.close());

  it('prints Services with the columns and cells of the real server (type, cluster IP, address or <pending>, ports with node ports, age)', async () => {
    const { status, body } = await get('/api/v1/namespaces/default/services');
    expect(status).toBe(200);
    expect(body.kind).toBe('Table');
    expect(columns(body)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
    const rows = Object.fromEntries(body.rows.map((r) => [r.cells[0], r.cells]));
    expect(rows.web).toEqual(['web', 'LoadBalancer', expect.stringMatching(/^10\.96\./), '203.0.113.7', expect.stringMatching(/^80:3\d{4}\/TCP$/), '5m', 'app=web']);
    expect(rows.pending?.[3]).toBe('<pending>');
    expect(rows.internal?.slice(1, 5)).toEqual(['ClusterIP', expect.any(String), '<none>', '80/TCP']);
    expect(body.rows[0]?.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: expect.any(String) }) });
  });

  it('prints one object on a GET, the whole object with includeObject=Object, and JSON when no Table is asked for', async () => {
    const one = await get('/api/v1/namespaces/default/services/web?includeObject=Object');
    expect(one.body.rows).toHaveLength(1);
    expect(one.body.rows[0]?.object).toMatchObject({ kind: 'Service', metadata: { name: 'web' }, spec: { type: 'LoadBalancer' } });
    expect((await get('/api/v1/namespaces/default/services/web', 'application/json')).body.kind).toBe('Service');
  });

  it('prints Ingresses, Nodes, Pods, EndpointSlices and Events with their columns', async () => {
    const ing = (await get('/apis/networking.k8s.io/v1/namespaces/default/ingresses')).body;
    expect(columns(ing)).toEqual(['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    expect(ing.rows[0]?.cells).toEqual(['shop', 'qcloud', 'shop.example.com,admin.example.com', '203.0.113.8', '80, 443', '5m']);
    const nodes = (await get('/api/v1/nodes')).body;
    expect(columns(nodes)).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version']);
    expect(nodes.rows[0]?.cells.slice(0, 5)).toEqual(['n1', 'Ready', '<none>', '5m', 'v1.34.0']);
    const pods = (await get('/api/v1/namespaces/default/pods')).body;
    expect(columns(pods)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(pods.rows[0]?.cells.slice(0, 5)).toEqual(['web-0', '1/1', 'Running', 2, '5m']);
    const slices = (await get('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices')).body;
    expect(columns(slices)).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    expect(slices.rows[0]?.cells).toEqual(['web-abc', 'IPv4', '8080', '172.16.0.9', '5m']);
    const events = (await get('/api/v1/namespaces/default/events')).body;
    expect(columns(events)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    expect(events.rows[0]?.cells.slice(0, 4)).toEqual(['30s', 'Warning', 'SyncLoadBalancerFailed', 'service/web']);
  });

  it('sends watch events as one-row Tables when a Table is asked for (kubectl get -w)', async () => {
    const controller = new AbortController();
    const res = await fetch(`${kube.url}/api/v1/namespaces/default/services?watch=true&resourceVersion=1`, { headers: { Accept: TABLE }, signal: controller.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const event = JSON.parse(text.split('\n')[0] ?? '') as { type: string; object: Table };
    expect(event.type).toBe('ADDED');
    expect(event.object.kind).toBe('Table');
    expect(event.object.rows).toHaveLength(1);
  });

  it('formats ages as apimachinery does', () => {
    expect([59_000, 150_000, 3_600_000, 5 * 3_600_000 + 60_000, 30 * 3_600_000, 3 * 86_400_000, 400 * 86_400_000].map(humanDuration))
      .toEqual(['59s', '2m30s', '60m', '5h1m', '30h', '3d', '400d']);
  });

  it('serves OpenAPI v3: every group/version, with the fieldValidation parameter on writes (so kubectl leaves validation to the server)', async () => {
    const root = (await get('/openapi/v3', 'application/json')).body as unknown as { paths: Record<string, { serverRelativeURL: string }> };
    expect(Object.keys(root.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/networking.k8s.io/v1', 'apis/apps/v1', 'apis/rbac.authorization.k8s.io/v1']));
    const doc = (await get(root.paths['api/v1']?.serverRelativeURL ?? '', 'application/json')).body as unknown as { paths: Record<string, { patch?: { parameters: { name: string }[]; 'x-kubernetes-group-version-kind': unknown } }> };
    const patch = doc.paths['/api/v1/namespaces/{namespace}/services/{name}']?.patch;
    expect(patch?.['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Service' });
    expect(patch?.parameters.map((p) => p.name)).toContain('fieldValidation');
    expect((await get('/openapi/v3/apis/nothing.example.com/v1', 'application/json')).status).toBe(404);
  });

  it('rejects wrong types and missing required fields with 422 and the field path (schemas of kubernetes-models)', async () => {
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const body = { metadata: { name: 'bad' }, spec: { ports: [{ port: 'eighty' }, { targetPort: 80 }] } } as never;
    const { code, status } = await apiError(core.createNamespacedService({ namespace: 'default', body }));
    expect(code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.message).toContain('spec.ports[0].port: Invalid value: "eighty": must be of type integer');
    expect(status.message).toContain('spec.ports[1].port: Required value');
    expect(status.details?.causes?.map((c) => c.field)).toEqual(['spec.ports[0].port', 'spec.ports[1].port']);
    expect(kube.state.get('services', 'default/bad')).toBeUndefined();
  });

  it('rejects unknown fields under fieldValidation=Strict (what kubectl sends), warns otherwise', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'typo' }, spec: { ports: [{ port: 80, tagetPort: 8080 }], bogus: true } });
    const post = (query: string) => fetch(`${kube.url}/api/v1/namespaces/default/services${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const strict = await post('?fieldValidation=Strict');
    expect(strict.status).toBe(422);
    const status = (await strict.json()) as { message: string };
    expect(status.message).toContain('unknown field "spec.ports[0].tagetPort"');
    expect(status.message).toContain('unknown field "spec.bogus"');
    const warned = await post('');
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toContain('unknown field \\"spec.bogus\\"');
  });

  it('validates the result of a patch: a patch that makes the object invalid is refused and changes nothing', async () => {
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const before = kube.state.get('services', 'default/internal');
    const { code, status } = await apiError(core.patchNamespacedService({ name: 'internal', namespace: 'default', body: { spec: { type: 7 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    expect(code).toBe(422);
    expect(status.message).toContain('spec.type: Invalid value: 7: must be of type string');
    expect(kube.state.get('services', 'default/internal')).toEqual(before);
  });

  it('applies strategic merge patches with the directives kubectl apply sends', () => {
    const current = { spec: { ports: [{ name: 'a', port: 80, nodePort: 30001 }, { name: 'b', port: 81 }, { name: 'c', port: 82 }] }, metadata: { finalizers: ['x'] } };
    const patch = {
      spec: { '$setElementOrder/ports': [{ port: 9090 }, { port: 81 }], ports: [{ name: 'a', port: 9090 }, { $patch: 'delete', port: 80 }, { $patch: 'delete', port: 82 }] },
      metadata: { '$setElementOrder/finalizers': ['x', 'y'], finalizers: ['y'] },
    };
    expect(applyStrategicMergePatch(current, patch)).toEqual({
      spec: { ports: [{ name: 'a', port: 9090 }, { name: 'b', port: 81 }] },
      metadata: { finalizers: ['x', 'y'] },
    });
  });

  kubectlIt('kubectl get services prints the real columns; kubectl apply validates without --validate=false and names the bad field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-parity-'));
    try {
      writeFileSync(join(dir, 'kubeconfig'), kubeconfigYaml(kube.url));
      const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') };
      // Asynchronously: the fake answers from this process.
      const run = async (...args: string[]) => (await promisify(execFile)('kubectl', [...args, '--request-timeout=20s'], { env, encoding: 'utf8' })).stdout;
      expect((await run('get', 'services')).split('\n')[0]).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
      writeFileSync(join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: applied}\nspec:\n  ports: [{port: 80}]\n');
      expect(await run('apply', '-f', join(dir, 'ok.yaml'))).toContain('service/applied created');
      writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: rejected}\nspec:\n  ports: [{port: 80, tagetPort: 8080}]\n');
      let stderr = '';
      try {
        await run('apply', '-f', join(dir, 'bad.yaml'));
      } catch (error) {
        stderr = String((error as { stderr?: string }).stderr);
      }
      expect(stderr).toContain('spec.ports[0].tagetPort');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
