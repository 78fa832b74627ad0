/**
 * Jittered exponential backoff ("equal jitter"): attempt n waits between half
 * and all of min(cap, base * 2^n), so a crowd of clients that lost the same
 * replica does not come back in lock-step, yet no attempt waits near zero.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    if (!(opts.baseMs > 0)) throw new Error(`baseMs: ${opts.baseMs} (expected: > 0)`);
    if (!(opts.capMs >= opts.baseMs)) throw new Error(`capMs: ${opts.capMs} (expected: >= baseMs)`);
    this.random = opts.random ?? Math.random;
  }

  /** Delay before the next attempt; each call counts as one more attempt. */
  next(): number {
    const ceiling = Math.min(this.opts.capMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const half = ceiling / 2;
    return Math.round(half + this.random() * half);
  }

  reset(): void {
    this.attempt = 0;
  }
}
