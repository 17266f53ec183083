/**
 * TkeServiceConfig end to end (fake API serving the CRD from manifests/crds/, simulator, real provider): a Service or
 * an Ingress naming a config gets its listeners' or rules' settings; an edit costs ModifyListener / ModifyRule only;
 * a configured setting changed in the console is put back, an unconfigured one is left as it is; a missing config
 * is a Warning and the Service is still served; the CRD installed late is picked up.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { applyCrdsFrom } from '../../mocks/kube/crds.js';
import { backendService, ingress, path, startIngressRig, type IngressRig } from '../support/ingress-rig.js';
import { service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

const CRDS = 'manifests/crds';
let rig: ServiceRig | IngressRig | undefined;
afterEach(async () => rig?.close());

const config = (name: string, loadBalancer: object) => ({ apiVersion: 'cloud.tencent.com/v1alpha1', kind: 'TkeServiceConfig', metadata: { name, namespace: 'default' }, spec: { loadBalancer } });
const tcp80 = (settings: object) => config('web-config', { l4Listeners: [{ protocol: 'TCP', port: 80, ...settings }] });
const writes = (r: ServiceRig | IngressRig) => r.cloud.simulator.traffic.log.filter((c) => c.kind === 'write').map((c) => c.action);
const listenerOf = async (r: ServiceRig | IngressRig, lbId: string) => (await r.cloud.provider.describeListeners(lbId))[0]!;

async function configuredService(settings: object): Promise<{ r: ServiceRig; lbId: string }> {
  const r = await startServiceRig();
  rig = r;
  applyCrdsFrom(r.kube, CRDS);
  r.kube.state.apply(tcp80(settings));
  r.kube.state.seed(service('web', { annotations: { 'service.cloud.tencent.com/tke-service-config': 'web-config' } }));
  const lb = await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 3 && r.loadBalancerOf('web'), 'the CLB with its targets');
  return { r, lbId: lb.id };
}

describe('a Service naming a TkeServiceConfig', () => {
  it('gets the configured health check, scheduler and session persistence on its listener', async () => {
    const { r, lbId } = await configuredService({ scheduler: 'LEAST_CONN', session: { enable: true, sessionExpireTime: 300 }, healthCheck: { enable: true, intervalTime: 10, healthNum: 3, unHealthNum: 4, timeout: 5 } });
    await waitFor(async () => (await listenerOf(r, lbId)).scheduler === 'LEAST_CONN', 'the configured listener');
    expect(await listenerOf(r, lbId)).toMatchObject({
      scheduler: 'LEAST_CONN', sessionExpireTime: 300,
      healthCheck: { enabled: true, intervalSeconds: 10, healthyThreshold: 3, unhealthyThreshold: 4, timeoutSeconds: 5 },
    });
  });

  it('an edit of the config costs one ModifyListener, nothing else', async () => {
    const { r, lbId } = await configuredService({ healthCheck: { enable: true, intervalTime: 10 } });
    await waitFor(async () => (await listenerOf(r, lbId)).healthCheck?.intervalSeconds === 10, 'the first settings');
    await r.reconcileWhenIdle('web');
    r.cloud.simulator.traffic.reset();
    r.kube.state.apply(tcp80({ healthCheck: { enable: true, intervalTime: 20 } }));
    await waitFor(async () => (await listenerOf(r, lbId)).healthCheck?.intervalSeconds === 20, 'the edited settings');
    await r.reconcileWhenIdle('web');
    expect(writes(r)).toEqual(['ModifyListener']);
  });

  it('a configured health check switched off in the console is switched on again; an unconfigured scheduler change is left', async () => {
    const { r, lbId } = await configuredService({ healthCheck: { enable: true, intervalTime: 10 } });
    const listener = await waitFor(async () => ((await listenerOf(r, lbId)).healthCheck?.intervalSeconds === 10 ? listenerOf(r, lbId) : undefined), 'the configured listener');
    await r.cloud.provider.modifyListener(lbId, listener.id, { healthCheck: { enabled: false }, scheduler: 'LEAST_CONN' }); // the user, in the console
    r.cloud.simulator.traffic.reset();
    await r.controller.resync(); // what the resync period does
    await waitFor(async () => (await listenerOf(r, lbId)).healthCheck?.enabled === true, 'the health check back on', 15_000);
    expect(await listenerOf(r, lbId)).toMatchObject({ scheduler: 'LEAST_CONN', healthCheck: { enabled: true, intervalSeconds: 10 } });
    expect(writes(r)).toEqual(['ModifyListener']);
  });

  it('a config that does not exist: a Warning with TKE\'s code, and the Service is served with its listeners as they are', async () => {
    const r = await startServiceRig();
    rig = r;
    applyCrdsFrom(r.kube, CRDS);
    r.kube.state.seed(service('web', { annotations: { 'service.cloud.tencent.com/tke-service-config': 'nope' } }));
    const warning = await waitFor(() => r.events('web').find((e) => e.reason === 'TkeServiceConfigNotFound'), 'the Warning');
    expect(warning.message).toContain('service.cloud.tencent.com/tke-service-config');
    expect(warning.message).toContain('nope');
    await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 3, 'the Service served');
  });

  it('a bad field: a Warning naming it, and the listener keeps the settings it has (no write for it)', async () => {
    const { r, lbId } = await configuredService({ healthCheck: { enable: true, intervalTime: 10 } });
    await waitFor(async () => (await listenerOf(r, lbId)).healthCheck?.intervalSeconds === 10, 'the first settings');
    await r.reconcileWhenIdle('web');
    r.cloud.simulator.traffic.reset();
    // What the CRD's schema cannot say (the timeout must be shorter than the interval) the controller checks.
    r.kube.state.apply(tcp80({ healthCheck: { enable: false, intervalTime: 5, timeout: 10 } }));
    const warning = await waitFor(() => r.events('web').find((e) => e.reason === 'InvalidTkeServiceConfig'), 'the Warning');
    expect(warning.message).toContain('spec.loadBalancer.l4Listeners[0].healthCheck.timeout');
    expect(warning.message).toContain('shorter than intervalTime (5)');
    await r.reconcileWhenIdle('web');
    expect(writes(r)).toEqual([]);
    expect((await listenerOf(r, lbId)).healthCheck).toMatchObject({ enabled: true, intervalSeconds: 10 });
  });

  it('the CRD installed after the controller started: the Service is served meanwhile, and configured once the configs can be listed', async () => {
    const r = await startServiceRig();
    rig = r;
    r.kube.state.seed(service('web', { annotations: { 'service.cloud.tencent.com/tke-service-config': 'web-config' } }));
    const lb = await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 3 && r.loadBalancerOf('web'), 'the Service served without the CRD');
    expect(r.events('web').some((e) => e.type === 'Warning')).toBe(false);
    applyCrdsFrom(r.kube, CRDS);
    r.kube.state.apply(tcp80({ scheduler: 'LEAST_CONN' }));
    await waitFor(async () => (await listenerOf(r, lb.id)).scheduler === 'LEAST_CONN', 'the configured scheduler', 40_000);
  }, 60_000);
});

describe('an Ingress naming a TkeServiceConfig', () => {
  it('gets per-rule settings; an edit costs one ModifyRule', async () => {
    const r = await startIngressRig({ seed: [backendService('api')] });
    rig = r;
    applyCrdsFrom(r.kube, CRDS);
    const site = (interval: number) => config('site-config', { l7Listeners: [{ protocol: 'HTTP', port: 80, domains: [{ domain: 'api.example.com', rules: [{ url: '/', scheduler: 'IP_HASH', healthCheck: { enable: true, intervalTime: interval, httpCheckPath: '/ping' } }] }] }] });
    r.kube.state.apply(site(10));
    r.kube.state.seed(ingress('site', { rules: [{ host: 'api.example.com', http: { paths: [path('/', 'api')] } }] }, { 'ingress.cloud.tencent.com/tke-service-config': 'site-config' }));
    const lb = await waitFor(() => r.loadBalancerOf('site'), 'the CLB');
    const rule = async () => (await listenerOf(r, lb.id)).rules[0];
    await waitFor(async () => (await rule())?.scheduler === 'IP_HASH', 'the configured rule');
    expect(await rule()).toMatchObject({ scheduler: 'IP_HASH', healthCheck: { enabled: true, intervalSeconds: 10, httpCheckPath: '/ping' } });
    await r.reconcileWhenIdle('site');
    r.cloud.simulator.traffic.reset();
    r.kube.state.apply(site(20));
    await waitFor(async () => (await rule())?.healthCheck?.intervalSeconds === 20, 'the edited rule');
    await r.reconcileWhenIdle('site');
    expect(writes(r)).toEqual(['ModifyRule']);
  });
});
