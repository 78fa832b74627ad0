import { describe, expect, it } from 'vitest';
import { Backoff } from '../src/chat/backoff';
import { TokenBucket } from '../src/chat/limiter';

describe('Backoff', () => {
  it('doubles the ceiling per attempt and stays within [ceiling/2, ceiling]', () => {
    const lows = new Backoff({ baseMs: 500, capMs: 15_000, random: () => 0 });
    const highs = new Backoff({ baseMs: 500, capMs: 15_000, random: () => 0.999999 });
    const ceilings = [500, 1000, 2000, 4000, 8000, 15_000, 15_000];
    for (const c of ceilings) {
      expect(lows.next()).toBe(c / 2);
      expect(highs.next()).toBe(c);
    }
  });

  it('spreads clients out (jitter) and resets after success', () => {
    let i = 0;
    const randoms = [0.1, 0.9];
    const b = new Backoff({ baseMs: 1000, capMs: 8000, random: () => randoms[i++ % 2] });
    const first = b.next();
    const b2 = new Backoff({ baseMs: 1000, capMs: 8000, random: () => 0.9 });
    expect(first).not.toBe(b2.next());
    b.next();
    expect(b.next()).toBeGreaterThanOrEqual(2000); // third attempt: half of min(8000, 4000) at least
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(1000);
  });

  it('rejects nonsense options', () => {
    expect(() => new Backoff({ baseMs: 0, capMs: 10 })).toThrow(/baseMs/);
    expect(() => new Backoff({ baseMs: 10, capMs: 5 })).toThrow(/capMs/);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    let t = 0;
    const b = new TokenBucket(3, 2, () => t);
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    expect(b.waitMs()).toBe(500);
    t += 500;
    expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
  });
});
