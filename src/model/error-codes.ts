/**
 * Stable error codes: every Warning this controller emits starts with one (`E4011: …`), so support pages,
 * runbooks and alerts can refer to a case without matching message text. TKE's code where TKE has one (its
 * Ingress error-code appendix and the Service controller's E4011–E4014), ours (`C…`) otherwise.
 *
 * TKE's two controllers number some cases differently; this is one table. E4011–E4014 keep the Service
 * controller's meaning (existing CLB not found / created by TKE / another cluster's / port taken); the Ingress
 * cases TKE numbers with those same codes (Secret without a certificate id, invalid certificate) take ours.
 * The README's error-code table is this one (a test compares them): change both together, and never reuse a code.
 */

export interface ErrorCodeEntry {
  /** The Event reason it is reported under. */
  readonly reason: string;
  readonly meaning: string;
  readonly action: string;
  /** Whose numbering: TKE's, or this controller's own. */
  readonly origin: 'TKE' | 'TKE Service' | 'TKE Ingress' | 'ours';
}

export const ERROR_CODES = {
  E4000: { reason: 'SyncLoadBalancerFailed', origin: 'TKE', meaning: 'The CLB API rate limit refused a call (RequestLimitExceeded) and the retries ran out', action: 'Nothing: the reconcile is retried with backoff. If it persists, lower the controller\'s --rate-limit, or other tools\' use of the API' },
  E4003: { reason: 'QuotaExceeded', origin: 'TKE', meaning: 'The account\'s CLB instance quota is used up: no CLB could be created', action: 'Delete unused CLBs or raise the quota; the object is created once there is room' },
  E4004: { reason: 'QuotaExceeded', origin: 'TKE', meaning: 'The CLB\'s listener quota (TOTAL_LISTENER_QUOTA) is reached: some ports are left out, the others served', action: 'Use fewer ports on this CLB, or raise the quota' },
  E4005: { reason: 'QuotaExceeded', origin: 'TKE', meaning: 'A listener\'s rule quota (TOTAL_LISTENER_RULE_QUOTA) is reached: some host/path rules are left out', action: 'Use fewer rules, or raise the quota' },
  E4009: { reason: 'MissingCertificate', origin: 'TKE Ingress', meaning: 'An HTTPS host has no certificate: no spec.tls entry (or secretName) covers it', action: 'Add a spec.tls entry naming a Secret with qcloud_cert_id for the host' },
  E4010: { reason: 'SecretNotFound', origin: 'TKE Ingress', meaning: 'The Secret a TLS setting names does not exist in the object\'s namespace', action: 'Create the Secret (key qcloud_cert_id), or fix its name' },
  E4011: { reason: 'ExistingLoadBalancerNotFound', origin: 'TKE Service', meaning: 'The CLB an existed-lbid annotation names does not exist in the region (TKE Ingress numbers this E4018)', action: 'Fix the id, or remove the annotation to let the controller create one' },
  E4012: { reason: 'ExistingLoadBalancerRefused', origin: 'TKE Service', meaning: 'The CLB to reuse was created automatically (by TKE or this controller) and cannot be reused (TKE Ingress: E4019)', action: 'Reuse a CLB you created yourself' },
  E4013: { reason: 'ExistingLoadBalancerRefused', origin: 'TKE Service', meaning: 'The CLB to reuse is claimed by another cluster (its tke-clusterId tag)', action: 'Use another CLB, or release it from the other cluster' },
  E4014: { reason: 'PortConflict', origin: 'TKE Service', meaning: 'A port is taken on the CLB by a listener this object does not own: that port is left out, the others served', action: 'Change the port, or free it on the CLB' },
  E4017: { reason: 'OwnershipTagsMissing', origin: 'TKE', meaning: 'The CLB created for this object lost the tags that say so (edited in the console): nothing is written to or deleted from it', action: 'Add the tags back to the CLB (the Warning lists them), or let the object go as the Warning says' },
  E4020: { reason: 'ExistingLoadBalancerRefused', origin: 'TKE Ingress', meaning: 'The CLB to reuse is already used by another object in a way that cannot be shared (e.g. the same port)', action: 'Use another CLB or another port' },
  E4041: { reason: 'ServiceNotFound', origin: 'TKE Ingress', meaning: 'An Ingress backend names a Service that does not exist: its rules are left out', action: 'Create the Service, or fix the backend' },
  E4042: { reason: 'ServiceNotFound', origin: 'TKE Ingress', meaning: 'An Ingress backend names a port its Service does not have', action: 'Fix the backend port (number or name)' },
  E4043: { reason: 'TkeServiceConfigNotFound', origin: 'TKE', meaning: 'The TkeServiceConfig an annotation names does not exist: listeners keep the settings they have', action: 'Create the TkeServiceConfig, or fix the annotation' },
  E4045: { reason: 'InvalidAnnotation', origin: 'TKE', meaning: 'An annotation\'s value is not valid (the Warning names it, the value and what is accepted)', action: 'Fix the annotation\'s value' },
  E4091: { reason: 'SubnetNotFound', origin: 'TKE', meaning: 'The subnet an internal-CLB annotation names does not exist, or is not in the cluster\'s VPC', action: 'Name a subnet of the cluster\'s VPC' },
  E5009: { reason: 'SyncLoadBalancerFailed', origin: 'TKE', meaning: 'A CLB task failed (e.g. a batch bind or unbind of targets): that change did not happen', action: 'Nothing usually: retried with backoff. If it persists, the Warning carries the task\'s error' },
  C4001: { reason: 'InvalidServiceSpec', origin: 'ours', meaning: 'A Service field the CLB cannot serve (a protocol, a port without NodePort)', action: 'Fix the Service spec as the Warning says' },
  C4002: { reason: 'InvalidIngressSpec', origin: 'ours', meaning: 'An Ingress field the CLB cannot serve (a host, a path, a pathType, a backend)', action: 'Fix the Ingress spec as the Warning says' },
  C4003: { reason: 'InvalidBackendService', origin: 'ours', meaning: 'An Ingress backend Service cannot be bound (ExternalName, no NodePort, no selector for direct access)', action: 'Change the backend Service as the Warning says' },
  C4004: { reason: 'UnsupportedFeature', origin: 'ours', meaning: 'A combination the controller or the CLB API does not support (e.g. a hostNetwork Pod as a direct backend)', action: 'Change the annotation or spec as the Warning says' },
  C4005: { reason: 'ImmutableLoadBalancerChange', origin: 'ours', meaning: 'A change the CLB cannot take in place (network type, subnet, reused CLB): nothing is changed', action: 'Release the CLB first (the Warning says how), then set the new value' },
  C4006: { reason: 'QuotaExceeded', origin: 'ours', meaning: 'A listener or rule can bind no more targets (TOTAL_TARGET_BIND_QUOTA): some are left out', action: 'Bind fewer targets (a backends label, direct access), or raise the quota' },
  C4007: { reason: 'InvalidTkeServiceConfig', origin: 'ours', meaning: 'A TkeServiceConfig field is out of range or of the wrong type: that listener or rule keeps its settings', action: 'Fix the field as the Warning says' },
  C4008: { reason: 'InvalidTkeServiceConfig', origin: 'ours', meaning: 'The CLB refused a listener or rule setting the config asks for: it stays as the CLB has it', action: 'Change the setting; the Warning carries the CLB\'s own error' },
  C4009: { reason: 'SecretNotFound', origin: 'ours', meaning: 'A TLS Secret has no qcloud_cert_id (TKE Ingress numbers this E4011)', action: 'Add qcloud_cert_id (a Tencent Cloud SSL certificate id) to the Secret' },
  C4010: { reason: 'ExistingLoadBalancerRefused', origin: 'ours', meaning: 'The CLB to reuse is not in the cluster\'s VPC', action: 'Reuse a CLB of the cluster\'s VPC' },
  C4101: { reason: 'LoadBalancerProtected', origin: 'ours', meaning: 'The CLB has deletion protection on: the object waits (with its finalizer) until it can be released', action: 'Turn deletion protection off in the console, or keep the CLB (loadbalance-retain / mode: skip)' },
  C4102: { reason: 'LoadBalancerProtected', origin: 'ours', meaning: 'The CLB has modification protection on: the cloud refuses every change, so nothing is written', action: 'Turn modification protection off in the console (the API cannot), or mode: skip' },
  C4103: { reason: 'SyncLoadBalancerFailed', origin: 'ours', meaning: 'The CLB to delete has listeners this controller does not manage: it is kept (W1001/W1002 in TKE)', action: 'Delete those listeners and the CLB by hand' },
  C4104: { reason: 'UnsupportedFeature', origin: 'ours', meaning: 'An annotation asks for modification protection the other way round from the CLB, and the API cannot switch it', action: 'Switch it in the console, or change the annotation' },
  C5001: { reason: 'SyncLoadBalancerFailed', origin: 'ours', meaning: 'A cloud or Kubernetes API call failed (not a user error); retried with backoff', action: 'Nothing usually; if it persists, the Warning carries the API\'s error' },
  C5002: { reason: 'SyncLoadBalancerFailed', origin: 'ours', meaning: 'The cloud refused the controller\'s credentials or permissions (AuthFailure, UnauthorizedOperation)', action: 'Check the credentials Secret and the CAM policy (manifests/cam-policy.json)' },
  C5003: { reason: 'SyncLoadBalancerFailed', origin: 'ours', meaning: 'The cloud has no capacity for the call (ResourcesSoldOut, ResourceInsufficient: no free address in the subnet or zone), or a limit other than a CLB quota refused it (e.g. LimitExceeded.ResourceAttachedTags)', action: 'Free addresses in the subnet, use another subnet or zone, or follow the limit the Warning names' },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** `E4011: …`: how a code leads a Warning's message. */
export const withCode = (code: ErrorCode, message: string): string => `${code}: ${message}`;

/** The code at the start of a Warning's message, if it has one. */
export function codeOf(message: string): ErrorCode | undefined {
  const code = /^([EC]\d{4}):/.exec(message)?.[1];
  return code && code in ERROR_CODES ? (code as ErrorCode) : undefined;
}
