/**
 * The auto TkeServiceConfig, as pure functions and as the pipeline's last step over a fake writer: which config an
 * owner uses, what a new entry holds, that an existing entry is the user's, and what happens when the API server
 * says no.
 */
import { describe, expect, it } from '@jest/globals';
import type { Listener } from '../../providers/provider.js';
import { autoConfigObject, autoConfigSpec, lacksEntries, sameConfig, type AutoConfigWriter } from '../../src/tke-service-config/auto-config.js';
import { dropAutoConfig, keepAutoConfig } from '../../src/tke-service-config/keep-auto-config.js';
import { configChoice, type TkeServiceConfig } from '../../src/tke-service-config/tke-service-config.js';
import { SERVICE_CONFIGS } from '../../src/controllers/service-adapter.js';
import { storeOf } from '../../src/kube/cluster-view.js';
import type { DesiredListener } from '../../src/model/desired.js';
import { silentLogger } from '../../src/runtime/logger.js';

const owner = (annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', uid: 'u-1', annotations } });
const AUTO = 'service.cloud.tencent.com/tke-service-config-auto';
const NAMED = 'service.cloud.tencent.com/tke-service-config';
const desired = (port: number) => ({ name: `l-${port}`, protocol: 'TCP', port, targets: [], rules: [] }) as unknown as DesiredListener;
const onCloud = (port: number, extra: Partial<Listener> = {}): Listener => ({
  id: `lbl-${port}`, name: `l-${port}`, protocol: 'TCP', port, rules: [], scheduler: 'WRR',
  healthCheck: { enabled: true, intervalSeconds: 5, timeoutSeconds: 2, healthyThreshold: 3, unhealthyThreshold: 3, checkType: 'TCP' }, ...extra,
});

describe('which config an owner uses', () => {
  it('the named one, the auto one, or none', () => {
    expect(configChoice(owner({ [NAMED]: ' mine ' }), SERVICE_CONFIGS)).toEqual({ name: 'mine', auto: false, problems: [] });
    expect(configChoice(owner({ [AUTO]: 'true' }), SERVICE_CONFIGS)).toEqual({ name: 'web-auto-service-config', auto: true, problems: [] });
    expect(configChoice(owner({ [AUTO]: 'false' }), SERVICE_CONFIGS)).toEqual({ auto: false, problems: [] });
  });

  it('both: the named one, with a Warning naming both annotations', () => {
    const choice = configChoice(owner({ [NAMED]: 'mine', [AUTO]: 'true' }), SERVICE_CONFIGS);
    expect(choice).toMatchObject({ name: 'mine', auto: false });
    expect(choice.problems).toEqual([expect.objectContaining({ eventReason: 'InvalidAnnotation', field: AUTO, value: 'true', reason: expect.stringContaining(`exclusive with ${NAMED}`) })]);
  });

  it('a value other than true or false: a Warning saying what is accepted', () => {
    expect(configChoice(owner({ [AUTO]: 'yes' }), SERVICE_CONFIGS).problems).toEqual([expect.objectContaining({ field: AUTO, value: 'yes', reason: expect.stringContaining('expected "true" or "false"') })]);
  });
});

describe('the auto config\'s spec', () => {
  it('a new entry takes what the CLB has, in TKE\'s names; an existing entry is kept as the user left it; a gone listener\'s entry is dropped', () => {
    const existing = { loadBalancer: { l4Listeners: [{ protocol: 'TCP', port: 80, scheduler: 'LEAST_CONN' }, { protocol: 'TCP', port: 81, scheduler: 'WRR' }] } };
    const spec = autoConfigSpec([desired(80), desired(443)], [onCloud(80), onCloud(443)], existing);
    expect(spec).toEqual({ loadBalancer: { l4Listeners: [
      { protocol: 'TCP', port: 80, scheduler: 'LEAST_CONN' },
      { protocol: 'TCP', port: 443, scheduler: 'WRR', healthCheck: { enable: true, intervalTime: 5, timeout: 2, healthNum: 3, unHealthNum: 3, checkType: 'TCP' } },
    ] } });
  });

  it('a listener the CLB does not have (a quota left it out) gets no entry yet', () => {
    expect((autoConfigSpec([desired(80), desired(443)], [onCloud(80)], undefined)?.loadBalancer?.l4Listeners as { port: number }[]).map((l) => l.port)).toEqual([80]);
  });

  it('a CLB value outside TKE\'s range (a 2 s interval) is left out of the entry, so the entry is not a Warning', () => {
    const spec = autoConfigSpec([desired(80)], [onCloud(80, { healthCheck: { enabled: true, intervalSeconds: 2, timeoutSeconds: 2 } })], undefined);
    expect(spec?.loadBalancer?.l4Listeners).toEqual([{ protocol: 'TCP', port: 80, scheduler: 'WRR' }]);
  });

  it('the CLB is read only when an entry is missing', () => {
    const existing = { loadBalancer: { l4Listeners: [{ protocol: 'TCP', port: 80 }] } };
    expect(lacksEntries(existing, [desired(80)], [onCloud(80)])).toBe(false);
    expect(lacksEntries(existing, [desired(80), desired(443)], [onCloud(80), onCloud(443)])).toBe(true);
    // A listener the CLB does not have (a quota, a conflict) gets no entry: no read for it at every reconcile.
    expect(lacksEntries(existing, [desired(80), desired(443)], [onCloud(80)])).toBe(false);
  });
});

describe('the auto config against an API server', () => {
  const httpListener = (rules: { domain: string; url: string }[]) => ({ name: 'http', protocol: 'HTTP', port: 80, targets: [], rules: rules.map((r) => ({ ...r, targets: [] })) }) as unknown as DesiredListener;
  const cloudHttp = (rules: { domain: string; url: string; defaultServer?: boolean }[]): Listener => ({ id: 'lbl-h', name: 'http', protocol: 'HTTP', port: 80, rules: rules.map((r, i) => ({ id: `loc-${i}`, ...r })) });

  it('a config read back with its keys sorted (as an API server returns custom resources) is the same config: no rewrite', () => {
    const o = owner({ [AUTO]: 'true' });
    const made = autoConfigObject(o, SERVICE_CONFIGS, autoConfigSpec([httpListener([{ domain: 'a.com', url: '/' }])], [cloudHttp([{ domain: 'a.com', url: '/', defaultServer: true }])], undefined));
    const sortKeys = (v: unknown): unknown => (Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)])) : v);
    expect(sameConfig(sortKeys(made) as TkeServiceConfig, made)).toBe(true);
  });

  it('a default domain whose rules are gone is dropped from the entry (it would be a Warning for a value the user never wrote)', () => {
    const existing = { loadBalancer: { l7Listeners: [{ protocol: 'HTTP', port: 80, defaultServer: 'a.com', domains: [{ domain: 'a.com', rules: [{ url: '/' }] }, { domain: 'b.com', rules: [{ url: '/' }] }] }] } };
    const spec = autoConfigSpec([httpListener([{ domain: 'b.com', url: '/' }])], [cloudHttp([{ domain: 'b.com', url: '/', defaultServer: true }])], existing);
    expect(spec?.loadBalancer?.l7Listeners).toEqual([{ protocol: 'HTTP', port: 80, domains: [{ domain: 'b.com', rules: [{ url: '/' }] }] }]);
  });

  it('while rules are left out for a problem (keepExisting), the entries of those the CLB still has stay', () => {
    const existing = { loadBalancer: { l7Listeners: [{ protocol: 'HTTP', port: 80, domains: [{ domain: 'a.com', rules: [{ url: '/', scheduler: 'IP_HASH' }, { url: '/typo', scheduler: 'LEAST_CONN' }] }] }] } };
    const cloud = [cloudHttp([{ domain: 'a.com', url: '/' }, { domain: 'a.com', url: '/typo' }])];
    const model = [httpListener([{ domain: 'a.com', url: '/' }])];
    const rulesOf = (spec: TkeServiceConfig['spec']) => (spec?.loadBalancer?.l7Listeners as { domains: { rules: { url: string }[] }[] }[])[0]!.domains[0]!.rules.map((r) => r.url);
    expect(rulesOf(autoConfigSpec(model, cloud, existing, { keepExisting: true }))).toEqual(['/', '/typo']);
    expect(rulesOf(autoConfigSpec(model, cloud, existing))).toEqual(['/']);
  });

  it('other owner references are kept; ours carries the owner\'s uid now', () => {
    const o = owner({ [AUTO]: 'true' });
    const theirs = { apiVersion: 'example.com/v1', kind: 'Team', name: 'platform', uid: 't-1' };
    const existing = { ...autoConfigObject(o, SERVICE_CONFIGS, undefined), metadata: { name: 'web-auto-service-config', namespace: 'default', ownerReferences: [theirs, { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u-old' }] } };
    expect(autoConfigObject(o, SERVICE_CONFIGS, undefined, existing).metadata?.ownerReferences).toEqual([theirs, { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u-1' }]);
  });
});

describe('keeping the auto config (step 8)', () => {
  const lb = { id: 'lb-1', vips: ['203.0.113.9'] } as never;
  function deps(configs: TkeServiceConfig[], writer: Partial<AutoConfigWriter>, hasSynced = true) {
    const calls: string[] = [];
    const record = (verb: string, result?: () => Promise<unknown>) => async (c: unknown) => {
      calls.push(`${verb} ${typeof c === 'string' ? c : (c as TkeServiceConfig).metadata?.name}`);
      return result?.();
    };
    return {
      calls,
      deps: {
        autoConfigs: { create: writer.create ?? record('create'), replace: writer.replace ?? record('replace'), delete: writer.delete ?? (record('delete') as AutoConfigWriter['delete']) },
        view: { tkeServiceConfigs: Object.assign(storeOf(() => configs), { hasSynced }) } as never,
        provider: { describeListeners: async () => [onCloud(80)] } as never,
        cache: { listeners: async () => ({ listeners: [onCloud(80)], targets: new Map() }) },
        logger: silentLogger(),
      },
    };
  }

  it('creates it once; the same spec again is no write', async () => {
    const o = owner({ [AUTO]: 'true' });
    const first = deps([], {});
    await keepAutoConfig(first.deps, SERVICE_CONFIGS, o, lb, [desired(80)]);
    expect(first.calls).toEqual(['create web-auto-service-config']);
    const made = autoConfigObject(o, SERVICE_CONFIGS, autoConfigSpec([desired(80)], [onCloud(80)], undefined));
    const again = deps([made], {});
    await keepAutoConfig(again.deps, SERVICE_CONFIGS, o, lb, [desired(80)]);
    expect(again.calls).toEqual([]);
  });

  it('while configs cannot be listed (no CRD), writes nothing', async () => {
    const { deps: d, calls } = deps([], {}, false);
    await keepAutoConfig(d, SERVICE_CONFIGS, owner({ [AUTO]: 'true' }), lb, [desired(80)]);
    expect(calls).toEqual([]);
  });

  it('a 409 (a user edit or the informer behind) is passed on as it is, for the retry to read again', async () => {
    const conflict = Object.assign(new Error('conflict'), { code: 409 });
    const { deps: d } = deps([], { create: async () => Promise.reject(conflict) });
    await expect(keepAutoConfig(d, SERVICE_CONFIGS, owner({ [AUTO]: 'true' }), lb, [desired(80)])).rejects.toBe(conflict);
  });

  it('any other refusal (RBAC) fails the reconcile naming the config', async () => {
    const { deps: d } = deps([], { create: async () => Promise.reject(Object.assign(new Error('forbidden'), { code: 403 })) });
    await expect(keepAutoConfig(d, SERVICE_CONFIGS, owner({ [AUTO]: 'true' }), lb, [desired(80)])).rejects.toThrow('could not create TkeServiceConfig default/web-auto-service-config: forbidden');
  });

  it('when the owner goes, a refused delete does not hold it up (logged; the ownerReference lets the garbage collector remove the config)', async () => {
    const o = owner({ [AUTO]: 'true' });
    const made = autoConfigObject(o, SERVICE_CONFIGS, { loadBalancer: {} });
    const { deps: d } = deps([made], { delete: async () => Promise.reject(Object.assign(new Error('forbidden'), { code: 403 })) });
    await expect(dropAutoConfig(d, SERVICE_CONFIGS, o, true)).resolves.toBeUndefined();
    await expect(dropAutoConfig(d, SERVICE_CONFIGS, o)).rejects.toThrow('forbidden');
  });

  it('without the annotation, deletes the auto config it made, and leaves a config of that name it did not make', async () => {
    const o = owner({});
    const made = autoConfigObject({ ...o }, SERVICE_CONFIGS, { loadBalancer: {} });
    const ours = deps([made], {});
    await keepAutoConfig(ours.deps, SERVICE_CONFIGS, o, lb, [desired(80)]);
    expect(ours.calls).toEqual(['delete web-auto-service-config']);
    const theirs = deps([{ ...made, metadata: { name: 'web-auto-service-config', namespace: 'default' } }], {});
    await keepAutoConfig(theirs.deps, SERVICE_CONFIGS, o, lb, [desired(80)]);
    expect(theirs.calls).toEqual([]);
  });
});
