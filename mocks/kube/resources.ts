/**
 * The resource types the fake serves: the built-in kinds here, the custom resources of the CustomResourceDefinitions
 * created in it (crds.ts, held per server by registry.ts); and the discovery documents that describe them.
 */
import type { JsonSchema } from './crd-schema.js';

export const RESOURCE_NAMES = [
  'namespaces', 'services', 'endpoints', 'nodes', 'pods', 'secrets', 'events',
  'endpointslices', 'ingresses', 'ingressclasses', 'leases',
  // What the deployment manifests create (so `kubectl apply -k manifests/` can be rehearsed against the fake).
  'configmaps', 'serviceaccounts', 'deployments', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings', 'poddisruptionbudgets',
  // What makes custom resources served (crds.ts).
  'customresourcedefinitions',
] as const;

export type ResourceName = (typeof RESOURCE_NAMES)[number];

/** A printer column of a custom resource (`additionalPrinterColumns`). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
  readonly jsonPath: string;
}

/** What a custom resource type has that a built-in one does not: it comes from a CustomResourceDefinition. */
export interface CustomResourceInfo {
  /** `metadata.name` of the CRD (`<plural>.<group>`). */
  readonly crd: string;
  readonly listKind: string;
  readonly categories: readonly string[];
  /** The version objects are stored at (all served versions share the objects: conversion `None`). */
  readonly storage: boolean;
  /** `openAPIV3Schema` of this version; undefined: anything goes (every field kept). */
  readonly schema?: JsonSchema;
  /** `additionalPrinterColumns` (empty: Name and Age). */
  readonly printerColumns: readonly PrinterColumn[];
}

export interface ResourceType {
  /** Plural, as in the URL (a built-in's `ResourceName`, or a custom resource's plural). */
  readonly name: string;
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
  /** Set for custom resources. */
  readonly custom?: CustomResourceInfo;
}

/** A built-in resource type. */
export interface BuiltinResourceType extends ResourceType {
  readonly name: ResourceName;
}

const base = { version: 'v1', group: '', namespaced: true, statusSubresource: false, generation: false, returnDeletedObject: false, fields: [], nameRule: 'subdomain', shortNames: [] } as const;

export const RESOURCES: Readonly<Record<ResourceName, BuiltinResourceType>> = {
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
  customresourcedefinitions: {
    ...base, name: 'customresourcedefinitions', singular: 'customresourcedefinition', kind: 'CustomResourceDefinition', group: 'apiextensions.k8s.io',
    namespaced: false, statusSubresource: true, generation: true, returnDeletedObject: true, shortNames: ['crd', 'crds'],
  },
};

export const ALL_RESOURCES: readonly BuiltinResourceType[] = RESOURCE_NAMES.map((n) => RESOURCES[n]);

export const apiVersionOf = (rt: ResourceType) => (rt.group ? `${rt.group}/${rt.version}` : rt.version);
export const listKindOf = (rt: ResourceType) => rt.custom?.listKind ?? `${rt.kind}List`;
/** `services`, `ingresses.networking.k8s.io`: how kubectl and error messages name a resource. */
export const qualifiedName = (rt: ResourceType) => (rt.group ? `${rt.name}.${rt.group}` : rt.name);
/** `Service`, `Ingress.networking.k8s.io`: the qualified kind of Invalid errors. */
export const qualifiedKind = (rt: ResourceType) => (rt.group ? `${rt.kind}.${rt.group}` : rt.kind);

export function isResourceName(name: string): name is ResourceName {
  return (RESOURCE_NAMES as readonly string[]).includes(name);
}

// ---- discovery -------------------------------------------------------------------------------

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

/**
 * Kubernetes' version priority (apimachinery's CompareKubeAwareVersionStrings): GA before beta before alpha,
 * higher numbers first, then anything else alphabetically. Negative when `a` comes first.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { rank: 3, major: 0, minor: 0 };
    return { rank: m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa.rank === 3 && pb.rank === 3) return a < b ? -1 : a > b ? 1 : 0;
  return pa.rank - pb.rank || pb.major - pa.major || pb.minor - pa.minor;
}

/** The discovery documents of a set of served resource types (a server's registry hands them in). */
export class Discovery {
  constructor(private readonly served: () => readonly ResourceType[]) {}

  private groups(): string[] {
    const all = this.served();
    const builtin = [...new Set(all.filter((rt) => rt.group && !rt.custom).map((rt) => rt.group))];
    const custom = [...new Set(all.filter((rt) => rt.custom).map((rt) => rt.group))].filter((g) => !builtin.includes(g)).sort();
    return [...builtin.sort(), ...custom];
  }

  /** Versions of a group, preferred first. */
  private versions(group: string): string[] {
    return [...new Set(this.served().filter((rt) => rt.group === group).map((rt) => rt.version))].sort(compareVersions);
  }

  private groupDoc(group: string) {
    const entries = this.versions(group).map((version) => ({ groupVersion: `${group}/${version}`, version }));
    return { name: group, versions: entries, preferredVersion: entries[0] };
  }

  /** `GET /apis`. */
  groupList() {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups().map((g) => this.groupDoc(g)) };
  }

  /** `GET /apis/<group>`, or undefined for a group not served. */
  groupDocument(group: string) {
    return this.groups().includes(group) ? { kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(group) } : undefined;
  }

  /** `GET /api/v1` or `GET /apis/<group>/<version>`, or undefined for a group/version not served. */
  resourceList(group: string, version: string) {
    const served = this.served().filter((rt) => rt.group === group && rt.version === version);
    if (served.length === 0) return undefined;
    const resources = served.flatMap((rt) => [
      {
        name: rt.name, singularName: rt.singular, namespaced: rt.namespaced, kind: rt.kind, verbs: VERBS,
        ...(rt.shortNames.length ? { shortNames: [...rt.shortNames] } : {}),
        ...(rt.custom?.categories.length ? { categories: [...rt.custom.categories] } : {}),
      },
      ...(rt.statusSubresource ? [{ name: `${rt.name}/status`, singularName: '', namespaced: rt.namespaced, kind: rt.kind, verbs: STATUS_VERBS }] : []),
    ]);
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  /**
   * Aggregated discovery (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`), what kubectl asks `/api` and `/apis` for
   * first: every group with its versions and resources in one document.
   */
  aggregated(core: boolean) {
    const groups = core ? [''] : this.groups();
    return {
      kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {},
      items: groups.map((group) => ({
        metadata: { name: group, creationTimestamp: null },
        versions: this.versions(group).map((version) => ({
          version,
          resources: this.served().filter((rt) => rt.group === group && rt.version === version).map((rt) => {
            const responseKind = { group, version, kind: rt.kind };
            return {
              resource: rt.name, responseKind, scope: rt.namespaced ? 'Namespaced' : 'Cluster', singularResource: rt.singular, verbs: VERBS,
              ...(rt.shortNames.length ? { shortNames: [...rt.shortNames] } : {}),
              ...(rt.custom?.categories.length ? { categories: [...rt.custom.categories] } : {}),
              ...(rt.statusSubresource ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] } : {}),
            };
          }),
          freshness: 'Current',
        })),
      })),
    };
  }
}

/** The media type of aggregated discovery, when an Accept header asks for it (kubectl ≥ 1.26 does). */
export function aggregatedDiscoveryType(accept: string | undefined): string | undefined {
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.split(';').map((p) => p.trim());
    if (type !== 'application/json') continue;
    const p = Object.fromEntries(params.map((kv) => kv.split('=') as [string, string]));
    if (p.g === 'apidiscovery.k8s.io' && p.v === 'v2' && p.as === 'APIGroupDiscoveryList') return 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
  }
  return undefined;
}

/** `GET /api`. */
export const coreVersions = (serverAddress: string) => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
});

/** `GET /version`. */
export const versionInfo = () => ({
  major: '1', minor: '34', gitVersion: 'v1.34.0-fake', gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.24.0', compiler: 'gc', platform: 'linux/amd64',
});
