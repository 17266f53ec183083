/** What the fake was asked, so tests can count API calls (e.g. "a second reconcile makes no writes"). */
import type { ResourceName } from './resources.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'discovery' | 'other';

export const MUTATING_VERBS: readonly Verb[] = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** A request as the router understood it. */
export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly verb: Verb;
  /** The built-in resource addressed (absent for a custom resource: see `customResource`). */
  readonly resource?: ResourceName;
  /** The plural of the custom resource addressed (a CRD's), e.g. `tkeserviceconfigs`. */
  readonly customResource?: string;
  /** The API group of the resource addressed (`''` for the core group). */
  readonly group?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
  /** Request Content-Type (tells merge patches from JSON patches). */
  readonly contentType?: string;
}

export interface LoggedRequest extends RequestInfo {
  /** HTTP status answered (200 for a watch that was opened). */
  readonly status: number;
  readonly at: number;
}

/** Matches requests; every given field must match, a list of verbs matches any of them. */
export interface RequestFilter {
  readonly method?: string;
  /** Exact URL path, e.g. `/api/v1` (discovery) or `/api/v1/namespaces/default/services`. */
  readonly path?: string;
  readonly verb?: Verb | readonly Verb[];
  /** A built-in resource's name, or a custom resource's plural. */
  readonly resource?: ResourceName | (string & {});
  readonly group?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export function matchesRequest(filter: RequestFilter | undefined, request: RequestInfo): boolean {
  if (!filter) return true;
  const verbs: readonly Verb[] | undefined = typeof filter.verb === 'string' ? [filter.verb] : filter.verb;
  return (
    (filter.method === undefined || filter.method.toUpperCase() === request.method) &&
    (filter.path === undefined || filter.path === request.path) &&
    (verbs === undefined || verbs.includes(request.verb)) &&
    (filter.resource === undefined || filter.resource === (request.resource ?? request.customResource)) &&
    (filter.group === undefined || filter.group === request.group) &&
    (filter.namespace === undefined || filter.namespace === request.namespace) &&
    (filter.name === undefined || filter.name === request.name) &&
    (filter.subresource === undefined || filter.subresource === request.subresource)
  );
}

export class RequestLog {
  private readonly entries: LoggedRequest[] = [];

  record(request: RequestInfo, status: number): void {
    this.entries.push({ ...request, status, at: Date.now() });
  }

  /** Requests so far, oldest first, optionally filtered. */
  all(filter?: RequestFilter): LoggedRequest[] {
    return this.entries.filter((r) => matchesRequest(filter, r));
  }

  count(filter?: RequestFilter): number {
    return this.all(filter).length;
  }

  /** Creates, updates, patches and deletes (optionally narrowed further). */
  mutations(filter: Omit<RequestFilter, 'verb'> = {}): LoggedRequest[] {
    return this.all({ ...filter, verb: MUTATING_VERBS });
  }

  clear(): void {
    this.entries.length = 0;
  }
}
