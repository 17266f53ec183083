/** URL paths of the Kubernetes API, parsed into what they address. */
import type { ResourceType } from './resources.js';

/** The type served at `group/version` under `plural` (a server's registry knows). */
export type FindResource = (group: string, version: string, plural: string) => ResourceType | undefined;

export type Route =
  | { readonly kind: 'root' | 'version' | 'health' | 'core-versions' | 'groups' | 'unknown' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'resources'; readonly group: string; readonly version: string }
  /** `/openapi/v3` (path `''`) and `/openapi/v3/<api/v1 | apis/group/version>`. */
  | { readonly kind: 'openapi-v3'; readonly path: string }
  | {
      readonly kind: 'object';
      readonly rt: ResourceType;
      /** Set for namespaced paths (`/namespaces/<ns>/…`); absent for cluster-wide and cluster-scoped ones. */
      readonly namespace?: string;
      readonly name?: string;
      readonly subresource?: string;
    };

const UNKNOWN: Route = { kind: 'unknown' };

function objectRoute(findResource: FindResource, group: string, version: string, rest: readonly string[]): Route {
  const [first, second, third, ...tail] = rest;
  if (first === 'namespaces' && second !== undefined && third !== undefined) {
    const rt = findResource(group, version, third);
    if (rt?.namespaced) {
      if (tail.length > 2) return UNKNOWN;
      const [name, subresource] = tail;
      return { kind: 'object', rt, namespace: second, ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) };
    }
  }
  if (first === undefined) return UNKNOWN;
  const rt = findResource(group, version, first);
  if (!rt || rest.length > 3) return UNKNOWN;
  // A namespaced resource is only addressed by name under /namespaces/<ns>/.
  if (rt.namespaced && second !== undefined) return UNKNOWN;
  return { kind: 'object', rt, ...(second !== undefined ? { name: second } : {}), ...(third !== undefined ? { subresource: third } : {}) };
}

export function parseRoute(pathname: string, findResource: FindResource): Route {
  let segments: string[];
  try {
    segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return UNKNOWN;
  }
  const [head, a, b, ...rest] = segments;
  if (head === undefined) return { kind: 'root' };
  if (segments.length === 1 && head === 'version') return { kind: 'version' };
  if (segments.length === 1 && ['healthz', 'livez', 'readyz'].includes(head)) return { kind: 'health' };
  if (head === 'openapi' && a === 'v3') return { kind: 'openapi-v3', path: segments.slice(2).join('/') };
  if (head === 'api') {
    if (a === undefined) return { kind: 'core-versions' };
    if (b === undefined) return { kind: 'resources', group: '', version: a };
    return objectRoute(findResource, '', a, [b, ...rest]);
  }
  if (head === 'apis') {
    if (a === undefined) return { kind: 'groups' };
    if (b === undefined) return { kind: 'group', group: a };
    if (rest.length === 0) return { kind: 'resources', group: a, version: b };
    return objectRoute(findResource, a, b, rest);
  }
  return UNKNOWN;
}
