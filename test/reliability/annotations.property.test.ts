/**
 * Scenario 12: random annotation maps (property-based, fast-check) over every Service and Ingress annotation key,
 * with random, malformed and plausible values. The pure builders never throw, and every problem they report names
 * one of the annotations given; the reconcilers (over the mock cloud) never fail with anything but a user error,
 * and every Warning they emit names one of the annotations given. A value known to be bad always gets its Warning.
 */
import { describe, expect, it } from '@jest/globals';
import type { CoreV1Api, V1Ingress, V1Node, V1Service } from '@kubernetes/client-node';
import fc from 'fast-check';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { INGRESS_ANNOTATIONS, SERVICE_ANNOTATIONS } from '../../src/annotations/keys.js';
import { IngressReconciler } from '../../src/controllers/ingress-adapter.js';
import { ServiceReconciler } from '../../src/controllers/service-adapter.js';
import { storeOf } from '../../src/kube/cluster-view.js';
import { ActualStateCache } from '../../src/deploy/actual-cache.js';
import { buildIngressModel } from '../../src/ingress/build-ingress-model.js';
import type { EventSink } from '../../src/kube/events.js';
import { memoryWriter } from '../../src/kube/object-writer.js';
import { ReadinessGates } from '../../src/kube/readiness-gates.js';
import { TerminalError } from '../../src/runtime/controller.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { buildServiceModel } from '../../src/service/build-service-model.js';

const SETTINGS = { clusterId: 'cls-prop', vpcId: 'vpc-cluster1' };
const INGRESS_SETTINGS = { ...SETTINGS, defaultClass: false };

const node = (i: number): V1Node => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: { name: `10.0.1.${i}`, labels: { zone: i % 2 ? 'a' : 'b' } },
  spec: { providerID: `qcloud:///800002/ins-${String(i).padStart(8, '0')}` },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});
const NODES = [node(1), node(2)];
const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, data: { qcloud_cert_id: Buffer.from('cert-1').toString('base64') } };
const slice = {
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }, { name: 'p1', port: 5353, protocol: 'UDP' }],
  endpoints: [{ addresses: ['172.16.0.10'], nodeName: '10.0.1.1', conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default' } }],
};

function serviceWith(annotations: Record<string, string>): V1Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: '11111111-2222-3333-4444-555555555555', resourceVersion: '1', annotations },
    spec: {
      type: 'LoadBalancer', selector: { app: 'web' }, externalTrafficPolicy: 'Local',
      ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 as never, nodePort: 30080 }, { name: 'p1', port: 53, protocol: 'UDP', targetPort: 5353 as never, nodePort: 30053 }],
    },
  };
}
const backend = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }] } } as V1Service;
function ingressWith(annotations: Record<string, string>): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'default', uid: '66666666-2222-3333-4444-555555555555', resourceVersion: '1', annotations },
    spec: { ingressClassName: 'qcloud', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  };
}

/** Values worth trying on any key: each is valid for some annotation, or almost. */
const PLAUSIBLE = [
  'true', 'false', 'TRUE', 'yes', '', ' ', 'skip', 'lb-abcdefgh', 'lb-missing0', 'lb-ABC', 'subnet-lb000001', 'subnet-other001', 'subnet-missing1',
  'sg-aaaaaaaa', 'sg-aaaaaaaa,sg-bbbbbbbb', 'sg-1', '0', '1', '100', '2048', '2049', '-1', '1e3', 'NaN', 'BANDWIDTH_POSTPAID_BY_HOUR', 'TRAFFIC_POSTPAID_BY_HOUR',
  'zone=a', 'zone in (a,b)', '!zone', 'zone!=b', '==', '{}', '[]', 'null', '{"a":1}', '{"VipIsp":"CMCC"}', '{"VpcId":"vpc-x"}', '{"ZoneId":null}',
  '{"80":{"protocol":["TCP_SSL"],"tls":"tls"}}', '{"80":{"protocol":["HTTPS"],"hosts":{"a.com":{"tls":"tls"},"b.com":{}}}}', '{"80":{"protocol":["HTTP"],"hosts":{"a.com":{}}}}',
  '{"53":{"protocol":["TCP","UDP"]}}', '{"80":{"protocol":["QUIC"]}}', '{"80":{"protocol":"HTTPS","tls":"missing"}}', '{"80":[]}', '{"80":null}',
  '{"defaultWeight":10,"pods":{"web-0":50}}', '{"defaultWeight":101}', '{"pods":[1]}', '[{"HTTP":80},{"HTTPS":443}]', '[{"HTTP":80}]', '[{"HTTPS":443}]', '[{"HTTP":0}]', '[{"TCP":80}]',
  '[{"host":"a.com","path":"/x","backend":{"serviceName":"web","servicePort":80}}]', '[{"path":"/r","rewrite":{"port":443}}]', '[{"backend":{"serviceName":"nope","servicePort":"http"}}]', '[1]', 'qcloud',
];

const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PLAUSIBLE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);
const mapArb = (keys: readonly string[]) => fc.dictionary(fc.constantFrom(...keys), valueArb, { maxKeys: 6 });

const SERVICE_KEYS = Object.values(SERVICE_ANNOTATIONS);
const INGRESS_KEYS = Object.values(INGRESS_ANNOTATIONS);

/** Values that are wrong for their key, whatever else is set. */
const KNOWN_BAD: Record<string, string> = {
  [SERVICE_ANNOTATIONS.existingLoadBalancerId]: 'lb-NOT_AN_ID',
  [SERVICE_ANNOTATIONS.internalSubnetId]: 'subnet-?',
  [SERVICE_ANNOTATIONS.internetChargeType]: 'FREE',
  [SERVICE_ANNOTATIONS.internetMaxBandwidthOut]: '99999',
  [SERVICE_ANNOTATIONS.extensiveParameters]: '{',
  [SERVICE_ANNOTATIONS.localOnlyBindNodeWithPod]: 'maybe',
  [SERVICE_ANNOTATIONS.localWeightedBalance]: 'maybe',
  [SERVICE_ANNOTATIONS.backendsLabel]: 'a b c',
  [SERVICE_ANNOTATIONS.directAccess]: 'maybe',
  [SERVICE_ANNOTATIONS.graceShutdown]: 'maybe',
  [SERVICE_ANNOTATIONS.graceShutdownTkex]: 'maybe',
  [SERVICE_ANNOTATIONS.rsWeight]: '{"defaultWeight":-1}',
  [SERVICE_ANNOTATIONS.specifyProtocol]: '{"80":{"protocol":["SCTP"]}}',
  [SERVICE_ANNOTATIONS.mode]: 'manual',
  [SERVICE_ANNOTATIONS.securityGroups]: 'sg-1,sg-2',
  [SERVICE_ANNOTATIONS.passToTarget]: 'maybe',
  [INGRESS_ANNOTATIONS.existingLoadBalancerId]: 'lb-NOT_AN_ID',
  [INGRESS_ANNOTATIONS.subnetId]: 'subnet-?',
  [INGRESS_ANNOTATIONS.ruleMix]: 'maybe',
  [INGRESS_ANNOTATIONS.httpRules]: '[{',
  [INGRESS_ANNOTATIONS.httpsRules]: '[{',
  [INGRESS_ANNOTATIONS.listenPorts]: '[{"HTTP":0}]',
  [INGRESS_ANNOTATIONS.directAccess]: 'maybe',
  [INGRESS_ANNOTATIONS.autoRewrite]: 'maybe',
  [INGRESS_ANNOTATIONS.rewriteSupport]: 'maybe',
  [INGRESS_ANNOTATIONS.deletionProtection]: 'maybe',
  [INGRESS_ANNOTATIONS.loadBalanceRetain]: 'maybe',
  [INGRESS_ANNOTATIONS.mode]: 'manual',
};
const badServiceKeys = SERVICE_KEYS.filter((k) => k in KNOWN_BAD);
const badIngressKeys = INGRESS_KEYS.filter((k) => k in KNOWN_BAD);
const badMapArb = (keys: readonly string[]) => fc.uniqueArray(fc.constantFrom(...keys), { minLength: 1, maxLength: 4 }).map((ks) => Object.fromEntries(ks.map((k) => [k, KNOWN_BAD[k]!])));

const serviceInputs = (service: V1Service) => ({
  service,
  nodes: NODES,
  endpointSlices: [slice as never],
  secrets: new Map([['tls', secret as never]]),
  subnets: new Map([['subnet-lb000001', { id: 'subnet-lb000001', vpcId: 'vpc-cluster1', cidr: '10.0.2.0/24' }], ['subnet-other001', { id: 'subnet-other001', vpcId: 'vpc-another1', cidr: '172.16.1.0/24' }]]),
  pods: new Map(),
  now: Date.now(),
});
const ingressInputs = (ingress: V1Ingress) => ({
  ingress,
  services: new Map([['web', backend]]),
  endpointSlices: [slice as never],
  pods: new Map(),
  nodes: NODES,
  secrets: new Map([['tls', secret as never]]),
  subnets: new Map([['subnet-lb000001', { id: 'subnet-lb000001', vpcId: 'vpc-cluster1', cidr: '10.0.2.0/24' }]]),
  now: Date.now(),
});

/** Every problem or warning the pure builders report for these annotations. */
function builderFindings(kind: 'Service' | 'Ingress', annotations: Record<string, string>): { field: string }[] {
  if (kind === 'Service') {
    const built = buildServiceModel(serviceInputs(serviceWith(annotations)), SETTINGS);
    return built.ok ? [...built.warnings] : [...built.problems];
  }
  const built = buildIngressModel(ingressInputs(ingressWith(annotations)), INGRESS_SETTINGS);
  return built.ok ? [...built.warnings] : [...built.problems];
}

const store = storeOf;

interface Outcome {
  readonly warnings: string[];
  readonly error?: unknown;
}

/** One reconcile of the object, on a fresh mock cloud: its Warnings, and what it threw. */
async function reconcileOnce(kind: 'Service' | 'Ingress', annotations: Record<string, string>): Promise<Outcome> {
  const cloud = createLocalCloud({ quotas: { openLoadBalancers: 1000 } }, { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 } });
  const shared = await cloud.provider.createLoadBalancer({ name: 'shared', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: {} });
  // Ids in the values refer to this CLB when they name "lb-abcdefgh".
  const resolved = Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, v === 'lb-abcdefgh' ? shared.id : v]));
  const warnings: string[] = [];
  const events: EventSink = { emit: (_o, type, _reason, message) => void (type === 'Warning' && warnings.push(message)) };
  const common = {
    provider: cloud.provider,
    settings: SETTINGS,
    view: { services: store<V1Service>(() => []), ingresses: store<V1Ingress>(() => []), nodes: store(() => NODES, true), endpointSlices: store(() => [slice as never]), secrets: store(() => [secret as never]), pods: store(() => []) },
    cache: new ActualStateCache(cloud.provider, { ttlMs: 60_000 }),
    gates: new ReadinessGates({ api: {} as CoreV1Api }),
    events,
    logger: silentLogger(),
  };
  try {
    if (kind === 'Service') {
      const holder = { object: serviceWith(resolved) };
      await new ServiceReconciler({ ...common, view: { ...common.view, services: store(() => [holder.object]) }, writer: memoryWriter(holder) }).reconcile('default/web');
    } else {
      const holder = { object: ingressWith(resolved) };
      await new IngressReconciler({ ...common, settings: INGRESS_SETTINGS, view: { ...common.view, ingresses: store(() => [holder.object]), services: store(() => [backend]) }, writer: memoryWriter(holder) }).reconcile('default/shop');
    }
    return { warnings };
  } catch (error) {
    return { warnings, error };
  }
}

const namesOneOf = (text: string, keys: readonly string[]) => keys.some((k) => text.includes(k));

describe('12. random annotation maps', () => {
  it.each(['Service', 'Ingress'] as const)('never crash the %s builder, and every problem names one of the annotations given', (kind) => {
    fc.assert(
      fc.property(mapArb(kind === 'Service' ? SERVICE_KEYS : INGRESS_KEYS), (annotations) => {
        const findings = builderFindings(kind, annotations);
        for (const f of findings) expect(Object.keys(annotations)).toContain(f.field);
      }),
      { numRuns: 600, seed: 12 },
    );
  });

  it.each(['Service', 'Ingress'] as const)('give a known-bad value to a %s annotation: the builder names that annotation', (kind) => {
    fc.assert(
      fc.property(badMapArb(kind === 'Service' ? badServiceKeys : badIngressKeys), (annotations) => {
        const named = new Set(builderFindings(kind, annotations).map((f) => f.field));
        for (const key of Object.keys(annotations)) expect([...named]).toContain(key);
      }),
      { numRuns: 200, seed: 12 },
    );
  });

  it.each(['Service', 'Ingress'] as const)('never crash the %s reconciler: it fails only with user errors, and each Warning names an annotation given', async (kind) => {
    await fc.assert(
      fc.asyncProperty(mapArb(kind === 'Service' ? SERVICE_KEYS : INGRESS_KEYS), async (annotations) => {
        const { warnings, error } = await reconcileOnce(kind, annotations);
        if (error !== undefined) expect(error).toBeInstanceOf(TerminalError);
        for (const w of warnings) expect(namesOneOf(w, Object.keys(annotations)) ? w : `names none of ${Object.keys(annotations).join(', ')}: ${w}`).toBe(w);
      }),
      { numRuns: 120, seed: 12 },
    );
  });

  it('passes random extensiveParameters to CreateLoadBalancer: the CLB is created, or a Warning names the annotation (no retry loop)', async () => {
    const fields = fc.constantFrom('VipIsp', 'ZoneId', 'MasterZoneId', 'SlaType', 'BandwidthPackageId', 'InternetAccessible', 'Egress', 'Unknown', 'a', 'Number', 'DynamicVip');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fields, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }), async (parameters) => {
        const { warnings, error } = await reconcileOnce('Service', { [SERVICE_ANNOTATIONS.extensiveParameters]: JSON.stringify(parameters) });
        if (error !== undefined) expect(error).toBeInstanceOf(TerminalError);
        for (const w of warnings) expect(w).toContain(SERVICE_ANNOTATIONS.extensiveParameters);
      }),
      { numRuns: 60, seed: 12 },
    );
  });

  it.each(['Service', 'Ingress'] as const)('give a known-bad value to a %s annotation: the reconciler warns, naming it', async (kind) => {
    await fc.assert(
      fc.asyncProperty(badMapArb(kind === 'Service' ? badServiceKeys : badIngressKeys), async (annotations) => {
        const { warnings, error } = await reconcileOnce(kind, annotations);
        expect(error).toBeInstanceOf(TerminalError);
        for (const key of Object.keys(annotations)) expect(warnings.some((w) => w.includes(key)) ? key : `no Warning names ${key}: ${warnings.join(' | ')}`).toBe(key);
      }),
      { numRuns: 60, seed: 12 },
    );
  });
});
