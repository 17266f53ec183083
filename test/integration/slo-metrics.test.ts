/**
 * [observe] The SLO metrics, fed by the reconcile pipeline itself: owners by sync state, what they own on the
 * cloud, the time from a change seen to its targets programmed (the CLB's task finished), and drift the
 * controller put back — read from the controller's own /metrics text.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Metrics } from '../../src/runtime/metrics.js';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';
import { node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

let rig: ServiceRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const scrape = async (metrics: Metrics) => parseExposition(await metrics.expose());
const P = 'clb_controller_';

describe('SLO metrics from the pipeline', () => {
  it('count owners by sync state and what they own, and move an owner to Refused on a user error', async () => {
    const metrics = new Metrics({ processMetrics: false });
    rig = await startServiceRig({ nodes: [node(1), node(2)], metrics });
    rig.kube.state.seed(service('web'));
    rig.kube.state.seed(service('api', { ports: [{ port: 80 }, { port: 443 }] }));
    await waitFor(async () => sampleValue(await scrape(metrics), `${P}objects`, { kind: 'Service', state: 'Synced' }) === 2, 'two Services synced');
    const samples = await scrape(metrics);
    expect(sampleValue(samples, `${P}owned_resources`, { resource: 'loadBalancers' })).toBe(2);
    expect(sampleValue(samples, `${P}owned_resources`, { resource: 'listeners' })).toBe(3);
    expect(sampleValue(samples, `${P}owned_resources`, { resource: 'targets' })).toBe(6);

    rig.kube.state.patch('services', 'default/api', { metadata: { annotations: { 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out': 'lots' } } });
    await waitFor(async () => sampleValue(await scrape(metrics), `${P}objects`, { kind: 'Service', state: 'Refused' }) === 1, 'api refused');
    expect(sampleValue(await scrape(metrics), `${P}objects`, { kind: 'Service', state: 'Synced' })).toBe(1);
  });

  it('forget an owner that is deleted, a refused one that never held a finalizer included', async () => {
    const metrics = new Metrics({ processMetrics: false, perObjectSyncState: true });
    rig = await startServiceRig({ nodes: [node(1)], metrics });
    rig.kube.state.seed(service('bad', { annotations: { 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out': 'lots' } }));
    rig.kube.state.seed(service('web'));
    await waitFor(async () => {
      const samples = await scrape(metrics);
      return sampleValue(samples, `${P}objects`, { kind: 'Service', state: 'Refused' }) === 1 && sampleValue(samples, `${P}objects`, { kind: 'Service', state: 'Synced' }) === 1;
    }, 'one refused, one synced');
    rig.kube.state.delete('services', 'default/bad');
    rig.kube.state.delete('services', 'default/web');
    await waitFor(async () => {
      const samples = await scrape(metrics);
      return sampleValue(samples, `${P}objects`, { kind: 'Service', state: 'Refused' }) === 0 && sampleValue(samples, `${P}objects`, { kind: 'Service', state: 'Synced' }) === 0;
    }, 'both forgotten');
    const samples = await scrape(metrics);
    expect(samples.filter((s) => s.name === `${P}object_sync_state`)).toEqual([]);
    expect(sampleValue(samples, `${P}owned_resources`, { resource: 'loadBalancers' })).toBe(0);
  });

  it('time a node joining until its registration task finished, and count a target removed in the console as a drift correction', async () => {
    const metrics = new Metrics({ processMetrics: false });
    rig = await startServiceRig({ nodes: [node(1)], metrics });
    rig.kube.state.seed(service('web'));
    await waitFor(() => rig!.loadBalancerOf('web')?.listeners[0]?.targets.length === 1, 'one target');
    // Creating the CLB is not a change of targets someone waits on: no latency yet.
    expect(sampleValue(await scrape(metrics), `${P}target_programmed_latency_seconds_count`, { kind: 'Service' }) ?? 0).toBe(0);

    rig.kube.state.seed(node(2));
    await waitFor(async () => sampleValue(await scrape(metrics), `${P}target_programmed_latency_seconds_count`, { kind: 'Service' }) === 1, 'the latency observed');
    expect(sampleValue(await scrape(metrics), `${P}drift_corrections_total`, { kind: 'target' })).toBe(0);

    // Someone removes a target in the console; the next resync puts it back: one drift correction, of a target.
    const lb = rig.loadBalancerOf('web')!;
    const listener = lb.listeners[0]!;
    await rig.cloud.provider.deregisterTargets(lb.id, [{ listenerId: listener.id, target: { instanceId: listener.targets[0]!.instanceId!, port: listener.targets[0]!.port, weight: 10 } }]);
    await rig.controller.resync();
    await waitFor(async () => sampleValue(await scrape(metrics), `${P}drift_corrections_total`, { kind: 'target' }) === 1, 'the drift counted');
    expect(rig.loadBalancerOf('web')?.listeners[0]?.targets).toHaveLength(2);
    expect(sampleValue(await scrape(metrics), `${P}drift_corrections_total`, { kind: 'listener' })).toBe(0);
  });
});
