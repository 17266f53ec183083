import { afterEach, describe, expect, it } from '@jest/globals';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { ThrottledError } from '../../providers/provider.js';
import { errorForCode } from '../../providers/tencentcloud/error-codes.js';
import { Controller, TerminalError } from '../../src/runtime/controller.js';
import { startHealthServer, type HealthServer } from '../../src/runtime/health-server.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { WorkQueue } from '../../src/runtime/work-queue.js';
import { waitFor } from '../support/leader-rig.js';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: { metrics?: Metrics; ready?: () => boolean; alive?: () => boolean } = {}): Promise<{ server: HealthServer; get: (path: string, init?: RequestInit) => Promise<Response> }> {
  const server = await startHealthServer({ metrics: options.metrics ?? new Metrics(), ready: options.ready ?? (() => true), ...(options.alive ? { alive: options.alive } : {}), logger: silentLogger(), port: 0, host: '127.0.0.1' });
  cleanups.push(() => server.close());
  return { server, get: (path, init) => fetch(`http://127.0.0.1:${server.port}${path}`, { ...init, signal: AbortSignal.timeout(2000) }) };
}

describe('health server', () => {
  it('serves reconcile, queue, cloud-call and readiness-gate metrics in Prometheus text format', async () => {
    const metrics = new Metrics();

    // A controller with a stub reconcile: one key per outcome; "flaky" fails once, then succeeds.
    let flakyRuns = 0;
    const controller = new Controller({
      name: 'service',
      logger: silentLogger(),
      queue: new WorkQueue({ baseDelayMs: 1, maxDelayMs: 5 }),
      onReconciled: metrics.reconcileObserver('service'),
      reconcile: async (key) => {
        if (key === 'default/later') return { requeueAfterMs: 60_000 };
        if (key === 'default/bad') throw new TerminalError('bad annotation');
        if (key === 'default/flaky' && flakyRuns++ === 0) throw new Error('API hiccup');
        return undefined;
      },
    });
    cleanups.push(() => controller.stop());
    metrics.trackQueueDepth('service', () => controller.queue.length);
    // A second controller that never starts: its keys stay queued.
    const idle = new Controller({ name: 'ingress', logger: silentLogger(), reconcile: async () => undefined });
    metrics.trackQueueDepth('ingress', () => idle.queue.length);
    for (const key of ['default/a', 'default/b', 'default/c']) idle.enqueue(key);

    controller.start();
    for (const key of ['default/ok', 'default/later', 'default/bad', 'default/flaky']) controller.enqueue(key);
    await waitFor(() => flakyRuns >= 2 && controller.queue.pending <= 1, 'the reconciles to finish');

    // Cloud calls through the real provider over the simulator: DescribeListeners throttled twice, then answered.
    const cloud = createLocalCloud({}, { onCall: metrics.cloudCallObserver(), retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 } });
    const lb = await cloud.provider.createLoadBalancer({ name: 'web', type: 'OPEN', vpcId: 'vpc-cluster1', tags: {} });
    cloud.simulator.traffic.failNext('DescribeListeners', 'RequestLimitExceeded', 2);
    expect(await cloud.provider.describeListeners(lb.id)).toEqual([]);
    cloud.simulator.traffic.failNext('DescribeLoadBalancers', 'InvalidParameter.LBIdNotFound', 1);
    await expect(cloud.provider.describeLoadBalancers([lb.id])).rejects.toMatchObject({ code: 'InvalidParameter.LBIdNotFound' });

    metrics.observeReadinessGateLatency(1.5);
    metrics.observeReadinessGateLatency(0.2);

    const { get } = await serve({ metrics });
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parseExposition(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);

    expect(value('clb_controller_reconcile_total', { controller: 'service', outcome: 'success' })).toBe(2); // ok, flaky's second run
    expect(value('clb_controller_reconcile_total', { controller: 'service', outcome: 'requeue' })).toBe(1);
    expect(value('clb_controller_reconcile_total', { controller: 'service', outcome: 'terminal' })).toBe(1);
    expect(value('clb_controller_reconcile_total', { controller: 'service', outcome: 'retry' })).toBe(1);
    expect(value('clb_controller_reconcile_duration_seconds_count', { controller: 'service' })).toBe(5);
    expect(value('clb_controller_reconcile_duration_seconds_bucket', { controller: 'service', le: '+Inf' })).toBe(5);
    expect(value('clb_controller_workqueue_depth', { controller: 'ingress' })).toBe(3);
    expect(value('clb_controller_workqueue_depth', { controller: 'service' })).toBe(0);

    expect(value('clb_controller_cloud_api_calls_total', { action: 'DescribeListeners', result: 'throttled' })).toBe(2);
    expect(value('clb_controller_cloud_api_calls_total', { action: 'DescribeListeners', result: 'ok' })).toBe(1);
    expect(value('clb_controller_cloud_api_errors_total', { action: 'DescribeListeners', code: 'RequestLimitExceeded' })).toBe(2);
    expect(value('clb_controller_cloud_api_calls_total', { action: 'DescribeLoadBalancers', result: 'error' })).toBe(1);
    expect(value('clb_controller_cloud_api_errors_total', { action: 'DescribeLoadBalancers', code: 'InvalidParameter.LBIdNotFound' })).toBe(1);
    expect(value('clb_controller_cloud_api_calls_total', { action: 'CreateLoadBalancer', result: 'ok' })).toBe(1);
    expect(value('clb_controller_cloud_api_call_duration_seconds_count', { action: 'DescribeListeners' })).toBe(3);
    // Every request the simulator answered was counted once.
    const answered = Object.values(cloud.simulator.traffic.counters()).reduce((sum, c) => sum + c.calls, 0);
    const counted = samples.filter((s) => s.name === 'clb_controller_cloud_api_calls_total').reduce((sum, s) => sum + s.value, 0);
    expect(counted).toBe(answered);

    expect(value('clb_controller_readiness_gate_latency_seconds_count')).toBe(2);
    expect(value('clb_controller_readiness_gate_latency_seconds_sum')).toBeCloseTo(1.7);
    expect(value('clb_controller_readiness_gate_latency_seconds_bucket', { le: '0.25' })).toBe(1);

    // Node process metrics live on the same registry.
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value('nodejs_heap_size_total_bytes')).toBeGreaterThan(0);
  });

  it('answers /healthz 200 while alive, /readyz 503 until the caches have synced and 200 after', async () => {
    let synced = false;
    let alive = true;
    const { get } = await serve({ ready: () => synced, alive: () => alive });

    expect((await get('/healthz')).status).toBe(200);
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toMatch(/not synced/);
    synced = true;
    expect((await get('/readyz')).status).toBe(200);
    alive = false;
    expect((await get('/healthz')).status).toBe(503);
  });

  it('answers 404 for other paths, 405 for other methods, and HEAD without a body', async () => {
    const { get } = await serve();
    expect((await get('/nope')).status).toBe(404);
    const post = await get('/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await get('/healthz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('closes gracefully: open keep-alive connections do not hold it, and close() is idempotent', async () => {
    const { server, get } = await serve();
    expect((await get('/healthz', { keepalive: true })).status).toBe(200);
    await Promise.all([server.close(), server.close()]);
    await expect(get('/healthz')).rejects.toThrow();
  });
});

describe('Metrics', () => {
  it('keeps its series on its own registry', async () => {
    const first = new Metrics({ processMetrics: false });
    const second = new Metrics({ processMetrics: false });
    first.observeReconcile('service', 'success', 12);
    const text = await second.expose();
    expect(sampleValue(parseExposition(text), 'clb_controller_reconcile_total', { controller: 'service', outcome: 'success' })).toBeUndefined();
    expect(text).not.toMatch(/^process_/m);
    expect(sampleValue(parseExposition(await first.expose()), 'clb_controller_reconcile_total', { controller: 'service', outcome: 'success' })).toBe(1);
  });

  /** A failed call as the provider tells it: throttled or not by its own code mapping. */
  const failed = (code: string) => ({ ok: false, code, throttled: errorForCode(code, '') instanceof ThrottledError }) as const;
  it.each([
    { name: 'success', given: { ok: true } as const, want: 'ok' },
    { name: 'RequestLimitExceeded', given: failed('RequestLimitExceeded'), want: 'throttled' },
    { name: 'a RequestLimitExceeded sub-code', given: failed('RequestLimitExceeded.UinLimitExceeded'), want: 'throttled' },
    { name: 'ResourceInOperating', given: failed('FailedOperation.ResourceInOperating'), want: 'error' },
    { name: 'a transport failure', given: failed('TransientError'), want: 'error' },
  ])('counts $name as result="$want"', async ({ given, want }) => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.observeCloudCall('DescribeTargets', given, 40);
    const samples = parseExposition(await metrics.expose());
    expect(sampleValue(samples, 'clb_controller_cloud_api_calls_total', { action: 'DescribeTargets', result: want })).toBe(1);
    expect(sampleValue(samples, 'clb_controller_cloud_api_call_duration_seconds_sum', { action: 'DescribeTargets' })).toBeCloseTo(0.04);
  });
});

describe('the CLB provider onCall hook', () => {
  it('is told once per HTTP attempt; one that throws never turns a finished call into a retried one', async () => {
    const calls: string[] = [];
    const cloud = createLocalCloud({}, {
      onCall: (action, outcome) => {
        calls.push(outcome.ok ? action : `${action}:${outcome.code}`);
        throw new Error('broken metrics');
      },
      retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 },
    });
    cloud.simulator.traffic.failNext('CreateLoadBalancer', 'InternalError', 1);
    await cloud.provider.createLoadBalancer({ name: 'web', type: 'OPEN', vpcId: 'vpc-cluster1', tags: {} });
    expect(cloud.simulator.traffic.counters().CreateLoadBalancer?.calls).toBe(2);
    expect(calls.filter((c) => c.startsWith('CreateLoadBalancer'))).toEqual(['CreateLoadBalancer:InternalError', 'CreateLoadBalancer']);
  });
});
