/**
 * Prometheus metrics for the controller process. Each Metrics owns its Registry (never prom-client's
 * global one), so two instances — two tests, or two controllers in one process — never share series.
 *
 * Series (prefix `clb_controller_` by default):
 * - reconcile_total{controller, outcome}            outcome: success | requeue | retry | terminal
 * - reconcile_duration_seconds{controller}          histogram
 * - workqueue_depth{controller}                     gauge, read from a callback at scrape time
 * - cloud_api_calls_total{action, result}           result: ok | throttled | error; one per HTTP attempt
 * - cloud_api_errors_total{action, code}            the API error code of each failed attempt
 * - cloud_api_call_duration_seconds{action}         histogram
 * - readiness_gate_latency_seconds                  histogram: Pod ready → its readiness-gate condition set
 * From the reconcile pipeline, through syncObserver() (src/controllers/sync-observer.ts):
 * - target_programmed_latency_seconds{kind}         histogram: a change an owner's reconcile noticed → its target
 *                                                   writes' CLB tasks finished; kind: Service | Ingress
 * - drift_corrections_total{kind}                   writes that put back a cloud-side change; kind: loadBalancer |
 *                                                   listener | rule | target
 * - owned_resources{resource}                       gauge at scrape time: loadBalancers (distinct CLB ids) | listeners |
 *                                                   rules | targets, summed over the owners' last successful ensure
 * - objects{kind, state}                            gauge at scrape time: owners per state (Synced | Refused | Blocked |
 *                                                   Failed); every pair exported, 0 when none
 * - object_sync_state{kind, namespace, name, state, code}  only with `perObjectSyncState`: 1, one series per owner (its
 *                                                   current state and error code, "" when none; never the free-text reason)
 * - Node process defaults (process_*, nodejs_*), unprefixed as every Node exporter names them.
 */
import { ERROR_CODES } from '../model/error-codes.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DRIFT_KINDS, SYNC_STATES, type DriftKind, type ObservedOwner, type OwnedResources, type OwnerKind, type SyncObserver, type SyncState } from '../controllers/sync-observer.js';
import type { ReconcileOutcome } from './controller.js';

export type CloudCallOutcome = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly throttled: boolean };
export type CloudCallResult = 'ok' | 'throttled' | 'error';

export interface MetricsOptions {
  /** Prefix of this controller's own series (default `clb_controller_`). */
  readonly prefix?: string;
  /** Node process metrics on this registry (default true). */
  readonly processMetrics?: boolean;
  /**
   * A `object_sync_state` series per Service and Ingress (default false): one series per object, so thousands in a
   * large cluster. Off, the counts by state (`objects`) say how many are not synced, and Events and logs say which.
   */
  readonly perObjectSyncState?: boolean;
}

/** CLB writes wait for an asynchronous task: reconciles and calls run from milliseconds to minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** A readiness gate holds a rollout: seconds matter, minutes are an incident. */
const READINESS_GATE_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];
/**
 * A CLB target write is an asynchronous task: usually done in 1–10 s, tens of seconds when the CLB is busy or the
 * call was throttled, minutes in an incident. Fine steps where an SLO is likely set (5 s, 10 s, 30 s, 1 min).
 */
const TARGET_PROGRAMMED_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];
const OWNER_KINDS: readonly OwnerKind[] = ['Service', 'Ingress'];
/** Error codes are the fixed table of src/model/error-codes.ts (E4011, C5001): anything else is not a label value. */
const isErrorCode = (code: string): boolean => Object.hasOwn(ERROR_CODES, code);

/**
 * What is kept per owner (10,000 of them in a large cluster): its state's index in SYNC_STATES (-1: none reported
 * yet), its error code, and its resources of the last successful ensure (one CLB id as a plain string).
 */
interface OwnerRecord {
  state: number;
  code: string;
  loadBalancers: string | readonly string[];
  listeners: number;
  rules: number;
  targets: number;
}

const ownerKey = (owner: ObservedOwner) => `${owner.kind}/${owner.namespace}/${owner.name}`;
const count = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);

export class Metrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'controller' | 'outcome'>;
  private readonly reconcileSeconds: Histogram<'controller'>;
  private readonly cloudCalls: Counter<'action' | 'result'>;
  private readonly cloudErrors: Counter<'action' | 'code'>;
  private readonly cloudCallSeconds: Histogram<'action'>;
  private readonly readinessGateSeconds: Histogram;
  private readonly queueDepths = new Map<string, () => number>();
  private readonly targetProgrammedSeconds: Histogram<'kind'>;
  private readonly driftCorrections: Counter<'kind'>;
  /** Per-owner series, only with `perObjectSyncState`. */
  private readonly objectSyncState: Gauge<'kind' | 'namespace' | 'name' | 'state' | 'code'> | undefined;
  /** Owners by `kind/namespace/name`, until forgotten. */
  private readonly owners = new Map<string, OwnerRecord>();
  private observer: SyncObserver | undefined;

  constructor(options: MetricsOptions = {}) {
    const prefix = options.prefix ?? 'clb_controller_';
    const registers = [this.registry];
    this.reconciles = new Counter({ name: `${prefix}reconcile_total`, help: 'Reconciles finished, by controller and outcome.', labelNames: ['controller', 'outcome'], registers });
    this.reconcileSeconds = new Histogram({
      name: `${prefix}reconcile_duration_seconds`, help: 'Time taken by one reconcile.', labelNames: ['controller'], buckets: DURATION_BUCKETS, registers,
    });
    const depths = this.queueDepths;
    new Gauge({
      name: `${prefix}workqueue_depth`, help: 'Keys waiting in the work queue.', labelNames: ['controller'], registers,
      collect() {
        for (const [controller, depth] of depths) this.set({ controller }, depth());
      },
    });
    this.cloudCalls = new Counter({
      name: `${prefix}cloud_api_calls_total`, help: 'Cloud API requests (each retry counts), by action and result (ok, throttled, error).', labelNames: ['action', 'result'], registers,
    });
    this.cloudErrors = new Counter({ name: `${prefix}cloud_api_errors_total`, help: 'Failed cloud API requests, by action and API error code.', labelNames: ['action', 'code'], registers });
    this.cloudCallSeconds = new Histogram({
      name: `${prefix}cloud_api_call_duration_seconds`, help: 'Time taken by one cloud API request (rate-limit waits excluded).', labelNames: ['action'], buckets: DURATION_BUCKETS, registers,
    });
    this.readinessGateSeconds = new Histogram({
      name: `${prefix}readiness_gate_latency_seconds`, help: 'Time from a Pod becoming ready to its readiness-gate condition being set.', buckets: READINESS_GATE_BUCKETS, registers,
    });
    this.targetProgrammedSeconds = new Histogram({
      name: `${prefix}target_programmed_latency_seconds`, help: 'Time from a change an owner\'s reconcile noticed (endpoints, nodes, spec) to its CLB target tasks finishing.',
      labelNames: ['kind'], buckets: TARGET_PROGRAMMED_BUCKETS, registers,
    });
    this.driftCorrections = new Counter({
      name: `${prefix}drift_corrections_total`, help: 'Writes that put back what changed on the cloud while the owner\'s model did not, by kind of resource.', labelNames: ['kind'], registers,
    });
    for (const kind of DRIFT_KINDS) this.driftCorrections.inc({ kind }, 0);
    const owners = this.owners;
    new Gauge({
      name: `${prefix}owned_resources`, help: 'CLB resources the controller owns (loadBalancers: distinct CLBs), as of each owner\'s last successful ensure.', labelNames: ['resource'], registers,
      collect() {
        const loadBalancers = new Set<string>();
        let listeners = 0;
        let rules = 0;
        let targets = 0;
        for (const record of owners.values()) {
          if (typeof record.loadBalancers === 'string') loadBalancers.add(record.loadBalancers);
          else for (const id of record.loadBalancers) loadBalancers.add(id);
          listeners += record.listeners;
          rules += record.rules;
          targets += record.targets;
        }
        this.set({ resource: 'loadBalancers' }, loadBalancers.size);
        this.set({ resource: 'listeners' }, listeners);
        this.set({ resource: 'rules' }, rules);
        this.set({ resource: 'targets' }, targets);
      },
    });
    new Gauge({
      name: `${prefix}objects`, help: 'Services and Ingresses with a CLB, by their state after the last reconcile (Synced, Refused, Blocked, Failed).', labelNames: ['kind', 'state'], registers,
      collect() {
        const counts = new Array<number>(OWNER_KINDS.length * SYNC_STATES.length).fill(0);
        for (const [key, record] of owners) {
          if (record.state < 0) continue;
          const kind = key.startsWith('Service/') ? 0 : 1;
          counts[kind * SYNC_STATES.length + record.state]! += 1;
        }
        OWNER_KINDS.forEach((kind, k) => SYNC_STATES.forEach((state, s) => this.set({ kind, state }, counts[k * SYNC_STATES.length + s]!)));
      },
    });
    this.objectSyncState = options.perObjectSyncState
      ? new Gauge({
        name: `${prefix}object_sync_state`, help: '1 for each Service and Ingress, labelled with its state after the last reconcile and its error code ("" when none).',
        labelNames: ['kind', 'namespace', 'name', 'state', 'code'], registers,
      })
      : undefined;
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  observeReconcile(controller: string, outcome: ReconcileOutcome, durationMs: number): void {
    this.reconciles.inc({ controller, outcome });
    this.reconcileSeconds.observe({ controller }, durationMs / 1000);
  }

  /** For `ControllerOptions.onReconciled`. */
  reconcileObserver(controller: string): (outcome: ReconcileOutcome, durationMs: number) => void {
    return (outcome, durationMs) => this.observeReconcile(controller, outcome, durationMs);
  }

  /** Reports `depth()` (e.g. `() => controller.queue.length`) as the controller's queue depth at each scrape. */
  trackQueueDepth(controller: string, depth: () => number): void {
    this.queueDepths.set(controller, depth);
  }

  observeCloudCall(action: string, outcome: CloudCallOutcome, durationMs: number): void {
    this.cloudCalls.inc({ action, result: cloudCallResult(outcome) });
    if (!outcome.ok) this.cloudErrors.inc({ action, code: outcome.code });
    this.cloudCallSeconds.observe({ action }, durationMs / 1000);
  }

  /** For the CLB provider's `onCall` option. */
  cloudCallObserver(): (action: string, outcome: CloudCallOutcome, durationMs: number) => void {
    return (action, outcome, durationMs) => this.observeCloudCall(action, outcome, durationMs);
  }

  observeReadinessGateLatency(seconds: number): void {
    this.readinessGateSeconds.observe(seconds);
  }

  /**
   * For the reconcile pipeline (one observer per Metrics: every call returns it). Its calls never throw: bad values
   * (negative, NaN) are dropped rather than fail a reconcile.
   */
  syncObserver(): SyncObserver {
    this.observer ??= {
      synced: (owner, state, _reason, code) => this.synced(owner, state, code),
      owns: (owner, resources) => this.owns(owner, resources),
      forget: (owner) => this.forget(owner),
      driftCorrected: (_owner, kind, changes) => this.driftCorrected(kind, changes),
      targetsProgrammed: (owner, seconds) => {
        if (Number.isFinite(seconds) && seconds >= 0) this.targetProgrammedSeconds.observe({ kind: owner.kind }, seconds);
      },
    };
    return this.observer;
  }

  private record(owner: ObservedOwner): OwnerRecord {
    const key = ownerKey(owner);
    let record = this.owners.get(key);
    if (!record) {
      record = { state: -1, code: '', loadBalancers: [], listeners: 0, rules: 0, targets: 0 };
      this.owners.set(key, record);
    }
    return record;
  }

  private synced(owner: ObservedOwner, state: SyncState, code: string | undefined): void {
    const index = SYNC_STATES.indexOf(state);
    if (index < 0) return;
    const record = this.record(owner);
    const label = !code ? '' : isErrorCode(code) ? code : 'other';
    if (record.state === index && record.code === label) return;
    if (this.objectSyncState) {
      if (record.state >= 0) this.objectSyncState.remove(this.perObjectLabels(owner, record));
      this.objectSyncState.set(this.perObjectLabels(owner, { state: index, code: label }), 1);
    }
    record.state = index;
    record.code = label;
  }

  private owns(owner: ObservedOwner, resources: OwnedResources): void {
    const record = this.record(owner);
    const ids = resources.loadBalancers;
    record.loadBalancers = ids.length === 1 ? ids[0]! : [...new Set(ids)];
    record.listeners = count(resources.listeners);
    record.rules = count(resources.rules);
    record.targets = count(resources.targets);
  }

  private forget(owner: ObservedOwner): void {
    const key = ownerKey(owner);
    const record = this.owners.get(key);
    if (!record) return;
    if (this.objectSyncState && record.state >= 0) this.objectSyncState.remove(this.perObjectLabels(owner, record));
    this.owners.delete(key);
  }

  private driftCorrected(kind: DriftKind, changes: number): void {
    if (DRIFT_KINDS.includes(kind) && count(changes) > 0) this.driftCorrections.inc({ kind }, changes);
  }

  private perObjectLabels(owner: ObservedOwner, record: Pick<OwnerRecord, 'state' | 'code'>) {
    return { kind: owner.kind, namespace: owner.namespace, name: owner.name, state: SYNC_STATES[record.state]!, code: record.code };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for a scrape. */
  expose(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Throttling is what the provider's own code mapping says it is (RequestLimitExceeded*). */
export function cloudCallResult(outcome: CloudCallOutcome): CloudCallResult {
  if (outcome.ok) return 'ok';
  return outcome.throttled ? 'throttled' : 'error';
}
