import { describe, expect, it } from '@jest/globals';
import { packWeightCalls, chunk } from '../../providers/tencentcloud/batching.js';
import { KeyedMutex } from '../../providers/tencentcloud/keyed-mutex.js';
import { SlidingWindowLimiter } from '../../providers/tencentcloud/rate-limiter.js';
import type { TargetBinding } from '../../providers/provider.js';

/** A clock that only moves when the limiter sleeps, so admission times are exact. */
function fakeTime() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

describe('SlidingWindowLimiter', () => {
  it('admits a burst up to the limit at once, then one call per freed slot', async () => {
    const time = fakeTime();
    const limiter = new SlidingWindowLimiter(20, 1000, time.now, time.sleep);
    const admitted: number[] = [];
    for (let i = 0; i < 45; i++) {
      await limiter.take();
      admitted.push(time.now());
    }
    expect(admitted.slice(0, 20).every((t) => t === 0)).toBe(true);
    expect(admitted[20]).toBe(1000);
    expect(admitted[40]).toBe(2000);
    for (const t of admitted) expect(admitted.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(20);
  });

  it('reserves slots in arrival order for concurrent callers', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const limiter = new SlidingWindowLimiter(2, 1000, () => now, async (ms) => void sleeps.push(ms));
    await Promise.all([limiter.take(), limiter.take(), limiter.take(), limiter.take(), limiter.take()]);
    expect(sleeps).toEqual([1000, 1000, 2000]);
    now = 5000;
    await limiter.take();
    expect(sleeps).toHaveLength(3);
  });
});

describe('KeyedMutex', () => {
  it('runs work on one key one at a time, and on different keys in parallel', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const job = (key: string, name: string) =>
      mutex.run([key], async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`end ${name}`);
      });
    await Promise.all([job('lb-1', 'a'), job('lb-1', 'b'), job('lb-2', 'c')]);
    expect(log.indexOf('end a')).toBeLessThan(log.indexOf('start b'));
    expect(log.indexOf('start c')).toBeLessThan(log.indexOf('end a'));
    expect(mutex.size).toBe(0);
  });

  it('takes several keys without deadlocking against an overlapping multi-key run', async () => {
    const mutex = new KeyedMutex();
    const results = await Promise.all([
      mutex.run(['lb-1', 'lb-2'], async () => 'first'),
      mutex.run(['lb-2', 'lb-1'], async () => 'second'),
    ]);
    expect(results).toEqual(['first', 'second']);
  });

  it('releases the key when the work throws', async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run(['lb-1'], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run(['lb-1'], async () => 'next')).resolves.toBe('next');
  });
});

describe('batching', () => {
  const binding = (listenerId: string, i: number, ruleId?: string): TargetBinding => ({
    listenerId,
    ...(ruleId ? { ruleId } : {}),
    target: { instanceId: `ins-${String(i).padStart(8, '0')}`, port: 30000, weight: 0 },
  });

  it('chunks into pieces of the given size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 20)).toEqual([]);
  });

  it('packs weight changes into calls of at most 100 entries and 500 targets', () => {
    const manyRules = Array.from({ length: 150 }, (_, i) => binding('lbl-a', i, `loc-${i}`));
    const calls = packWeightCalls(manyRules);
    expect(calls.map((c) => c.length)).toEqual([100, 50]);

    const bigGroup = Array.from({ length: 1200 }, (_, i) => binding('lbl-a', i));
    const split = packWeightCalls(bigGroup);
    expect(split.map((c) => c.reduce((n, g) => n + g.bindings.length, 0))).toEqual([500, 500, 200]);

    const mixed = [...Array.from({ length: 300 }, (_, i) => binding('lbl-a', i)), ...Array.from({ length: 300 }, (_, i) => binding('lbl-b', i))];
    const packed = packWeightCalls(mixed);
    expect(packed.map((c) => c.map((g) => `${g.listenerId}:${g.bindings.length}`))).toEqual([['lbl-a:300', 'lbl-b:200'], ['lbl-b:100']]);
  });
});
