/**
 * A bounded load generator for the data path: HTTP GETs at a fixed rate, each on a new connection (so a CLB picks
 * a backend per request and weight 0 applies at once), against a loopback address only, for at most `maxRequests`
 * and `maxMs`, and until `until()` says stop. It counts what a user would: requests sent, requests that failed (an
 * error, a timeout, or any status but 2xx), and the longest time without a successful answer.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isLoopback } from '../mocks/cluster-net/addresses.js';

export interface LoadTarget {
  readonly host: string;
  readonly port: number;
  /** The Host header (layer-7 routing); default the address. */
  readonly hostHeader?: string;
  readonly path?: string;
}

export interface LoadOptions {
  readonly ratePerSecond: number;
  readonly maxRequests: number;
  readonly maxMs: number;
  /** Stops sending when it returns true (checked before each request); in-flight requests are awaited. */
  readonly until?: () => boolean;
  /** A request not answered in this time fails (default 2 s). */
  readonly timeoutMs?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly failedRequests: number;
  readonly longestGapMs: number;
  /** Which backend answered how often (the body's first word). */
  readonly answeredBy: Readonly<Record<string, number>>;
  /** The first few failures, for the note. */
  readonly failures: readonly string[];
}


function once(target: LoadTarget, timeoutMs: number): Promise<{ ok: boolean; by?: string; why?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: target.host, port: target.port, path: target.path ?? '/', agent: false, headers: { host: target.hostHeader ?? target.host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      // A success is a 2xx from a backend: a 404 (no rule) or a redirect is not what the client asked for.
      const status = res.statusCode ?? 0;
      res.on('end', () => resolve(status >= 200 && status < 300 ? { ok: true, by: body.split(/\s/)[0] ?? '' } : { ok: false, why: `HTTP ${status}` }));
      res.on('error', (e) => resolve({ ok: false, why: e.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ ok: false, why: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

export async function generateLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  if (!isLoopback(target.host)) throw new Error(`load is sent to loopback addresses only, not ${target.host}`);
  const intervalMs = 1000 / options.ratePerSecond;
  const started = performance.now();
  const answeredBy: Record<string, number> = {};
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let requests = 0;
  let failed = 0;
  let lastSuccess = started;
  let longestGap = 0;
  while (requests < options.maxRequests && performance.now() - started < options.maxMs && !options.until?.()) {
    // Paced by the schedule, not by answers: a slow answer does not slow the load (as real clients do not wait).
    const due = started + requests * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    requests += 1;
    const sent = once(target, options.timeoutMs ?? 2000).then((answer) => {
      const now = performance.now();
      if (answer.ok) {
        longestGap = Math.max(longestGap, now - lastSuccess);
        lastSuccess = Math.max(lastSuccess, now);
        answeredBy[answer.by ?? ''] = (answeredBy[answer.by ?? ''] ?? 0) + 1;
      } else {
        failed += 1;
        if (failures.length < 5) failures.push(`${Math.round(now - started)} ms: ${answer.why}`);
      }
    });
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  }
  await Promise.all(inFlight);
  longestGap = Math.max(longestGap, performance.now() - lastSuccess);
  return { requests, failedRequests: failed, longestGapMs: Math.round(longestGap), answeredBy, failures };
}
