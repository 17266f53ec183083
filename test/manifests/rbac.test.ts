/**
 * manifests/rbac.yaml grants exactly the Kubernetes API calls the controller makes. Both controllers (on shared
 * informers) and the leader elector run against the fake API server through a scenario that takes every path that
 * talks to the API; the fake's request log is then compared with the RBAC rules bound to the controller's
 * ServiceAccount, in both directions: no call without a grant (the controller would get 403s in a real cluster),
 * no grant without a call (least privilege).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CoordinationV1Api, loadAllYaml, type V1Pod } from '@kubernetes/client-node';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { applyCrdsFrom, RESOURCES, startFakeKube, type LoggedRequest } from '../../mocks/kube/index.js';
import { SharedInformers } from '../../src/controllers/informers.js';
import { startControllers } from '../../src/app.js';
import { createLeaderGatedProvider } from '../../src/runtime/leader-gated-provider.js';
import { LeaderElector } from '../../src/runtime/leader-election.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { backendService, INGRESS_SETTINGS, LB_ANNOTATION } from '../support/ingress-rig.js';
import { node, service, SETTINGS, waitFor, type SnapshotLoadBalancer } from '../support/service-rig.js';

const SERVICE_ACCOUNT = { name: 'clb-controller', namespace: 'clb-controller' };
/** Where the controller's Lease lives (run: POD_NAMESPACE, set to the Deployment's namespace). */
const LEASE = { namespace: 'clb-controller', name: 'clb-controller' };
const GATE = 'cloud.tencent.com/load-balancer-backendgroup-ready';
const SERVICE_LB = 'service.kubernetes.io/loadbalance-id';
const SERVICE_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
const INGRESS_FINALIZER = 'ingress.cloud.tencent.com/load-balancer-cleanup';

// ---- RBAC rules as granted to the ServiceAccount ------------------------------------------------------------

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface RbacObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { apiGroup?: string; kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
}

/** One (group, resource[/subresource], verb) a role allows, cluster-wide or in one namespace. */
interface Grant {
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  /** undefined: every namespace (a ClusterRole bound by a ClusterRoleBinding). */
  readonly namespace: string | undefined;
}

const showGrant = (g: Grant) => `${g.group || 'core'} ${g.resource} ${g.verb}${g.namespace ? ` (in ${g.namespace})` : ''}`;

function loadRbac(): RbacObject[] {
  return loadAllYaml(readFileSync(new URL('../../manifests/rbac.yaml', import.meta.url), 'utf8')) as RbacObject[];
}

/** The grants the rbac.yaml bindings give the controller's ServiceAccount. */
function grantsOf(objects: readonly RbacObject[]): Grant[] {
  const grants: Grant[] = [];
  const role = (kind: string, name: string | undefined, namespace: string | undefined) =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name && (kind === 'ClusterRole' || o.metadata?.namespace === namespace));
  for (const binding of objects.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')) {
    const bindsUs = binding.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === SERVICE_ACCOUNT.name && s.namespace === SERVICE_ACCOUNT.namespace);
    if (!bindsUs) continue;
    // A RoleBinding grants its role (a Role, or a ClusterRole) in the binding's namespace only.
    const namespace = binding.kind === 'RoleBinding' ? binding.metadata?.namespace : undefined;
    const target = role(binding.roleRef?.kind ?? '', binding.roleRef?.name, binding.metadata?.namespace);
    if (!target) throw new Error(`${binding.kind} ${binding.metadata?.name} refers to ${binding.roleRef?.kind} ${binding.roleRef?.name}, which rbac.yaml does not define`);
    for (const rule of target.rules ?? []) {
      for (const group of rule.apiGroups ?? []) for (const resource of rule.resources ?? []) for (const verb of rule.verbs ?? []) grants.push({ group, resource, verb, namespace });
    }
  }
  return grants;
}

// ---- API calls as the fake saw them --------------------------------------------------------------------------

interface Call {
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  readonly namespace: string | undefined;
}

const showCall = (c: Call) => `${c.group || 'core'} ${c.resource} ${c.verb}${c.namespace ? ` in ${c.namespace}` : ' (all namespaces)'}`;

/** The fake's verbs are the RBAC verbs: list vs watch by the `watch` parameter, get/delete vs list/deletecollection by a name. */
function callOf(request: LoggedRequest): Call {
  const name = request.resource ?? request.customResource;
  if (!name) throw new Error(`a ${request.method} ${request.path} request is not a resource request`);
  const resource = request.subresource ? `${name}/${request.subresource}` : name;
  return { group: request.resource ? RESOURCES[request.resource].group : request.group ?? '', resource, verb: request.verb, namespace: request.namespace };
}

const covers = (g: Grant, c: Call) =>
  (g.group === '*' || g.group === c.group) && (g.resource === '*' || g.resource === c.resource) && (g.verb === '*' || g.verb === c.verb) &&
  (g.namespace === undefined || g.namespace === c.namespace);

// ---- the scenario ----------------------------------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `stop` at most once, whether the scenario gets there or afterEach does. */
function once(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= stop());
}

function certSecret(name: string, certId: string) {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'Opaque', data: { qcloud_cert_id: Buffer.from(certId).toString('base64') } };
}

/**
 * Runs both controllers and the elector through everything that talks to the API server and returns the requests
 * the fake answered. Objects are created and changed through `kube.state` (no HTTP), so the log holds the
 * controller's calls only.
 */
async function runScenario(): Promise<LoggedRequest[]> {
  const kube = await startFakeKube({ seed: [node(1), node(2), backendService('web'), certSecret('web-tls', 'cert-web1')] });
  applyCrdsFrom(kube, 'manifests/crds'); // the TkeServiceConfig CRD, as `kubectl apply -f manifests/crds/` installs it
  cleanups.push(once(() => kube.close()));
  const cloud = createLocalCloud({ rateLimitPerSecond: 1000 });
  const kc = kube.kubeConfig();
  const logger = silentLogger();
  const get = <T extends object>(resource: 'services' | 'ingresses' | 'pods' | 'leases', key: string) => kube.state.get<T & { metadata?: { annotations?: Record<string, string>; finalizers?: string[] } }>(resource, key);
  const events = (name: string) => kube.state.list<{ reason: string; involvedObject: { name: string } }>('events', 'default').filter((e) => e.involvedObject.name === name).map((e) => e.reason);
  const lbOf = (id: string | undefined) => (cloud.simulator.snapshot().loadBalancers as SnapshotLoadBalancer[]).find((lb) => lb.id === id);

  // Leadership first, as `run` does: acquire (get → 404 → create), then renew (update) every retry period.
  const elector = new LeaderElector({
    api: kc.makeApiClient(CoordinationV1Api), ...LEASE, identity: 'clb-controller-7d9f-abcde', logger,
    leaseDurationMs: 1000, renewDeadlineMs: 400, retryPeriodMs: 50,
    beforeRelease: () => provider.idle(),
  });
  const provider = createLeaderGatedProvider({ provider: cloud.provider, isLeader: () => elector.isLeader() });
  const stopElector = once(() => elector.stop());
  cleanups.push(stopElector);
  elector.start();
  await waitFor(() => elector.isLeader(), 'leadership');

  const informers = new SharedInformers({ kubeConfig: kc, logger, backoffMs: { min: 20, max: 200 } });
  const stopInformers = once(() => informers.stop());
  cleanups.push(stopInformers);
  const controllers = await startControllers({
    kubeConfig: kc, informers, provider, logger, workers: 2, resyncPeriodMs: 3_600_000, emptyGraceMs: 100, settings: { ...SETTINGS, defaultIngressClass: INGRESS_SETTINGS.defaultClass },
  });
  const stopControllers = once(() => controllers.stop());
  cleanups.push(stopControllers);

  // A LoadBalancer Service: finalizer and annotation (services patch), VIP (services/status patch), Events; its auto
  // TkeServiceConfig is created, updated with the second listener, and deleted when the Service is released.
  kube.state.seed(service('plain', { annotations: { 'service.cloud.tencent.com/tke-service-config-auto': 'true' } }));
  await waitFor(() => {
    const s = get<object>('services', 'default/plain');
    return s?.metadata?.finalizers?.includes(SERVICE_FINALIZER) && s.metadata.annotations?.[SERVICE_LB] && (s as { status?: { loadBalancer?: { ingress?: unknown[] } } }).status?.loadBalancer?.ingress?.length;
  }, 'the Service to get its CLB');
  // Updated: a second port, a second listener.
  kube.state.patch('services', 'default/plain', { spec: { ports: [{ name: 'p0', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'p1', port: 443, protocol: 'TCP', targetPort: 8443 }] } });
  await waitFor(() => lbOf(get('services', 'default/plain')?.metadata?.annotations?.[SERVICE_LB])?.listeners.length === 2, 'the second listener');
  const autoConfig = () => kube.state.get<{ spec: { loadBalancer: { l4Listeners: unknown[] } } }>('tkeserviceconfigs', 'default/plain-auto-service-config');
  await waitFor(() => autoConfig()?.spec.loadBalancer.l4Listeners.length === 2, 'the auto config to follow the second listener');

  // A user error: a Warning Event, no finalizer.
  kube.state.seed(service('broken', { annotations: { 'service.cloud.tencent.com/security-groups': 'not-a-security-group' } }));
  await waitFor(() => events('broken').includes('InvalidAnnotation'), 'the InvalidAnnotation Warning');

  // Direct access with a gated Pod whose containers are ready: bound, then its gate set True (pods/status patch).
  kube.state.seed(
    service('direct', { annotations: { 'service.cloud.tencent.com/direct-access': 'true' } }),
    {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'direct-0', namespace: 'default', labels: { app: 'direct' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }], readinessGates: [{ conditionType: GATE }] },
      status: { podIP: '172.16.0.10', conditions: [{ type: 'ContainersReady', status: 'True', lastTransitionTime: new Date().toISOString() }, { type: 'Ready', status: 'False' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'direct-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'direct' } },
      ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['172.16.0.10'], conditions: { ready: false, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: 'direct-0', namespace: 'default' } }],
    },
  );
  await waitFor(() => get<V1Pod>('pods', 'default/direct-0')?.status?.conditions?.some((c) => c.type === GATE && c.status === 'True'), 'the readiness gate to open');

  // A qcloud Ingress with TLS: finalizer and annotation (ingresses patch), VIP (ingresses/status patch), Events.
  kube.state.seed({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'default' },
    spec: {
      ingressClassName: 'qcloud',
      tls: [{ secretName: 'web-tls' }],
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    },
  });
  await waitFor(() => {
    const i = get<object>('ingresses', 'default/shop');
    return i?.metadata?.finalizers?.includes(INGRESS_FINALIZER) && i.metadata.annotations?.[LB_ANNOTATION] && (i as { status?: { loadBalancer?: { ingress?: unknown[] } } }).status?.loadBalancer?.ingress?.length;
  }, 'the Ingress to get its CLB');

  // No longer a LoadBalancer: the CLB goes, then the annotation, the status and the finalizer.
  kube.state.patch('services', 'default/plain', { spec: { type: 'ClusterIP' } });
  await waitFor(() => {
    const s = get<object>('services', 'default/plain');
    return s && !s.metadata?.finalizers?.length && !s.metadata?.annotations?.[SERVICE_LB];
  }, 'the Service to be released');
  expect(autoConfig()).toBeUndefined();
  // Deleted: cleanup, then the finalizer goes and the API server removes the objects.
  kube.state.delete('services', 'default/direct');
  kube.state.delete('ingresses', 'default/shop');
  await waitFor(() => !get('services', 'default/direct') && !get('ingresses', 'default/shop'), 'the deleted Service and Ingress to go');
  expect(events('plain')).toEqual(expect.arrayContaining(['EnsuredLoadBalancer', 'DeletingLoadBalancer', 'DeletedLoadBalancer']));
  expect(events('shop')).toEqual(expect.arrayContaining(['EnsuredLoadBalancer', 'DeletedLoadBalancer']));

  // Shut down as `run` does on SIGTERM: controllers, informers, then the elector releases the Lease (update).
  await waitFor(() => kube.requests.count({ resource: 'leases', verb: 'update' }) >= 3, 'lease renewals');
  await stopControllers();
  await stopInformers();
  await stopElector();
  expect(get<{ spec?: { holderIdentity?: string } }>('leases', `${LEASE.namespace}/${LEASE.name}`)?.spec?.holderIdentity).toBe('');
  return kube.requests.all();
}

describe('manifests/rbac.yaml', () => {
  it('binds a ClusterRole and a namespaced Role to the controller\'s ServiceAccount, with no wildcards, resource names or non-resource URLs', () => {
    const objects = loadRbac();
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      'ClusterRole/clb-controller', 'ClusterRoleBinding/clb-controller', 'Role/clb-controller-leader-election', 'RoleBinding/clb-controller-leader-election',
    ]);
    expect(objects.every((o) => o.apiVersion === 'rbac.authorization.k8s.io/v1')).toBe(true);
    const rules = objects.flatMap((o) => o.rules ?? []);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])]).not.toContain('*');
      expect(rule.resourceNames).toBeUndefined();
      expect(rule.nonResourceURLs).toBeUndefined();
    }
    // The Lease verbs are granted in the Lease's namespace only, and nothing else is namespaced.
    const namespaced = grantsOf(objects).filter((g) => g.namespace !== undefined);
    expect(namespaced.map(showGrant).sort()).toEqual(['coordination.k8s.io leases create (in clb-controller)', 'coordination.k8s.io leases get (in clb-controller)', 'coordination.k8s.io leases update (in clb-controller)']);
  });

  it('grants every call the controllers and the leader elector make, and nothing they do not make', async () => {
    const requests = await runScenario();
    const grants = grantsOf(loadRbac());

    // Discovery is not used (client-node's typed APIs build their paths), and there is no other kind of request.
    expect(requests.filter((r) => !r.resource && !r.customResource).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const calls = requests.map(callOf);

    const uncovered = [...new Set(calls.filter((c) => !grants.some((g) => covers(g, c))).map(showCall))];
    expect(uncovered).toEqual([]);
    const unused = grants.filter((g) => !calls.some((c) => covers(g, c))).map(showGrant);
    expect(unused).toEqual([]);

    // And the calls themselves, as a table, so a change in what the code calls shows up here by name.
    const used = [...new Set(calls.map((c) => `${c.group || 'core'} ${c.resource} ${c.verb}`))].sort();
    expect(used).toEqual([
      'cloud.tencent.com tkeserviceconfigs create', 'cloud.tencent.com tkeserviceconfigs delete', 'cloud.tencent.com tkeserviceconfigs list',
      'cloud.tencent.com tkeserviceconfigs update', 'cloud.tencent.com tkeserviceconfigs watch',
      'coordination.k8s.io leases create',
      'coordination.k8s.io leases get',
      'coordination.k8s.io leases update',
      'core events create',
      'core nodes list',
      'core nodes watch',
      'core pods list',
      'core pods watch',
      'core pods/status patch',
      'core secrets list',
      'core secrets watch',
      'core services list',
      'core services patch',
      'core services watch',
      'core services/status patch',
      'discovery.k8s.io endpointslices list',
      'discovery.k8s.io endpointslices watch',
      'networking.k8s.io ingresses list',
      'networking.k8s.io ingresses patch',
      'networking.k8s.io ingresses watch',
      'networking.k8s.io ingresses/status patch',
    ]);
  });
});
