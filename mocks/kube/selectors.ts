/**
 * Label selectors (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`, `>`/`<`) and field selectors
 * (`=`, `==`, `!=`) in the syntax of the `labelSelector` / `fieldSelector` query parameters.
 * A selector that does not parse is a `SelectorError`; the server answers it with 400 BadRequest.
 */
import type { ResourceType } from './resources.js';
import { isObj, type Obj } from './types.js';

export class SelectorError extends Error {}

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t, i, all) => t !== '' || all.length > 1);
}

function checkKey(key: string, term: string): string {
  if (!KEY.test(key) || key.length > 316) throw new SelectorError(`unable to parse requirement: invalid label key "${key}" in "${term}"`);
  return key;
}

function checkValue(value: string, term: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new SelectorError(`unable to parse requirement: invalid label value "${value}" in "${term}"`);
  return value;
}

function parseLabelTerm(term: string): LabelRequirement {
  if (term === '') throw new SelectorError('unable to parse requirement: found \'\', expected: identifier');
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => checkValue(v.trim(), term));
    return { key: checkKey(key, term), operator: op === 'in' ? 'in' : 'notin', values };
  }
  const cmp = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(term);
  if (cmp) {
    const [, key = '', op = '', value = ''] = cmp;
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value)) throw new SelectorError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer in "${term}"`);
      return { key: checkKey(key, term), operator: op === '>' ? 'gt' : 'lt', values: [value] };
    }
    return { key: checkKey(key, term), operator: op === '!=' ? '!=' : '=', values: [checkValue(value.trim(), term)] };
  }
  if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), term), operator: '!', values: [] };
  return { key: checkKey(term, term), operator: 'exists', values: [] };
}

/** Parses a `labelSelector` query value; the empty string selects everything. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  if (selector.trim() === '') return [];
  return splitTerms(selector).map(parseLabelTerm);
}

function matchesRequirement(req: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case '=':
    case 'in':
      return has && req.values.includes(value ?? '');
    case '!=':
    case 'notin':
      return !has || !req.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value ?? '')) return false;
      const [bound = '0'] = req.values;
      return req.operator === 'gt' ? Number(value) > Number(bound) : Number(value) < Number(bound);
    }
  }
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: unknown): boolean {
  const map: Record<string, string> = {};
  if (isObj(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') map[k] = v;
  return requirements.every((req) => matchesRequirement(req, map));
}

// ---- field selectors -------------------------------------------------------------------------

/** Parses a `fieldSelector` query value for one resource type; unknown fields are refused as the server does. */
export function parseFieldSelector(selector: string, rt: ResourceType): FieldRequirement[] {
  if (selector.trim() === '') return [];
  return splitTerms(selector).map((term) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field = '', op, value = ''] = m;
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !rt.fields.includes(field)) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    return { field, operator: op === '!=' ? '!=' : '=', value: value.trim() };
  });
}

/** The value of a dotted field path as the server compares it: missing is `''`, booleans are `"true"`/`"false"`. */
export function fieldValue(obj: Obj, path: string): string {
  let current: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObj(current)) return '';
    current = current[part];
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'boolean' || typeof current === 'number') return String(current);
  return '';
}

export function matchesFields(requirements: readonly FieldRequirement[], obj: Obj): boolean {
  return requirements.every((req) => (fieldValue(obj, req.field) === req.value) === (req.operator === '='));
}

/** Label and field requirements of one request, matched together. */
export interface Selector {
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
}

export const EVERYTHING: Selector = { labels: [], fields: [] };

export function matches(selector: Selector, obj: Obj): boolean {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  return matchesLabels(selector.labels, meta.labels) && matchesFields(selector.fields, obj);
}
