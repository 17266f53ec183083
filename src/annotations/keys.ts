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
} as const;

/** Tags TKE puts on CLBs, which tell who created a CLB and for which cluster and Service. */
export const TAGS = {
  createdBy: 'tke-createdBy-flag',
  clusterId: 'tke-clusterId',
  ownerUid: 'tke-lb-serviceuuid',
} as const;

export const SERVICE_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

/** The Service `spec.loadBalancerClass` this controller answers to (besides none). */
export const LOAD_BALANCER_CLASS = 'cloud.tencent.com/clb';

/** Secret keys holding Tencent Cloud SSL certificate ids. */
export const SECRET_KEYS = { certId: 'qcloud_cert_id', caCertId: 'qcloud_ca_cert_id' } as const;
