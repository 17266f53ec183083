/** Typed parsing of annotation values. Each parser returns the value or a Problem; none throws. */
import { problem, type Problem } from '../model/problems.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: Problem };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (field: string, value: string, reason: string): Parsed<never> => ({ ok: false, problem: problem('InvalidAnnotation', field, value, reason) });

/** Reads an annotation through a parser: its value, or undefined when absent or bad (the Problem is collected). */
export type AnnotationTaker = <T>(key: string, parse: (field: string, value: string) => Parsed<T>) => T | undefined;

export function annotationTaker(annotations: Readonly<Record<string, string>> | undefined, problems: Problem[]): AnnotationTaker {
  return (key, parse) => {
    const value = annotations?.[key];
    if (value === undefined) return undefined;
    const parsed = parse(key, value.trim());
    if (parsed.ok) return parsed.value;
    problems.push(parsed.problem);
    return undefined;
  };
}

/** The object without its undefined-valued keys (for exactOptional-style results). */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function parseBoolean(field: string, value: string): Parsed<boolean> {
  if (value === 'true') return ok(true);
  if (value === 'false') return ok(false);
  return bad(field, value, 'accepted values are "true" and "false"');
}

export function parseId(field: string, value: string, pattern: RegExp, example: string): Parsed<string> {
  return pattern.test(value) ? ok(value) : bad(field, value, `expected an id like ${example}`);
}

export function parseIntInRange(field: string, value: string, min: number, max: number): Parsed<number> {
  const n = Number(value);
  return /^\d+$/.test(value.trim()) && n >= min && n <= max ? ok(n) : bad(field, value, `expected an integer from ${min} to ${max}`);
}

export function parseEnum<T extends string>(field: string, value: string, accepted: readonly T[]): Parsed<T> {
  return (accepted as readonly string[]).includes(value) ? ok(value as T) : bad(field, value, `accepted values are ${accepted.join(', ')}`);
}

export function parseJsonObject(field: string, value: string): Parsed<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return ok(parsed as Record<string, unknown>);
    return bad(field, value, 'expected a JSON object');
  } catch (error) {
    return bad(field, value, `not valid JSON (${(error as Error).message})`);
  }
}

export function parseIdList(field: string, value: string, pattern: RegExp, example: string, max: number): Parsed<string[]> {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length > max) return bad(field, value, `at most ${max} ids are accepted`);
  const wrong = ids.find((id) => !pattern.test(id));
  if (wrong !== undefined) return bad(field, value, `${wrong} is not an id like ${example}`);
  if (new Set(ids).size !== ids.length) return bad(field, value, 'an id is repeated');
  return ok(ids);
}

/** A parsed label selector requirement, as in Kubernetes' `k=v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`. */
export interface Requirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function parseLabelSelector(field: string, value: string): Parsed<Requirement[]> {
  const requirements: Requirement[] = [];
  // Split on commas outside parentheses.
  const parts = value.split(/,(?![^()]*\))/).map((s) => s.trim()).filter(Boolean);
  if (!parts.length) return bad(field, value, 'expected a label selector such as group=access or zone in (a,b)');
  for (const part of parts) {
    let m: RegExpExecArray | null;
    let requirement: Requirement | undefined;
    if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      requirement = { key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values: m[3]!.split(',').map((s) => s.trim()).filter(Boolean) };
    } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part))) {
      requirement = { key: m[1]!, operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3]!] };
    } else if ((m = /^!\s*(\S+)$/.exec(part))) {
      requirement = { key: m[1]!, operator: 'DoesNotExist', values: [] };
    } else if ((m = /^(\S+)$/.exec(part))) {
      requirement = { key: m[1]!, operator: 'Exists', values: [] };
    }
    if (!requirement || !LABEL_KEY.test(requirement.key) || !requirement.values.every((v) => LABEL_VALUE.test(v))) {
      return bad(field, value, `"${part}" is not a valid label selector requirement (e.g. group=access, zone in (a,b), !spot)`);
    }
    requirements.push(requirement);
  }
  return ok(requirements);
}

export function matchesSelector(labels: Readonly<Record<string, string>> | undefined, requirements: readonly Requirement[]): boolean {
  return requirements.every((r) => {
    const value = labels?.[r.key];
    switch (r.operator) {
      case 'In':
        return value !== undefined && r.values.includes(value);
      case 'NotIn':
        return value === undefined || !r.values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
    }
  });
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(\\*\\.)?${DNS_LABEL}(\\.${DNS_LABEL})*$`);

/** A host name CLB accepts as a rule's domain: lowercase DNS labels, an optional leading `*.`, at most 253 characters. */
export const isValidHost = (host: string): boolean => host.length <= 253 && HOST.test(host);
