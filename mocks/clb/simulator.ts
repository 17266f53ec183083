/**
 * An in-process Tencent Cloud CLB API (2018-03-17) that keeps real state and enforces what the real API
 * enforces. Its methods have the SDK client's names and models, so the provider cannot tell it from the
 * real client except by transport. Facades for the VPC (`DescribeSubnets`) and Tag APIs share its state.
 *
 * The parts: `sim-state.ts` (the shared state), `tasks.ts` (asynchronous tasks, DescribeTaskStatus), and the
 * actions by area — `load-balancer-actions.ts`, `listener-actions.ts`, `target-actions.ts`, `vpc-tag-actions.ts` —
 * and seeding from a cloud state (`seed.ts`, `seed-network.ts`, `seed-listeners.ts`).
 * This class serves each action: latency, rate limit and injected faults, settling due tasks, the call log,
 * request ids and SDK-shaped errors.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudState } from '../../providers/cloud-state.js';
import type { ClbApi, TagApi, VpcApi } from '../../providers/tencentcloud/api.js';
import { ApiFailure, apiError } from './api-error.js';
import { listenerActions } from './listener-actions.js';
import { loadBalancerActions } from './load-balancer-actions.js';
import type { Quotas, SimulatorOptions } from './options.js';
import { seedCloudState } from './seed.js';
import { SimState, type ActionTable, type SimulatedClbApi } from './sim-state.js';
import { snapshotLoadBalancer, type SimLoadBalancer } from './state.js';
import { clone } from './support.js';
import { targetActions } from './target-actions.js';
import { taskActions } from './tasks.js';
import type { ApiTraffic } from './traffic.js';
import { tagActions, vpcActions } from './vpc-tag-actions.js';

type AnyHandler = (state: SimState, req: unknown, requestId: string) => object;

/** Every CLB action and its handler: the compiler checks that none is missing. */
const CLB_ACTIONS: ActionTable<SimulatedClbApi> = { ...loadBalancerActions, ...listenerActions, ...targetActions, ...taskActions };

/** The API's methods (CreateLoadBalancer, …) are installed on the prototype from CLB_ACTIONS, below. */
export interface ClbSimulator extends SimulatedClbApi {}

export class ClbSimulator implements ClbApi {
  readonly region: string;
  readonly uin: string;
  readonly traffic: ApiTraffic;
  readonly quotas: Quotas;
  readonly vpc: VpcApi;
  readonly tag: TagApi;

  private readonly state: SimState;

  static {
    for (const [action, handler] of Object.entries(CLB_ACTIONS)) {
      // A named method per action, as a class body would declare it (non-enumerable, replaceable by tests).
      const method = { [action](this: ClbSimulator, req: unknown) { return this.handle(action, req, handler as AnyHandler); } }[action];
      Object.defineProperty(this.prototype, action, { value: method, writable: true, configurable: true });
    }
  }

  constructor(options: SimulatorOptions = {}) {
    this.state = new SimState(options);
    this.region = this.state.region;
    this.uin = this.state.uin;
    this.quotas = this.state.quotas;
    this.traffic = this.state.traffic;
    this.vpc = this.facade<VpcApi>(vpcActions);
    this.tag = this.facade<TagApi>(tagActions);
    if (options.cloudState) this.seed(options.cloudState);
  }

  /**
   * Loads what a cloud holds (the `--cloud-state` format): CLBs with exactly the given ids, addresses and settings,
   * running, with their listeners, rules, redirects and targets; the state's VPCs and subnets are added to the
   * inventory. Refuses, with a CloudStateError naming the path, what the API's own rules would refuse; a refused
   * seed changes nothing. Seeding is not an API call: it is neither rate-limited nor logged.
   */
  seed(state: CloudState): void {
    seedCloudState(this.state, state);
  }

  /** How long an asynchronous task runs before DescribeTaskStatus reports it done. */
  get taskLatencyMs(): number {
    return this.state.tasks.latencyMs;
  }

  set taskLatencyMs(ms: number) {
    this.state.tasks.latencyMs = ms;
  }

  // ---- infrastructure -------------------------------------------------------------------------

  private async handle(action: string, req: unknown, handler: AnyHandler): Promise<never> {
    const requestId = randomUUID();
    const latency = this.traffic.latencyFor(action);
    await (latency > 0 ? sleep(latency) : Promise.resolve());
    const request = clone(req ?? {});
    this.state.tasks.settle();
    try {
      this.traffic.admit(action);
      const result = handler(this.state, request, requestId);
      this.traffic.record(action, request);
      return clone({ ...result, RequestId: requestId }) as never;
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      this.traffic.record(action, request, error.code);
      throw apiError(error.code, error.message, requestId);
    }
  }

  /** An API client object (the VPC or Tag facade) whose methods serve `table`'s actions. */
  private facade<Api>(table: ActionTable<Api>): Api {
    const methods = Object.entries(table).map(([action, handler]) => [action, (req: unknown) => this.handle(action, req, handler as AnyHandler)]);
    return Object.fromEntries(methods) as Api;
  }

  // ---- test-facing helpers --------------------------------------------------------------------

  /**
   * What the console's operate-protection switch does: no API action turns it on or off (tencentcloud-sdk-nodejs
   * has DescribeLBOperateProtect only). While on, every change to the CLB is refused with OperationDenied.
   */
  setModificationProtection(loadBalancerId: string, on: boolean): void {
    const lb = this.state.loadBalancers.get(loadBalancerId);
    if (!lb) throw new Error(`no CLB ${loadBalancerId}`);
    lb.modificationProtect = on;
  }

  /** Every CLB, listener, rule and target, deterministic and JSON-friendly. */
  snapshot(): { region: string; loadBalancers: unknown[]; runningTasks: number } {
    this.state.tasks.settle();
    const loadBalancers = [...this.state.loadBalancers.values()].sort((a, b) => a.id.localeCompare(b.id)).map(snapshotLoadBalancer);
    return clone({ region: this.region, loadBalancers, runningTasks: this.state.tasks.runningCount });
  }

  /** Every target bound on a CLB (any listener or rule), as `address:port` → weight; cheap enough to poll. */
  boundTargets(loadBalancerId: string): Map<string, number> {
    this.state.tasks.settle();
    const bound = new Map<string, number>();
    const lb = this.state.loadBalancers.get(loadBalancerId);
    for (const listener of lb?.listeners.values() ?? []) {
      for (const t of listener.targets.values()) bound.set(`${t.instanceId ?? t.eniIp}:${t.port}`, t.weight);
      for (const rule of listener.rules.values()) for (const t of rule.targets.values()) bound.set(`${t.instanceId ?? t.eniIp}:${t.port}`, t.weight);
    }
    return bound;
  }

  /**
   * The CLBs as they are now (due tasks settled), as live objects — for the data path, which reads them on every new
   * connection. Read only: changes go through the API.
   */
  liveLoadBalancers(): IterableIterator<Readonly<SimLoadBalancer>> {
    this.state.tasks.settle();
    return this.state.loadBalancers.values();
  }

  /** The Tag API's six-segment resource name of a CLB. */
  resourceName(loadBalancerId: string): string {
    return this.state.resourceName(loadBalancerId);
  }
}
