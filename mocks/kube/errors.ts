/**
 * Failures as the real API server words them: a `Status` object with `reason` and `code`, and the
 * messages client-go users know (`services "web" not found`, `Operation cannot be fulfilled on …`).
 */
import { qualifiedKind, qualifiedName, type ResourceType } from './resources.js';
import type { StatusObject } from './types.js';

export class KubeApiError extends Error {
  constructor(readonly status: StatusObject) {
    super(status.message);
  }
  get code(): number {
    return this.status.code;
  }
}

type Details = NonNullable<StatusObject['details']>;

export function failure(code: number, reason: string, message: string, details?: Details): KubeApiError {
  const status: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new KubeApiError(status);
}

const detailsFor = (rt: ResourceType, name: string): Details => ({
  name,
  ...(rt.group ? { group: rt.group } : {}),
  kind: rt.name,
});

/** `services "web"` or `ingresses.networking.k8s.io "web"`, as the server qualifies resources. */
const qualified = (rt: ResourceType, name: string) => `${qualifiedName(rt)} "${name}"`;

export const notFound = (rt: ResourceType, name: string) => failure(404, 'NotFound', `${qualified(rt, name)} not found`, detailsFor(rt, name));

export const alreadyExists = (rt: ResourceType, name: string) =>
  failure(409, 'AlreadyExists', `${qualified(rt, name)} already exists`, detailsFor(rt, name));

export const conflict = (rt: ResourceType, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(rt, name)}: ${why}`, detailsFor(rt, name));

export interface FieldCause {
  readonly field: string;
  readonly message: string;
  /** `FieldValueRequired`, `FieldValueNotSupported`, …; default `FieldValueInvalid`. */
  readonly reason?: string;
}

/** 422 Invalid as apimachinery's NewInvalid words it: `Ingress.networking.k8s.io "web" is invalid: [a, b]`. */
export function invalid(rt: ResourceType, name: string, causes: readonly FieldCause[]): KubeApiError {
  const each = causes.map((c) => `${c.field}: ${c.message}`);
  const text = each.length === 1 ? each[0] : `[${each.join(', ')}]`;
  return failure(422, 'Invalid', `${qualifiedKind(rt)} "${name}" is invalid: ${text}`, {
    ...detailsFor(rt, name),
    kind: rt.kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

export const badRequest = (message: string) => failure(400, 'BadRequest', message);

/** 422 without a kind: what the server answers when a JSON patch cannot be applied (e.g. a failed `test`). */
export const unprocessable = (message: string) => failure(422, 'Invalid', message);

export const routeNotFound = () => failure(404, 'NotFound', 'the server could not find the requested resource');

export const methodNotAllowed = (method: string) => failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);

export const unsupportedMediaType = (contentType: string) => failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`);

/** A strategic merge patch of a custom resource: the real server has no merge keys for it. */
export const strategicPatchOfCustomResource = () => failure(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');

export const expired = (message: string) => failure(410, 'Expired', message);

export const forbidden = (rt: ResourceType, name: string, why: string) =>
  failure(403, 'Forbidden', `${qualified(rt, name)} is forbidden: ${why}`, detailsFor(rt, name));

/** What a fault injected with only a status code is answered with. */
export function injected(code: number, message = 'injected fault'): KubeApiError {
  const reasons: Record<number, string> = {
    409: 'Conflict', 410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
  };
  const reason = reasons[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest');
  return failure(code, reason, code === 500 ? `Internal error occurred: ${message}` : message);
}
