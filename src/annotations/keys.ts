/** Every annotation the controllers read or write, in one place. Names are TKE's, so manifests port as they are. */
export const SERVICE_ANNOTATIONS = {
  /** Written by the controller: the CLB the Service uses. */
  loadBalancerId: 'service.kubernetes.io/loadbalance-id',
  existingLoadBalancerId: 'service.kubernetes.io/tke-existed-lbid',
  internalSubnetId: 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid',
  internetChargeType: 'service.kubernetes.io/qcloud-loadbalancer-internet-charge-type',
  internetMaxBandwidthOut: 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out',
  extensiveParameters: 'service.kubernetes.io/service.extensiveParameters',
  localOnlyBindNodeWithPod: 'service.kubernetes.io/local-svc-only-bind-node-with-pod',
  localWeightedBalance: 'service.cloud.tencent.com/local-svc-weighted-balance',
  backendsLabel: 'service.kubernetes.io/qcloud-loadbalancer-backends-label',
  directAccess: 'service.cloud.tencent.com/direct-access',
  graceShutdown: 'service.cloud.tencent.com/enable-grace-shutdown',
  graceShutdownTkex: 'service.cloud.tencent.com/enable-grace-shutdown-tkex',
  rsWeight: 'service.cloud.tencent.com/lb-rs-weight',
  specifyProtocol: 'service.cloud.tencent.com/specify-protocol',
  mode: 'service.cloud.tencent.com/mode',
  securityGroups: 'service.cloud.tencent.com/security-groups',
  passToTarget: 'service.cloud.tencent.com/pass-to-target',
  modificationProtection: 'service.cloud.tencent.com/modification-protection',
  /** The TkeServiceConfig (same namespace) whose listener settings apply. */
  tkeServiceConfig: 'service.cloud.tencent.com/tke-service-config',
  /** "true": the controller keeps `<service>-auto-service-config` with the listeners' settings (exclusive with the previous). */
  tkeServiceConfigAuto: 'service.cloud.tencent.com/tke-service-config-auto',
} as const;

/** Ingress annotations (TKE's l7-lb-controller names, reference §4). */
export const INGRESS_ANNOTATIONS = {
  /** Written by the controller: the CLB the Ingress uses. */
  loadBalancerId: 'kubernetes.io/ingress.qcloud-loadbalance-id',
  existingLoadBalancerId: 'kubernetes.io/ingress.existLbId',
  subnetId: 'kubernetes.io/ingress.subnetId',
  /** The legacy class annotation (before spec.ingressClassName). */
  ingressClass: 'kubernetes.io/ingress.class',
  ruleMix: 'kubernetes.io/ingress.rule-mix',
  httpRules: 'kubernetes.io/ingress.http-rules',
  httpsRules: 'kubernetes.io/ingress.https-rules',
  listenPorts: 'ingress.cloud.tencent.com/listen-ports',
  directAccess: 'ingress.cloud.tencent.com/direct-access',
  autoRewrite: 'ingress.cloud.tencent.com/auto-rewrite',
  rewriteSupport: 'ingress.cloud.tencent.com/rewrite-support',
  deletionProtection: 'ingress.cloud.tencent.com/deletion-protection',
  loadBalanceRetain: 'ingress.cloud.tencent.com/loadbalance-retain',
  modificationProtection: 'ingress.cloud.tencent.com/modification-protection',
  tkeServiceConfig: 'ingress.cloud.tencent.com/tke-service-config',
  tkeServiceConfigAuto: 'ingress.cloud.tencent.com/tke-service-config-auto',
  mode: 'ingress.cloud.tencent.com/mode',
} as const;

/** The Ingress class this controller answers to (spec.ingressClassName or the legacy annotation). */
export const INGRESS_CLASS = 'qcloud';

/** Tags TKE puts on CLBs, which tell who created a CLB and for which cluster and Service. */
export const TAGS = {
  createdBy: 'tke-createdBy-flag',
  clusterId: 'tke-clusterId',
  ownerUid: 'tke-lb-serviceuuid',
} as const;

/** Finalizers: held from the first cloud write until the owner's part of the CLB is released. */
export const SERVICE_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
export const INGRESS_FINALIZER = 'ingress.cloud.tencent.com/load-balancer-cleanup';

/** The readiness gate a workload declares to wait until its Pods are bound to the CLB. */
export const READINESS_GATE = 'cloud.tencent.com/load-balancer-backendgroup-ready';

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The Service `spec.loadBalancerClass` this controller answers to (besides none). */
export const LOAD_BALANCER_CLASS = 'cloud.tencent.com/clb';

/** Secret keys holding Tencent Cloud SSL certificate ids. */
export const SECRET_KEYS = { certId: 'qcloud_cert_id', caCertId: 'qcloud_ca_cert_id' } as const;
