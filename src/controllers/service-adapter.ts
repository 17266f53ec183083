/** service-controller's part of the owner pipeline (reconcile-owner.ts): which Services, and how to build one. */
import { withTkeServiceConfig, type ConfigAnnotations } from '../tke-service-config/tke-service-config.js';
import type { V1Service } from '@kubernetes/client-node';
import { LOAD_BALANCER_CLASS, SERVICE_ANNOTATIONS as A, SERVICE_FINALIZER } from '../annotations/keys.js';
import { buildServiceModel, serviceOwner, type ClusterSettings } from '../service/build-service-model.js';
import { loadServiceInputs } from '../service/load-service-inputs.js';
import { serviceBackendLines } from '../explain/owner-backends.js';
import { OwnerReconciler, type OwnerAdapter, type OwnerReconcilerDeps } from './reconcile-owner.js';

/** Does this controller handle the Service's load balancer? (Another `spec.loadBalancerClass` is someone else's.) */
export function isLoadBalancerService(service: V1Service): boolean {
  return service.spec?.type === 'LoadBalancer' && (!service.spec.loadBalancerClass || service.spec.loadBalancerClass === LOAD_BALANCER_CLASS);
}

export const SERVICE_CONFIGS: ConfigAnnotations = { named: A.tkeServiceConfig, auto: A.tkeServiceConfigAuto, autoSuffix: '-auto-service-config' };

export const serviceKey = (service: V1Service): string => `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;

export function serviceAdapter(settings: ClusterSettings): OwnerAdapter<V1Service> {
  return {
    kind: { apiVersion: 'v1', kind: 'Service' },
    fields: {
      kind: 'Service',
      finalizer: SERVICE_FINALIZER,
      loadBalancerIdAnnotation: A.loadBalancerId,
      existingId: A.existingLoadBalancerId,
      subnetId: A.internalSubnetId,
      releaseHint: 'set the Service to type ClusterIP',
      extraParameters: A.extensiveParameters,
      letGoHint: `To let the Service go without touching the CLB, set ${A.mode}: "skip".`,
      modificationProtection: A.modificationProtection,
      configs: SERVICE_CONFIGS,
      protectedHint: 'To delete the CLB, turn its deletion protection off in the console; the Service is then released at the next retry.',
    },
    store: (view) => view.services,
    wants: isLoadBalancerService,
    lifecycle: (service) => ({ skip: service.metadata?.annotations?.[A.mode] === 'skip', retain: false }),
    owner: (service) => serviceOwner(service, settings),
    subnetId: (service) => service.metadata?.annotations?.[A.internalSubnetId]?.trim(),
    build: (view, service, subnets, clock) => {
      const inputs = loadServiceInputs(view, service, subnets, clock);
      const built = buildServiceModel(inputs, settings);
      return built.ok ? { ...withTkeServiceConfig(built, service, SERVICE_CONFIGS, view.tkeServiceConfigs), keepExisting: false, backends: () => serviceBackendLines(inputs) } : built;
    },
  };
}

export interface ServiceReconcilerDeps extends OwnerReconcilerDeps<V1Service> {
  readonly settings: ClusterSettings;
}

export class ServiceReconciler extends OwnerReconciler<V1Service> {
  constructor(deps: ServiceReconcilerDeps) {
    super(serviceAdapter(deps.settings), deps);
  }
}
