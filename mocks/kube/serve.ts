/**
 * The fake Kubernetes API as a process, for checks that run the controller elsewhere (another process, a
 * container sharing the host's network): starts it on 127.0.0.1 with three Ready nodes and one LoadBalancer
 * Service and the CRDs of manifests/crds/ (as a cluster the controller is deployed to has them), writes a
 * kubeconfig, and waits until that Service has a load-balancer address.
 *
 *   node dist/mocks/kube/serve.js --kubeconfig FILE [--timeout 120] [--port 0] [--crds manifests/crds]
 *
 * Prints `fake-kube: serving http://127.0.0.1:PORT` once the kubeconfig is written, then
 * `fake-kube: Service default/web got 203.0.113.x` and exits 0; exits 1 after the timeout.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { applyCrdsFrom } from './crds.js';
import { startFakeKube } from './server.js';

interface ServiceStatus {
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export const CI_NODES = [0, 1, 2].map((i) => {
  const ip = `10.0.1.${10 + i}`;
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: ip, labels: { 'kubernetes.io/hostname': ip, 'topology.kubernetes.io/zone': 'ap-guangzhou-3' } },
    spec: { providerID: `qcloud:///800002/ins-ci00000${i}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: ip }] },
  };
});

export const CI_SERVICE = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

/** A kubeconfig for a plain-HTTP server (kubectl and client-node both accept it). */
export function kubeconfigYaml(server: string, name = 'fake'): string {
  return [
    'apiVersion: v1', 'kind: Config', `current-context: ${name}`,
    'clusters:', `- name: ${name}`, '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true',
    'contexts:', `- name: ${name}`, '  context:', `    cluster: ${name}`, `    user: ${name}`, '    namespace: default',
    'users:', `- name: ${name}`, '  user:', `    token: ${name}`, '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, timeout: { type: 'string' }, port: { type: 'string' }, crds: { type: 'string' } }, strict: true });
  if (!values.kubeconfig) throw new Error('--kubeconfig FILE is required');
  const timeoutMs = Number(values.timeout ?? '120') * 1000;
  const kube = await startFakeKube({ seed: [...CI_NODES, CI_SERVICE], ...(values.port ? { port: Number(values.port) } : {}) });
  const crds = values.crds ?? 'manifests/crds';
  if (values.crds !== undefined || existsSync(crds)) applyCrdsFrom(kube, crds);
  writeFileSync(values.kubeconfig, kubeconfigYaml(kube.url));
  console.log(`fake-kube: serving ${kube.url}`);
  const deadline = Date.now() + timeoutMs;
  let address: string | undefined;
  while (!address && Date.now() < deadline) {
    await sleep(200);
    const ingress = kube.state.get<ServiceStatus>('services', 'default/web')?.status?.loadBalancer?.ingress?.[0];
    address = ingress?.ip ?? ingress?.hostname;
  }
  await kube.close();
  if (!address) {
    console.log(`fake-kube: Service default/web got no address in ${timeoutMs / 1000} s`);
    process.exit(1);
  }
  console.log(`fake-kube: Service default/web got ${address}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`fake-kube: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
