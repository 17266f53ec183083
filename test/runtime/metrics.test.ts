/**
 * The series the reconcile pipeline feeds through Metrics.syncObserver(), read back from the exposition text as
 * Prometheus would scrape it: latency, drift corrections, owned resources, objects by state, and the per-object
 * sync state that only the flag turns on.
 */
import { describe, expect, it } from '@jest/globals';
import { SYNC_STATES, type ObservedOwner } from '../../src/controllers/sync-observer.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { parseExposition, sampleValue, type Sample } from '../support/prometheus-text.js';

const web: ObservedOwner = { kind: 'Service', namespace: 'shop', name: 'web' };
const api: ObservedOwner = { kind: 'Service', namespace: 'shop', name: 'api' };
const front: ObservedOwner = { kind: 'Ingress', namespace: 'shop', name: 'front' };
const P = 'clb_controller_';

const scrape = async (metrics: Metrics): Promise<Sample[]> => parseExposition(await metrics.expose());
const perObject = (samples: readonly Sample[]) => samples.filter((s) => s.name === `${P}object_sync_state`);
const owned = (samples: readonly Sample[], resource: string) => sampleValue(samples, `${P}owned_resources`, { resource });

describe('Metrics.syncObserver', () => {
  it('records target-programmed latency by owner kind, in buckets from sub-second to minutes', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const observer = metrics.syncObserver();
    observer.targetsProgrammed(web, 1.5);
    observer.targetsProgrammed(web, 40);
    observer.targetsProgrammed(front, 0.2);
    observer.targetsProgrammed(front, Number.NaN);
    observer.targetsProgrammed(front, -1);
    const samples = await scrape(metrics);
    const name = `${P}target_programmed_latency_seconds`;
    expect(sampleValue(samples, `${name}_count`, { kind: 'Service' })).toBe(2);
    expect(sampleValue(samples, `${name}_sum`, { kind: 'Service' })).toBeCloseTo(41.5);
    expect(sampleValue(samples, `${name}_bucket`, { kind: 'Service', le: '2' })).toBe(1);
    expect(sampleValue(samples, `${name}_bucket`, { kind: 'Service', le: '45' })).toBe(2);
    expect(sampleValue(samples, `${name}_count`, { kind: 'Ingress' })).toBe(1);
    expect(sampleValue(samples, `${name}_bucket`, { kind: 'Ingress', le: '0.25' })).toBe(1);
    const bounds = samples.filter((s) => s.name === `${name}_bucket` && s.labels.kind === 'Service').map((s) => s.labels.le);
    expect(bounds.pop()).toBe('+Inf');
    expect(Math.min(...bounds.map(Number))).toBeLessThan(1);
    expect(Math.max(...bounds.map(Number))).toBeGreaterThanOrEqual(300);
  });

  it('counts drift corrections by kind, every kind exported from the start', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const observer = metrics.syncObserver();
    expect(sampleValue(await scrape(metrics), `${P}drift_corrections_total`, { kind: 'rule' })).toBe(0);
    observer.driftCorrected(web, 'target', 3);
    observer.driftCorrected(api, 'target', 2);
    observer.driftCorrected(front, 'listener', 1);
    observer.driftCorrected(front, 'rule', 0);
    observer.driftCorrected(front, 'rule', -4);
    const samples = await scrape(metrics);
    expect(['loadBalancer', 'listener', 'rule', 'target'].map((kind) => sampleValue(samples, `${P}drift_corrections_total`, { kind }))).toEqual([0, 1, 0, 5]);
  });

  it('sums owned resources over owners at scrape time, counts a shared CLB once, and drops a forgotten owner', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const observer = metrics.syncObserver();
    observer.owns(web, { loadBalancers: ['lb-1'], listeners: 2, rules: 0, targets: 6 });
    observer.owns(api, { loadBalancers: ['lb-2'], listeners: 1, rules: 0, targets: 3 });
    // An Ingress reusing web's CLB.
    observer.owns(front, { loadBalancers: ['lb-1'], listeners: 1, rules: 4, targets: 8 });
    let samples = await scrape(metrics);
    expect(['loadBalancers', 'listeners', 'rules', 'targets'].map((r) => owned(samples, r))).toEqual([2, 4, 4, 17]);

    // The last report replaces the previous one.
    observer.owns(web, { loadBalancers: ['lb-1'], listeners: 2, rules: 0, targets: 2 });
    expect(owned(await scrape(metrics), 'targets')).toBe(13);

    observer.forget(web);
    samples = await scrape(metrics);
    expect(['loadBalancers', 'listeners', 'rules', 'targets'].map((r) => owned(samples, r))).toEqual([2, 2, 4, 11]);
    observer.forget(front);
    samples = await scrape(metrics);
    expect(['loadBalancers', 'listeners', 'rules', 'targets'].map((r) => owned(samples, r))).toEqual([1, 1, 0, 3]);
    observer.forget(api);
    observer.forget(api);
    samples = await scrape(metrics);
    expect(['loadBalancers', 'listeners', 'rules', 'targets'].map((r) => owned(samples, r))).toEqual([0, 0, 0, 0]);
  });

  it('counts objects by kind and state, every pair exported, and moves an owner from Failed to Synced', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const observer = metrics.syncObserver();
    const objects = (samples: readonly Sample[], kind: string, state: string) => sampleValue(samples, `${P}objects`, { kind, state });
    let samples = await scrape(metrics);
    for (const kind of ['Service', 'Ingress']) for (const state of SYNC_STATES) expect({ kind, state, value: objects(samples, kind, state) }).toEqual({ kind, state, value: 0 });

    observer.synced(web, 'Failed', 'SyncLoadBalancerFailed', 'C5001');
    observer.synced(api, 'Synced', 'EnsuredLoadBalancer');
    observer.synced(front, 'Refused', 'InvalidIngressSpec', 'C4002');
    samples = await scrape(metrics);
    expect(objects(samples, 'Service', 'Failed')).toBe(1);
    expect(objects(samples, 'Service', 'Synced')).toBe(1);
    expect(objects(samples, 'Ingress', 'Refused')).toBe(1);
    expect(objects(samples, 'Ingress', 'Synced')).toBe(0);

    observer.synced(web, 'Synced', 'EnsuredLoadBalancer');
    samples = await scrape(metrics);
    expect(objects(samples, 'Service', 'Failed')).toBe(0);
    expect(objects(samples, 'Service', 'Synced')).toBe(2);

    observer.forget(api);
    observer.forget(front);
    samples = await scrape(metrics);
    expect(objects(samples, 'Service', 'Synced')).toBe(1);
    expect(objects(samples, 'Ingress', 'Refused')).toBe(0);
  });

  it('exports no per-object series without the flag', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.syncObserver().synced(web, 'Failed', 'SyncLoadBalancerFailed', 'C5001');
    const text = await metrics.expose();
    expect(text).not.toContain('object_sync_state');
    expect(text).not.toContain('name="web"');
  });

  it('with the flag, keeps one series per object: replaced when its state or code changes, gone once forgotten', async () => {
    const metrics = new Metrics({ processMetrics: false, perObjectSyncState: true });
    const observer = metrics.syncObserver();
    observer.synced(web, 'Failed', 'SyncLoadBalancerFailed: the API said no', 'C5001');
    observer.synced(front, 'Blocked', 'LoadBalancerProtected', 'C4102');
    let series = perObject(await scrape(metrics));
    expect(series).toEqual(expect.arrayContaining([
      { name: `${P}object_sync_state`, labels: { kind: 'Service', namespace: 'shop', name: 'web', state: 'Failed', code: 'C5001' }, value: 1 },
      { name: `${P}object_sync_state`, labels: { kind: 'Ingress', namespace: 'shop', name: 'front', state: 'Blocked', code: 'C4102' }, value: 1 },
    ]));
    expect(series).toHaveLength(2);

    observer.synced(web, 'Failed', 'SyncLoadBalancerFailed', 'E4000');
    observer.synced(web, 'Synced', 'EnsuredLoadBalancer');
    observer.synced(web, 'Synced', 'EnsuredLoadBalancer');
    series = perObject(await scrape(metrics)).filter((s) => s.labels.name === 'web');
    expect(series).toEqual([{ name: `${P}object_sync_state`, labels: { kind: 'Service', namespace: 'shop', name: 'web', state: 'Synced', code: '' }, value: 1 }]);

    observer.forget(web);
    series = perObject(await scrape(metrics));
    expect(series.map((s) => s.labels.name)).toEqual(['front']);
  });

  it('never puts free text in a label: a code outside the error-code table is "other"', async () => {
    const metrics = new Metrics({ processMetrics: false, perObjectSyncState: true });
    metrics.syncObserver().synced(web, 'Failed', 'SyncLoadBalancerFailed', 'connect ECONNREFUSED 10.0.0.1:443');
    expect(perObject(await scrape(metrics)).map((s) => s.labels.code)).toEqual(['other']);
  });

  it('is one observer per Metrics, and two Metrics keep separate scores', async () => {
    const first = new Metrics({ processMetrics: false });
    const second = new Metrics({ processMetrics: false });
    expect(first.syncObserver()).toBe(first.syncObserver());
    first.syncObserver().owns(web, { loadBalancers: ['lb-1'], listeners: 1, rules: 0, targets: 1 });
    expect(owned(await scrape(second), 'loadBalancers')).toBe(0);
    expect(owned(await scrape(first), 'loadBalancers')).toBe(1);
  });
});
