/**
 * manifests/examples/ as the offline sandbox uses them: every file applied to the fake Kubernetes API (lb-example1
 * replaced by a CLB created beforehand), both controllers running against the mock cloud. Every LoadBalancer
 * Service and qcloud Ingress must get the CLB its header comment describes, without a single Warning; and every
 * annotation the controllers read must be demonstrated by some example.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { loadAllYaml, type V1Ingress, type V1Service } from '@kubernetes/client-node';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { applyCrdsFrom, startFakeKube } from '../../mocks/kube/index.js';
import { INGRESS_ANNOTATIONS, SERVICE_ANNOTATIONS } from '../../src/annotations/keys.js';
import { SharedInformers } from '../../src/controllers/informers.js';
import { startControllers } from '../../src/app.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { INGRESS_SETTINGS, LB_ANNOTATION } from '../support/ingress-rig.js';
import { instance, node, SETTINGS, waitFor, type SnapshotLoadBalancer, type SnapshotListener } from '../support/service-rig.js';

const EXAMPLES = fileURLToPath(new URL('../../manifests/examples/', import.meta.url));
const PLACEHOLDER_LB = 'lb-example1';
const SERVICE_LB = SERVICE_ANNOTATIONS.loadBalancerId;

interface Example {
  readonly file: string;
  readonly text: string;
  readonly objects: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> }; [key: string]: unknown }[];
}

const examples: Example[] = readdirSync(EXAMPLES)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((file) => {
    const text = readFileSync(join(EXAMPLES, file), 'utf8');
    return { file, text, objects: loadAllYaml(text) as Example['objects'] };
  });
const all = examples.flatMap((e) => e.objects.map((o) => ({ ...e, o })));
const services = all.filter(({ o }) => o.kind === 'Service').map(({ o }) => o as V1Service);
const ingresses = all.filter(({ o }) => o.kind === 'Ingress').map(({ o }) => o as V1Ingress);
const annotationsOf = (objects: readonly { metadata?: { annotations?: Record<string, string> } }[]) => new Set(objects.flatMap((o) => Object.keys(o.metadata?.annotations ?? {})));

describe('manifests/examples', () => {
  it('are self-contained, commented, in namespace default, with unique names', () => {
    expect(examples.length).toBeGreaterThan(20);
    const names = all.map(({ o }) => `${o.kind}/${o.metadata?.name}`);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const { file, text, objects } of examples) {
      expect({ file, header: /^(# .*\n)+/.test(text) }).toEqual({ file, header: true });
      for (const o of objects) expect({ file, name: o.metadata?.name, namespace: o.metadata?.namespace }).toEqual({ file, name: o.metadata?.name, namespace: 'default' });
    }
  });

  it('demonstrate every annotation the controllers read', () => {
    const onServices = annotationsOf(services);
    const onIngresses = annotationsOf(ingresses);
    // Written by the controller, or (the legacy class) not allowed next to spec.ingressClassName: shown in comments.
    const inComments: readonly string[] = [SERVICE_ANNOTATIONS.loadBalancerId, INGRESS_ANNOTATIONS.loadBalancerId, INGRESS_ANNOTATIONS.ingressClass];
    for (const key of Object.values(SERVICE_ANNOTATIONS).filter((k) => !inComments.includes(k))) expect({ key, shown: onServices.has(key) }).toEqual({ key, shown: true });
    for (const key of Object.values(INGRESS_ANNOTATIONS).filter((k) => !inComments.includes(k))) expect({ key, shown: onIngresses.has(key) }).toEqual({ key, shown: true });
    for (const key of inComments) expect({ key, commented: examples.some((e) => e.text.split('\n').some((l) => l.startsWith('#') && l.includes(key))) }).toEqual({ key, commented: true });
    // Nothing else: a typo in an annotation name would be silently ignored by the controller.
    const known = new Set<string>([...Object.values(SERVICE_ANNOTATIONS), ...Object.values(INGRESS_ANNOTATIONS)]);
    expect([...onServices, ...onIngresses].filter((k) => !known.has(k))).toEqual([]);
  });

  it('use ids the sandbox knows: lb-example1 (said to need a real CLB), subnet-lb000001, and qcloud Ingresses on NodePort backends they define', () => {
    const existing = [...services, ...ingresses].flatMap((o) => [o.metadata?.annotations?.[SERVICE_ANNOTATIONS.existingLoadBalancerId], o.metadata?.annotations?.[INGRESS_ANNOTATIONS.existingLoadBalancerId]]).filter(Boolean);
    expect(existing.length).toBeGreaterThan(0);
    expect(new Set(existing)).toEqual(new Set([PLACEHOLDER_LB]));
    for (const { file, text } of examples.filter((e) => e.text.includes(PLACEHOLDER_LB))) expect({ file, says: text.includes('NEEDS A REAL CLB') }).toEqual({ file, says: true });
    const subnets = [...services, ...ingresses].flatMap((o) => [o.metadata?.annotations?.[SERVICE_ANNOTATIONS.internalSubnetId], o.metadata?.annotations?.[INGRESS_ANNOTATIONS.subnetId]]).filter(Boolean);
    expect(new Set(subnets)).toEqual(new Set(['subnet-lb000001']));
    for (const ingress of ingresses) {
      expect({ ingress: ingress.metadata?.name, className: ingress.spec?.ingressClassName }).toEqual({ ingress: ingress.metadata?.name, className: 'qcloud' });
      const backends = [
        ingress.spec?.defaultBackend?.service?.name,
        ...(ingress.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend.service?.name)),
        ...[INGRESS_ANNOTATIONS.httpRules, INGRESS_ANNOTATIONS.httpsRules].flatMap((k) => (JSON.parse(ingress.metadata?.annotations?.[k] ?? '[]') as { backend?: { serviceName: string } }[]).map((r) => r.backend?.serviceName)),
      ].filter((n): n is string => Boolean(n));
      expect(backends.length).toBeGreaterThan(0);
      for (const name of backends) expect({ ingress: ingress.metadata?.name, name, type: services.find((s) => s.metadata?.name === name)?.spec?.type }).toEqual({ ingress: ingress.metadata?.name, name, type: 'NodePort' });
    }
  });
});

describe('manifests/examples applied to a cluster', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('give every LoadBalancer Service and qcloud Ingress the CLB its comment describes, without a Warning', async () => {
    // Node 1 carries group=access (svc-backends-label.yaml); both are eligible NodePort backends.
    const kube = await startFakeKube({ seed: [node(1, { labels: { group: 'access' } }), node(2)] });
    applyCrdsFrom(kube, fileURLToPath(new URL('../../manifests/crds/', import.meta.url)));
    cleanups.push(() => kube.close());
    const cloud = createLocalCloud({ rateLimitPerSecond: 1000 });
    const existing = await cloud.provider.createLoadBalancer({ name: 'pre-existing', type: 'OPEN', vpcId: SETTINGS.vpcId, tags: { owner: 'platform-team' } });
    const skipped: string[] = [];
    for (const { text } of examples) {
      for (const object of loadAllYaml(text.replaceAll(PLACEHOLDER_LB, existing.id)) as Example['objects']) {
        if (kube.state.serves(object.apiVersion ?? '', object.kind ?? '')) kube.state.apply(object);
        else skipped.push(`${object.kind}/${object.metadata?.name}`);
      }
    }
    // The fake serves every kind the examples use (a Deployment is stored as an object: the sandbox makes its Pods).
    expect(skipped).toEqual([]);

    const kc = kube.kubeConfig();
    const logger = silentLogger();
    const informers = new SharedInformers({ kubeConfig: kc, logger, backoffMs: { min: 20, max: 200 } });
    cleanups.push(() => informers.stop());
    const controllers = await startControllers({
      kubeConfig: kc, informers, provider: cloud.provider, logger, workers: 4, resyncPeriodMs: 3_600_000, settings: { ...SETTINGS, defaultIngressClass: INGRESS_SETTINGS.defaultClass },
    });
    cleanups.push(() => controllers.stop());

    const service = (name: string) => kube.state.get<V1Service>('services', `default/${name}`);
    const ingress = (name: string) => kube.state.get<V1Ingress>('ingresses', `default/${name}`);
    const loadBalancers = () => cloud.simulator.snapshot().loadBalancers as (SnapshotLoadBalancer & { subnetId?: string; securityGroups?: string[]; passToTarget?: boolean; deleteProtect?: boolean })[];
    const lbById = (id: string | undefined) => loadBalancers().find((lb) => lb.id === id);
    const lbOfService = (name: string) => lbById(service(name)?.metadata?.annotations?.[SERVICE_LB]);
    const lbOfIngress = (name: string) => lbById(ingress(name)?.metadata?.annotations?.[LB_ANNOTATION]);
    const skip = (o: { metadata?: { annotations?: Record<string, string> } }) => o.metadata?.annotations?.[SERVICE_ANNOTATIONS.mode] === 'skip' || o.metadata?.annotations?.[INGRESS_ANNOTATIONS.mode] === 'skip';
    const lbServices = services.filter((s) => s.spec?.type === 'LoadBalancer' && !skip(s)).map((s) => s.metadata?.name ?? '');
    const qcloudIngresses = ingresses.filter((i) => !skip(i)).map((i) => i.metadata?.name ?? '');
    const done = (o: V1Service | V1Ingress | undefined, key: string) => Boolean(o?.metadata?.annotations?.[key] && o.status?.loadBalancer?.ingress?.length);

    await waitFor(() => lbServices.every((n) => done(service(n), SERVICE_LB)) && qcloudIngresses.every((n) => done(ingress(n), LB_ANNOTATION)), 'every example to get its CLB', 8000);
    // Settled: nothing queued for a while (a late Warning would show up now).
    let idleSince = Date.now();
    await waitFor(() => {
      if (!controllers.idle()) idleSince = Date.now();
      return Date.now() - idleSince > 200;
    }, 'the controllers to be idle');

    const events = kube.state.list<{ type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }>('events');
    expect(events.filter((e) => e.type !== 'Normal').map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason}: ${e.message}`)).toEqual([]);

    const listeners = (lb: SnapshotLoadBalancer | undefined) => (lb?.listeners ?? []).map((l) => `${l.protocol}:${l.port}`).sort();
    const listener = (lb: SnapshotLoadBalancer | undefined, protocol: string) => lb?.listeners.find((l) => l.protocol === protocol) as (SnapshotListener & { certificate: { CertId?: string; CertCaId?: string } | null; sniSwitch?: unknown }) | undefined;
    const rules = (lb: SnapshotLoadBalancer | undefined, protocol: string) => (listener(lb, protocol)?.rules ?? []).map((r) => `${r.domain}${r.url}${r.rewrite ? ' (redirect)' : ''}`).sort();
    const nodes = (l: SnapshotListener | undefined) => (l?.targets ?? []).map((t) => t.instanceId).sort();

    // mode: skip — nothing happens for them.
    expect([service('example-mode-skip'), ingress('example-ing-skip')].map((o) => [o?.metadata?.annotations?.[SERVICE_LB] ?? o?.metadata?.annotations?.[LB_ANNOTATION], o?.metadata?.finalizers, o?.status?.loadBalancer?.ingress])).toEqual([[undefined, undefined, undefined], [undefined, undefined, undefined]]);

    // svc-basic: public, one TCP listener per port to both nodes, ClientIP affinity as session persistence.
    const basic = lbOfService('example-basic');
    expect(basic?.type).toBe('OPEN');
    expect(basic?.tags).toMatchObject({ 'tke-createdBy-flag': 'yes', 'tke-clusterId': SETTINGS.clusterId });
    expect(listeners(basic)).toEqual(['TCP:443', 'TCP:80']);
    expect(basic?.listeners.every((l) => l.sessionExpireTime === 600 && nodes(l).join() === [instance(1), instance(2)].join())).toBe(true);

    // The existing CLB: shared by two Services (TCP and UDP 53) and an Ingress (HTTP 80); never tagged as ours.
    expect(['example-existed-dns-tcp', 'example-existed-dns-udp'].map((n) => service(n)?.metadata?.annotations?.[SERVICE_LB])).toEqual([existing.id, existing.id]);
    expect(ingress('example-ing-existing')?.metadata?.annotations?.[LB_ANNOTATION]).toBe(existing.id);
    expect(listeners(lbById(existing.id))).toEqual(['HTTP:80', 'TCP:53', 'UDP:53']);
    expect(lbById(existing.id)?.tags).toEqual({ owner: 'platform-team', 'tke-clusterId': SETTINGS.clusterId });

    // Internal CLBs in subnet-lb000001 (10.0.2.0/24).
    for (const lb of [lbOfService('example-internal'), lbOfIngress('example-ing-internal')]) {
      expect([lb?.type, lb?.subnetId, lb?.vips[0]?.startsWith('10.0.2.')]).toEqual(['INTERNAL', 'subnet-lb000001', true]);
    }
    // backends-label group=access: node 1 only.
    expect(nodes(lbOfService('example-backends-label')?.listeners[0])).toEqual([instance(1)]);
    // security groups, pass-to-target, deletion protection: CLB attributes.
    expect(lbOfService('example-security-groups')?.securityGroups).toEqual(['sg-web00001', 'sg-ops00001']);
    expect(lbOfService('example-pass-to-target')?.passToTarget).toBe(true);
    expect(lbOfIngress('example-ing-protected')?.deleteProtect).toBe(true);
    expect(lbOfIngress('example-ing-retain')?.deleteProtect).toBe(false);

    // specify-protocol: TCP_SSL with mutual TLS next to plain TCP; HTTP host rules and HTTPS per-host certificates.
    const tcpSsl = lbOfService('example-tcp-ssl');
    expect(listeners(tcpSsl)).toEqual(['TCP:80', 'TCP_SSL:443']);
    expect(listener(tcpSsl, 'TCP_SSL')?.certificate).toMatchObject({ CertId: 'Ab1Cd2Ef', CertCaId: 'Ca3Gh4Ij' });
    const httpHttps = lbOfService('example-http-https');
    expect(rules(httpHttps, 'HTTP')).toEqual(['api.example.com/', 'www.example.com/']);
    expect(rules(httpHttps, 'HTTPS')).toEqual(['api.example.com/', 'www.example.com/']);

    // Ingresses: rules per listener as each file's comment lists them.
    const basicIngress = lbOfIngress('example-ing-basic');
    expect(listeners(basicIngress)).toEqual(['HTTP:80']);
    expect(rules(basicIngress, 'HTTP')).toHaveLength(4);
    const tls = lbOfIngress('example-ing-tls');
    expect(listeners(tls)).toEqual(['HTTP:80', 'HTTPS:443']);
    expect(rules(tls, 'HTTP')).toEqual([]);
    expect(rules(tls, 'HTTPS')).toEqual(['admin.example.com/', 'shop.example.com/']);
    // SNI: admin.example.com has its own certificate, shop.example.com the default one (with its CA: mutual TLS).
    expect((listener(tls, 'HTTPS') as { domainCertificates?: unknown } | undefined)?.domainCertificates).toEqual({
      'admin.example.com': { CertId: 'Ad3Mn4Ce', SSLMode: 'UNIDIRECTIONAL' },
      'shop.example.com': { CertId: 'Df1Lt2Ce', CertCaId: 'Ca5Ro6Ot', SSLMode: 'MUTUAL' },
    });
    const mix = lbOfIngress('example-ing-mix');
    expect(rules(mix, 'HTTP')).toEqual(['shop.example.com/', 'status.example.com/']);
    expect(rules(mix, 'HTTPS')).toEqual(['shop.example.com/', 'shop.example.com/checkout']);
    expect(listeners(lbOfIngress('example-ing-ports'))).toEqual(['HTTP:8080', 'HTTPS:8443']);
    expect(rules(lbOfIngress('example-ing-auto-rewrite'), 'HTTP')).toEqual(['shop.example.com/ (redirect)', 'shop.example.com/api (redirect)']);
    expect(rules(lbOfIngress('example-ing-rewrite-support'), 'HTTP')).toEqual(['old.example.com/ (redirect)', 'www.example.com/', 'www.example.com/login (redirect)']);
  });
});
