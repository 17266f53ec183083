/**
 * What the benchmark's parent (the controller under measurement) and its cloud child (bench/cloud-child.ts: the
 * fake Kubernetes API and the CLB simulator behind the TC3 emulator) say to each other over IPC, and the objects
 * scenario 6 seeds. Types and plain data only: both processes import this file.
 */
import type { SimulatorOptions } from '../mocks/clb/options.js';

/** argv[2] of the child, as JSON. */
export interface CloudChildOptions {
  readonly nodes: number;
  readonly simulator: SimulatorOptions;
}

/** The child's first message: where to reach it, and the key it accepts. */
export interface CloudChildReady {
  readonly type: 'ready';
  /** `http://127.0.0.1:PORT` of the fake Kubernetes API. */
  readonly kubeUrl: string;
  /** Port of the TC3 emulator on 127.0.0.1. */
  readonly cloudPort: number;
  readonly region: string;
  readonly uin: string;
  readonly taskLatencyMs: number;
  readonly secretId: string;
  readonly secretKey: string;
}

export interface SeedRequest {
  readonly op: 'seed';
  /** Direct-access Services, each with one port and one EndpointSlice of `perService` ready endpoints. */
  readonly count: number;
  readonly perService: number;
}
export interface ProgressRequest {
  readonly op: 'progress';
  readonly count: number;
  readonly targetsEach: number;
}
export interface TrafficRequest {
  readonly op: 'traffic';
}
/** Just how many calls the simulator has logged (cheap: polled while waiting for idle). */
export interface CallsRequest {
  readonly op: 'calls';
}

/** A CPU profile of the child (`--cpu-profile`): start it, or stop it and write `<dir>/<name>.cpuprofile`. */
export interface ProfileRequest {
  readonly op: 'profile';
  readonly action: 'start' | 'stop';
  readonly dir: string;
  readonly name: string;
}

export type CloudRequest = SeedRequest | ProgressRequest | TrafficRequest | CallsRequest | ProfileRequest;

export interface SeedAnswer {
  readonly objects: number;
}
export interface ProgressAnswer {
  /** Accepted *RegisterTargets calls so far: each CLB needs one, so fewer than `count` means not converged (no listing). */
  readonly registerCalls: number;
  /** The rest is counted only once `registerCalls` reaches `count` (listing every Service costs the child a clone each). */
  readonly services: number;
  /** Services whose CLB id is recorded on them. */
  readonly recorded: number;
  /** …and whose CLB has exactly `targetsEach` targets bound. */
  readonly bound: number;
  readonly converged: boolean;
}
export interface TrafficAnswer {
  /** Every API call the simulator logged (errors included): changes while the controller works. */
  readonly calls: number;
  /** Accepted writes per action. */
  readonly writes: Readonly<Record<string, number>>;
  /** Reads, DescribeTaskStatus excluded, in all and per action. */
  readonly reads: number;
  readonly readsPerAction: Readonly<Record<string, number>>;
  readonly taskPolls: number;
  /** Requests the fake Kubernetes API answered, and how many of them were writes. */
  readonly kubeRequests: number;
  readonly kubeWrites: number;
  readonly childRssMb: number;
  /** The child's CPU time (user + system) since it was asked to seed: is the cloud side what the controller waits for? */
  readonly childCpuMsSinceSeed: number;
}

export interface CloudAnswers {
  seed: SeedAnswer;
  progress: ProgressAnswer;
  traffic: TrafficAnswer;
  calls: { readonly calls: number };
  /** The profile's path once stopped. */
  profile: { readonly path?: string };
}

export type ToChild = { readonly id: number } & CloudRequest;
export type FromChild = CloudChildReady | { readonly type: 'answer'; readonly id: number; readonly result?: unknown; readonly error?: string };

export const LB_ID = 'service.kubernetes.io/loadbalance-id';

/** Scenario 6's i-th Service (direct access, one port) and its EndpointSlice. */
export function directAccessService(i: number, perService: number): [object, object] {
  return [
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: 'default', annotations: { 'service.cloud.tencent.com/direct-access': 'true' } },
      spec: { type: 'LoadBalancer', selector: { app: `app-${i}` }, ports: [{ name: 'p0', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: `svc-${i}-slice`, namespace: 'default', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: perService }, (_, k) => ({ addresses: [`10.${100 + (Math.floor(i / 250) % 100)}.${i % 250}.${k + 1}`], conditions: { ready: true } })),
    },
  ];
}

/** A Ready node of a bench cluster (here, not in harness.ts: that module loads the controller, which the child must not). */
export function readyNode(i: number) {
  const ip = `10.0.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`;
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: ip, labels: { 'kubernetes.io/hostname': ip } },
    spec: { providerID: `qcloud:///800002/ins-${String(i).padStart(8, '0')}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}
