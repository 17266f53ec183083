/** What a builder (build-service-model, build-ingress-model) returns: a model it can serve, or user errors. */
import type { Problem } from './problems.js';
import type { DesiredState } from './desired.js';

/** What a builder produces for an object it can serve. */
export interface Built {
  readonly ok: true;
  readonly model: DesiredState;
  /** Not blocking, but worth a Warning (e.g. hostNetwork Pods that cannot be ENI targets). */
  readonly warnings: readonly Problem[];
  /** Pods declaring the readiness gate whose targets this model binds: their gate turns True once applied. */
  readonly readinessGatePods: readonly string[];
  /** When a bound node's NotReady grace ends (ms since the epoch): build again then. Only with `now`. */
  readonly recheckAt?: number;
}

/** Or the user errors that stop the object (nothing is written). */
export type Refused = { readonly ok: false; readonly problems: readonly Problem[] };

