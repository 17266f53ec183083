/**
 * Reconciles per user change: a create, an edit and a delete each cost exactly one reconcile. The controller's
 * own writes — finalizer, load-balancer-id annotation, status — come back as watch events, and enqueue nothing
 * (cloud-provider's needsUpdate): without the filter a new Service cost 4 reconciles, 3 of them echoes.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { backendService, ingress, path, startIngressRig, type IngressRig } from '../support/ingress-rig.js';
import { service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

let rigs: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

/** Counts the reconciles of each key. */
function counter() {
  const counts = new Map<string, number>();
  return { counts, onReconciled: (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1), of: (key: string) => counts.get(key) ?? 0 };
}

/** Waits for the controller to be idle for a while (so echoes, were there any, would have been reconciled). */
async function quiet(queue: { readonly pending: number }, ms = 300): Promise<void> {
  let since = Date.now();
  await waitFor(() => {
    if (queue.pending > 0) since = Date.now();
    return Date.now() - since > ms;
  }, 'the controller to be idle');
}

describe('reconciles per user change', () => {
  it('a Service: create = 1, edit = 1, delete = 1', async () => {
    const count = counter();
    const rig: ServiceRig = await startServiceRig({ onReconciled: count.onReconciled });
    rigs.push(rig);
    rig.kube.state.seed(service('web'));
    await waitFor(() => rig.get('web')?.status?.loadBalancer?.ingress?.length, 'the Service to get its address');
    await quiet(rig.controller.controller.queue);
    expect(count.of('default/web')).toBe(1);

    rig.kube.state.patch('services', 'default/web', { spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 443, protocol: 'TCP', targetPort: 8443 }] } });
    await waitFor(() => rig.loadBalancerOf('web')?.listeners.length === 2, 'the second listener');
    await quiet(rig.controller.controller.queue);
    expect(count.of('default/web')).toBe(2);

    rig.kube.state.delete('services', 'default/web');
    await waitFor(() => !rig.get('web'), 'the Service to be gone');
    await quiet(rig.controller.controller.queue);
    expect(count.of('default/web')).toBe(3);
    expect(rig.cloud.simulator.snapshot().loadBalancers).toEqual([]);
  });

  it('an Ingress: create = 1, edit = 1, delete = 1', async () => {
    const count = counter();
    const rig: IngressRig = await startIngressRig({ seed: [backendService('api')], onReconciled: count.onReconciled });
    rigs.push(rig);
    rig.kube.state.seed(ingress('site', { rules: [{ host: 'a.example.com', http: { paths: [path('/', 'api')] } }] }));
    await waitFor(() => rig.get('site')?.status?.loadBalancer?.ingress?.length, 'the Ingress to get its address');
    await quiet(rig.controller.controller.queue);
    expect(count.of('default/site')).toBe(1);

    rig.kube.state.patch('ingresses', 'default/site', { spec: { rules: [{ host: 'a.example.com', http: { paths: [path('/', 'api'), path('/v2', 'api')] } }] } });
    await waitFor(() => rig.loadBalancerOf('site')?.listeners[0]?.rules.length === 2, 'the second rule');
    await quiet(rig.controller.controller.queue);
    expect(count.of('default/site')).toBe(2);

    rig.kube.state.delete('ingresses', 'default/site');
    await waitFor(() => !rig.get('site'), 'the Ingress to be gone');
    await quiet(rig.controller.controller.queue);
    expect(count.of('default/site')).toBe(3);
  });
});
