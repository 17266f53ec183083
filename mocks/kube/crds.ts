/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1) as the real apiextensions server treats them: the CRD is
 * checked (names, scope, exactly one storage version, structural schemas), gets its status (NamesAccepted,
 * Established, acceptedNames, storedVersions) at once, and its served versions become resource types of this
 * server (registry.ts) from the write that created it. Deleting a CRD is what the real one does: the CRD gains the
 * `customresourcecleanup.apiextensions.k8s.io` finalizer and a Terminating condition, every custom resource of it is
 * deleted (finalizers of custom resources are honoured: the CRD waits for them), then the CRD goes, its resources
 * drop out of discovery and their watches end.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
// Back to wire form: loadAllYaml reads a CRD into client-node's model, whose `x-kubernetes-*` and `default` are renamed.
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import type { FieldCause } from './errors.js';
import { structuralProblems, type JsonSchema } from './crd-schema.js';
import { storageKey, type ResourceRegistry } from './registry.js';
import { RESOURCES, type PrinterColumn, type ResourceType } from './resources.js';
import type { ChangeEvent, ObjectStore } from './store.js';
import type { WatchHub } from './watch.js';
import { isObj, metaOf, type KubeObject, type Obj } from './types.js';

export const CRD = RESOURCES.customresourcedefinitions;
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

const obj = (value: unknown): Obj => (isObj(value) ? value : {});
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];

interface Names {
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly shortNames: string[];
  readonly categories: string[];
}

function namesOf(crd: Obj): Names {
  const names = obj(obj(crd.spec).names);
  const kind = str(names.kind);
  return {
    plural: str(names.plural), singular: str(names.singular) || kind.toLowerCase(), kind, listKind: str(names.listKind) || `${kind}List`,
    shortNames: arr(names.shortNames).map(str).filter((s) => s), categories: arr(names.categories).map(str).filter((s) => s),
  };
}

function printerColumnsOf(version: Obj): PrinterColumn[] {
  return arr(version.additionalPrinterColumns).map(obj).map((c) => ({
    name: str(c.name), type: str(c.type), jsonPath: str(c.jsonPath),
    ...(c.format !== undefined ? { format: str(c.format) } : {}),
    ...(c.description !== undefined ? { description: str(c.description) } : {}),
    ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
  }));
}

/** The resource types a CRD serves: one per served version. */
export function customTypesOf(crd: Obj): ResourceType[] {
  const spec = obj(crd.spec);
  const names = namesOf(crd);
  const crdName = metaOf(crd).name ?? '';
  return arr(spec.versions).map(obj).filter((v) => v.served === true).map((v) => {
    const schema = obj(v.schema).openAPIV3Schema;
    return {
      name: names.plural, singular: names.singular, group: str(spec.group), version: str(v.name), kind: names.kind,
      namespaced: spec.scope !== 'Cluster', statusSubresource: isObj(obj(v.subresources).status), generation: true, returnDeletedObject: false,
      fields: arr(v.selectableFields).map((f) => str(obj(f).jsonPath).replace(/^\./, '')).filter((f) => f),
      nameRule: 'subdomain', shortNames: names.shortNames,
      custom: {
        crd: crdName, listKind: names.listKind, categories: names.categories, storage: v.storage === true,
        ...(isObj(schema) ? { schema: schema as JsonSchema } : {}), printerColumns: printerColumnsOf(v),
      },
    };
  });
}

/** What the apiextensions server refuses in a CRD (a subset: names, scope, versions, schemas, printer columns). */
export function crdProblems(crd: Obj, current?: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  const add = (field: string, message: string, reason = 'FieldValueInvalid') => causes.push({ field, message, reason });
  const spec = obj(crd.spec);
  const names = namesOf(crd);
  const group = str(spec.group);
  if (!group) add('spec.group', 'Required value', 'FieldValueRequired');
  else if (!group.includes('.')) add('spec.group', `Invalid value: "${group}": should be a domain with at least one dot`);
  for (const [field, value] of [['plural', names.plural], ['singular', str(obj(spec.names).singular)]] as const) {
    if (field === 'plural' && !value) add('spec.names.plural', 'Required value', 'FieldValueRequired');
    else if (value && (!DNS1123_LABEL.test(value) || value.length > 63)) {
      add(`spec.names.${field}`, `Invalid value: "${value}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`);
    }
  }
  names.shortNames.forEach((s, i) => {
    if (!DNS1123_LABEL.test(s)) add(`spec.names.shortNames[${i}]`, `Invalid value: "${s}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`);
  });
  if (!names.kind) add('spec.names.kind', 'Required value', 'FieldValueRequired');
  const name = metaOf(crd).name ?? '';
  if (names.plural && group && name !== `${names.plural}.${group}`) add('metadata.name', `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    if (spec.scope === undefined) add('spec.scope', 'Required value', 'FieldValueRequired');
    else add('spec.scope', `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`, 'FieldValueNotSupported');
  }
  const versions = arr(spec.versions).map(obj);
  if (versions.filter((v) => v.storage === true).length !== 1) add('spec.versions', 'Invalid value: null: must have exactly one version marked as storage version');
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const at = `spec.versions[${i}]`;
    const versionName = str(v.name);
    if (!versionName) add(`${at}.name`, 'Required value', 'FieldValueRequired');
    else if (!DNS1035_LABEL.test(versionName)) add(`${at}.name`, `Invalid value: "${versionName}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character`);
    else if (seen.has(versionName)) add(`${at}.name`, `Duplicate value: "${versionName}"`, 'FieldValueDuplicate');
    seen.add(versionName);
    const schema = obj(v.schema).openAPIV3Schema;
    if (!isObj(schema)) add(`${at}.schema.openAPIV3Schema`, 'Required value: schemas are required', 'FieldValueRequired');
    else causes.push(...structuralProblems(schema, `${at}.schema.openAPIV3Schema`));
    arr(v.additionalPrinterColumns).map(obj).forEach((c, j) => {
      const col = `${at}.additionalPrinterColumns[${j}]`;
      if (!str(c.name)) add(`${col}.name`, 'Required value', 'FieldValueRequired');
      if (!COLUMN_TYPES.includes(str(c.type))) add(`${col}.type`, `Unsupported value: ${JSON.stringify(c.type ?? '')}: supported values: ${COLUMN_TYPES.map((t) => `"${t}"`).join(', ')}`, 'FieldValueNotSupported');
      if (!str(c.jsonPath)) add(`${col}.jsonPath`, 'Required value', 'FieldValueRequired');
    });
  });
  if (current) {
    const before = obj(current.spec);
    if (before.group !== spec.group) add('spec.group', `Invalid value: ${JSON.stringify(spec.group)}: field is immutable`);
    if (before.scope !== spec.scope) add('spec.scope', `Invalid value: ${JSON.stringify(spec.scope)}: field is immutable`);
  }
  return causes;
}

function condition(type: string, reason: string, message: string, previous: readonly Obj[], at: string): Obj {
  const old = previous.find((c) => c.type === type && c.status === 'True');
  return { type, status: 'True', lastTransitionTime: old?.lastTransitionTime ?? at, reason, message };
}

/** The status the apiextensions controllers give a CRD (at once here): names accepted, established, stored versions. */
export function crdStatus(crd: Obj, previous: unknown): Obj {
  const before = obj(previous);
  const conditions = arr(before.conditions).map(obj);
  const at = metaOf(crd).creationTimestamp ?? new Date(0).toISOString();
  const names = namesOf(crd);
  const storage = arr(obj(crd.spec).versions).map(obj).find((v) => v.storage === true);
  const stored = [...new Set([...arr(before.storedVersions).map(str), ...(storage ? [str(storage.name)] : [])])].filter((v) => v);
  const terminating = conditions.find((c) => c.type === 'Terminating');
  return {
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found', conditions, at),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted', conditions, at),
      ...(terminating ? [terminating] : []),
    ],
    acceptedNames: {
      plural: names.plural, singular: names.singular, kind: names.kind, listKind: names.listKind,
      ...(names.shortNames.length ? { shortNames: names.shortNames } : {}), ...(names.categories.length ? { categories: names.categories } : {}),
    },
    storedVersions: stored,
  };
}

/**
 * Keeps the registry in step with the CRDs in the store and carries out CRD deletions. Reacts to the store's change
 * events; writes it makes in reaction are deferred until the triggering commit has reached every watch.
 */
export class CrdController {
  constructor(private readonly store: ObjectStore, private readonly registry: ResourceRegistry, private readonly hub: WatchHub) {
    store.addDeletionFinalizer(CRD, CLEANUP_FINALIZER);
    store.subscribe((event) => this.observe(event));
  }

  /** True while the CRD serving `rt` is being deleted (its custom resources may not be created then). */
  terminating(rt: ResourceType): boolean {
    const crd = rt.custom && this.store.get(CRD, '', rt.custom.crd);
    return Boolean(crd && metaOf(crd).deletionTimestamp);
  }

  private observe(event: ChangeEvent): void {
    if (event.resource.name === CRD.name) {
      const name = metaOf(event.object).name ?? '';
      if (event.type === 'DELETED') {
        const gone = this.registry.typesOf(name);
        this.registry.register(name, []);
        this.store.afterCommit(() => {
          const key = gone[0] && storageKey(gone[0]);
          if (key) this.hub.dropStorage(key);
        });
        return;
      }
      this.registry.register(name, customTypesOf(event.object));
      if (metaOf(event.object).deletionTimestamp && metaOf(event.object).finalizers?.includes(CLEANUP_FINALIZER) && !metaOf(event.previous ?? {}).deletionTimestamp) {
        this.store.afterCommit(() => this.cleanUp(name));
      }
      return;
    }
    const crd = event.resource.custom?.crd;
    if (event.type === 'DELETED' && crd) {
      const current = this.store.get(CRD, '', crd);
      if (current && metaOf(current).deletionTimestamp) this.store.afterCommit(() => this.finish(crd));
    }
  }

  /** Terminating: marks the CRD, deletes every custom resource of it, and finishes if none is held by finalizers. */
  private cleanUp(name: string): void {
    const current = this.store.get(CRD, '', name);
    if (!current) return;
    const status = obj(current.status);
    const conditions = arr(status.conditions).map(obj).filter((c) => c.type !== 'Terminating');
    const now = metaOf(current).deletionTimestamp;
    conditions.push({ type: 'Terminating', status: 'True', lastTransitionTime: now, reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
    this.store.update(CRD, '', name, { ...current, status: { ...status, conditions } }, 'status');
    const rt = this.registry.typesOf(name)[0];
    if (rt) for (const o of this.store.list(rt)) this.store.delete(rt, metaOf(o).namespace ?? '', metaOf(o).name ?? '');
    this.finish(name);
  }

  /** Removes the cleanup finalizer once no custom resource of the CRD is left (the CRD then goes, if nothing else holds it). */
  private finish(name: string): void {
    const current = this.store.get(CRD, '', name);
    if (!current || !metaOf(current).deletionTimestamp || !metaOf(current).finalizers?.includes(CLEANUP_FINALIZER)) return;
    const rt = this.registry.typesOf(name)[0];
    if (rt && this.store.list(rt).length > 0) return;
    const meta = metaOf(current);
    this.store.update(CRD, '', name, { ...current, metadata: { ...meta, finalizers: (meta.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) } }, 'main');
  }
}

/**
 * Reads the CustomResourceDefinitions in the YAML files of `dir` (as `kubectl apply -f dir` would; other kinds are
 * skipped) and applies them to a fake server's state: e.g. `applyCrdsFrom(kube, 'manifests/crds')` before the
 * examples are applied. Returns the CRDs as stored.
 */
export function applyCrdsFrom(kube: { readonly state: { apply(object: object): KubeObject } }, dir: string): KubeObject[] {
  const files = statSync(dir).isDirectory() ? readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(dir, f)) : [dir];
  return files
    .flatMap((file) => loadAllYaml(readFileSync(file, 'utf8')) as unknown[])
    .filter((o): o is Obj => isObj(o) && o.kind === CRD.kind && o.apiVersion === 'apiextensions.k8s.io/v1')
    .map((crd) => kube.state.apply(ObjectSerializer.serialize(crd, 'V1CustomResourceDefinition') as object));
}
