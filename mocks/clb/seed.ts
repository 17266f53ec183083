/**
 * Loads a cloud state (providers/cloud-state.ts) into the simulator: VPCs and subnets (seed-network.ts), then each
 * CLB with exactly its ids, names, addresses and settings, running and with no task in flight, then its listeners,
 * rules, redirects and targets (seed-listeners.ts). What the simulator's own rules would refuse is refused with a
 * CloudStateError naming the path (`loadBalancers[0].listeners[1].port: …`). All or nothing: the simulator changes
 * only once the whole state has been checked. Seeded ids and VIPs are reserved, so the API never hands them out.
 */
import type { CloudState, CloudStateLoadBalancer } from '../../providers/cloud-state.js';
import { atPath, refuse } from './api-error.js';
import { checkLoadBalancerQuota, checkSecurityGroups, checkTag } from './load-balancer-actions.js';
import { NetworkDraft } from './seed-network.js';
import { seedListeners, type ClaimId } from './seed-listeners.js';
import type { SimState } from './sim-state.js';
import type { SimLoadBalancer } from './state.js';
import { ID_PATTERNS, isValidDomain } from './support.js';

export function seedCloudState(s: SimState, state: CloudState): void {
  if (state.version !== 1) refuse('version', `expected 1, got ${JSON.stringify(state.version)}`);
  if (state.region !== undefined && state.region !== s.region) refuse('region', `the state is of ${state.region}; this simulator serves ${s.region}`);
  const network = new NetworkDraft(s);
  (state.vpcs ?? []).forEach((vpc, i) => network.addVpc(vpc, `vpcs[${i}]`));
  (state.subnets ?? []).forEach((subnet, i) => network.addSubnet(subnet, `subnets[${i}]`));

  const claimed = new Set<string>();
  const claim: ClaimId = (kind, id, path) => {
    if (typeof id !== 'string' || !ID_PATTERNS[kind].test(id)) refuse(path, `${id} is not a well-formed id (${ID_PATTERNS[kind].source.replace(/[\^$]/g, '')})`);
    if (claimed.has(id)) refuse(path, `${id} is used twice in this state`);
    if (s.ids.isUsed(id)) refuse(path, `${id} is already used in this simulator`);
    claimed.add(id);
  };
  const counts = { OPEN: 0, INTERNAL: 0 };
  const seeded = (state.loadBalancers ?? []).map((input, i) => {
    const path = `loadBalancers[${i}]`;
    const lb = seedLoadBalancer(s, network, input, path, claim);
    counts[lb.type] += 1;
    atPath(path, () => checkLoadBalancerQuota(s, lb.type, counts[lb.type]));
    seedListeners(s, lb, input, path, claim);
    return lb;
  });

  network.commit();
  for (const id of claimed) s.ids.reserve(id);
  for (const lb of seeded) s.loadBalancers.set(lb.id, lb);
}

function seedLoadBalancer(s: SimState, network: NetworkDraft, input: CloudStateLoadBalancer, path: string, claim: ClaimId): SimLoadBalancer {
  claim('loadBalancer', input.id, `${path}.id`);
  if (input.type !== 'OPEN' && input.type !== 'INTERNAL') refuse(`${path}.type`, `expected "OPEN" or "INTERNAL", got ${JSON.stringify(input.type)}`);
  const name = input.name ?? '';
  if (name.length > 60) refuse(`${path}.name`, 'InvalidParameterValue.Length: LoadBalancerName is longer than 60 characters.');
  if (input.status !== undefined && input.status !== 'running') refuse(`${path}.status`, `seeded CLBs are running; "${input.status}" cannot be seeded`);
  const vpc = network.ensureVpc(input.vpcId, `${path}.vpcId`);
  const subnetId = seedPlacement(network, input, path, vpc.vpcId);
  const vips = input.vips ?? [];
  if (vips.length > 1) refuse(`${path}.vips`, `a CLB of the simulator has at most one VIP (IPv4), got ${vips.length}`);
  vips.forEach((vip, k) => network.claimVip(vip, { vpcId: vpc.vpcId, subnetId }, `${path}.vips[${k}]`));
  if (input.domain !== undefined && !(isValidDomain(input.domain) && !input.domain.startsWith('*'))) refuse(`${path}.domain`, `${input.domain} is not a host name`);
  const tags = Object.entries(input.tags ?? {});
  if (tags.length > s.quotas.tagsPerResource) refuse(`${path}.tags`, `LimitExceeded.ResourceAttachedTags: ${tags.length} tags; at most ${s.quotas.tagsPerResource} are allowed.`);
  tags.forEach(([key, value]) => atPath(`${path}.tags.${key}`, () => checkTag(key, value)));
  const securityGroups = input.securityGroups ?? [];
  atPath(`${path}.securityGroups`, () => checkSecurityGroups(securityGroups));
  return {
    id: input.id,
    name,
    type: input.type,
    vpcId: vpc.vpcId,
    subnetId: subnetId ?? '',
    vips: [...vips],
    domain: input.domain ?? s.defaultDomain(input.id),
    status: 1,
    createdAt: new Date(s.now()).toISOString(),
    tags: new Map(tags),
    securityGroups: [...securityGroups],
    passToTarget: input.passToTarget ?? false,
    deleteProtect: input.deleteProtect ?? false,
    modificationProtect: input.modificationProtect ?? false,
    addressIPVersion: 'IPV4',
    internetAccessible: {},
    listeners: new Map(),
  };
}

/** An internal CLB sits in a known subnet of its VPC; a public one in none. */
function seedPlacement(network: NetworkDraft, input: CloudStateLoadBalancer, path: string, vpcId: string): string | undefined {
  if (input.type === 'OPEN') {
    if (input.subnetId) refuse(`${path}.subnetId`, 'a public (OPEN) CLB sits in no subnet');
    return undefined;
  }
  if (!input.subnetId) refuse(`${path}.subnetId`, 'MissingParameter: SubnetId is required for an INTERNAL load balancer.');
  const found = network.subnet(input.subnetId);
  if (!found) refuse(`${path}.subnetId`, `InvalidParameterValue: SubnetId ${input.subnetId} does not exist (neither in the state's subnets nor in the simulator's).`);
  if (found.vpc.vpcId !== vpcId) refuse(`${path}.subnetId`, `InvalidParameterValue: SubnetId ${input.subnetId} does not belong to VpcId ${vpcId}.`);
  return input.subnetId;
}
