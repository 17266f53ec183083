/** Events: repeats folded for a while, but a mistake made again after the object was in sync is told again. */
import { describe, expect, it } from '@jest/globals';
import { EventRecorder } from '../../src/kube/events.js';
import { silentLogger } from '../../src/runtime/logger.js';

describe('the event recorder', () => {
  const object = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', uid: 'u1' } };
  const recorder = (now: () => number) => {
    const created: { reason: string; message: string }[] = [];
    const events = new EventRecorder({ api: { createEvent: async (_ns, body) => created.push(body as { reason: string; message: string }) }, component: 'clb-controller', logger: silentLogger(), now });
    return { events, created };
  };

  it('folds the same Warning within the window, and tells it again after the window', () => {
    let now = 0;
    const { events, created } = recorder(() => now);
    events.emit(object, 'Warning', 'InvalidAnnotation', 'E4045: x');
    now = 60_000;
    events.emit(object, 'Warning', 'InvalidAnnotation', 'E4045: x');
    expect(created).toHaveLength(1);
    now = 11 * 60_000;
    events.emit(object, 'Warning', 'InvalidAnnotation', 'E4045: x');
    expect(created).toHaveLength(2);
  });

  it('tells a Warning again when it comes back after the object was in sync, however soon', () => {
    let now = 0;
    const { events, created } = recorder(() => now);
    events.emit(object, 'Warning', 'InvalidAnnotation', 'E4045: x');
    now = 1_000;
    events.resolved(object);
    now = 2_000;
    events.emit(object, 'Warning', 'InvalidAnnotation', 'E4045: x');
    expect(created.map((e) => e.message)).toEqual(['E4045: x', 'E4045: x']);
  });
});
