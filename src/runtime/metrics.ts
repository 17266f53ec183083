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
 * - Node process defaults (process_*, nodejs_*), unprefixed as every Node exporter names them.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReconcileOutcome } from './controller.js';

export type CloudCallOutcome = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly throttled: boolean };
export type CloudCallResult = 'ok' | 'throttled' | 'error';

export interface MetricsOptions {
  /** Prefix of this controller's own series (default `clb_controller_`). */
  readonly prefix?: string;
  /** Node process metrics on this registry (default true). */
  readonly processMetrics?: boolean;
}

/** CLB writes wait for an asynchronous task: reconciles and calls run from milliseconds to minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** A readiness gate holds a rollout: seconds matter, minutes are an incident. */
const READINESS_GATE_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

export class Metrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'controller' | 'outcome'>;
  private readonly reconcileSeconds: Histogram<'controller'>;
  private readonly cloudCalls: Counter<'action' | 'result'>;
  private readonly cloudErrors: Counter<'action' | 'code'>;
  private readonly cloudCallSeconds: Histogram<'action'>;
  private readonly readinessGateSeconds: Histogram;
  private readonly queueDepths = new Map<string, () => number>();

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
