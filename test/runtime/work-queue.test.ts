import { describe, expect, it } from '@jest/globals';
import { Controller, TerminalError } from '../../src/runtime/controller.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { WorkQueue } from '../../src/runtime/work-queue.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('folds duplicate adds of a waiting key', async () => {
    const queue = new WorkQueue();
    queue.add('default/a');
    queue.add('default/a');
    queue.add('default/b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('default/a');
    expect(await queue.get()).toBe('default/b');
  });

  it('never hands out a key being processed; an add meanwhile runs it again once it is done', async () => {
    const queue = new WorkQueue();
    queue.add('k');
    const first = await queue.get();
    queue.add('k');
    queue.add('k');
    expect(queue.length).toBe(0);
    queue.done(first!);
    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe('k');
  });

  it('backs off failing keys exponentially per key, capped, and resets on forget', () => {
    const queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 1, retryBurst: 1000 });
    const delays = Array.from({ length: 6 }, () => queue.addRateLimited('k'));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    queue.forget('k');
    expect(queue.addRateLimited('k')).toBe(100);
    expect(queue.addRateLimited('other')).toBe(100);
    queue.shutDown();
  });

  it('keeps all rate-limited re-adds together under the overall rate', () => {
    let now = 0;
    const queue = new WorkQueue({ baseDelayMs: 1, random: () => 0, retriesPerSecond: 10, retryBurst: 2, now: () => now });
    const delays = ['a', 'b', 'c', 'd'].map((k) => queue.addRateLimited(k));
    expect(delays.slice(0, 2)).toEqual([0.5, 0.5]);
    expect(delays[2]).toBeCloseTo(100);
    expect(delays[3]).toBeCloseTo(200);
    now = 10_000;
    expect(queue.addRateLimited('e')).toBe(0.5);
    queue.shutDown();
  });

  it('wakes waiting workers with undefined on shut down', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
  });
});

describe('Controller', () => {
  it('retries failures with backoff, leaves terminal errors alone, and honours requeueAfter', async () => {
    const calls: string[] = [];
    let failuresLeft = 2;
    const outcomes: string[] = [];
    const controller = new Controller({
      name: 'test',
      logger: silentLogger(),
      workers: 2,
      queue: new WorkQueue({ baseDelayMs: 1, maxDelayMs: 5 }),
      reconcile: async (key) => {
        calls.push(key);
        if (key === 'flaky' && failuresLeft-- > 0) throw new Error('transient');
        if (key === 'bad') throw new TerminalError('bad annotation');
        if (key === 'wait' && calls.filter((c) => c === 'wait').length === 1) return { requeueAfterMs: 5 };
        return undefined;
      },
      onReconciled: (outcome, _ms, key) => outcomes.push(`${key}:${outcome}`),
    });
    controller.start();
    ['flaky', 'bad', 'wait'].forEach((k) => controller.enqueue(k));
    for (let i = 0; i < 200 && outcomes.length < 6; i++) await new Promise((r) => setTimeout(r, 2));
    await controller.stop();
    expect(calls.filter((c) => c === 'flaky')).toHaveLength(3);
    expect(calls.filter((c) => c === 'bad')).toHaveLength(1);
    expect(calls.filter((c) => c === 'wait')).toHaveLength(2);
    expect(outcomes).toEqual(expect.arrayContaining(['flaky:retry', 'flaky:success', 'bad:terminal', 'wait:requeue', 'wait:success']));
  });

  it('never runs one key in two workers at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const controller = new Controller({
      name: 'test',
      logger: silentLogger(),
      workers: 4,
      reconcile: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 3));
        running -= 1;
      },
    });
    controller.start();
    for (let i = 0; i < 5; i++) {
      controller.enqueue('same');
      await tick();
    }
    await new Promise((r) => setTimeout(r, 30));
    await controller.stop();
    expect(maxRunning).toBe(1);
  });
});
