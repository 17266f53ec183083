/**
 * Custom resources against their CRD's `openAPIV3Schema`, in the order and words of the real API server:
 * unknown fields pruned (kept under `x-kubernetes-preserve-unknown-fields`; reported for `fieldValidation`),
 * `null` dropped from fields that are not `nullable`, `default`s applied, then validated — types, `required`, `enum`,
 * `minimum`/`maximum` (and exclusive), `multipleOf`, `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems`,
 * `uniqueItems`, `minProperties`/`maxProperties`, `x-kubernetes-int-or-string`, `allOf`/`anyOf`/`oneOf`/`not`, and the
 * uniqueness of `x-kubernetes-list-type: set | map` items — with the messages kube-openapi and apiextensions write
 * (`spec.x: Invalid value: 500: spec.x in body should be less than or equal to 300`).
 * Not modelled: CEL (`x-kubernetes-validations`), `format`s, embedded resources' metadata.
 */
import type { FieldCause } from './errors.js';
import { clone, isObj, jsonEqual, type Obj } from './types.js';

/** The structural subset of OpenAPI v3 a CRD's `openAPIV3Schema` is written in. */
export interface JsonSchema {
  type?: string;
  description?: string;
  format?: string;
  nullable?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  default?: unknown;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  not?: JsonSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  [key: string]: unknown;
}

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const INT_OR_STRING = 'x-kubernetes-int-or-string';
/** Kept at the root of every custom resource whatever its schema says. */
const ROOT_FIELDS = ['apiVersion', 'kind', 'metadata'];

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Fields the schema does not declare, removed; their paths go to `unknown`. Returns a pruned copy. */
function prune(value: unknown, schema: JsonSchema, path: string, unknown: string[], root: boolean): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((item, i) => prune(item, schema.items ?? {}, `${path}[${i}]`, unknown, false)) : clone(value);
  if (!isObj(value)) return clone(value);
  const out: Obj = {};
  const properties = schema.properties ?? {};
  const additional = schema.additionalProperties;
  for (const [key, item] of Object.entries(value)) {
    const declared = properties[key];
    const itemSchema = declared ?? (isObj(additional) ? (additional as JsonSchema) : undefined);
    if ((root || schema['x-kubernetes-embedded-resource']) && ROOT_FIELDS.includes(key)) {
      out[key] = clone(item);
    } else if (itemSchema) {
      // null in a field that is not nullable is dropped before defaulting (its default then applies).
      if (item === null && !itemSchema.nullable) continue;
      out[key] = prune(item, itemSchema, child(path, key), unknown, false);
    } else if (additional === true || schema[PRESERVE]) {
      out[key] = clone(item);
    } else {
      unknown.push(child(path, key));
    }
  }
  return out;
}

/** Fills in `default`s of absent fields, depth first, as the server does on every write. */
function applyDefaults(value: unknown, schema: JsonSchema): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isObj(value)) return;
  for (const [key, propSchema] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && propSchema.default !== undefined) value[key] = clone(propSchema.default);
    if (value[key] !== undefined) applyDefaults(value[key], propSchema);
  }
  if (isObj(schema.additionalProperties)) {
    for (const [key, item] of Object.entries(value)) if (!schema.properties?.[key]) applyDefaults(item, schema.additionalProperties as JsonSchema);
  }
}

/** kube-openapi's name of a JSON value's type. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  return 'object';
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** How `field.Invalid` prints a value: numbers and booleans as they are, strings quoted. */
const shown = (value: unknown) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value) ?? 'null');

function validate(value: unknown, schema: JsonSchema, path: string, out: FieldCause[]): void {
  const name = path || '.';
  const invalid = (message: string, reason = 'FieldValueInvalid') => out.push({ field: path, message: `Invalid value: ${shown(value)}: ${name} in body ${message}`, reason });
  if (value === null && schema.nullable) return;
  if (schema[INT_OR_STRING]) {
    if (!hasType(value, 'integer') && !hasType(value, 'string')) {
      out.push({ field: path, message: `Invalid value: "${typeOf(value)}": ${name} in body must be of type integer,string: "${typeOf(value)}"`, reason: 'FieldValueTypeInvalid' });
      return;
    }
  } else if (schema.type && !hasType(value, schema.type)) {
    out.push({ field: path, message: `Invalid value: "${typeOf(value)}": ${name} in body must be of type ${schema.type}: "${typeOf(value)}"`, reason: 'FieldValueTypeInvalid' });
    return;
  }
  if (schema.enum && !schema.enum.some((allowed) => jsonEqual(allowed, value))) {
    const supported = schema.enum.map((v) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(JSON.stringify(v)))).join(', ');
    out.push({ field: path, message: `Unsupported value: ${shown(value)}: supported values: ${supported}`, reason: 'FieldValueNotSupported' });
  }
  if (typeof value === 'number') {
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      invalid(schema.exclusiveMaximum ? `should be less than ${schema.maximum}` : `should be less than or equal to ${schema.maximum}`);
    }
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      invalid(schema.exclusiveMinimum ? `should be greater than ${schema.minimum}` : `should be greater than or equal to ${schema.minimum}`);
    }
    if (schema.multipleOf !== undefined && schema.multipleOf > 0 && !Number.isInteger(value / schema.multipleOf)) invalid(`should be a multiple of ${schema.multipleOf}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) out.push({ field: path, message: `Too long: may not be more than ${schema.maxLength} bytes`, reason: 'FieldValueTooLong' });
    if (schema.minLength !== undefined && length < schema.minLength) invalid(`should be at least ${schema.minLength} chars long`);
    if (schema.pattern !== undefined && !patternOf(schema.pattern)?.test(value)) invalid(`should match '${schema.pattern}'`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push({ field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`, reason: 'FieldValueTooMany' });
    if (schema.minItems !== undefined && value.length < schema.minItems) invalid(`should have at least ${schema.minItems} items`);
    if (schema.uniqueItems && value.some((v, i) => value.findIndex((w) => jsonEqual(v, w)) !== i)) invalid("shouldn't contain duplicates");
    if (schema.items) value.forEach((item, i) => validate(item, schema.items ?? {}, `${path}[${i}]`, out));
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set' || listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const identity = (item: unknown) => (listType === 'map' && isObj(item) ? Object.fromEntries(keys.map((k) => [k, item[k]])) : item);
      value.forEach((item, i) => {
        if (value.findIndex((other) => jsonEqual(identity(other), identity(item))) !== i) {
          out.push({ field: `${path}[${i}]`, message: `Duplicate value: ${shown(identity(item))}`, reason: 'FieldValueDuplicate' });
        }
      });
    }
  }
  if (isObj(value)) {
    for (const key of schema.required ?? []) if (value[key] === undefined) out.push({ field: child(path, key), message: 'Required value', reason: 'FieldValueRequired' });
    const count = Object.keys(value).length;
    if (schema.maxProperties !== undefined && count > schema.maxProperties) out.push({ field: path, message: `Too many: ${count}: must have at most ${schema.maxProperties} items`, reason: 'FieldValueTooMany' });
    if (schema.minProperties !== undefined && count < schema.minProperties) invalid(`should have at least ${schema.minProperties} properties`);
    for (const [key, item] of Object.entries(value)) {
      const itemSchema = schema.properties?.[key] ?? (isObj(schema.additionalProperties) ? (schema.additionalProperties as JsonSchema) : undefined);
      if (itemSchema) validate(item, itemSchema, child(path, key), out);
    }
  }
  const passes = (s: JsonSchema) => {
    const found: FieldCause[] = [];
    validate(value, s, path, found);
    return found.length === 0;
  };
  if (schema.allOf && !schema.allOf.every(passes)) invalid('must validate all the schemas (allOf)');
  if (schema.anyOf && !schema.anyOf.some(passes)) invalid('must validate at least one schema (anyOf)');
  if (schema.oneOf) {
    const valid = schema.oneOf.filter(passes).length;
    if (valid !== 1) invalid(`must validate one and only one schema (oneOf)${valid === 0 ? '. Found none valid' : ''}`);
  }
  if (schema.not && passes(schema.not)) invalid('must not validate the schema (not)');
}

const patterns = new Map<string, RegExp | undefined>();

/** A schema's `pattern` (RE2 in the real server; the common subset is the same in JavaScript). */
function patternOf(pattern: string): RegExp | undefined {
  if (!patterns.has(pattern)) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = undefined;
    }
    patterns.set(pattern, re);
  }
  return patterns.get(pattern);
}

export interface SchemaResult {
  /** The object as it would be stored: pruned and defaulted. */
  readonly object: Obj;
  /** Problems, one per field and rule (422 causes). */
  readonly causes: FieldCause[];
  /** Paths of the fields pruned because the schema does not declare them (`spec.foo`). */
  readonly unknown: string[];
}

/** Prunes, defaults and validates a custom resource against its version's schema (undefined: everything is kept). */
export function checkCustomResource(obj: Obj, schema: JsonSchema | undefined): SchemaResult {
  if (!schema) return { object: clone(obj), causes: [], unknown: [] };
  const unknown: string[] = [];
  const object = prune(obj, schema, '', unknown, true) as Obj;
  applyDefaults(object, schema);
  const causes: FieldCause[] = [];
  // metadata is the server's (ObjectMeta), whatever the schema says of it.
  const { metadata: _metadata, ...rest } = object;
  validate(rest, { ...schema, properties: { ...schema.properties, metadata: {} }, required: (schema.required ?? []).filter((k) => k !== 'metadata') }, '', causes);
  return { object, causes, unknown };
}

/**
 * Where a schema is not structural as apiextensions requires (every node typed, unless it preserves unknown fields
 * or is int-or-string; not both `properties` and `additionalProperties`): CRD causes under `path`.
 */
export function structuralProblems(schema: unknown, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  const walk = (node: unknown, at: string, isRoot: boolean) => {
    if (!isObj(node)) return;
    const s = node as JsonSchema;
    if (!s.type && !s[PRESERVE] && !s[INT_OR_STRING] && !isRoot) out.push({ field: `${at}.type`, message: 'Required value: must not be empty for specified object fields', reason: 'FieldValueRequired' });
    if (isRoot && s.type !== undefined && s.type !== 'object') out.push({ field: `${at}.type`, message: `Invalid value: "${s.type}": must be object at the root`, reason: 'FieldValueInvalid' });
    if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
      out.push({ field: `${at}.additionalProperties`, message: 'Forbidden: additionalProperties and properties are mutual exclusive', reason: 'FieldValueForbidden' });
    }
    if (s.type === 'array' && s.items === undefined) out.push({ field: `${at}.items`, message: 'Required value: must be specified', reason: 'FieldValueRequired' });
    if (s.pattern !== undefined && patternOf(s.pattern) === undefined) out.push({ field: `${at}.pattern`, message: `Invalid value: ${JSON.stringify(s.pattern)}: must be a valid regular expression`, reason: 'FieldValueInvalid' });
    if (s['x-kubernetes-list-type'] === 'map') {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      const items = isObj(s.items) ? (s.items as JsonSchema) : {};
      if (keys.length === 0) out.push({ field: `${at}.x-kubernetes-list-map-keys`, message: 'Required value: must not be empty if x-kubernetes-list-type is map', reason: 'FieldValueRequired' });
      else if (!keys.every((k) => items.properties?.[k] && (items.required?.includes(k) || items.properties[k]?.default !== undefined))) {
        out.push({ field: `${at}.x-kubernetes-list-map-keys`, message: `Invalid value: ${JSON.stringify(keys)}: entries must all be names of required properties or have a default value`, reason: 'FieldValueInvalid' });
      }
    }
    for (const [key, prop] of Object.entries(isObj(s.properties) ? s.properties : {})) walk(prop, `${at}.properties[${key}]`, false);
    if (isObj(s.items)) walk(s.items, `${at}.items`, false);
    if (isObj(s.additionalProperties)) walk(s.additionalProperties, `${at}.additionalProperties`, false);
  };
  walk(schema, path, true);
  return out;
}
