/**
 * Keeps each API action under its documented requests-per-second limit.
 *
 * A sliding-window limiter rather than a classic token bucket: CLB counts requests per action per
 * second, and a bucket with burst B and refill R admits B + R requests in some one-second window —
 * either over the limit (B = R = limit) or at half the throughput (B + R = limit). Reserving slots
 * so that no window of `windowMs` ever holds more than `limit` grants gives the full rate, bursts
 * included, and never trips the server's limiter. Waiters are served in arrival order.
 */
export class SlidingWindowLimiter {
  /** Start times of granted calls, ascending; the newest may lie in the future (reserved slots). */
  private readonly grants: number[] = [];
  /** When granted calls really went out (never before their slot), ascending, within the last window. */
  private readonly sent: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    if (!(limit >= 1)) throw new Error(`Rate limit must be at least 1 per window, got ${limit}`);
  }

  async take(): Promise<void> {
    const now = this.now();
    while (this.grants.length > 0 && this.grants[0]! <= now - this.windowMs) this.grants.shift();
    let at = Math.max(now, this.grants.at(-1) ?? now);
    if (this.grants.length >= this.limit) at = Math.max(at, this.grants[this.grants.length - this.limit]! + this.windowMs);
    this.grants.push(at);
    if (at > now) await this.sleep(at - now);
    // A slot is a lower bound: a busy event loop wakes a caller late, and the slots after it were counted from the
    // slot, not from when it really went out — so a window of real start times (what the server counts) could hold
    // more than `limit`. Before going out, wait until the window of real starts has room.
    for (;;) {
      const t = Math.max(this.now(), at);
      while (this.sent.length > 0 && this.sent[0]! <= t - this.windowMs) this.sent.shift();
      if (this.sent.length < this.limit) {
        this.sent.push(t);
        return;
      }
      at = this.sent[0]! + this.windowMs;
      await this.sleep(at - t);
    }
  }
}

/** One limiter per action, created on first use. */
export class ActionRateLimits {
  private readonly limiters = new Map<string, SlidingWindowLimiter>();

  constructor(
    private readonly limitFor: (action: string) => number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
    /** A little slack beyond one second absorbs clock differences with the server. */
    private readonly windowMs = 1020,
  ) {}

  take(action: string): Promise<void> {
    let limiter = this.limiters.get(action);
    if (!limiter) {
      limiter = new SlidingWindowLimiter(this.limitFor(action), this.windowMs, this.now, this.sleep);
      this.limiters.set(action, limiter);
    }
    return limiter.take();
  }
}
