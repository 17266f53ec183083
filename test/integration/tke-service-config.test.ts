/**
 * TkeServiceConfig end to end (fake API serving the CRD from manifests/crds/, simulator, real provider): a Service or
 * an Ingress naming a config gets its listeners' or rules' settings; an edit costs ModifyListener / ModifyRule only;
 * a configured setting changed in the console is put back, an unconfigured one is left as it is; a missing config
 * is a Warning and the Service is still served; the CRD installed late is picked up.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { applyCrdsFrom } from '../../mocks/kube/crds.js';
import { backendService, ingress, path, startIngressRig, type IngressRig } from '../support/ingress-rig.js';
import { node, service, startServiceRig, waitFor, type ServiceRig } from '../support/service-rig.js';

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

  it('a bad field: a Warning naming it, and the listener keeps the settings it has (no write for it, its session included)', async () => {
    const { r, lbId } = await configuredService({ session: { enable: true, sessionExpireTime: 300 }, healthCheck: { enable: true, intervalTime: 10 } });
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
    expect(await listenerOf(r, lbId)).toMatchObject({ sessionExpireTime: 300, healthCheck: { enabled: true, intervalSeconds: 10 } });
  });

  it('a config that goes missing leaves the session it set (not the Service\'s implicit "off")', async () => {
    const { r, lbId } = await configuredService({ session: { enable: true, sessionExpireTime: 300 } });
    await waitFor(async () => (await listenerOf(r, lbId)).sessionExpireTime === 300, 'the configured session');
    await r.reconcileWhenIdle('web');
    r.cloud.simulator.traffic.reset();
    r.kube.state.delete('tkeserviceconfigs', 'default/web-config');
    await waitFor(() => r.events('web').some((e) => e.reason === 'TkeServiceConfigNotFound'), 'the Warning');
    await r.reconcileWhenIdle('web');
    expect(writes(r)).toEqual([]);
    expect((await listenerOf(r, lbId)).sessionExpireTime).toBe(300);
  });

  it('a value the CLB refuses (a timeout not below the interval it keeps): a Warning naming the listener, and targets still follow the cluster', async () => {
    const { r, lbId } = await configuredService({ healthCheck: { enable: true, timeout: 30 } }); // the CLB keeps its 5 s interval
    const warning = await waitFor(() => r.events('web').find((e) => e.reason === 'InvalidTkeServiceConfig'), 'the Warning');
    expect(warning.message).toContain('listener TCP:80');
    expect(warning.message).toContain('the CLB refused these settings');
    r.kube.state.seed(node(4));
    await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 4, 'the new node bound all the same');
    expect((await listenerOf(r, lbId)).healthCheck?.timeoutSeconds).not.toBe(30);
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

describe('connection rescheduling (our extension)', () => {
  it('the switches the CLB never reports are sent with the listener and once per change, not at every reconcile; the times are enforced like any setting', async () => {
    const settings = (zeroWeight: boolean) => ({ deregisterTargetRst: true, rescheduleTargetZeroWeight: zeroWeight, rescheduleUnhealthy: true, rescheduleInterval: 60 });
    const { r, lbId } = await configuredService(settings(true));
    const simListener = () => (r.cloud.simulator.snapshot().loadBalancers as { id: string; listeners: { reschedule: object; deregisterTargetRst: boolean }[] }[]).find((lb) => lb.id === lbId)!.listeners[0]!;
    await waitFor(() => simListener().deregisterTargetRst, 'the configured listener');
    expect(simListener().reschedule).toEqual({ targetZeroWeight: true, unhealthy: true, expandTarget: false, startTime: 0, interval: 60 });
    // DescribeListeners reports the times, not the switches (SDK 4.1.313's Listener model).
    const described = await listenerOf(r, lbId);
    expect(described).toMatchObject({ rescheduleInterval: 60, rescheduleStartTime: 0 });
    expect(described.rescheduleTargetZeroWeight).toBeUndefined();

    await r.reconcileWhenIdle('web');
    r.cloud.simulator.traffic.reset();
    await r.controller.resync(); // the cache describes again: what was sent is remembered, nothing is re-sent
    await r.reconcileWhenIdle('web');
    expect(writes(r)).toEqual([]);

    r.kube.state.apply(tcp80(settings(false)));
    await waitFor(() => (simListener().reschedule as { targetZeroWeight: boolean }).targetZeroWeight === false, 'the switch turned off');
    await r.reconcileWhenIdle('web');
    expect(writes(r)).toEqual(['ModifyListener']);
  });
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

type AutoConfig = { metadata: { labels?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[] }; spec: { loadBalancer: { l4Listeners?: Record<string, unknown>[]; l7Listeners?: { protocol: string; port: number; domains: { domain: string; rules: Record<string, unknown>[] }[] }[] } } };
const autoConfigOf = (r: ServiceRig | IngressRig, name: string) => r.kube.state.get<AutoConfig>('tkeserviceconfigs', `default/${name}`);
const AUTO = { 'service.cloud.tencent.com/tke-service-config-auto': 'true' };
const ports = (...list: number[]) => ({ spec: { ports: list.map((port, i) => ({ name: `p${i}`, port, protocol: 'TCP', targetPort: 8080 + i })) } });

describe('a Service with tke-service-config-auto', () => {
  async function autoService(annotations: Record<string, string> = AUTO): Promise<ServiceRig> {
    const r = await startServiceRig();
    rig = r;
    applyCrdsFrom(r.kube, CRDS);
    r.kube.state.seed(service('web', { annotations }));
    await waitFor(() => r.loadBalancerOf('web')?.listeners[0]?.targets.length === 3, 'the CLB with its targets');
    return r;
  }

  it('gets web-auto-service-config holding its listener\'s settings as the CLB has them, owned by the Service', async () => {
    const r = await autoService();
    const config = await waitFor(() => autoConfigOf(r, 'web-auto-service-config'), 'the auto config');
    const service = r.kube.state.get<{ metadata: { uid: string } }>('services', 'default/web')!;
    expect(config.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Service', name: 'web', uid: service.metadata.uid })]);
    expect(config.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'clb-controller' });
    // The cloud's defaults for a new TCP listener, in TKE's field names: now visible, and the user's to edit.
    const lb = r.loadBalancerOf('web')!;
    const listener = (await r.cloud.provider.describeListeners(lb.id))[0]!;
    expect(config.spec.loadBalancer.l4Listeners).toEqual([{
      protocol: 'TCP', port: 80, scheduler: listener.scheduler,
      healthCheck: expect.objectContaining({ enable: true, intervalTime: listener.healthCheck!.intervalSeconds, healthNum: listener.healthCheck!.healthyThreshold, unHealthNum: listener.healthCheck!.unhealthyThreshold, timeout: listener.healthCheck!.timeoutSeconds }),
    }]);
    await r.reconcileWhenIdle('web');
    expect(r.events('web').filter((e) => e.type === 'Warning')).toEqual([]);
  });

  it('follows the listeners: an entry added with a port and dropped with it; an edit of the entry is applied with one ModifyListener', async () => {
    const r = await autoService();
    await waitFor(() => autoConfigOf(r, 'web-auto-service-config'), 'the auto config');
    r.kube.state.patch('services', 'default/web', ports(80, 443));
    await waitFor(() => autoConfigOf(r, 'web-auto-service-config')?.spec.loadBalancer.l4Listeners?.length === 2, 'the entry for port 443');
    expect(autoConfigOf(r, 'web-auto-service-config')!.spec.loadBalancer.l4Listeners!.map((l) => l.port)).toEqual([80, 443]);

    // The user edits the entry for 443: the controller applies it, and keeps the edit (it never rewrites an entry).
    await r.reconcileWhenIdle('web');
    r.cloud.simulator.traffic.reset();
    const edited = autoConfigOf(r, 'web-auto-service-config')!;
    const [p80, p443] = edited.spec.loadBalancer.l4Listeners!;
    r.kube.state.apply({ ...edited, spec: { loadBalancer: { l4Listeners: [p80, { ...p443, scheduler: 'LEAST_CONN', healthCheck: { enable: true, intervalTime: 30, timeout: 10 } }] } } });
    const lb = r.loadBalancerOf('web')!;
    const on443 = async () => (await r.cloud.provider.describeListeners(lb.id)).find((l) => l.port === 443)!;
    await waitFor(async () => (await on443()).scheduler === 'LEAST_CONN', 'the edited settings on the CLB');
    expect((await on443()).healthCheck).toMatchObject({ enabled: true, intervalSeconds: 30, timeoutSeconds: 10 });
    await r.reconcileWhenIdle('web');
    expect(writes(r)).toEqual(['ModifyListener']);
    expect(autoConfigOf(r, 'web-auto-service-config')!.spec.loadBalancer.l4Listeners![1]).toMatchObject({ scheduler: 'LEAST_CONN', healthCheck: { intervalTime: 30 } });

    r.kube.state.patch('services', 'default/web', ports(443));
    await waitFor(() => autoConfigOf(r, 'web-auto-service-config')?.spec.loadBalancer.l4Listeners?.length === 1, 'the entry for port 80 dropped');
    expect(autoConfigOf(r, 'web-auto-service-config')!.spec.loadBalancer.l4Listeners![0]).toMatchObject({ port: 443, scheduler: 'LEAST_CONN' });
  });

  it('is deleted with the Service, and when the Service stops asking for it', async () => {
    const r = await autoService();
    await waitFor(() => autoConfigOf(r, 'web-auto-service-config'), 'the auto config');
    r.kube.state.patch('services', 'default/web', { metadata: { annotations: { 'service.cloud.tencent.com/tke-service-config-auto': null } } });
    await waitFor(() => !autoConfigOf(r, 'web-auto-service-config'), 'the config deleted with the annotation');
    r.kube.state.patch('services', 'default/web', { metadata: { annotations: AUTO } });
    await waitFor(() => autoConfigOf(r, 'web-auto-service-config'), 'the config made again');
    r.kube.state.delete('services', 'default/web');
    await waitFor(() => !r.kube.state.get('services', 'default/web') && !autoConfigOf(r, 'web-auto-service-config'), 'the Service and its config gone');
  });

  it('with a named config too: a Warning that the two are exclusive; the named config is used and no auto config is made', async () => {
    const r = await startServiceRig();
    rig = r;
    applyCrdsFrom(r.kube, CRDS);
    r.kube.state.apply(tcp80({ scheduler: 'LEAST_CONN' }));
    r.kube.state.seed(service('web', { annotations: { ...AUTO, 'service.cloud.tencent.com/tke-service-config': 'web-config' } }));
    const warning = await waitFor(() => r.events('web').find((e) => e.reason === 'InvalidAnnotation'), 'the Warning');
    expect(warning.message).toContain('service.cloud.tencent.com/tke-service-config-auto');
    expect(warning.message).toContain('exclusive with service.cloud.tencent.com/tke-service-config');
    const lb = await waitFor(() => r.loadBalancerOf('web'), 'the CLB');
    await waitFor(async () => (await listenerOf(r, lb.id)).scheduler === 'LEAST_CONN', 'the named config applied');
    await r.reconcileWhenIdle('web');
    expect(autoConfigOf(r, 'web-auto-service-config')).toBeUndefined();
  });

  it('a config of that name the user made is used as it is: never written, never deleted', async () => {
    const r = await startServiceRig();
    rig = r;
    applyCrdsFrom(r.kube, CRDS);
    const mine = config('web-auto-service-config', { l4Listeners: [{ protocol: 'TCP', port: 80, scheduler: 'LEAST_CONN' }] });
    r.kube.state.apply(mine);
    r.kube.state.seed(service('web', { annotations: AUTO }));
    const lb = await waitFor(() => r.loadBalancerOf('web'), 'the CLB');
    await waitFor(async () => (await listenerOf(r, lb.id)).scheduler === 'LEAST_CONN', 'the user\'s config applied');
    r.kube.state.patch('services', 'default/web', ports(80, 443));
    await waitFor(() => r.loadBalancerOf('web')?.listeners.length === 2, 'the second listener');
    await r.reconcileWhenIdle('web');
    expect(autoConfigOf(r, 'web-auto-service-config')!.spec).toEqual(mine.spec);
    r.kube.state.delete('services', 'default/web');
    await waitFor(() => !r.kube.state.get('services', 'default/web'), 'the Service gone');
    expect(autoConfigOf(r, 'web-auto-service-config')).toBeDefined();
  });
});

describe('an Ingress with tke-service-config-auto', () => {
  it('gets site-auto-ingress-config with an entry per domain and rule, follows a new path, and is deleted with the Ingress', async () => {
    const r = await startIngressRig({ seed: [backendService('api'), backendService('web')] });
    rig = r;
    applyCrdsFrom(r.kube, CRDS);
    const auto = { 'ingress.cloud.tencent.com/tke-service-config-auto': 'true' };
    r.kube.state.seed(ingress('site', { rules: [{ host: 'api.example.com', http: { paths: [path('/', 'api')] } }, { host: 'www.example.com', http: { paths: [path('/', 'web')] } }] }, auto));
    const config = await waitFor(() => autoConfigOf(r, 'site-auto-ingress-config'), 'the auto config');
    expect(config.spec.loadBalancer.l7Listeners).toEqual([{
      protocol: 'HTTP', port: 80, keepaliveEnable: expect.any(Number), defaultServer: 'api.example.com', // the CLB's default: its first domain
      domains: [
        { domain: 'api.example.com', rules: [expect.objectContaining({ url: '/', healthCheck: expect.objectContaining({ enable: expect.any(Boolean) }) })] },
        { domain: 'www.example.com', rules: [expect.objectContaining({ url: '/' })] },
      ],
    }]);

    // A new path on one host: a rule entry in that domain; the user's edit of another rule is applied and kept.
    const edited = autoConfigOf(r, 'site-auto-ingress-config')!;
    const [listener] = edited.spec.loadBalancer.l7Listeners!;
    r.kube.state.apply({ ...edited, spec: { loadBalancer: { l7Listeners: [{ ...listener!, domains: [{ domain: 'api.example.com', rules: [{ url: '/', scheduler: 'IP_HASH' }] }, listener!.domains[1]] }] } } });
    r.kube.state.patch('ingresses', 'default/site', { spec: { rules: [{ host: 'api.example.com', http: { paths: [path('/', 'api'), path('/v2', 'api')] } }, { host: 'www.example.com', http: { paths: [path('/', 'web')] } }] } });
    await waitFor(() => autoConfigOf(r, 'site-auto-ingress-config')?.spec.loadBalancer.l7Listeners?.[0]?.domains[0]?.rules.length === 2, 'the entry for /v2');
    expect(autoConfigOf(r, 'site-auto-ingress-config')!.spec.loadBalancer.l7Listeners![0]!.domains[0]!.rules.map((x) => [x.url, x.scheduler])).toEqual([['/', 'IP_HASH'], ['/v2', expect.anything()]]);
    const lb = r.loadBalancerOf('site')!;
    await waitFor(async () => (await listenerOf(r, lb.id)).rules.find((x) => x.domain === 'api.example.com' && x.url === '/')?.scheduler === 'IP_HASH', 'the edit applied');

    r.kube.state.delete('ingresses', 'default/site');
    await waitFor(() => !r.kube.state.get('ingresses', 'default/site') && !autoConfigOf(r, 'site-auto-ingress-config'), 'the Ingress and its config gone');
  });
});

describe('an Ingress with tke-service-config-auto and a rule without a host', () => {
  it('names that rule\'s domain "" (the VIP), as the reader takes it', async () => {
    const r = await startIngressRig({ seed: [backendService('web')] });
    rig = r;
    applyCrdsFrom(r.kube, CRDS);
    r.kube.state.seed(ingress('site', { rules: [{ http: { paths: [path('/health', 'web')] } }] }, { 'ingress.cloud.tencent.com/tke-service-config-auto': 'true' }));
    const config = await waitFor(() => autoConfigOf(r, 'site-auto-ingress-config'), 'the auto config');
    expect(config.spec.loadBalancer.l7Listeners![0]!.domains).toEqual([{ domain: '', rules: [expect.objectContaining({ url: '/health' })] }]);
    await r.reconcileWhenIdle('site');
    expect(r.events('site').filter((e) => e.type === 'Warning')).toEqual([]);
  });
});

describe('defaultServer', () => {
  it('makes a host the listener\'s default domain, and puts it back when changed in the console; a host no rule has is a Warning', async () => {
    const r = await startIngressRig({ seed: [backendService('api'), backendService('web')] });
    rig = r;
    applyCrdsFrom(r.kube, CRDS);
    const site = (defaultServer: string) => config('site-config', { l7Listeners: [{ protocol: 'HTTP', port: 80, defaultServer }] });
    r.kube.state.apply(site('www.example.com'));
    r.kube.state.seed(ingress('site', { rules: [{ host: 'api.example.com', http: { paths: [path('/', 'api')] } }, { host: 'www.example.com', http: { paths: [path('/', 'web')] } }] }, { 'ingress.cloud.tencent.com/tke-service-config': 'site-config' }));
    const lb = await waitFor(() => r.loadBalancerOf('site'), 'the CLB');
    const defaults = async () => [...new Set((await listenerOf(r, lb.id)).rules.filter((x) => x.defaultServer).map((x) => x.domain))];
    await waitFor(async () => (await defaults()).join() === 'www.example.com', 'www as the default domain');

    // Changed in the console: put back at the next resync, with one ModifyDomainAttributes.
    const listener = await listenerOf(r, lb.id);
    await r.cloud.provider.setDefaultDomain(lb.id, listener.id, 'api.example.com');
    await r.reconcileWhenIdle('site');
    r.cloud.simulator.traffic.reset();
    await r.controller.resync();
    await waitFor(async () => (await defaults()).join() === 'www.example.com', 'the default domain put back');
    await r.reconcileWhenIdle('site');
    expect(writes(r)).toEqual(['ModifyDomainAttributes']);

    r.kube.state.apply(site('nope.example.com'));
    const warning = await waitFor(() => r.events('site').find((e) => e.reason === 'InvalidTkeServiceConfig'), 'the Warning');
    expect(warning.message).toContain('spec.loadBalancer.l7Listeners[0].defaultServer');
    expect(warning.message).toContain('api.example.com, www.example.com');
    expect(await defaults()).toEqual(['www.example.com']);
  });
});
