/** Shared set-up for the CLB simulator tests: small builders, a manual clock, and the "refused and unchanged" assertion. */
import { expect } from '@jest/globals';
import type { clb } from '../../providers/tencentcloud/api.js';
import type { SimulatorOptions } from '../../mocks/clb/options.js';
import { ClbSimulator } from '../../mocks/clb/simulator.js';

/** The default inventory (mocks/clb/options.ts DEFAULT_VPCS). */
export const VPC = 'vpc-cluster1';
export const LB_SUBNET = 'subnet-lb000001';
export const LB_SUBNET_CIDR = '10.0.2.0/24';
export const OTHER_VPC = 'vpc-another1';
export const OTHER_VPC_SUBNET = 'subnet-other001';

/** Well-formed ids that the simulator never hands out. */
export const UNKNOWN_LB = 'lb-zzzzzzzz';
export const UNKNOWN_LISTENER = 'lbl-zzzzzzzz';
export const UNKNOWN_LOCATION = 'loc-zzzzzzzz';

export const INSTANCE_A = 'ins-aaaaaaaa';
export const INSTANCE_B = 'ins-bbbbbbbb';
export const INSTANCE_C = 'ins-cccccccc';

/** A clock the test moves by hand, so task latency and rate windows are exact. */
export function manualClock(start = Date.UTC(2025, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export function simulator(options: SimulatorOptions = {}): ClbSimulator {
  return new ClbSimulator(options);
}

export async function createClb(sim: ClbSimulator, req: Partial<clb.CreateLoadBalancerRequest> = {}): Promise<string> {
  const res = await sim.CreateLoadBalancer({ LoadBalancerType: 'OPEN', VpcId: VPC, ...req });
  const id = res.LoadBalancerIds?.[0];
  if (!id) throw new Error('CreateLoadBalancer returned no id');
  return id;
}

export async function createInternalClb(sim: ClbSimulator, subnetId = LB_SUBNET): Promise<string> {
  const res = await sim.CreateLoadBalancer({ LoadBalancerType: 'INTERNAL', SubnetId: subnetId });
  const id = res.LoadBalancerIds?.[0];
  if (!id) throw new Error('CreateLoadBalancer returned no id');
  return id;
}

export async function createListener(sim: ClbSimulator, loadBalancerId: string, protocol: string, port: number, extra: Partial<clb.CreateListenerRequest> = {}): Promise<string> {
  const res = await sim.CreateListener({ LoadBalancerId: loadBalancerId, Protocol: protocol, Ports: [port], ...extra });
  const id = res.ListenerIds?.[0];
  if (!id) throw new Error('CreateListener returned no id');
  return id;
}

export async function createRule(sim: ClbSimulator, loadBalancerId: string, listenerId: string, domain: string, url: string): Promise<string> {
  const res = await sim.CreateRule({ LoadBalancerId: loadBalancerId, ListenerId: listenerId, Rules: [{ Domain: domain, Url: url }] });
  const id = res.LocationIds?.[0];
  if (!id) throw new Error('CreateRule returned no id');
  return id;
}

export async function describeClb(sim: ClbSimulator, loadBalancerId: string): Promise<clb.LoadBalancer | undefined> {
  const res = await sim.DescribeLoadBalancers({ LoadBalancerIds: [loadBalancerId] });
  return res.LoadBalancerSet?.[0];
}

export async function listeners(sim: ClbSimulator, loadBalancerId: string): Promise<clb.Listener[]> {
  return (await sim.DescribeListeners({ LoadBalancerId: loadBalancerId })).Listeners ?? [];
}

export async function listenerTargets(sim: ClbSimulator, loadBalancerId: string, listenerId: string): Promise<clb.ListenerBackend | undefined> {
  const res = await sim.DescribeTargets({ LoadBalancerId: loadBalancerId, ListenerIds: [listenerId] });
  return res.Listeners?.[0];
}

/** Instance ids of a backend list, for compact assertions. */
export const backendKeys = (backends: readonly clb.Backend[] | null | undefined): string[] =>
  (backends ?? []).map((b) => `${b.InstanceId || b.PrivateIpAddresses?.[0]}:${b.Port}@${b.Weight}`).sort();

/**
 * The call is refused with exactly `code`, and it changed nothing: the whole simulated state (CLBs, listeners,
 * rules, targets, tags, running tasks) is the same before and after, and no write was counted as accepted.
 */
export async function expectRefused(sim: ClbSimulator, call: () => Promise<unknown>, code: string): Promise<void> {
  const before = sim.snapshot();
  const accepted = sim.traffic.mutatingCalls();
  await expect(call()).rejects.toMatchObject({ code });
  expect(sim.snapshot()).toEqual(before);
  expect(sim.traffic.mutatingCalls()).toBe(accepted);
}

export function ipInCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
