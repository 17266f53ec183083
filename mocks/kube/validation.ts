/**
 * Server-side validation of what is written over HTTP, from maintained sources of the Kubernetes schemas
 * rather than hand-written ones:
 * - types, required fields and enums: the validators `kubernetes-models` generates from the Kubernetes
 *   OpenAPI (one per kind);
 * - unknown fields (`fieldValidation=Strict`, what kubectl sends by default; a `Warning` header otherwise):
 *   the attribute maps of `@kubernetes/client-node`'s models, generated from the same OpenAPI.
 * Failures answer 422 Invalid with the field path of each problem (`spec.ports[0].port`).
 */
import * as models from '@kubernetes/client-node';
import { validate as coordinationLease } from 'kubernetes-models/_schemas/IoK8sApiCoordinationV1Lease';
import { validate as appsDeployment } from 'kubernetes-models/_schemas/IoK8sApiAppsV1Deployment';
import { validate as coreConfigMap } from 'kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap';
import { validate as coreEndpoints } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Endpoints';
import { validate as coreEvent } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Event';
import { validate as coreNamespace } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Namespace';
import { validate as coreNode } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Node';
import { validate as corePod } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Pod';
import { validate as coreSecret } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Secret';
import { validate as coreService } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Service';
import { validate as coreServiceAccount } from 'kubernetes-models/_schemas/IoK8sApiCoreV1ServiceAccount';
import { validate as discoveryEndpointSlice } from 'kubernetes-models/_schemas/IoK8sApiDiscoveryV1EndpointSlice';
import { validate as networkingIngress } from 'kubernetes-models/_schemas/IoK8sApiNetworkingV1Ingress';
import { validate as networkingIngressClass } from 'kubernetes-models/_schemas/IoK8sApiNetworkingV1IngressClass';
import { validate as policyPodDisruptionBudget } from 'kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget';
import { validate as rbacClusterRole } from 'kubernetes-models/_schemas/IoK8sApiRbacV1ClusterRole';
import { validate as rbacClusterRoleBinding } from 'kubernetes-models/_schemas/IoK8sApiRbacV1ClusterRoleBinding';
import { validate as rbacRole } from 'kubernetes-models/_schemas/IoK8sApiRbacV1Role';
import { validate as rbacRoleBinding } from 'kubernetes-models/_schemas/IoK8sApiRbacV1RoleBinding';
import { validate as apiextensionsCrd } from 'kubernetes-models/_schemas/IoK8sApiextensionsApiserverPkgApisApiextensionsV1CustomResourceDefinition';
import { checkCustomResource } from './crd-schema.js';
import type { FieldCause } from './errors.js';
import { apiVersionOf, isResourceName, type ResourceName, type ResourceType } from './resources.js';
import { isObj, type Obj } from './types.js';

interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}
type SchemaValidate = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

const SCHEMAS: Readonly<Record<ResourceName, SchemaValidate>> = {
  namespaces: coreNamespace, services: coreService, endpoints: coreEndpoints, nodes: coreNode, pods: corePod, secrets: coreSecret,
  events: coreEvent, endpointslices: discoveryEndpointSlice, ingresses: networkingIngress, ingressclasses: networkingIngressClass,
  leases: coordinationLease, configmaps: coreConfigMap, serviceaccounts: coreServiceAccount, deployments: appsDeployment,
  roles: rbacRole, rolebindings: rbacRoleBinding, clusterroles: rbacClusterRole, clusterrolebindings: rbacClusterRoleBinding,
  poddisruptionbudgets: policyPodDisruptionBudget, customresourcedefinitions: apiextensionsCrd,
};

/** `/spec/ports/0/port` → `spec.ports[0].port`, as the API server writes field paths. */
export function fieldPath(pointer: string, child?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const part of pointer.split('/').slice(1)) value = isObj(value) || Array.isArray(value) ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function describeError(root: unknown, error: SchemaError): FieldCause {
  const value = JSON.stringify(valueAt(root, error.instancePath)) ?? 'null';
  const field = fieldPath(error.instancePath);
  switch (error.keyword) {
    case 'required':
      return { field: fieldPath(error.instancePath, String(error.params.missingProperty)), message: 'Required value' };
    case 'type':
      return { field, message: `Invalid value: ${value}: must be of type ${String(error.params.type)}` };
    case 'enum':
      return { field, message: `Unsupported value: ${value}: supported values: ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'format':
      return { field, message: `Invalid value: ${value}: must be a valid ${String(error.params.format)}` };
    default:
      return { field, message: `Invalid value: ${value}: ${error.keyword} ${JSON.stringify(error.params)}` };
  }
}

/** Type, required-field and enum problems of an object of this resource, one per field (schema order). */
export function schemaProblems(rt: ResourceType, obj: unknown): FieldCause[] {
  const validate = isResourceName(rt.name) && !rt.custom ? SCHEMAS[rt.name] : undefined;
  if (!validate || validate(obj)) return [];
  const seen = new Set<string>();
  const causes: FieldCause[] = [];
  // Alternatives (int-or-string, nullable) report one error per branch: keep the first per field.
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const cause = describeError(obj, error);
    if (seen.has(cause.field)) continue;
    seen.add(cause.field);
    causes.push(cause);
  }
  return causes;
}

interface Attribute {
  readonly baseName: string;
  readonly type: string;
}
type ModelClass = { getAttributeTypeMap(): Attribute[] };

function modelOf(type: string): ModelClass | undefined {
  const candidate = (models as unknown as Record<string, unknown>)[type];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate ? (candidate as unknown as ModelClass) : undefined;
}

function unknownFieldsOf(value: unknown, type: string, path: string, out: string[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => unknownFieldsOf(item, array[1] ?? 'any', `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (isObj(value)) for (const [key, item] of Object.entries(value)) unknownFieldsOf(item, map[1] ?? 'any', `${path}.${key}`, out);
    return;
  }
  const model = modelOf(type);
  if (!model || !isObj(value)) return;
  const attributes = model.getAttributeTypeMap();
  for (const [key, item] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    const child = path ? `${path}.${key}` : key;
    if (!attribute) out.push(child);
    else unknownFieldsOf(item, attribute.type, child, out);
  }
}

const MODEL_PREFIX: Readonly<Record<string, string>> = { v1: 'V1' };

/** Paths of the fields the Kubernetes schema of this resource does not declare (`spec.ports[0].tagetPort`). */
export function unknownFields(rt: ResourceType, obj: unknown): string[] {
  const out: string[] = [];
  unknownFieldsOf(obj, `${MODEL_PREFIX[rt.version] ?? rt.version.toUpperCase()}${rt.kind}`, '', out);
  return out;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation');
  return value === 'Strict' || value === 'Ignore' ? value : 'Warn';
}

export interface Validated {
  /** What to store: the object written (a custom resource pruned of unknown fields and defaulted). */
  readonly object: Obj;
  /** 422 causes: schema problems, and unknown fields under `Strict`. */
  readonly causes: FieldCause[];
  /** `Warning` header values for unknown fields under `Warn`. */
  readonly warnings: string[];
}

export function validateObject(rt: ResourceType, obj: Obj, mode: FieldValidation): Validated {
  let object = obj;
  let causes: FieldCause[];
  let unknown: string[];
  if (rt.custom) {
    // Custom resources: the CRD's schema prunes, defaults and validates (crd-schema.ts).
    const result = checkCustomResource(obj, rt.custom.schema);
    ({ object, causes, unknown } = result);
  } else {
    // The server takes apiVersion and kind from the URL when a body leaves them out (strategy.checkTypeMeta refuses others).
    causes = schemaProblems(rt, { ...obj, apiVersion: apiVersionOf(rt), kind: rt.kind });
    unknown = unknownFields(rt, obj);
  }
  if (mode === 'Ignore') unknown = [];
  if (mode === 'Strict') causes.push(...unknown.map((field) => ({ field, message: `Invalid value: field not declared in schema (strict decoding error: unknown field "${field}")` })));
  return { object, causes, warnings: mode === 'Warn' ? unknown.map((field) => `299 - "unknown field \\"${field}\\""`) : [] };
}
