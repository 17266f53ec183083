/** The condition told after a failed sync: versioned first (others' conditions safe), unversioned only after a 409. */
import { describe, expect, it } from '@jest/globals';
import { TaskFailedError } from '../../providers/provider.js';
import { reportFailedSync } from '../../src/controllers/sync-reporting.js';
import { serviceWriter, type StatusObject } from '../../src/kube/object-writer.js';
import { silentLogger } from '../../src/runtime/logger.js';

const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7' } } as StatusObject;
const adapter = { fields: { kind: 'Service' } } as never;
const failure = new TaskFailedError('BatchRegisterTargets on lb-1: task t-1 failed', { action: 'BatchRegisterTargets', requestId: 't-1' });

function rig(answers: readonly ('ok' | 409 | 500)[]) {
  const sent: { metadata: { resourceVersion?: string }; status: { conditions: { reason: string }[] } }[] = [];
  let call = 0;
  const writer = serviceWriter<StatusObject>({
    patch: async () => service,
    patchStatus: async (_n, _ns, body) => {
      sent.push(body as never);
      const answer = answers[call++] ?? 'ok';
      if (answer !== 'ok') throw Object.assign(new Error(`HTTP ${answer}`), { code: answer });
      return service;
    },
  });
  const states: string[] = [];
  const deps = { writer, logger: silentLogger(), observer: { synced: (_o: unknown, state: string) => states.push(state) } } as never;
  return { deps, sent, states };
}

describe('the condition told after a failed sync', () => {
  it('is written with the resourceVersion of the object in hand', async () => {
    const { deps, sent, states } = rig(['ok']);
    await reportFailedSync(deps, adapter, service, failure);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.metadata).toEqual({ resourceVersion: '7' });
    expect(sent[0]?.status.conditions).toEqual([expect.objectContaining({ type: 'LoadBalancerSynced', status: 'False', reason: 'SyncLoadBalancerFailed' })]);
    expect(states).toEqual(['Failed']);
  });

  it('goes unversioned once when the object in hand was stale (409), and is never retried for other errors', async () => {
    const stale = rig([409, 'ok']);
    await reportFailedSync(stale.deps, adapter, service, failure);
    expect(stale.sent.map((b) => b.metadata)).toEqual([{ resourceVersion: '7' }, {}]);

    const down = rig([500]);
    await expect(reportFailedSync(down.deps, adapter, service, failure)).resolves.toBeUndefined();
    expect(down.sent).toHaveLength(1);
  });
});
