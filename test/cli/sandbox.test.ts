import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, type V1Service } from '@kubernetes/client-node';
import { report, settle, startSandbox, type Sandbox } from '../../src/cli/sandbox.js';
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

  it('serves /metrics, /healthz and /readyz as run does, with the controller\'s metrics', async () => {
    expect(sandbox.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/healthz', '/readyz']) expect((await fetch(`${sandbox.metricsUrl}${path}`)).status).toBe(200);
    const metrics = await (await fetch(`${sandbox.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^clb_controller_reconcile_total\{[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^clb_controller_cloud_api_calls_total\{[^}]*action="CreateLoadBalancer"[^}]*\} [1-9]/m);
  });
});
