/**
 * A description of what a cloud account holds, in the provider contract's own shapes: the `--cloud-state` file
 * `plan` reads (so a team can plan against a copy of production offline), and what `sandbox` and a read-only
 * live `plan` write. Version 1:
 *
 * ```json
 * { "version": 1, "region": "ap-guangzhou",
 *   "vpcs": [{ "id": "vpc-…", "cidr": "10.0.0.0/16" }],
 *   "subnets": [{ "id": "subnet-…", "vpcId": "vpc-…", "cidr": "10.0.2.0/24", "zone": "ap-guangzhou-4" }],
 *   "loadBalancers": [{ …LoadBalancer, "listeners": [ …Listener (rules included) ], "targets": [ …ListenerTargets ] }] }
 * ```
 */
import type { CloudProvider, Listener, ListenerTargets, LoadBalancer, Subnet } from './provider.js';

export interface CloudStateLoadBalancer extends LoadBalancer {
  readonly listeners: readonly Listener[];
  readonly targets: readonly ListenerTargets[];
}

export interface CloudStateVpc {
  readonly id: string;
  readonly cidr: string;
}

/**
 * The Kubernetes object a CLB part belongs to, as the cluster knows it: its uid (a created CLB's
 * `tke-lb-serviceuuid` tag) and the CLB it records — so manifests without them plan against the right CLB.
 */
export interface CloudStateOwner {
  readonly kind: 'Service' | 'Ingress';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly loadBalancerId?: string;
}

export interface CloudState {
  readonly version: 1;
  /** Optional: the owners of the cluster whose CLBs these are (what `sandbox --write-cloud-state` adds). */
  readonly owners?: readonly CloudStateOwner[];
  readonly region?: string;
  /** VPCs, for their address ranges; a VPC only named by a subnet or a CLB is assumed to be 10.0.0.0/16-sized. */
  readonly vpcs?: readonly CloudStateVpc[];
  readonly subnets: readonly Subnet[];
  readonly loadBalancers: readonly CloudStateLoadBalancer[];
}

/** The state of these CLBs (and subnets) read through any provider: what `--write-cloud-state` writes. */
export async function readCloudState(provider: CloudProvider, loadBalancers: readonly LoadBalancer[], subnetIds: readonly string[] = [], region?: string): Promise<CloudState> {
  const described: CloudStateLoadBalancer[] = [];
  for (const lb of [...loadBalancers].sort((a, b) => a.id.localeCompare(b.id))) {
    const listeners = await provider.describeListeners(lb.id);
    const targets = listeners.length ? await provider.describeTargets(lb.id) : [];
    described.push({ ...lb, listeners, targets });
  }
  const subnetIdsToRead = [...new Set([...subnetIds, ...loadBalancers.flatMap((lb) => (lb.subnetId ? [lb.subnetId] : []))])].sort();
  const subnets: Subnet[] = [];
  for (const id of subnetIdsToRead) {
    const subnet = await provider.describeSubnet(id);
    if (subnet) subnets.push(subnet);
  }
  return { version: 1, ...(region ? { region } : {}), subnets, loadBalancers: described };
}

/** Thrown for a cloud-state file that does not have the documented shape: names the path and what is expected. */
export class CloudStateError extends Error {}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expect(condition: boolean, path: string, what: string, value: Json): asserts condition {
  if (!condition) throw new CloudStateError(`${path}: expected ${what}, got ${JSON.stringify(value)?.slice(0, 80)}`);
}

const str = (v: Json, path: string): string => {
  expect(typeof v === 'string', path, 'a string', v);
  return v;
};
const num = (v: Json, path: string): number => {
  expect(typeof v === 'number' && Number.isFinite(v), path, 'a number', v);
  return v;
};
const arr = (v: Json, path: string): Json[] => {
  expect(Array.isArray(v), path, 'an array', v);
  return v;
};
const obj = (v: Json, path: string): Record<string, Json> => {
  expect(isObject(v), path, 'an object', v);
  return v;
};

function checkTargets(list: Json, path: string): void {
  arr(list, path).forEach((t, i) => {
    const target = obj(t, `${path}[${i}]`);
    expect(typeof target.instanceId === 'string' || typeof target.eniIp === 'string', `${path}[${i}]`, 'an instanceId or an eniIp', t);
    num(target.port, `${path}[${i}].port`);
    num(target.weight, `${path}[${i}].weight`);
  });
}

/**
 * Checks a parsed cloud-state file and returns it typed. Strict about what the planner relies on (ids, tags,
 * protocols, ports, targets); other fields of the contract's types are passed through as they are.
 */
export function parseCloudState(input: Json, source = 'cloud state'): CloudState {
  const root = obj(input, source);
  expect(root.version === 1, `${source}.version`, '1', root.version);
  const vpcs = root.vpcs === undefined ? [] : arr(root.vpcs, `${source}.vpcs`);
  vpcs.forEach((v, i) => {
    const vpc = obj(v, `${source}.vpcs[${i}]`);
    str(vpc.id, `${source}.vpcs[${i}].id`);
    str(vpc.cidr, `${source}.vpcs[${i}].cidr`);
  });
  arr(root.subnets ?? [], `${source}.subnets`).forEach((s, i) => {
    const subnet = obj(s, `${source}.subnets[${i}]`);
    for (const key of ['id', 'vpcId', 'cidr'] as const) str(subnet[key], `${source}.subnets[${i}].${key}`);
  });
  const ids = new Set<string>();
  arr(root.loadBalancers ?? [], `${source}.loadBalancers`).forEach((l, i) => {
    const at = `${source}.loadBalancers[${i}]`;
    const lb = obj(l, at);
    const id = str(lb.id, `${at}.id`);
    expect(/^lb-[a-z0-9]{8}$/.test(id), `${at}.id`, 'an id like lb-0123abcd', id);
    expect(!ids.has(id), `${at}.id`, 'an id not used by another CLB of the file', id);
    ids.add(id);
    expect(lb.type === 'OPEN' || lb.type === 'INTERNAL', `${at}.type`, '"OPEN" or "INTERNAL"', lb.type);
    str(lb.vpcId, `${at}.vpcId`);
    arr(lb.vips ?? [], `${at}.vips`).forEach((v, k) => str(v, `${at}.vips[${k}]`));
    Object.entries(obj(lb.tags ?? {}, `${at}.tags`)).forEach(([k, v]) => str(v, `${at}.tags.${k}`));
    arr(lb.listeners ?? [], `${at}.listeners`).forEach((x, k) => {
      const lat = `${at}.listeners[${k}]`;
      const listener = obj(x, lat);
      str(listener.id, `${lat}.id`);
      str(listener.name ?? '', `${lat}.name`);
      str(listener.protocol, `${lat}.protocol`);
      num(listener.port, `${lat}.port`);
      arr(listener.rules ?? [], `${lat}.rules`).forEach((r, m) => {
        const rule = obj(r, `${lat}.rules[${m}]`);
        for (const key of ['id', 'domain', 'url'] as const) str(rule[key], `${lat}.rules[${m}].${key}`);
      });
    });
    arr(lb.targets ?? [], `${at}.targets`).forEach((x, k) => {
      const tat = `${at}.targets[${k}]`;
      const entry = obj(x, tat);
      str(entry.listenerId, `${tat}.listenerId`);
      checkTargets(entry.targets ?? [], `${tat}.targets`);
      arr(entry.rules ?? [], `${tat}.rules`).forEach((r, m) => {
        const rule = obj(r, `${tat}.rules[${m}]`);
        str(rule.ruleId, `${tat}.rules[${m}].ruleId`);
        checkTargets(rule.targets ?? [], `${tat}.rules[${m}].targets`);
      });
    });
  });
  // Defaults for what a hand-written file may leave out, so consumers see the contract's full shapes.
  const loadBalancers = (root.loadBalancers as Record<string, Json>[] | undefined ?? []).map((lb) => ({
    securityGroups: [], passToTarget: false, deleteProtect: false, status: 'running', name: '', vips: [], tags: {},
    ...lb,
    listeners: ((lb.listeners as Record<string, Json>[] | undefined) ?? []).map((l) => ({ name: '', rules: [], ...l })),
    targets: ((lb.targets as Record<string, Json>[] | undefined) ?? []).map((t) => ({ targets: [], rules: [], ...t })),
  })) as unknown as CloudStateLoadBalancer[];
  const owners = root.owners === undefined ? [] : arr(root.owners, `${source}.owners`);
  owners.forEach((o, i) => {
    const owner = obj(o, `${source}.owners[${i}]`);
    expect(owner.kind === 'Service' || owner.kind === 'Ingress', `${source}.owners[${i}].kind`, '"Service" or "Ingress"', owner.kind);
    for (const key of ['namespace', 'name', 'uid'] as const) str(owner[key], `${source}.owners[${i}].${key}`);
  });
  return {
    version: 1,
    ...(owners.length ? { owners: owners as unknown as CloudStateOwner[] } : {}),
    ...(typeof root.region === 'string' ? { region: root.region } : {}),
    ...(vpcs.length ? { vpcs: vpcs as unknown as CloudStateVpc[] } : {}),
    subnets: (root.subnets ?? []) as unknown as Subnet[],
    loadBalancers,
  };
}
