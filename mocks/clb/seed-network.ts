/**
 * Seeding, part one: the VPCs and subnets of a cloud state, and the VIPs of its CLBs. They are ADDED to the
 * simulator's inventory (its defaults, or `options.vpcs`): a VPC or subnet the inventory already has is accepted
 * when it agrees with it (a state exported from the sandbox names the default subnets) and refused when it does
 * not. Nothing changes until `commit`, so a refused seed leaves the simulator as it was.
 */
import type { CloudStateVpc } from '../../providers/cloud-state.js';
import type { Subnet } from '../../providers/provider.js';
import { refuse } from './api-error.js';
import type { SubnetSpec } from './options.js';
import type { SimState } from './sim-state.js';
import { AddressPool, ID_PATTERNS, intToIp, isIpv4, parseCidr } from './support.js';

interface DraftVpc {
  readonly vpcId: string;
  readonly cidr: string;
  readonly subnets: SubnetSpec[];
  /** False for a VPC only named by a subnet or a CLB: its CIDR is a guess and never the reason for a refusal. */
  readonly cidrKnown: boolean;
}

/** For a VPC without a CIDR: the /16 around its first subnet (as VPCs are usually cut), else 10.0.0.0/16. */
function assumedVpcCidr(subnetCidr: string | undefined): string {
  if (!subnetCidr) return '10.0.0.0/16';
  const { base, size } = parseCidr(subnetCidr);
  return size > 65536 ? subnetCidr : `${intToIp(base - (base % 65536))}/16`;
}

function checkCidr(cidr: string, path: string): { base: number; size: number } {
  const [ip = '', bits = ''] = String(cidr).split('/');
  if (!isIpv4(ip) || !/^\d{1,2}$/.test(bits) || Number(bits) > 32) refuse(path, `${cidr} is not an IPv4 CIDR block such as 10.0.2.0/24`);
  const range = parseCidr(cidr);
  if (intToIp(range.base) !== ip) refuse(path, `${cidr} is not a network address (that would be ${intToIp(range.base)}/${bits})`);
  return range;
}

function checkId(pattern: RegExp, what: string, id: string, path: string): void {
  if (typeof id !== 'string' || !pattern.test(id)) refuse(path, `${what} ${id} is malformed (expected ${pattern.source.replace(/[\^$]/g, '')})`);
}

export class NetworkDraft {
  private readonly vpcs: DraftVpc[];
  private readonly newPools = new Map<string, AddressPool>();
  /** VIPs in use, keyed by where they must be unique: the public address space, or the CLB's VPC. */
  private readonly vipsInUse = new Set<string>();
  private readonly claims: { pool: AddressPool | undefined; vip: string }[] = [];

  constructor(private readonly s: SimState) {
    this.vpcs = s.vpcs.map((v) => ({ vpcId: v.vpcId, cidr: v.cidr, subnets: [...v.subnets], cidrKnown: true }));
    for (const lb of s.loadBalancers.values()) for (const vip of lb.vips) this.vipsInUse.add(vipKey(lb.subnetId ? lb.vpcId : undefined, vip));
  }

  addVpc(vpc: CloudStateVpc, path: string): void {
    checkId(ID_PATTERNS.vpc, 'VpcId', vpc.id, `${path}.id`);
    checkCidr(vpc.cidr, `${path}.cidr`);
    const known = this.vpc(vpc.id);
    if (known && known.cidr !== vpc.cidr) refuse(`${path}.cidr`, `VPC ${vpc.id} is already known with CIDR ${known.cidr}`);
    if (!known) this.vpcs.push({ vpcId: vpc.id, cidr: vpc.cidr, subnets: [], cidrKnown: true });
  }

  addSubnet(subnet: Subnet, path: string): void {
    checkId(ID_PATTERNS.subnet, 'SubnetId', subnet.id, `${path}.id`);
    const range = checkCidr(subnet.cidr, `${path}.cidr`);
    const existing = this.subnet(subnet.id);
    if (existing) {
      const agrees = existing.vpc.vpcId === subnet.vpcId && existing.subnet.cidr === subnet.cidr && (!subnet.zone || !existing.subnet.zone || subnet.zone === existing.subnet.zone);
      if (!agrees) refuse(path, `subnet ${subnet.id} is already known: ${existing.subnet.cidr} in ${existing.vpc.vpcId}${existing.subnet.zone ? `, ${existing.subnet.zone}` : ''}`);
      return;
    }
    const vpc = this.ensureVpc(subnet.vpcId, `${path}.vpcId`, subnet.cidr);
    const outer = parseCidr(vpc.cidr);
    if (vpc.cidrKnown && (range.base < outer.base || range.base + range.size > outer.base + outer.size)) refuse(`${path}.cidr`, `${subnet.cidr} is not inside ${vpc.vpcId}'s CIDR ${vpc.cidr}`);
    const overlap = vpc.subnets.find((other) => {
      const o = parseCidr(other.cidr);
      return range.base < o.base + o.size && o.base < range.base + range.size;
    });
    if (overlap) refuse(`${path}.cidr`, `${subnet.cidr} overlaps subnet ${overlap.subnetId} (${overlap.cidr}) of ${vpc.vpcId}`);
    vpc.subnets.push({ subnetId: subnet.id, cidr: subnet.cidr, ...(subnet.zone ? { zone: subnet.zone } : {}) });
    this.newPools.set(subnet.id, new AddressPool(subnet.cidr, `subnet ${subnet.id}`));
  }

  /** The VPC of this id, added with an assumed CIDR when the state only names it. */
  ensureVpc(vpcId: string, path: string, firstSubnetCidr?: string): DraftVpc {
    checkId(ID_PATTERNS.vpc, 'VpcId', vpcId, path);
    const known = this.vpc(vpcId);
    if (known) return known;
    const added = { vpcId, cidr: assumedVpcCidr(firstSubnetCidr), subnets: [], cidrKnown: false };
    this.vpcs.push(added);
    return added;
  }

  subnet(subnetId: string): { vpc: DraftVpc; subnet: SubnetSpec } | undefined {
    for (const vpc of this.vpcs) for (const subnet of vpc.subnets) if (subnet.subnetId === subnetId) return { vpc, subnet };
    return undefined;
  }

  /** A VIP of a seeded CLB: an internal CLB's is a host address of its subnet; every VIP is unique where it lives. */
  claimVip(vip: string, placement: { vpcId: string; subnetId: string | undefined }, path: string): void {
    if (typeof vip !== 'string' || !isIpv4(vip)) refuse(path, `${vip} is not an IPv4 address`);
    const key = vipKey(placement.subnetId ? placement.vpcId : undefined, vip);
    if (this.vipsInUse.has(key)) refuse(path, `VIP ${vip} is already used by another CLB${placement.subnetId ? ` in ${placement.vpcId}` : ''}`);
    let pool: AddressPool | undefined;
    if (placement.subnetId) {
      pool = this.newPools.get(placement.subnetId) ?? this.s.subnetPools.get(placement.subnetId);
      if (!pool?.isHost(vip)) refuse(path, `VIP ${vip} is not a host address of subnet ${placement.subnetId} (${this.subnet(placement.subnetId)?.subnet.cidr})`);
    } else {
      // A public VIP may lie outside the simulator's public ranges (a real address): then nothing can collide with it.
      pool = this.s.publicPools.find((p) => p.isHost(vip));
    }
    this.vipsInUse.add(key);
    this.claims.push({ pool, vip });
  }

  commit(): void {
    this.s.vpcs.splice(0, this.s.vpcs.length, ...this.vpcs.map(({ vpcId, cidr, subnets }) => ({ vpcId, cidr, subnets })));
    for (const [id, pool] of this.newPools) this.s.subnetPools.set(id, pool);
    for (const { pool, vip } of this.claims) pool?.reserve(vip);
  }

  private vpc(vpcId: string): DraftVpc | undefined {
    return this.vpcs.find((v) => v.vpcId === vpcId);
  }
}

const vipKey = (vpcId: string | undefined, vip: string): string => `${vpcId ?? 'public'}/${vip}`;
