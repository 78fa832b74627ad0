import { describe, expect, it } from 'vitest';
import { dayKey, dayLabel } from '../src/ui/days';

describe('day separators', () => {
  const now = new Date(2026, 2, 1, 9, 30); // 1 March 2026, local time

  it('names today and yesterday, across a month boundary', () => {
    expect(dayLabel(new Date(2026, 2, 1, 0, 0), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 1, 28, 23, 59), now)).toBe('Yesterday');
  });

  it('gives older days a date, with the year only when it is not this one', () => {
    const lastWeek = dayLabel(new Date(2026, 1, 20, 12, 0), now);
    expect(lastWeek).not.toMatch(/Today|Yesterday|2026/);
    expect(lastWeek).toMatch(/20/);
    expect(dayLabel(new Date(2025, 11, 31, 12, 0), now)).toMatch(/2025/);
  });

  it('keys days by the local calendar date', () => {
    expect(dayKey(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
    expect(dayKey(new Date(2026, 0, 5, 0, 0))).toBe(dayKey(new Date(2026, 0, 5, 23, 59)));
  });
});
