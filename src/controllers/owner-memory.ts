/**
 * What the pipeline remembers about each owner between reconciles, for the metrics only (never for a decision):
 * - when a change that may move its targets was first noticed (an EndpointSlice, Pod or node event), so the time
 *   to "target programmed" counts from the event, queue wait included;
 * - a digest of the model it last applied, so writes made while the model stayed the same are known as drift
 *   corrections (someone changed the CLB), not as the user's changes.
 */
import { createHash } from 'node:crypto';
import type { DesiredState } from '../model/desired.js';

export class OwnerMemory {
  private readonly noticed = new Map<string, number>();
  private readonly applied = new Map<string, string>();

  /** A change for `key` was noticed at `at` (ms); the first one since the last reconcile counts. */
  noticeChange(key: string, at: number): void {
    if (!this.noticed.has(key)) this.noticed.set(key, at);
  }

  /** When the change this reconcile handles was noticed; forgotten, so later changes count from their own time. */
  takeNoticed(key: string): number | undefined {
    const at = this.noticed.get(key);
    this.noticed.delete(key);
    return at;
  }

  /** A reconcile that failed hands its change back: the retry's success is measured from the first event. */
  restoreNoticed(key: string, at: number | undefined): void {
    if (at === undefined) return;
    const current = this.noticed.get(key);
    if (current === undefined || at < current) this.noticed.set(key, at);
  }

  /** Whether `model` is the one last applied for `key` — computed only when there are writes (it costs a digest). */
  isLastApplied(key: string, model: DesiredState): boolean {
    return this.applied.get(key) === digest(model);
  }

  rememberApplied(key: string, model: DesiredState): void {
    this.applied.set(key, digest(model));
  }

  forget(key: string): void {
    this.noticed.delete(key);
    this.applied.delete(key);
  }
}

const digest = (model: DesiredState): string => createHash('sha1').update(JSON.stringify(model)).digest('base64');
