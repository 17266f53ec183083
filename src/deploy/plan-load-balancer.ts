/**
 * Step 5, plan — PURE: one owner's whole part of one CLB, desired vs actual, as the list of changes that makes
 * them equal: create the CLB, claim a reused one (tag), its attributes, the listeners/rules/targets (plan.ts),
 * and — with nothing desired, when the owner goes — the release: its listeners deleted, the CLB deleted only
 * when it was created for the owner and holds nothing else, untagged when retained or when the cluster's last
 * owner leaves a reused CLB. A CLB whose modification protection is on gets none of it (the cloud would refuse it).
 * The owner's policies (the empty-backends hold, keep-existing) are decided here too,
 * so what this returns is exactly what apply does — and what `plan` prints.
 */
import type { CreateLoadBalancerInput, Listener, ListenerTargets, LoadBalancer, LoadBalancerAttributes, Tags } from '../../providers/provider.js';
import { TAGS } from '../annotations/keys.js';
import { DEFAULT_DOMAIN, type DesiredListener, type DesiredState } from '../model/desired.js';
import { isClusterListener, isCreatedFor, isOwnListener, type Owner } from './ownership.js';
import type { Problem } from '../model/problems.js';
import { planChanges, planCount, type Plan } from './plan.js';
import { fitToQuota, type QuotaLimits } from './quota.js';

export interface OwnerPolicies {
  /** False while an empty view of the backends may be transient: a plan that would unbind the owner's last targets keeps them. */
  readonly mayEmptyTargets: boolean;
  /** Delete no listener or rule this time (one of the owner's rules is left out for a problem: a typo never takes a rule down). */
  readonly keepExisting: boolean;
  /** On release: a CLB created for the owner is kept and handed back untagged instead of deleted. */
  readonly retain: boolean;
}

export interface ActualLoadBalancer {
  readonly loadBalancer: LoadBalancer;
  readonly listeners: readonly Listener[];
  readonly targets: ReadonlyMap<string, ListenerTargets>;
}

export interface LoadBalancerPlanInput {
  readonly owner: Owner;
  /** Undefined: nothing desired, the owner's part is released. */
  readonly desired: DesiredState | undefined;
  /** The CLB as the cloud has it; undefined when it does not exist yet (then the plan creates it). */
  readonly actual: ActualLoadBalancer | undefined;
  readonly policies: OwnerPolicies;
  /** The CLB quotas (absent: unlimited). */
  readonly limits?: QuotaLimits;
}

/** How a release ends, for the owner's Events. */
export type Release = 'deleted' | 'retained' | 'kept-foreign' | 'listeners-removed' | 'protected' | 'not-ours';

export interface LoadBalancerPlan {
  /** Undefined when the CLB is created first. */
  readonly loadBalancerId: string | undefined;
  readonly create?: CreateLoadBalancerInput;
  /** A reused CLB claimed for the cluster. */
  readonly tag?: Tags;
  readonly securityGroups?: readonly string[];
  readonly attributes?: LoadBalancerAttributes;
  /**
   * With `create`: the attributes to hold once the CLB exists. Apply compares them with the CLB the cloud created
   * (parameters passed through at creation may have set some already), as `securityGroups`/`attributes` do here
   * with the cloud's defaults.
   */
  readonly attributesAfterCreate?: DesiredState['attributes'];
  readonly listeners: Plan;
  readonly untag?: readonly string[];
  readonly deleteLoadBalancer: boolean;
  /** Deregistrations held back because they would have emptied the owner's backends. */
  readonly heldEmpty: boolean;
  readonly release?: Release;
  /** Listeners on the CLB that the owner does not own. */
  readonly foreignListeners: number;
  /** What a quota left out of the model (QuotaExceeded Warnings). */
  readonly leftOut: readonly Problem[];
  /** Target addresses (Pod IPs, instance ids) a quota left out: their Pods' readiness gates stay closed. */
  readonly leftOutAddresses?: readonly string[];
  /**
   * The CLB's modification protection is on: the cloud refuses every change to it, so the plan makes none (the
   * changes it would have made are left for when the user turns it off in the console).
   */
  readonly modificationProtected?: boolean;
  /** The owner asks for modification protection on (true) or off (false), the CLB has it the other way. */
  readonly modificationProtectionDiffers?: boolean;
}

/** The number of writes a plan makes (0: converged). */
export function planWrites(plan: LoadBalancerPlan): number {
  return (plan.create ? 1 : 0) + (plan.tag ? 1 : 0) + (plan.securityGroups ? 1 : 0) + (plan.attributes ? 1 : 0) + planCount(plan.listeners) + (plan.untag ? 1 : 0) + (plan.deleteLoadBalancer ? 1 : 0);
}

/** The plan's writes by the kind of resource they change (drift metrics). */
export function planWritesByKind(plan: LoadBalancerPlan): { loadBalancer: number; listener: number; rule: number; target: number } {
  const l = plan.listeners;
  return {
    loadBalancer: (plan.create ? 1 : 0) + (plan.tag ? 1 : 0) + (plan.securityGroups ? 1 : 0) + (plan.attributes ? 1 : 0) + (plan.untag ? 1 : 0) + (plan.deleteLoadBalancer ? 1 : 0),
    listener: l.deleteListenersFirst.length + l.createListeners.length + l.modifyListeners.length + l.deleteListeners.length,
    rule: l.createRules.length + l.modifyRules.length + l.setDomainCertificates.length + l.setDefaultDomains.length + l.deleteRedirects.length + l.setRedirects.length + l.deleteRules.length,
    target: targetWrites(plan),
  };
}

export const targetWrites = (plan: LoadBalancerPlan): number => plan.listeners.deregisterFirst.length + plan.listeners.register.length + plan.listeners.reweight.length + plan.listeners.deregister.length;

/** A CLB not created yet: no listeners, and rules without a host keep the VIP placeholder until it exists. */
const NOT_CREATED: LoadBalancer = { id: '', name: '', type: 'OPEN', vpcId: '', vips: [DEFAULT_DOMAIN], status: 'creating', tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false };

/** Targets of these listeners, their rules' included. */
export const countTargets = (listeners: readonly DesiredListener[]) => listeners.reduce((n, l) => n + l.targets.length + l.rules.reduce((m, r) => m + r.targets.length, 0), 0);

export function planLoadBalancer(input: LoadBalancerPlanInput): LoadBalancerPlan {
  const plan = planOwnersPart(input);
  const lb = input.actual?.loadBalancer;
  const wanted = input.desired?.attributes.modificationProtect;
  // A CLB about to be created has none; one whose protection could not be read is not compared.
  const has = lb ? lb.modificationProtect : false;
  const told = wanted !== undefined && has !== undefined && wanted !== has ? { modificationProtectionDiffers: true } : {};
  if (lb?.modificationProtect !== true || planWrites(plan) === 0) return { ...plan, ...told };
  // Modification protection the user turned on is never worked around: nothing is written (the cloud would refuse
  // it anyway), and a release waits as it does for deletion protection.
  const nothing = planChanges([], { loadBalancer: lb, listeners: [], targets: new Map() }, () => true);
  return {
    loadBalancerId: lb.id, foreignListeners: plan.foreignListeners, listeners: nothing, deleteLoadBalancer: false, heldEmpty: false, leftOut: [],
    modificationProtected: true, ...told, ...(input.desired ? {} : { release: 'protected' as const }),
  };
}

function planOwnersPart(input: LoadBalancerPlanInput): LoadBalancerPlan {
  const { owner, desired, actual, policies } = input;
  const lb = actual?.loadBalancer;
  const isOwn = (l: Listener) => isOwnListener(l.name, owner);
  const foreign = (actual?.listeners ?? []).filter((l) => !isOwn(l));
  const observed = { loadBalancer: lb ?? NOT_CREATED, listeners: actual?.listeners ?? [], targets: actual?.targets ?? new Map<string, ListenerTargets>() };
  const base = { loadBalancerId: lb?.id, foreignListeners: foreign.length, heldEmpty: false, deleteLoadBalancer: false, leftOut: [] };

  if (!desired) {
    if (!lb) return { ...base, listeners: planChanges([], observed, isOwn) };
    const createdForOwner = isCreatedFor(lb, owner);
    // Neither created for the owner nor claimed by its cluster (tags removed in the console): nothing is deleted from it.
    const ownListeners = observed.listeners.filter(isOwn);
    if (!createdForOwner && lb.tags[TAGS.clusterId] !== owner.clusterId && ownListeners.length) return { ...base, listeners: planChanges([], { ...observed, listeners: [] }, isOwn), release: 'not-ours' };
    if (createdForOwner && !policies.retain && foreign.length === 0) {
      // Deletion protection the user turned on is never turned off, nor worked around: nothing is touched.
      if (lb.deleteProtect) return { ...base, listeners: planChanges([], { ...observed, listeners: [] }, isOwn), release: 'protected' };
      return { ...base, listeners: planChanges([], { ...observed, listeners: [] }, isOwn), deleteLoadBalancer: true, release: 'deleted' };
    }
    const listeners = planChanges([], observed, isOwn);
    if (createdForOwner && policies.retain) return { ...base, listeners, untag: [TAGS.createdBy, TAGS.ownerUid, TAGS.clusterId], release: 'retained' };
    if (createdForOwner) return { ...base, listeners, release: 'kept-foreign' };
    // The last owner of this cluster leaving a reused CLB releases the cluster's claim on it.
    const clusterLeaves = !foreign.some((l) => isClusterListener(l.name, owner.clusterId)) && lb.tags[TAGS.clusterId] === owner.clusterId;
    return { ...base, listeners, ...(clusterLeaves ? { untag: [TAGS.clusterId] } : {}), release: 'listeners-removed' };
  }

  const want = desired.loadBalancer;
  const create: CreateLoadBalancerInput | undefined = lb || want.kind !== 'create' ? undefined : {
    name: want.name,
    type: want.type,
    vpcId: want.vpcId,
    ...(want.subnetId ? { subnetId: want.subnetId } : {}),
    tags: want.tags,
    clientToken: want.clientToken,
    ...(want.internetChargeType ? { internetChargeType: want.internetChargeType } : {}),
    ...(want.internetMaxBandwidthOut ? { internetMaxBandwidthOut: want.internetMaxBandwidthOut } : {}),
    ...(want.extraParameters ? { extraParameters: want.extraParameters } : {}),
  };
  const tag = lb && want.kind === 'existing' && lb.tags[TAGS.clusterId] !== owner.clusterId ? { [TAGS.clusterId]: owner.clusterId } : undefined;

  const { securityGroups, attributes } = attributeChanges(desired.attributes, lb ?? NOT_CREATED);

  const fit = input.limits ? fitToQuota(desired.listeners, observed, isOwn, input.limits) : { listeners: desired.listeners, leftOut: [], leftOutAddresses: [] };
  let listeners = planChanges(fit.listeners, observed, isOwn, input.limits?.targetsPerRule);
  const ownIds = new Set(observed.listeners.filter(isOwn).map((l) => l.id));
  const ownActual = [...observed.targets.values()].filter((t) => ownIds.has(t.listenerId)).reduce((n, t) => n + t.targets.length + t.rules.reduce((m, r) => m + r.targets.length, 0), 0);
  const heldEmpty = !policies.mayEmptyTargets && countTargets(desired.listeners) === 0 && ownActual > 0 && listeners.deregister.length + listeners.deregisterFirst.length > 0;
  if (heldEmpty) listeners = { ...listeners, deregister: [], deregisterFirst: [] };
  if (policies.keepExisting) listeners = { ...listeners, deleteRules: [], deleteListeners: [] };

  return {
    ...base,
    ...(create ? { create } : {}),
    ...(tag ? { tag } : {}),
    ...(securityGroups ? { securityGroups } : {}),
    ...(attributes ? { attributes } : {}),
    ...(create ? { attributesAfterCreate: desired.attributes } : {}),
    listeners,
    heldEmpty,
    leftOut: fit.leftOut,
    ...(fit.leftOutAddresses.length ? { leftOutAddresses: fit.leftOutAddresses } : {}),
  };
}

/**
 * The attribute writes that make a CLB hold the desired attributes: only what differs, and deletion protection
 * only on a CLB this controller created (never on a user's reused one).
 */
export function attributeChanges(desired: DesiredState['attributes'], lb: LoadBalancer): { securityGroups?: readonly string[]; attributes?: LoadBalancerAttributes } {
  const { securityGroups, passToTarget, deleteProtect } = desired;
  const groupsDiffer = securityGroups !== undefined && (securityGroups.length !== lb.securityGroups.length || securityGroups.some((g, i) => g !== lb.securityGroups[i]));
  const protectManaged = deleteProtect !== undefined && (lb === NOT_CREATED || lb.tags[TAGS.createdBy] === 'yes');
  const attributes: LoadBalancerAttributes = {
    ...(passToTarget !== undefined && passToTarget !== lb.passToTarget ? { passToTarget } : {}),
    ...(protectManaged && deleteProtect !== lb.deleteProtect ? { deleteProtect } : {}),
  };
  return { ...(groupsDiffer ? { securityGroups } : {}), ...(Object.keys(attributes).length ? { attributes } : {}) };
}
