/**
 * Every rig checks, as it closes, that each Warning the controller emitted during the test leads with an error
 * code of the table (src/model/error-codes.ts): every integration test is then a check of every Warning it causes.
 */
import { codeOf } from '../../src/model/error-codes.js';

interface StoredEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: { readonly name?: string };
}

export function assertWarningsCoded(state: { list<E extends object>(resource: "events", namespace?: string): E[] }): void {
  const uncoded = state.list<StoredEvent>('events').filter((e) => e.type === 'Warning' && !codeOf(e.message));
  if (uncoded.length) {
    throw new Error(`Warnings without an error code from src/model/error-codes.ts:\n${uncoded.map((e) => `  ${e.involvedObject.name} ${e.reason}: ${e.message}`).join('\n')}`);
  }
}
