/**
 * The actual-state cache's lookup of an owner's CLB by its tags (the adoption check every new Service needs): answered
 * from memory after a listing, by an index of the tags — so it costs the same with 10 CLBs as with 10,000 — and kept
 * true when a CLB's tags change or it goes.
 */
import { describe, expect, it } from '@jest/globals';
import type { CloudProvider, LoadBalancer } from '../../providers/provider.js';
import { ActualStateCache } from '../../src/deploy/actual-cache.js';

const lb = (id: string, tags: Record<string, string>): LoadBalancer => ({ id, name: id, type: 'OPEN', vpcId: 'vpc-1', vips: [], status: 'running', tags, securityGroups: [], passToTarget: false, deleteProtect: false });
const CLUSTER = { 'tke-clusterId': 'cls-1' };

describe('ActualStateCache.taggedWith', () => {
  async function primed(lbs: LoadBalancer[]) {
    const provider = { findLoadBalancersByTags: async () => lbs } as unknown as CloudProvider;
    const cache = new ActualStateCache(provider, { ttlMs: 60_000 });
    await cache.prime(CLUSTER);
    return cache;
  }
  const ids = (found: LoadBalancer[] | undefined) => found?.map((x) => x.id).sort();

  it('finds the CLBs carrying every tag asked for, among thousands', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => lb(`lb-${i}`, { ...CLUSTER, 'tke-lb-serviceuuid': `uid-${i}` }));
    const cache = await primed([...many, lb('lb-other', { 'tke-clusterId': 'cls-2', 'tke-lb-serviceuuid': 'uid-7' })]);
    expect(ids(cache.taggedWith({ ...CLUSTER, 'tke-lb-serviceuuid': 'uid-7' }))).toEqual(['lb-7']);
    expect(ids(cache.taggedWith({ 'tke-lb-serviceuuid': 'uid-7' }))).toEqual(['lb-7', 'lb-other']);
    expect(cache.taggedWith({ ...CLUSTER, 'tke-lb-serviceuuid': 'nobody' })).toEqual([]);
    expect(cache.taggedWith(CLUSTER)).toHaveLength(5000);
  });

  it('follows a CLB whose tags changed (remembered again), and one dropped', async () => {
    const cache = await primed([lb('lb-a', { ...CLUSTER, owner: 'x' })]);
    cache.rememberLoadBalancer(lb('lb-a', { ...CLUSTER, owner: 'y' }));
    expect(cache.taggedWith({ owner: 'x' })).toEqual([]);
    expect(ids(cache.taggedWith({ owner: 'y' }))).toEqual(['lb-a']);
    cache.drop('lb-a');
    expect(cache.taggedWith({ owner: 'y' })).toEqual([]);
  });

  it('cannot answer before a listing, nor after everything expired', async () => {
    const cache = await primed([lb('lb-a', CLUSTER)]);
    cache.expireAll();
    expect(cache.taggedWith(CLUSTER)).toBeUndefined();
  });
});
