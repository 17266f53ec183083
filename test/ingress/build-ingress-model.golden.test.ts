/**
 * Golden tests for the Ingress model builder: test/fixtures/ingress/<case>.yaml (the Ingress plus the Services,
 * Secrets, EndpointSlices and Pods particular to the case, on top of the shared _cluster.yaml) → buildIngressModel
 * → the whole IngressBuildResult, compared with test/golden/ingress/<case>.json. Table tests cover the class
 * predicate, the references and the lifecycle annotations.
 *
 * The goldens are a reviewed spec, not a recording. `UPDATE_GOLDEN=1` rewrites them; read every changed file
 * before keeping it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { asJson, expectGolden, fixtureCases, staleGoldens } from '../support/golden.js';
import { loadAllYaml, type KubernetesObject, type V1Ingress } from '@kubernetes/client-node';
import type { Subnet } from '../../providers/provider.js';
import { loadIngressInputs } from '../../src/ingress/load-ingress-inputs.js';
import { viewOf } from '../../src/kube/cluster-view.js';
import { buildIngressModel, ingressReferences, isQcloudIngress, type IngressInputs, type IngressSettings } from '../../src/ingress/build-ingress-model.js';
import { parseIngressLifecycle, parseListenPorts } from '../../src/ingress/ingress-annotations.js';

const FIXTURES = new URL('../fixtures/ingress/', import.meta.url);
const GOLDEN = new URL('../golden/ingress/', import.meta.url);

const SETTINGS: IngressSettings = { clusterId: 'cls-golden', vpcId: 'vpc-cluster1', defaultClass: true };

/** The subnets the cloud knows about; any other id does not exist. */
const SUBNETS: readonly Subnet[] = [
  { id: 'subnet-lb000001', vpcId: 'vpc-cluster1', cidr: '10.0.2.0/24', zone: 'ap-guangzhou-3' },
  { id: 'subnet-other001', vpcId: 'vpc-another1', cidr: '172.16.0.0/24', zone: 'ap-guangzhou-3' },
];

const KINDS = ['Ingress', 'Service', 'Node', 'Secret', 'EndpointSlice', 'Pod'] as const;
type Objects = { readonly [K in (typeof KINDS)[number]]: KubernetesObject[] };

function loadObjects(file: string): Objects {
  const objects = loadAllYaml(readFileSync(new URL(file, FIXTURES), 'utf8')).filter(Boolean) as KubernetesObject[];
  const unknown = objects.filter((o) => !(KINDS as readonly string[]).includes(o.kind ?? ''));
  if (unknown.length) throw new Error(`${file}: unexpected kinds ${unknown.map((o) => o.kind).join(', ')}`);
  return Object.fromEntries(KINDS.map((kind) => [kind, objects.filter((o) => o.kind === kind)])) as unknown as Objects;
}

const cluster = loadObjects('_cluster.yaml');
const nameOf = (o: KubernetesObject) => o.metadata?.name ?? '';
const namespaceOf = (o: KubernetesObject) => o.metadata?.namespace ?? 'default';

/** What the reconciler loads for an Ingress: every node; its namespace's Services, slices, Secrets (and Pods, direct). */
/** The objects of the last case loaded (the purity test checks them untouched: the inputs look them up). */
let world: readonly KubernetesObject[] = [];

function inputsFor(caseName: string): IngressInputs {
  const own = loadObjects(`${caseName}.yaml`);
  const [ingress, ...more] = own.Ingress as V1Ingress[];
  if (!ingress || more.length) throw new Error(`${caseName}.yaml: expected exactly one Ingress, found ${own.Ingress.length}`);
  // A case's object replaces the cluster's object of the same kind and name.
  const merged = (kind: (typeof KINDS)[number]) =>
    [...cluster[kind].filter((c) => !own[kind].some((o) => nameOf(o) === nameOf(c) && namespaceOf(o) === namespaceOf(c))), ...own[kind]];
  // The reconciler's own loader, over the case's cluster.
  world = (['Service', 'Node', 'Secret', 'EndpointSlice', 'Pod'] as const).flatMap((kind) => merged(kind).map((o) => ({ ...o, kind })));
  const view = viewOf(world);
  return loadIngressInputs(view, ingress, new Map(SUBNETS.map((s) => [s.id, s])));
}

const cases = fixtureCases(FIXTURES);

describe('buildIngressModel goldens', () => {
  it('finds the cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s', (caseName) => {
    expectGolden(GOLDEN, caseName, buildIngressModel(inputsFor(caseName), SETTINGS));
  });

  it('has a fixture for every golden (no stale goldens)', () => {
    expect(staleGoldens(GOLDEN, cases)).toEqual([]);
  });
});

/** Invariants every built model keeps, whatever the case. */
describe('buildIngressModel invariants', () => {
  it.each(cases)('%s', (caseName) => {
    const result = buildIngressModel(inputsFor(caseName), SETTINGS);
    if (!result.ok) {
      expect(result.problems.length).toBeGreaterThan(0);
      return;
    }
    const { loadBalancer, listeners } = result.model;
    if (loadBalancer.kind === 'create') expect(loadBalancer.name.length).toBeLessThanOrEqual(60);
    for (const listener of listeners) {
      expect(listener.name.length).toBeLessThanOrEqual(80);
      const keys = listener.rules.map((r) => [r.domain, r.url] as const);
      expect(new Set(keys.map(([d, u]) => `${d} ${u}`)).size).toBe(keys.length);
      // Sorted by domain, then url.
      for (const [i, [domain, url]] of keys.entries()) {
        const [nextDomain, nextUrl] = keys[i + 1] ?? [];
        if (nextDomain !== undefined && nextUrl !== undefined) expect(domain < nextDomain || (domain === nextDomain && url < nextUrl)).toBe(true);
      }
      for (const rule of listener.rules) {
        expect(rule.url.length).toBeLessThanOrEqual(120);
        if (rule.redirect) {
          expect(rule.targets).toEqual([]);
          // The target exists and does not redirect (no chains).
          const target = listeners.find((l) => l.port === rule.redirect!.port)?.rules.find((r) => r.domain === rule.redirect!.domain && r.url === rule.redirect!.url);
          expect(target).toBeDefined();
          expect(target?.redirect).toBeUndefined();
        }
        if (listener.protocol === 'HTTPS' && listener.sniEnabled) expect(rule.certificate).toBeDefined();
        if (listener.protocol === 'HTTP') expect(rule.certificate).toBeUndefined();
      }
      if (listener.protocol === 'HTTPS' && !listener.sniEnabled) expect(listener.certificate).toBeDefined();
    }
    expect(result.skippedRules).toBeGreaterThanOrEqual(0);
    if (result.skippedRules > 0) expect(result.warnings.length).toBeGreaterThan(0);
  });
});

describe('buildIngressModel purity', () => {
  const snapshot = (inputs: IngressInputs) => structuredClone({ ...inputs, services: undefined, pods: undefined, secrets: undefined, subnets: [...inputs.subnets], world });
  it.each(cases)('%s: same inputs, same result, inputs untouched', (caseName) => {
    const inputs = inputsFor(caseName);
    const before = snapshot(inputs);
    const first = asJson(buildIngressModel(inputs, SETTINGS));
    const second = asJson(buildIngressModel(inputs, SETTINGS));
    expect(second).toBe(first);
    expect(snapshot(inputs)).toEqual(before);
  });
});

const ingress = (spec: V1Ingress['spec'], annotations?: Record<string, string>): V1Ingress => ({ metadata: { name: 'ing', namespace: 'default', ...(annotations ? { annotations } : {}) }, spec });

describe('isQcloudIngress', () => {
  const LEGACY = 'kubernetes.io/ingress.class';
  it.each<{ name: string; given: V1Ingress; defaultClass: boolean; want: boolean }>([
    { name: 'ingressClassName qcloud', given: ingress({ ingressClassName: 'qcloud' }), defaultClass: false, want: true },
    { name: 'ingressClassName of another controller', given: ingress({ ingressClassName: 'nginx' }), defaultClass: true, want: false },
    { name: 'legacy annotation qcloud', given: ingress({}, { [LEGACY]: 'qcloud' }), defaultClass: false, want: true },
    { name: 'legacy annotation of another controller', given: ingress({}, { [LEGACY]: 'nginx' }), defaultClass: true, want: false },
    { name: 'no class, the controller is the default class', given: ingress({}), defaultClass: true, want: true },
    { name: 'no class, the controller is not the default class', given: ingress({}), defaultClass: false, want: false },
    { name: 'no spec at all, default class', given: { metadata: { name: 'bare' } }, defaultClass: true, want: true },
    { name: 'ingressClassName wins over the annotation', given: ingress({ ingressClassName: 'nginx' }, { [LEGACY]: 'qcloud' }), defaultClass: true, want: false },
    { name: 'empty ingressClassName counts as unset', given: ingress({ ingressClassName: '' }, { [LEGACY]: 'qcloud' }), defaultClass: false, want: true },
  ])('$name', ({ given, defaultClass, want }) => {
    expect(isQcloudIngress(given, { ...SETTINGS, defaultClass })).toBe(want);
  });
});

describe('ingressReferences', () => {
  it('lists backend Services (rules, default backend, rule annotations) and TLS Secrets, sorted and unique', () => {
    const given = ingress(
      {
        defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
        tls: [{ secretName: 'cert-b' }, { hosts: ['a.example.com'], secretName: 'cert-a' }, { hosts: ['c.example.com'] }],
        rules: [
          { host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
          { host: 'b.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } },
          { host: 'c.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { resource: { kind: 'Bucket', name: 'b' } } }] } },
        ],
      },
      {
        'kubernetes.io/ingress.http-rules': '[{"host":"x.example.com","path":"/","backend":{"serviceName":"api","servicePort":"80"}}]',
        'kubernetes.io/ingress.https-rules': 'not json',
      },
    );
    expect(ingressReferences(given)).toEqual({ services: ['api', 'fallback', 'web'], secrets: ['cert-a', 'cert-b'] });
  });

  it('is empty for an Ingress without backends or TLS', () => {
    expect(ingressReferences(ingress({}))).toEqual({ services: [], secrets: [] });
  });
});

describe('parseIngressLifecycle', () => {
  const MODE = 'ingress.cloud.tencent.com/mode';
  const RETAIN = 'ingress.cloud.tencent.com/loadbalance-retain';
  const PROTECT = 'ingress.cloud.tencent.com/deletion-protection';
  it.each<{ name: string; given: Record<string, string>; want: { skip: boolean; retain: boolean; deletionProtection: boolean | undefined }; problems: string[] }>([
    { name: 'nothing set: protection left as the CLB has it', given: {}, want: { skip: false, retain: false, deletionProtection: undefined }, problems: [] },
    { name: 'all set', given: { [MODE]: 'skip', [RETAIN]: 'true', [PROTECT]: 'true' }, want: { skip: true, retain: true, deletionProtection: true }, problems: [] },
    { name: 'explicit false', given: { [RETAIN]: 'false', [PROTECT]: 'false' }, want: { skip: false, retain: false, deletionProtection: false }, problems: [] },
    { name: 'invalid mode: no skip', given: { [MODE]: 'Skip' }, want: { skip: false, retain: false, deletionProtection: undefined }, problems: [MODE] },
    { name: 'invalid retain: retained (never delete on a typo)', given: { [RETAIN]: 'yes' }, want: { skip: false, retain: true, deletionProtection: undefined }, problems: [RETAIN] },
    { name: 'invalid deletion protection: left as it is', given: { [PROTECT]: 'on' }, want: { skip: false, retain: false, deletionProtection: undefined }, problems: [PROTECT] },
  ])('$name', ({ given, want, problems }) => {
    const lifecycle = parseIngressLifecycle(ingress({}, given));
    expect({ skip: lifecycle.skip, retain: lifecycle.retain, deletionProtection: lifecycle.deletionProtection }).toEqual(want);
    expect(lifecycle.problems.map((p) => p.field)).toEqual(problems);
    for (const p of lifecycle.problems) expect(p.eventReason).toBe('InvalidAnnotation');
  });
});

describe('parseListenPorts', () => {
  const FIELD = 'ingress.cloud.tencent.com/listen-ports';
  it.each([
    { given: '[{"HTTP":80},{"HTTPS":443}]', want: { http: 80, https: 443 } },
    { given: '[{"HTTPS":8443}]', want: { https: 8443 } },
    { given: '[{"HTTP":8080}]', want: { http: 8080 } },
  ])('accepts $given', ({ given, want }) => {
    expect(parseListenPorts(FIELD, given)).toEqual({ ok: true, value: want });
  });
  it.each([
    { given: '{"HTTP":80}', reason: /JSON array/ },
    { given: '[{"HTTP":80', reason: /not valid JSON/ },
    { given: '[]', reason: /at least one/ },
    { given: '[{"HTTP":80,"HTTPS":443}]', reason: /one key/ },
    { given: '[{"TCP":80}]', reason: /protocol TCP is not accepted/ },
    { given: '[{"HTTP":0}]', reason: /1 to 65535/ },
    { given: '[{"HTTP":"80"}]', reason: /1 to 65535/ },
    { given: '[{"HTTP":80},{"HTTPS":80}]', reason: /port 80 is listed twice/ },
    { given: '[{"HTTP":80},{"HTTP":8080}]', reason: /HTTP is listed twice/ },
  ])('refuses $given', ({ given, reason }) => {
    const parsed = parseListenPorts(FIELD, given);
    if (parsed.ok) throw new Error(`accepted ${given}`);
    expect(parsed.problem).toMatchObject({ field: FIELD, value: given, eventReason: 'InvalidAnnotation' });
    expect(parsed.problem.reason).toMatch(reason);
  });
});
