/**
 * The deploy manifests hang together: every file parses, the Deployment runs locked down (non-root, read-only
 * root, no capabilities), two replicas with probes on the metrics port, with its settings, credentials and leader
 * identity where the controller looks for them; the metrics Service, ServiceMonitor and PodDisruptionBudget select
 * it; and kustomization.yaml lists every manifest.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import {
  loadAllYaml, type V1ConfigMap, type V1Container, type V1Deployment, type V1IngressClass, type V1PodDisruptionBudget, type V1Secret, type V1Service,
  type V1ServiceAccount,
} from '@kubernetes/client-node';

const MANIFESTS = fileURLToPath(new URL('../../manifests/', import.meta.url));
const NAMESPACE = 'clb-controller';
/** Listed in manifests/ but deliberately not in kustomization.yaml (see its header). */
const NOT_IN_KUSTOMIZATION = ['credentials-secret.yaml'];

interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

const load = (file: string): Manifest[] => loadAllYaml(readFileSync(join(MANIFESTS, file), 'utf8')) as Manifest[];
const one = <T>(file: string, kind: string): T => {
  const found = load(file).filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`${file}: expected one ${kind}, found ${found.length}`);
  return found[0] as T;
};

const deployment = one<V1Deployment>('deployment.yaml', 'Deployment');
const pod = deployment.spec?.template.spec;
const container = (pod?.containers ?? [])[0] as V1Container;
const envValue = (name: string) => container.env?.find((e) => e.name === name);
const podLabels = deployment.spec?.template.metadata?.labels ?? {};
const selects = (selector: Record<string, string> | undefined) => Object.keys(selector ?? {}).length > 0 && Object.entries(selector ?? {}).every(([k, v]) => podLabels[k] === v);

describe('deploy manifests', () => {
  it('parse, every document a named object, and every file starts with a comment saying why', () => {
    const files = yamlFiles(MANIFESTS);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect({ file, header: text.startsWith('#') }).toEqual({ file, header: true });
      const objects = loadAllYaml(text) as (Manifest | null)[];
      expect(objects.length).toBeGreaterThan(0);
      for (const o of objects) {
        expect({ file, ok: Boolean(o?.apiVersion && o.kind && (o.metadata?.name || o.kind === 'Kustomization')) }).toEqual({ file, ok: true });
      }
    }
  });

  it('put every namespaced object of the deployment in the controller\'s namespace', () => {
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'IngressClass', 'Kustomization'];
    const objects = readdirSync(MANIFESTS).filter((f) => /\.ya?ml$/.test(f)).flatMap((f) => load(f).map((o) => ({ f, o })));
    expect(one<Manifest>('namespace.yaml', 'Namespace').metadata?.name).toBe(NAMESPACE);
    for (const { f, o } of objects.filter(({ o }) => !clusterScoped.includes(o.kind ?? ''))) {
      expect({ f, kind: o.kind, namespace: o.metadata?.namespace }).toEqual({ f, kind: o.kind, namespace: NAMESPACE });
    }
    expect(objects.filter(({ o }) => clusterScoped.includes(o.kind ?? '') && o.kind !== 'Namespace').every(({ o }) => o.metadata?.namespace === undefined)).toBe(true);
  });

  it('run two replicas of the image\'s `run` command, spread over nodes, with a PodDisruptionBudget keeping one', () => {
    expect(deployment.spec?.replicas).toBe(2);
    expect(container.image).toBe('clb-controller:latest');
    expect(container.args).toEqual(['run']);
    expect(container.command).toBeUndefined();
    expect(pod?.terminationGracePeriodSeconds).toBe(30);
    expect(selects(deployment.spec?.selector.matchLabels)).toBe(true);
    expect(pod?.topologySpreadConstraints?.some((t) => t.topologyKey === 'kubernetes.io/hostname' && selects(t.labelSelector?.matchLabels))).toBe(true);
    expect(pod?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.some((p) => p.podAffinityTerm.topologyKey === 'kubernetes.io/hostname')).toBe(true);
    const pdb = one<V1PodDisruptionBudget>('deployment.yaml', 'PodDisruptionBudget');
    expect(pdb.spec?.minAvailable).toBe(1);
    expect(selects(pdb.spec?.selector?.matchLabels)).toBe(true);
  });

  it('run non-root on a read-only root filesystem, without privilege escalation or capabilities (Pod Security "restricted")', () => {
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext?.capabilities?.add).toBeUndefined();
    expect(pod?.hostNetwork ?? false).toBe(false);
    expect(one<Manifest>('namespace.yaml', 'Namespace').metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // The same uid as the image (Dockerfile USER), so the mounted credentials are readable through fsGroup.
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(pod?.securityContext?.fsGroup).toBe(65532);
    expect(container.resources?.requests).toBeDefined();
    expect(container.resources?.limits?.memory).toBeDefined();
  });

  it('probe /healthz and /readyz on the named metrics port, which the metrics Service and ServiceMonitor scrape', () => {
    const port = container.ports?.find((p) => p.name === 'http-metrics');
    expect(port?.containerPort).toBe(8080);
    expect(container.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http-metrics' });
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http-metrics' });
    const service = one<V1Service>('service-metrics.yaml', 'Service');
    expect(service.spec?.type).toBe('ClusterIP');
    expect(selects(service.spec?.selector)).toBe(true);
    expect(service.spec?.ports).toEqual([expect.objectContaining({ name: 'http-metrics', port: 8080, targetPort: 'http-metrics' })]);
    const monitor = one<Manifest & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } }>('servicemonitor.yaml', 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => service.metadata?.labels?.[k] === v)).toBe(true);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http-metrics', path: '/metrics' })]);
  });

  it('hand the container its settings, read-only credential files and its leader identity', () => {
    const config = one<V1ConfigMap>('config.yaml', 'ConfigMap');
    expect(container.envFrom).toEqual([{ configMapRef: { name: config.metadata?.name } }]);
    const data = config.data ?? {};
    for (const name of ['CLB_CLUSTER_ID', 'CLB_VPC_ID', 'CLB_REGION', 'CLB_ACCOUNT_UIN', 'CLB_PROVIDER', 'CLB_WORKERS', 'CLB_RESYNC_PERIOD', 'CLB_LOG_LEVEL', 'CLB_DEFAULT_INGRESS_CLASS', 'CLB_LEADER_ELECT']) {
      expect({ name, set: typeof data[name] === 'string' && data[name] !== '' }).toEqual({ name, set: true });
    }
    expect(Object.values(data).every((v) => typeof v === 'string')).toBe(true);
    expect(data.CLB_PROVIDER).toBe('tencentcloud');
    expect(data.CLB_LEADER_ELECT).toBe('true');
    expect(data.CLB_METRICS_PORT ?? '8080').toBe(String(container.ports?.find((p) => p.name === 'http-metrics')?.containerPort));
    // The header lists every variable the ConfigMap sets, for whoever aligns the CLI with it.
    const header = readFileSync(join(MANIFESTS, 'config.yaml'), 'utf8').split('\napiVersion:')[0] ?? '';
    for (const name of Object.keys(data)) expect({ name, documented: header.includes(name) }).toEqual({ name, documented: true });

    // Credentials: the Secret of credentials-secret.yaml, mounted read-only as files where CLB_CREDENTIALS_DIR points.
    const secret = one<V1Secret>('credentials-secret.yaml', 'Secret');
    const volume = pod?.volumes?.find((v) => v.secret?.secretName === secret.metadata?.name);
    expect(volume).toBeDefined();
    const mount = container.volumeMounts?.find((m) => m.name === volume?.name);
    expect(mount).toMatchObject({ mountPath: '/etc/clb-controller/credentials', readOnly: true });
    expect(mount?.subPath).toBeUndefined();
    // Readable by the fsGroup, not by others: 0440.
    expect(volume?.secret?.defaultMode).toBe(0o440);
    expect(envValue('CLB_CREDENTIALS_DIR')?.value).toBe(mount?.mountPath);
    expect(secret.metadata?.namespace).toBe(deployment.metadata?.namespace);

    // Leader election: the Pod's name is its identity, its namespace the Lease's (where rbac.yaml's Role is).
    expect(envValue('POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(envValue('POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
    const role = load('rbac.yaml').find((o) => o.kind === 'Role');
    expect(role?.metadata?.namespace).toBe(deployment.metadata?.namespace);

    // The ServiceAccount the RBAC bindings name.
    const account = one<V1ServiceAccount>('serviceaccount.yaml', 'ServiceAccount');
    expect(pod?.serviceAccountName).toBe(account.metadata?.name);
    const subjects = load('rbac.yaml').flatMap((o) => ((o as { subjects?: { kind: string; name: string; namespace: string }[] }).subjects ?? []));
    expect(subjects.length).toBe(2);
    expect(subjects.every((s) => s.kind === 'ServiceAccount' && s.name === account.metadata?.name && s.namespace === account.metadata?.namespace)).toBe(true);
  });

  it('declare the IngressClass qcloud for the controller, not as the default class', () => {
    const ingressClass = one<V1IngressClass>('ingressclass.yaml', 'IngressClass');
    expect(ingressClass.metadata?.name).toBe('qcloud');
    expect(ingressClass.spec?.controller).toBe('cloud.tencent.com/clb-controller');
    expect(ingressClass.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class']).toBeUndefined();
  });

  it('run the image the Dockerfile builds: Node 24, non-root, `node dist/src/cli/main.js run`, port 8080', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+ /.test(l));
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual(['FROM ${NODE_IMAGE} AS npm', 'FROM npm AS build', 'FROM npm AS deps', 'FROM ${NODE_IMAGE} AS runtime']);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-[a-z]+-slim$/m);
    // Installed before the sources are copied, so without scripts (`prepare` would compile nothing yet).
    expect(dockerfile).toMatch(/^RUN npm ci --ignore-scripts/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev --ignore-scripts/m);
    expect(instructions.slice(-4)).toEqual(['USER 65532:65532', 'EXPOSE 8080', 'ENTRYPOINT ["node", "dist/src/cli/main.js"]', 'CMD ["run"]']);
    // tsconfig.build.json emits src/cli/main.ts there (rootDir "."), and the context keeps what the build needs.
    const build = JSON.parse(readFileSync(new URL('../../tsconfig.build.json', import.meta.url), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(build.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    expect(statSync(new URL('../../src/cli/main.ts', import.meta.url)).isFile()).toBe(true);
    const ignored = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    for (const needed of ['src', 'providers', 'mocks', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(ignored).not.toContain(needed);
  });

  it('are all listed in kustomization.yaml, which lists nothing else', () => {
    const kustomization = one<Manifest & { resources?: string[] }>('kustomization.yaml', 'Kustomization');
    const manifests = readdirSync(MANIFESTS).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml' && !NOT_IN_KUSTOMIZATION.includes(f)).sort();
    expect([...(kustomization.resources ?? [])].sort()).toEqual(manifests);
    for (const file of NOT_IN_KUSTOMIZATION) expect(readdirSync(MANIFESTS)).toContain(file);
  });
});
