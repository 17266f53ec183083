/**
 * TkeServiceConfig goldens: test/fixtures/tke-service-config/<case>.yaml (a Service or an Ingress naming a config,
 * its backends, and the config) → the kind's own build step (the adapter the reconciler runs: builder, then the
 * config) → the listeners' and rules' settings and the Warnings, compared with test/golden/tke-service-config/<case>.json.
 * What a listener or rule does not set is left as the CLB has it (the plan compares only what is set).
 *
 * `UPDATE_GOLDEN=1` rewrites them; read every changed file before keeping it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { loadAllYaml, type KubernetesObject, type V1Ingress, type V1Service } from '@kubernetes/client-node';
import { expectGolden, fixtureCases, staleGoldens } from '../support/golden.js';
import { viewOf } from '../../src/kube/cluster-view.js';
import { serviceAdapter } from '../../src/controllers/service-adapter.js';
import { ingressAdapter } from '../../src/controllers/ingress-adapter.js';
import { describeProblem } from '../../src/model/problems.js';
import type { DesiredListener } from '../../src/model/desired.js';

const FIXTURES = new URL('../fixtures/tke-service-config/', import.meta.url);
const GOLDEN = new URL('../golden/tke-service-config/', import.meta.url);
const SETTINGS = { clusterId: 'cls-golden', vpcId: 'vpc-cluster1' };
const NODE = { kind: 'Node', metadata: { name: '10.0.0.1', labels: {} }, spec: { providerID: 'qcloud:///800002/ins-golden01' }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } };

/** The settings of a model's listeners and rules, without targets (the builders' goldens cover those). */
const settingsOf = (listeners: readonly DesiredListener[]) => listeners.map(({ targets: _t, rules, ...listener }) => ({
  ...listener,
  ...(rules.length ? { rules: rules.map(({ targets: _rt, ...rule }) => rule) } : {}),
}));

function built(caseName: string): unknown {
  const objects = loadAllYaml(readFileSync(new URL(`${caseName}.yaml`, FIXTURES), 'utf8')).filter(Boolean) as KubernetesObject[];
  const view = viewOf([NODE, ...objects]);
  const clock = { now: Date.parse('2026-12-06T00:00:00Z') };
  const ingress = objects.find((o) => o.kind === 'Ingress') as V1Ingress | undefined;
  const service = objects.find((o) => o.kind === 'Service' && (o as V1Service).spec?.type === 'LoadBalancer') as V1Service | undefined;
  const result = ingress
    ? ingressAdapter({ ...SETTINGS, defaultClass: false }).build(view, ingress, new Map(), clock)
    : serviceAdapter(SETTINGS).build(view, service!, new Map(), clock);
  if (!result.ok) return { refused: result.problems.map(describeProblem) };
  return { listeners: settingsOf(result.model.listeners), warnings: result.warnings.map((p) => ({ reason: p.eventReason, ...(p.code ? { code: p.code } : {}), message: describeProblem(p) })) };
}

const cases = fixtureCases(FIXTURES);

describe('TkeServiceConfig goldens', () => {
  it('finds the cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(9);
  });

  it.each(cases)('%s', (caseName) => {
    expectGolden(GOLDEN, caseName, built(caseName));
  });

  it('has a fixture for every golden (no stale goldens)', () => {
    expect(staleGoldens(GOLDEN, cases)).toEqual([]);
  });
});
