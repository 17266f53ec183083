/**
 * `/openapi/v3`: the discovery of OpenAPI v3 documents per group/version, and each group/version's document.
 * The paths and operations of every served resource, tagged as the real server tags them
 * (`x-kubernetes-group-version-kind`, `x-kubernetes-action`) and with the query parameters the real server
 * declares — `fieldValidation` among them, which is how kubectl learns that the server validates and so
 * sends `fieldValidation=Strict` instead of downloading schemas to validate itself (validation.ts is what
 * then validates). A custom resource's document carries its CRD's `openAPIV3Schema` as the component schema
 * (so `kubectl explain` has fields), as the real server publishes it.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceType } from './resources.js';

const prefixOf = (groupVersion: string) => (groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`);

const groupVersions = (served: readonly ResourceType[]) => [...new Set(served.map(apiVersionOf))];

/** The real server's `?hash=`: of the document's content, so a client caching by URL sees a changed CRD schema. */
const hashOf = (doc: unknown) => createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16).toUpperCase();

/** `GET /openapi/v3`. */
export const openApiV3Root = (served: readonly ResourceType[]) => ({
  paths: Object.fromEntries(groupVersions(served).map((gv) => [prefixOf(gv), { serverRelativeURL: `/openapi/v3/${prefixOf(gv)}?hash=${hashOf(openApiV3Document(served, prefixOf(gv)))}` }])),
});

const param = (name: string, in_: 'query' | 'path', description: string) => ({ name, in: in_, description, ...(in_ === 'path' ? { required: true } : {}), schema: { type: in_ === 'query' && name === 'limit' ? 'integer' : 'string', uniqueItems: true } });

const QUERY = {
  dryRun: param('dryRun', 'query', 'When present, indicates that modifications should not be persisted.'),
  fieldManager: param('fieldManager', 'query', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: param('fieldValidation', 'query', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict.'),
  labelSelector: param('labelSelector', 'query', 'A selector to restrict the list of returned objects by their labels.'),
  fieldSelector: param('fieldSelector', 'query', 'A selector to restrict the list of returned objects by their fields.'),
  limit: param('limit', 'query', 'limit is a maximum number of responses to return for a list call.'),
  resourceVersion: param('resourceVersion', 'query', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  watch: param('watch', 'query', 'Watch for changes to the described resources.'),
  pretty: param('pretty', 'query', "If 'true', then the output is pretty printed."),
};

function operations(rt: ResourceType) {
  const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(rt)}` };
  const body = { content: { '*/*': { schema: ref } }, required: true };
  const ok = { 200: { description: 'OK', content: { 'application/json': { schema: ref } } } };
  const op = (action: string, verb: string, parameters: unknown[], extra: object = {}) => ({
    operationId: `${verb}${rt.namespaced ? 'Namespaced' : ''}${rt.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk,
    parameters, responses: ok, ...extra,
  });
  const writes = [QUERY.dryRun, QUERY.fieldManager, QUERY.fieldValidation];
  const scope = rt.namespaced ? [param('namespace', 'path', 'object name and auth scope, such as for teams and projects')] : [];
  const collection = {
    get: op('list', 'list', [QUERY.labelSelector, QUERY.fieldSelector, QUERY.limit, QUERY.resourceVersion, QUERY.watch]),
    post: op('post', 'create', writes, { requestBody: body }),
    delete: op('deletecollection', 'deleteCollection', [QUERY.labelSelector, QUERY.fieldSelector]),
    parameters: [...scope, QUERY.pretty],
  };
  const item = {
    get: op('get', 'read', []),
    put: op('put', 'replace', writes, { requestBody: body }),
    patch: op('patch', 'patch', [...writes, param('force', 'query', 'Force is going to "force" Apply requests.')], {
      // No 'application/strategic-merge-patch+json' here although the server takes it: the components carry no
      // field schemas (so no merge keys), and kubectl then computes strategic patches from its compiled-in types.
      requestBody: { content: { 'application/json-patch+json': { schema: { type: 'object' } }, 'application/merge-patch+json': { schema: { type: 'object' } } }, required: true },
    }),
    delete: op('delete', 'delete', [QUERY.dryRun]),
    parameters: [param('name', 'path', `name of the ${rt.kind}`), ...scope, QUERY.pretty],
  };
  const base = `/${prefixOf(apiVersionOf(rt))}${rt.namespaced ? '/namespaces/{namespace}' : ''}/${rt.name}`;
  return {
    [base]: collection,
    [`${base}/{name}`]: item,
    ...(rt.statusSubresource ? { [`${base}/{name}/status`]: { get: item.get, put: item.put, patch: item.patch, parameters: item.parameters } } : {}),
  };
}

/**
 * The real document's schema names: `io.k8s.api.core.v1.Service`, `io.k8s.api.networking.v1.Ingress`; a custom
 * resource's is its group reversed: `com.tencent.cloud.v1alpha1.TkeServiceConfig`.
 */
function schemaName(rt: ResourceType): string {
  if (rt.custom) return `${rt.group.split('.').reverse().join('.')}.${rt.version}.${rt.kind}`;
  const group = rt.group === '' ? 'core' : (rt.group.split('.')[0] ?? rt.group);
  return `io.k8s.api.${group}.${rt.version}.${rt.kind}`;
}

function componentSchema(rt: ResourceType) {
  const gvk = [{ group: rt.group, version: rt.version, kind: rt.kind }];
  if (!rt.custom) {
    return { description: `${rt.kind} (validated by the server; see mocks/kube/validation.ts)`, type: 'object', 'x-kubernetes-group-version-kind': gvk };
  }
  const schema = rt.custom.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    ...schema,
    properties: {
      apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
      kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
      metadata: { description: "Standard object's metadata.", type: 'object' },
      ...schema.properties,
    },
    'x-kubernetes-group-version-kind': gvk,
  };
}

/** `GET /openapi/v3/api/v1`, `/openapi/v3/apis/<group>/<version>`; undefined for a group/version not served. */
export function openApiV3Document(types: readonly ResourceType[], path: string) {
  const served = types.filter((rt) => prefixOf(apiVersionOf(rt)) === path);
  if (served.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.34.0' },
    paths: Object.assign({}, ...served.map(operations)) as Record<string, unknown>,
    components: { schemas: Object.fromEntries(served.map((rt) => [schemaName(rt), componentSchema(rt)])) },
  };
}
