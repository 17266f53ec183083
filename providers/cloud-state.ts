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
import type { CloudProvider, Listener, ListenerProtocol, ListenerTargets, LoadBalancer, RuleSpec, Subnet } from './provider.js';

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
const port = (v: Json, path: string): number => {
  expect(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535, path, 'a port (an integer 1-65535)', v);
  return v as number;
};
const arr = (v: Json, path: string): Json[] => {
  expect(Array.isArray(v), path, 'an array', v);
  return v;
};
const obj = (v: Json, path: string): Record<string, Json> => {
  expect(isObject(v), path, 'an object', v);
  return v;
};
/** An optional field: absent, or of the shape `check` wants. */
const optional = (v: Json, path: string, check: (v: Json, path: string) => unknown): void => void (v === undefined || check(v, path));
const bool = (v: Json, path: string): boolean => {
  expect(typeof v === 'boolean', path, 'true or false', v);
  return v;
};

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'HTTP', 'HTTPS', 'TCP_SSL', 'QUIC'] satisfies readonly ListenerProtocol[];
const FORWARD_TYPES: readonly string[] = ['HTTP', 'HTTPS', 'GRPC'] satisfies readonly NonNullable<RuleSpec['forwardType']>[];

/** One of `values` (the contract's documented spellings). */
const oneOf = (values: readonly (string | number)[]) => (v: Json, path: string): void =>
  expect(values.includes(v as string | number), path, `one of ${values.join(', ')}`, v);
/** An integer in [min, max]. */
const integer = (min: number, max: number) => (v: Json, path: string): void =>
  expect(Number.isInteger(v) && (v as number) >= min && (v as number) <= max, path, `an integer ${min}-${max}`, v);

/**
 * A health check's fields, of their types; those with a fixed set of values or a fixed range, within it. What depends
 * on the listener (check types per protocol, the timeout below the interval, …) is the simulator's to check when seeding.
 */
function checkHealthCheck(v: Json, at: string): void {
  const hc = obj(v, at);
  bool(hc.enabled, `${at}.enabled`);
  for (const key of ['timeoutSeconds', 'intervalSeconds', 'healthyThreshold', 'unhealthyThreshold'] as const) optional(hc[key], `${at}.${key}`, num);
  for (const key of ['sendContext', 'recvContext', 'httpCheckPath', 'httpCheckDomain'] as const) optional(hc[key], `${at}.${key}`, str);
  optional(hc.checkType, `${at}.checkType`, oneOf(['TCP', 'HTTP', 'HTTPS', 'GRPC', 'PING', 'CUSTOM']));
  optional(hc.checkPort, `${at}.checkPort`, port);
  optional(hc.contextType, `${at}.contextType`, oneOf(['HEX', 'TEXT']));
  optional(hc.httpCheckMethod, `${at}.httpCheckMethod`, oneOf(['HEAD', 'GET']));
  optional(hc.httpCode, `${at}.httpCode`, integer(1, 31));
  optional(hc.sourceIpType, `${at}.sourceIpType`, oneOf([0, 1]));
}

function checkTargets(list: Json, path: string): void {
  arr(list, path).forEach((t, i) => {
    const target = obj(t, `${path}[${i}]`);
    expect((typeof target.instanceId === 'string') !== (typeof target.eniIp === 'string'), `${path}[${i}]`, 'an instanceId or an eniIp (exactly one)', t);
    port(target.port, `${path}[${i}].port`);
    num(target.weight, `${path}[${i}].weight`);
  });
}

function checkListener(x: Json, lat: string): Record<string, Json> {
  const listener = obj(x, lat);
  str(listener.id, `${lat}.id`);
  optional(listener.name, `${lat}.name`, str);
  expect(PROTOCOLS.includes(listener.protocol as string), `${lat}.protocol`, `one of ${PROTOCOLS.join(', ')}`, listener.protocol);
  port(listener.port, `${lat}.port`);
  optional(listener.healthCheck, `${lat}.healthCheck`, checkHealthCheck);
  for (const key of ['keepaliveEnable', 'deregisterTargetRst', 'rescheduleTargetZeroWeight', 'rescheduleUnhealthy', 'rescheduleExpandTarget'] as const) optional(listener[key], `${lat}.${key}`, bool);
  for (const key of ['rescheduleStartTime', 'rescheduleInterval'] as const) optional(listener[key], `${lat}.${key}`, integer(0, 3600));
  arr(listener.rules ?? [], `${lat}.rules`).forEach((r, m) => {
    const rule = obj(r, `${lat}.rules[${m}]`);
    for (const key of ['id', 'domain', 'url'] as const) str(rule[key], `${lat}.rules[${m}].${key}`);
    optional(rule.healthCheck, `${lat}.rules[${m}].healthCheck`, checkHealthCheck);
    optional(rule.forwardType, `${lat}.rules[${m}].forwardType`, oneOf(FORWARD_TYPES));
    optional(rule.defaultServer, `${lat}.rules[${m}].defaultServer`, bool);
    optional(rule.redirect, `${lat}.rules[${m}].redirect`, (v, at) => {
      const redirect = obj(v, at);
      str(redirect.listenerId, `${at}.listenerId`);
      str(redirect.ruleId, `${at}.ruleId`);
    });
  });
  return listener;
}

/** A targets entry names a listener of its CLB (and rules of that listener); protocol, port, domain and url, when given, agree. */
function checkListenerTargets(x: Json, tat: string, listeners: ReadonlyMap<string, Record<string, Json>>): void {
  const entry = obj(x, tat);
  const listener = listeners.get(str(entry.listenerId, `${tat}.listenerId`));
  expect(listener !== undefined, `${tat}.listenerId`, 'the id of a listener of this CLB', entry.listenerId);
  for (const key of ['protocol', 'port'] as const) expect(entry[key] === undefined || entry[key] === listener[key], `${tat}.${key}`, `${JSON.stringify(listener[key])} (the listener's)`, entry[key]);
  checkTargets(entry.targets ?? [], `${tat}.targets`);
  const rules = (listener.rules as Record<string, Json>[] | undefined) ?? [];
  arr(entry.rules ?? [], `${tat}.rules`).forEach((r, m) => {
    const rat = `${tat}.rules[${m}]`;
    const ruleTargets = obj(r, rat);
    const rule = rules.find((x) => x.id === str(ruleTargets.ruleId, `${rat}.ruleId`));
    expect(rule !== undefined, `${rat}.ruleId`, `the id of a rule of listener ${String(listener.id)}`, ruleTargets.ruleId);
    for (const key of ['domain', 'url'] as const) expect(ruleTargets[key] === undefined || ruleTargets[key] === rule[key], `${rat}.${key}`, `${JSON.stringify(rule[key])} (the rule's)`, ruleTargets[key]);
    checkTargets(ruleTargets.targets ?? [], `${rat}.targets`);
  });
}

function checkLoadBalancer(l: Json, at: string): void {
  const lb = obj(l, at);
  const id = str(lb.id, `${at}.id`);
  expect(/^lb-[a-z0-9]{8}$/.test(id), `${at}.id`, 'an id like lb-0123abcd', id);
  expect(lb.type === 'OPEN' || lb.type === 'INTERNAL', `${at}.type`, '"OPEN" or "INTERNAL"', lb.type);
  str(lb.vpcId, `${at}.vpcId`);
  for (const key of ['name', 'subnetId', 'domain'] as const) optional(lb[key], `${at}.${key}`, str);
  expect(lb.status === undefined || lb.status === 'running' || lb.status === 'creating', `${at}.status`, '"running" or "creating"', lb.status);
  for (const key of ['passToTarget', 'deleteProtect', 'modificationProtect'] as const) optional(lb[key], `${at}.${key}`, bool);
  arr(lb.vips ?? [], `${at}.vips`).forEach((v, k) => str(v, `${at}.vips[${k}]`));
  arr(lb.securityGroups ?? [], `${at}.securityGroups`).forEach((v, k) => str(v, `${at}.securityGroups[${k}]`));
  Object.entries(obj(lb.tags ?? {}, `${at}.tags`)).forEach(([k, v]) => str(v, `${at}.tags.${k}`));
  const listeners = new Map<string, Record<string, Json>>();
  arr(lb.listeners ?? [], `${at}.listeners`).forEach((x, k) => {
    const listener = checkListener(x, `${at}.listeners[${k}]`);
    listeners.set(listener.id as string, listener);
  });
  arr(lb.targets ?? [], `${at}.targets`).forEach((x, k) => checkListenerTargets(x, `${at}.targets[${k}]`, listeners));
}

/** A (checked) targets entry with its listener's protocol and port, and its rule entries with their rules' domain and url. */
function withListenerFields(entry: Record<string, Json>, listeners: readonly Record<string, Json>[]): Record<string, Json> {
  const listener = listeners.find((l) => l.id === entry.listenerId)!;
  const rules = listener.rules as Record<string, Json>[];
  return {
    protocol: listener.protocol, port: listener.port, targets: [],
    ...entry,
    rules: ((entry.rules as Record<string, Json>[] | undefined) ?? []).map((r) => {
      const rule = rules.find((x) => x.id === r.ruleId)!;
      return { domain: rule.domain, url: rule.url, targets: [], ...r };
    }),
  };
}

/**
 * Checks a parsed cloud-state file and returns it typed. Strict about what the planner relies on (ids, tags,
 * protocols, ports, targets, and the types of the CLB's own fields), and about the types of health checks, keep-alive,
 * deregister-RST and forward types; other listener and rule settings are passed through as they are (seeding the
 * simulator checks them all, as the API would).
 */
export function parseCloudState(input: Json, source = 'cloud state'): CloudState {
  const root = obj(input, source);
  expect(root.version === 1, `${source}.version`, '1', root.version);
  optional(root.region, `${source}.region`, str);
  const vpcs = root.vpcs === undefined ? [] : arr(root.vpcs, `${source}.vpcs`);
  vpcs.forEach((v, i) => {
    const vpc = obj(v, `${source}.vpcs[${i}]`);
    str(vpc.id, `${source}.vpcs[${i}].id`);
    str(vpc.cidr, `${source}.vpcs[${i}].cidr`);
  });
  arr(root.subnets ?? [], `${source}.subnets`).forEach((s, i) => {
    const subnet = obj(s, `${source}.subnets[${i}]`);
    for (const key of ['id', 'vpcId', 'cidr'] as const) str(subnet[key], `${source}.subnets[${i}].${key}`);
    optional(subnet.zone, `${source}.subnets[${i}].zone`, str);
  });
  const ids = new Set<string>();
  arr(root.loadBalancers ?? [], `${source}.loadBalancers`).forEach((l, i) => {
    const at = `${source}.loadBalancers[${i}]`;
    checkLoadBalancer(l, at);
    const id = (l as Record<string, Json>).id as string;
    expect(!ids.has(id), `${at}.id`, 'an id not used by another CLB of the file', id);
    ids.add(id);
  });
  // Defaults for what a hand-written file may leave out, so consumers see the contract's full shapes.
  const loadBalancers = (root.loadBalancers as Record<string, Json>[] | undefined ?? []).map((lb) => {
    const listeners = ((lb.listeners as Record<string, Json>[] | undefined) ?? []).map((l) => ({ name: '', rules: [], ...l }));
    return {
      securityGroups: [], passToTarget: false, deleteProtect: false, modificationProtect: false, status: 'running', name: '', vips: [], tags: {},
      ...lb,
      listeners,
      targets: ((lb.targets as Record<string, Json>[] | undefined) ?? []).map((t) => withListenerFields(t, listeners)),
    };
  }) as unknown as CloudStateLoadBalancer[];
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
