/** The resource types the fake serves, and the discovery documents that describe them. */

export const RESOURCE_NAMES = [
  'namespaces', 'services', 'endpoints', 'nodes', 'pods', 'secrets', 'events',
  'endpointslices', 'ingresses', 'ingressclasses', 'leases',
  // What the deployment manifests create (so `kubectl apply -k manifests/` can be rehearsed against the fake).
  'configmaps', 'serviceaccounts', 'deployments', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings', 'poddisruptionbudgets',
] as const;

export type ResourceName = (typeof RESOURCE_NAMES)[number];

export interface ResourceType {
  /** Plural, as in the URL. */
  readonly name: ResourceName;
  readonly singular: string;
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Has a `/status` subresource: main-resource writes keep `.status`, status writes change only `.status`. */
  readonly statusSubresource: boolean;
  /** The server keeps `metadata.generation` (1 on create, +1 whenever `.spec` changes). */
  readonly generation: boolean;
  /** DELETE answers with the deleted object (else with a `Status` of `Success`), as the real registry does. */
  readonly returnDeletedObject: boolean;
  /** Field selector keys beyond `metadata.name` / `metadata.namespace`. */
  readonly fields: readonly string[];
  /** Name syntax: DNS-1123 subdomain (most kinds), DNS-1035 label (Services), DNS-1123 label (Namespaces). */
  readonly nameRule: 'subdomain' | 'dns1035' | 'dns1123label';
  readonly shortNames: readonly string[];
}

const base = { version: 'v1', group: '', namespaced: true, statusSubresource: false, generation: false, returnDeletedObject: false, fields: [], nameRule: 'subdomain', shortNames: [] } as const;

export const RESOURCES: Readonly<Record<ResourceName, ResourceType>> = {
  namespaces: { ...base, name: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, statusSubresource: true, returnDeletedObject: true, fields: ['status.phase'], nameRule: 'dns1123label', shortNames: ['ns'] },
  services: { ...base, name: 'services', singular: 'service', kind: 'Service', statusSubresource: true, returnDeletedObject: true, fields: ['spec.clusterIP', 'spec.type'], nameRule: 'dns1035', shortNames: ['svc'] },
  endpoints: { ...base, name: 'endpoints', singular: 'endpoints', kind: 'Endpoints', shortNames: ['ep'] },
  nodes: { ...base, name: 'nodes', singular: 'node', kind: 'Node', namespaced: false, statusSubresource: true, fields: ['spec.unschedulable'], shortNames: ['no'] },
  pods: {
    ...base, name: 'pods', singular: 'pod', kind: 'Pod', statusSubresource: true, generation: true, returnDeletedObject: true, shortNames: ['po'],
    fields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  },
  secrets: { ...base, name: 'secrets', singular: 'secret', kind: 'Secret', fields: ['type'] },
  events: {
    ...base, name: 'events', singular: 'event', kind: 'Event', shortNames: ['ev'],
    fields: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  },
  endpointslices: { ...base, name: 'endpointslices', singular: 'endpointslice', kind: 'EndpointSlice', group: 'discovery.k8s.io' },
  ingresses: { ...base, name: 'ingresses', singular: 'ingress', kind: 'Ingress', group: 'networking.k8s.io', statusSubresource: true, generation: true, shortNames: ['ing'] },
  ingressclasses: { ...base, name: 'ingressclasses', singular: 'ingressclass', kind: 'IngressClass', group: 'networking.k8s.io', namespaced: false, generation: true },
  leases: { ...base, name: 'leases', singular: 'lease', kind: 'Lease', group: 'coordination.k8s.io' },
  configmaps: { ...base, name: 'configmaps', singular: 'configmap', kind: 'ConfigMap', shortNames: ['cm'] },
  serviceaccounts: { ...base, name: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', shortNames: ['sa'] },
  deployments: { ...base, name: 'deployments', singular: 'deployment', kind: 'Deployment', group: 'apps', statusSubresource: true, generation: true, shortNames: ['deploy'] },
  roles: { ...base, name: 'roles', singular: 'role', kind: 'Role', group: 'rbac.authorization.k8s.io' },
  rolebindings: { ...base, name: 'rolebindings', singular: 'rolebinding', kind: 'RoleBinding', group: 'rbac.authorization.k8s.io' },
  clusterroles: { ...base, name: 'clusterroles', singular: 'clusterrole', kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', namespaced: false },
  clusterrolebindings: { ...base, name: 'clusterrolebindings', singular: 'clusterrolebinding', kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', namespaced: false },
  poddisruptionbudgets: { ...base, name: 'poddisruptionbudgets', singular: 'poddisruptionbudget', kind: 'PodDisruptionBudget', group: 'policy', statusSubresource: true, generation: true, shortNames: ['pdb'] },
};

export const ALL_RESOURCES: readonly ResourceType[] = RESOURCE_NAMES.map((n) => RESOURCES[n]);

export const apiVersionOf = (rt: ResourceType) => (rt.group ? `${rt.group}/${rt.version}` : rt.version);
export const listKindOf = (rt: ResourceType) => `${rt.kind}List`;

export function isResourceName(name: string): name is ResourceName {
  return (RESOURCE_NAMES as readonly string[]).includes(name);
}

/** The resource type served at `group/version` under `plural`, if any. */
export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return ALL_RESOURCES.find((rt) => rt.group === group && rt.version === version && rt.name === plural);
}

/** The resource type of an object, from its `kind` (and `apiVersion` when given). */
export function resourceForObject(apiVersion: unknown, kind: unknown): ResourceType | undefined {
  return ALL_RESOURCES.find((rt) => rt.kind === kind && (apiVersion === undefined || apiVersionOf(rt) === apiVersion));
}

// ---- discovery -------------------------------------------------------------------------------

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const groups = () => [...new Set(ALL_RESOURCES.filter((rt) => rt.group).map((rt) => rt.group))].sort();

function groupDoc(group: string) {
  const versions = [...new Set(ALL_RESOURCES.filter((rt) => rt.group === group).map((rt) => rt.version))];
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: entries, preferredVersion: entries[0] };
}

/** `GET /api`. */
export const coreVersions = (serverAddress: string) => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
});

/** `GET /apis`. */
export const groupList = () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(groupDoc) });

/** `GET /apis/<group>`, or undefined for a group not served. */
export const groupDocument = (group: string) => (groups().includes(group) ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group) } : undefined);

/** `GET /api/v1` or `GET /apis/<group>/<version>`, or undefined for a group/version not served. */
export function resourceList(group: string, version: string) {
  const served = ALL_RESOURCES.filter((rt) => rt.group === group && rt.version === version);
  if (served.length === 0) return undefined;
  const resources = served.flatMap((rt) => [
    { name: rt.name, singularName: rt.singular, namespaced: rt.namespaced, kind: rt.kind, verbs: VERBS, ...(rt.shortNames.length ? { shortNames: [...rt.shortNames] } : {}) },
    ...(rt.statusSubresource ? [{ name: `${rt.name}/status`, singularName: '', namespaced: rt.namespaced, kind: rt.kind, verbs: ['get', 'patch', 'update'] }] : []),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** `GET /version`. */
export const versionInfo = () => ({
  major: '1', minor: '34', gitVersion: 'v1.34.0-fake', gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.24.0', compiler: 'gc', platform: 'linux/amd64',
});
