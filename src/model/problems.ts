/** User errors as data: what is wrong, with which value, and what would be accepted. */
import type { ErrorCode } from './error-codes.js';

export interface Problem {
  /** The annotation or field at fault, e.g. `service.kubernetes.io/tke-existed-lbid` or `spec.ports[1].protocol`. */
  readonly field: string;
  readonly value: string;
  /** What is wrong and what is accepted. */
  readonly reason: string;
  /** The Warning event reason this problem is reported under. */
  readonly eventReason: ProblemReason;
  /** Its stable error code (src/model/error-codes.ts): TKE's where TKE has one (e.g. E4011: the CLB to reuse does not exist). */
  readonly code: ErrorCode;
}

export const PROBLEM_REASONS = [
  'InvalidAnnotation',
  'InvalidServiceSpec',
  'ExistingLoadBalancerNotFound',
  'ExistingLoadBalancerRefused',
  'ImmutableLoadBalancerChange',
  'PortConflict',
  'SubnetNotFound',
  'SecretNotFound',
  'UnsupportedFeature',
  /** An Ingress field (host, path, pathType, backend) the CLB cannot serve. */
  'InvalidIngressSpec',
  /** An Ingress backend names a Service or Service port that does not exist. */
  'ServiceNotFound',
  /** An Ingress backend Service cannot be bound (type, protocol, no NodePort, no selector). */
  'InvalidBackendService',
  /** An HTTPS host (or listener) has no certificate. */
  'MissingCertificate',
  /** The CLB created for the object lost the tags that say so (TKE's E4017): nothing is written to it. */
  'OwnershipTagsMissing',
  /** A CLB quota leaves part of the model out (listeners, rules or targets); the rest is applied. */
  'QuotaExceeded',
  /** A TkeServiceConfig field out of range or of the wrong type: that listener's (or rule's) settings stay as they are. */
  'InvalidTkeServiceConfig',
  /** The TkeServiceConfig an annotation names does not exist (TKE's E4043): the listeners keep their settings. */
  'TkeServiceConfigNotFound',
] as const;
export type ProblemReason = (typeof PROBLEM_REASONS)[number];

/** The code of a problem whose site names none: the case each reason covers most often. */
const DEFAULT_CODES: Record<ProblemReason, ErrorCode> = {
  InvalidAnnotation: 'E4045',
  InvalidServiceSpec: 'C4001',
  ExistingLoadBalancerNotFound: 'E4011',
  ExistingLoadBalancerRefused: 'E4020',
  ImmutableLoadBalancerChange: 'C4005',
  PortConflict: 'E4014',
  SubnetNotFound: 'E4091',
  SecretNotFound: 'E4010',
  UnsupportedFeature: 'C4004',
  InvalidIngressSpec: 'C4002',
  ServiceNotFound: 'E4041',
  InvalidBackendService: 'C4003',
  MissingCertificate: 'E4009',
  OwnershipTagsMissing: 'E4017',
  QuotaExceeded: 'C4006',
  InvalidTkeServiceConfig: 'C4007',
  TkeServiceConfigNotFound: 'E4043',
};

export const problem = (eventReason: ProblemReason, field: string, value: string, reason: string, code: ErrorCode = DEFAULT_CODES[eventReason]): Problem => ({ field, value, reason, eventReason, code });

/** "annotation X: value "v": reason" — the text of a Warning event. */
export function describeProblem(p: Problem): string {
  return `${p.field}: value ${JSON.stringify(shownValue(p.value))}: ${p.reason}`;
}

/** The value as an Event echoes it: at most 200 characters, then how long it really is (an Event must stay readable). */
export const MAX_ECHOED_VALUE = 200;
export function shownValue(value: string): string {
  return value.length <= MAX_ECHOED_VALUE ? value : `${value.slice(0, MAX_ECHOED_VALUE)}… (${value.length} characters)`;
}
