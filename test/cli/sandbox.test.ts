import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, type V1Service } from '@kubernetes/client-node';
import { portFor } from '../../mocks/cluster-net/addresses.js';
import { curlLine, explainExample, report, settle, startSandbox, type Sandbox } from '../../src/cli/sandbox.js';
import { waitFor } from '../support/service-rig.js';

// What `npm start` does: the examples applied to a fake cluster, converged against the mock cloud.
describe('the offline sandbox', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ examples: 'manifests/examples', kubeconfigPath: join(tmpdir(), `clb-sandbox-test-${process.pid}`, 'kubeconfig'), logLevel: 'silent' });
    await settle(sandbox, 800);
  }, 60_000);
  afterAll(async () => sandbox?.stop());

  it('converges every example: each LoadBalancer Service and Ingress has an address and no Warning (mode: skip ones aside)', () => {
    const text = report(sandbox);
    const objectRows = text.split('\n').filter((line) => /^(Service|Ingress)\s/.test(line));
    expect(objectRows.length).toBeGreaterThan(25);
    for (const row of objectRows) {
      if (/skip/.test(row)) continue;
      expect(row).toMatch(/\s(\d+\.\d+\.\d+\.\d+)\s+-$/);
    }
    expect(text).toMatch(/^CLB\s+TYPE\s+ADDRESS\s+OWNER\s+LISTENER\s+RULE\s+TARGETS/m);
  });

  it('serves the Kubernetes API it wrote a kubeconfig for, and the controller reacts to changes made through it', async () => {
    const core = sandbox.kube.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'added-later' }, spec: { type: 'LoadBalancer', selector: { app: 'added-later' }, ports: [{ port: 8080, protocol: 'TCP' }] } },
    });
    const ip = await waitFor(() => sandbox.kube.state.get<V1Service>('services', 'default/added-later')?.status?.loadBalancer?.ingress?.[0]?.ip, 'an address for the new Service');
    expect(ip).toMatch(/^203\.0\.113\./);
  });

  it('prints one explain: a direct-access Service synced on the mock cloud, each of its Pods a backend or why not', async () => {
    const text = await explainExample(sandbox);
    expect(text).toMatch(/^Why each node or Pod is \(not\) a backend — clb-controller explain service\/\S+ -n default --kubeconfig /);
    expect(text).toMatch(/Synced: +True — EnsuredLoadBalancer/);
    expect(text).toMatch(/Pending: +nothing: the CLB is as the object asks/);
    expect(text).toMatch(/✓ pod \S+ +172\.16\.\d+\.\d+:\d+ +Bound: a backend, weight \d+/);
  });

  it('serves /metrics, /healthz and /readyz as run does, with the controller\'s metrics', async () => {
    expect(sandbox.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/healthz', '/readyz']) expect((await fetch(`${sandbox.metricsUrl}${path}`)).status).toBe(200);
    const metrics = await (await fetch(`${sandbox.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^clb_controller_reconcile_total\{[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^clb_controller_cloud_api_calls_total\{[^}]*action="CreateLoadBalancer"[^}]*\} [1-9]/m);
  });
});

// What `clb-controller sandbox` does by default: the same, with the CLBs carrying real traffic on loopback.
describe('the offline sandbox with its data path', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ examples: 'manifests/examples', kubeconfigPath: join(tmpdir(), `clb-sandbox-dp-${process.pid}`, 'kubeconfig'), logLevel: 'silent', dataPath: true });
    await settle(sandbox, 800);
    await sandbox.dataPath!.sync();
  }, 60_000);
  afterAll(async () => sandbox?.stop());

  // node:http, not fetch: fetch does not send a Host header of our choosing.
  const get = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; location: string | undefined }>((resolve, reject) => {
      const req = request(url, { headers, agent: false, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
      });
      req.on('error', reject);
      req.end();
    });
  const vipOf = (kind: 'services' | 'ingresses', name: string) => sandbox.kube.state.get<V1Service>(kind, `default/${name}`)?.status?.loadBalancer?.ingress?.[0]?.ip ?? '';

  it('prints a curl line whose request a Pod of the Service answers, through the CLB\'s loopback VIP', async () => {
    const line = curlLine(sandbox)!;
    expect(line).toMatch(/^curl http:\/\/127\.100\.\d+\.\d+(:\d+)?\//);
    const url = /^curl (\S+)/.exec(line)![1]!;
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add((await get(url)).body.trim());
    expect(names).toEqual(new Set(['example-basic-0', 'example-basic-1']));
  });

  it('routes an Ingress by host, and answers the HTTP → HTTPS redirect the controller set', async () => {
    const basic = await get(`http://${vipOf('ingresses', 'example-ing-basic')}${portSuffix()}/`, { host: 'shop.example.com' });
    expect(basic.status).toBe(200);
    expect(basic.body).toMatch(/^example-ing-basic-web-\d/);
    const redirected = await get(`http://${vipOf('ingresses', 'example-ing-auto-rewrite')}${portSuffix()}/cart`, { host: 'shop.example.com' });
    expect(redirected.status).toBe(301);
    expect(redirected.location).toMatch(/^https:\/\/shop\.example\.com(:\d+)?\/cart$/);
  });
});

const portSuffix = () => (portFor(80) === 80 ? '' : `:${portFor(80)}`);
