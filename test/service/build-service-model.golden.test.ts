/**
 * Golden tests for the Service model builder: test/fixtures/service/<case>.yaml (the Service plus the Nodes,
 * Secrets and EndpointSlices particular to the case, on top of the shared _cluster.yaml) → buildServiceModel →
 * the whole BuildResult, compared with test/golden/service/<case>.json.
 *
 * The goldens are a reviewed spec, not a recording. `UPDATE_GOLDEN=1` rewrites them; read every changed file
 * before keeping it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { asJson, expectGolden, fixtureCases, staleGoldens } from '../support/golden.js';
import { loadAllYaml, type KubernetesObject, type V1EndpointSlice, type V1Node, type V1Pod, type V1Secret, type V1Service } from '@kubernetes/client-node';
import type { Subnet } from '../../providers/provider.js';
import { viewOf } from '../../src/kube/cluster-view.js';
import { buildServiceModel, type ClusterSettings, type ServiceInputs } from '../../src/service/build-service-model.js';
import { loadServiceInputs } from '../../src/service/load-service-inputs.js';

const FIXTURES = new URL('../fixtures/service/', import.meta.url);
const GOLDEN = new URL('../golden/service/', import.meta.url);

const SETTINGS: ClusterSettings = { clusterId: 'cls-golden', vpcId: 'vpc-cluster1' };

/** The subnets the cloud knows about; any other id does not exist. */
const SUBNETS: readonly Subnet[] = [
  { id: 'subnet-lb000001', vpcId: 'vpc-cluster1', cidr: '10.0.2.0/24', zone: 'ap-guangzhou-3' },
  { id: 'subnet-other001', vpcId: 'vpc-another1', cidr: '172.16.0.0/24', zone: 'ap-guangzhou-3' },
];

interface Objects {
  readonly services: V1Service[];
  readonly nodes: V1Node[];
  readonly secrets: V1Secret[];
  readonly endpointSlices: V1EndpointSlice[];
  readonly pods: V1Pod[];
}

function loadObjects(file: string): Objects {
  const objects = loadAllYaml(readFileSync(new URL(file, FIXTURES), 'utf8')).filter(Boolean) as KubernetesObject[];
  const of = <T>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
  const unknown = objects.filter((o) => !['Service', 'Node', 'Secret', 'EndpointSlice', 'Pod'].includes(o.kind ?? ''));
  if (unknown.length) throw new Error(`${file}: unexpected kinds ${unknown.map((o) => o.kind).join(', ')}`);
  return { services: of('Service'), nodes: of('Node'), secrets: of('Secret'), endpointSlices: of('EndpointSlice'), pods: of('Pod') };
}

const cluster = loadObjects('_cluster.yaml');

/** What the reconciler loads for a Service — by the reconciler's own loader, over the case's cluster. */
/** The objects of the last case loaded (the purity test checks them untouched: the inputs look them up). */
let world: readonly KubernetesObject[] = [];

function inputsFor(caseName: string): ServiceInputs {
  const own = loadObjects(`${caseName}.yaml`);
  const [service, ...more] = own.services;
  if (!service || more.length) throw new Error(`${caseName}.yaml: expected exactly one Service, found ${own.services.length}`);
  const nameOf = (o: KubernetesObject) => o.metadata?.name ?? '';
  // A case's node replaces the cluster's node of the same name.
  const nodes = [...cluster.nodes.filter((n) => !own.nodes.some((o) => nameOf(o) === nameOf(n))), ...own.nodes];
  const kinded = <T extends KubernetesObject>(kind: string, list: readonly T[]) => list.map((o) => ({ ...o, kind }));
  world = [
    ...kinded('Node', nodes), ...kinded('Secret', [...cluster.secrets, ...own.secrets]), ...kinded('EndpointSlice', own.endpointSlices), ...kinded('Pod', own.pods),
  ];
  const view = viewOf(world);
  return loadServiceInputs(view, service, new Map(SUBNETS.map((s) => [s.id, s])));
}

const cases = fixtureCases(FIXTURES);

describe('buildServiceModel goldens', () => {
  it('finds the cases', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases)('%s', (caseName) => {
    expectGolden(GOLDEN, caseName, buildServiceModel(inputsFor(caseName), SETTINGS));
  });

  it('has a fixture for every golden (no stale goldens)', () => {
    expect(staleGoldens(GOLDEN, cases)).toEqual([]);
  });
});

/** CreateLoadBalancer's LoadBalancerName (reference §5: ≤60) and CreateListener's ListenerNames (SDK: 1-80 characters). */
const LIMITS = { loadBalancerName: 60, listenerName: 80 } as const;

function namesWithinLimits(caseName: string): void {
  const result = buildServiceModel(inputsFor(caseName), SETTINGS);
  if (!result.ok) return;
  const { loadBalancer, listeners } = result.model;
  if (loadBalancer.kind === 'create') expect(loadBalancer.name.length).toBeLessThanOrEqual(LIMITS.loadBalancerName);
  for (const listener of listeners) expect(listener.name.length).toBeLessThanOrEqual(LIMITS.listenerName);
}

describe('names fit CLB limits', () => {
  it.each(cases)('%s', namesWithinLimits);
});

describe('buildServiceModel purity', () => {
  it.each(cases)('%s: same inputs, same result, inputs untouched', (caseName) => {
    const inputs = inputsFor(caseName);
    const snapshot = () => structuredClone({ ...inputs, secrets: undefined, pods: undefined, subnets: [...inputs.subnets], world });
    const before = snapshot();
    const first = asJson(buildServiceModel(inputs, SETTINGS));
    const second = asJson(buildServiceModel(inputs, SETTINGS));
    expect(second).toBe(first);
    expect(snapshot()).toEqual(before);
  });
});
