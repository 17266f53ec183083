/** l7-lb-controller's part of the owner pipeline (reconcile-owner.ts): which Ingresses, and how to build one. */
import { ingressBackendLines } from '../explain/owner-backends.js';
import { withTkeServiceConfig, type ConfigAnnotations } from '../tke-service-config/tke-service-config.js';
import type { V1Ingress } from '@kubernetes/client-node';
import { INGRESS_ANNOTATIONS as A, INGRESS_FINALIZER } from '../annotations/keys.js';
import { isOwnListener } from '../deploy/ownership.js';
import { buildIngressModel, ingressOwner, isQcloudIngress, type IngressSettings } from '../ingress/build-ingress-model.js';
import { parseIngressLifecycle } from '../ingress/ingress-annotations.js';
import { loadIngressInputs } from '../ingress/load-ingress-inputs.js';
import { portFamily } from '../model/desired.js';
import { problem } from '../model/problems.js';
import { OwnerReconciler, type OwnerAdapter, type OwnerReconcilerDeps } from './reconcile-owner.js';

export const INGRESS_CONFIGS: ConfigAnnotations = { named: A.tkeServiceConfig, auto: A.tkeServiceConfigAuto, autoSuffix: '-auto-ingress-config' };

export const ingressKey = (ingress: V1Ingress): string => `${ingress.metadata?.namespace ?? 'default'}/${ingress.metadata?.name ?? ''}`;

export function ingressAdapter(settings: IngressSettings): OwnerAdapter<V1Ingress> {
  return {
    kind: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
    fields: {
      kind: 'Ingress',
      finalizer: INGRESS_FINALIZER,
      loadBalancerIdAnnotation: A.loadBalancerId,
      existingId: A.existingLoadBalancerId,
      subnetId: A.subnetId,
      releaseHint: 'delete the Ingress (or move it to another class)',
      letGoHint: `To let the Ingress go without touching the CLB, set ${A.mode}: "skip".`,
      modificationProtection: A.modificationProtection,
      configs: INGRESS_CONFIGS,
      protectedHint: `To delete the CLB, turn its deletion protection off (in the console, or ${A.deletionProtection}: "false"); to keep it and let the Ingress go, set ${A.loadBalanceRetain}: "true".`,
    },
    store: (view) => view.ingresses,
    wants: (ingress) => isQcloudIngress(ingress, settings),
    lifecycle: (ingress) => {
      const lifecycle = parseIngressLifecycle(ingress);
      // Deletion protection keeps the CLB on delete, as retain does. (Lifecycle problems also stop the build.)
      return { skip: lifecycle.skip, retain: lifecycle.retain || lifecycle.deletionProtection === true };
    },
    owner: (ingress) => ingressOwner(ingress, settings),
    subnetId: (ingress) => ingress.metadata?.annotations?.[A.subnetId]?.trim(),
    build: (view, ingress, subnets, clock) => {
      const inputs = loadIngressInputs(view, ingress, subnets, clock);
      const built = buildIngressModel(inputs, settings);
      if (!built.ok) return built;
      // Deletion protection changes only by the annotation: absent, the CLB keeps what the user set in the console.
      const { deletionProtection: deleteProtect, modificationProtection: modificationProtect } = parseIngressLifecycle(ingress);
      const model = {
        ...built.model,
        attributes: { ...built.model.attributes, ...(deleteProtect !== undefined ? { deleteProtect } : {}), ...(modificationProtect !== undefined ? { modificationProtect } : {}) },
      };
      // While a rule is left out for a problem, nothing is deleted: a typo never takes a rule down.
      return { ...withTkeServiceConfig({ ...built, model }, ingress, INGRESS_CONFIGS, view.tkeServiceConfigs), keepExisting: built.skippedRules > 0, backends: () => ingressBackendLines(inputs) };
    },
    // An existing CLB serves the Ingress only if its ports are free: never take a listener over.
    refuseReused: (model, listeners, owner) => {
      const taken = model.listeners.flatMap((want) => listeners.filter((l) => !isOwnListener(l.name, owner) && l.port === want.port && portFamily(l.protocol) === portFamily(want.protocol)));
      const first = taken[0];
      return first
        ? problem('ExistingLoadBalancerRefused', A.existingLoadBalancerId, model.loadBalancer.kind === 'existing' ? model.loadBalancer.id : '', `port ${first.port} of the CLB is used by listener ${first.id} (${first.protocol}, "${first.name}"); the Ingress needs its ports free`)
        : undefined;
    },
  };
}

export interface IngressReconcilerDeps extends OwnerReconcilerDeps<V1Ingress> {
  readonly settings: IngressSettings;
}

export class IngressReconciler extends OwnerReconciler<V1Ingress> {
  constructor(deps: IngressReconcilerDeps) {
    super(ingressAdapter(deps.settings), deps);
  }
}
