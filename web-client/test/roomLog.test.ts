import { describe, expect, it } from 'vitest';
import type { Message } from '../src/chat/protocol';
import {
  applyAfterPage,
  applyBeforePage,
  applyLive,
  emptyLog,
  mergeMessages,
  missing,
  noteLatest,
  olderCursor,
} from '../src/chat/roomLog';

const msg = (seq: number, body = `m${seq}`): Message => ({
  id: String(1000 + seq),
  room: 'general',
  seq,
  sender: 'bob',
  body,
  createdAt: '2026-11-27T17:20:11.123Z',
});
const seqs = (ms: readonly Message[]) => ms.map((m) => m.seq);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => msg(a + i));

describe('roomLog', () => {
  it('appends live messages in order and advances syncedSeq', () => {
    let log = emptyLog(0);
    for (const s of [1, 2, 3]) {
      const r = applyLive(log, msg(s));
      expect(r).toMatchObject({ accepted: true, gap: false });
      log = r.log;
    }
    expect(seqs(log.messages)).toEqual([1, 2, 3]);
    expect(log.syncedSeq).toBe(3);
    expect(log.latestSeq).toBe(3);
  });

  it('drops a seq it already has (dedupe), leaving the log untouched', () => {
    const { log } = applyLive(emptyLog(0), msg(1));
    const again = applyLive(log, msg(1, 'other body'));
    expect(again.accepted).toBe(false);
    expect(again.log).toBe(log);
    // a seq at or below the baseline counts as seen too
    const base = emptyLog(10);
    expect(applyLive(base, msg(7)).accepted).toBe(false);
  });

  it('detects a live gap and closes it with an `after` page, including buffered messages', () => {
    let log = applyLive(emptyLog(0), msg(1)).log;
    const r = applyLive(log, msg(4));
    expect(r).toMatchObject({ accepted: true, gap: true });
    log = r.log;
    expect(log.syncedSeq).toBe(1);
    expect(missing(log)).toBe(3);
    // a further live message beyond the gap is still a gap
    const r5 = applyLive(log, msg(5));
    expect(r5.gap).toBe(true);
    log = r5.log;
    // the fill (after=1) returns 2..5: 4 and 5 overlap and are not duplicated
    log = applyAfterPage(log, range(2, 5));
    expect(seqs(log.messages)).toEqual([1, 2, 3, 4, 5]);
    expect(log.syncedSeq).toBe(5);
    expect(missing(log)).toBe(0);
  });

  it('a partial after-page advances only as far as it reaches', () => {
    let log = emptyLog(0);
    log = noteLatest(log, 250);
    log = applyAfterPage(log, range(1, 100));
    expect(log.syncedSeq).toBe(100);
    expect(missing(log)).toBe(150);
  });

  it('loads older pages backwards from the baseline, and knows when the start is reached', () => {
    let log = emptyLog(120);
    expect(log.hasOlder).toBe(true);
    expect(olderCursor(log)).toBe(121);
    log = applyBeforePage(log, range(71, 120), true);
    expect(olderCursor(log)).toBe(71);
    expect(log.hasOlder).toBe(true);
    log = applyBeforePage(log, range(21, 70), true);
    log = applyBeforePage(log, range(1, 20), false);
    expect(seqs(log.messages)).toEqual(range(1, 120).map((m) => m.seq));
    expect(log.hasOlder).toBe(false);
    expect(emptyLog(0).hasOlder).toBe(false);
  });

  it('never pages backwards over a gap: the older cursor stays at the synced run', () => {
    let log = emptyLog(10);
    log = applyLive(log, msg(200)).log; // 11..199 missing
    expect(olderCursor(log)).toBe(11);
    log = applyBeforePage(log, range(1, 10), false);
    expect(log.syncedSeq).toBe(10);
    expect(missing(log)).toBe(190);
  });

  it('mergeMessages keeps ascending, unique seqs', () => {
    const merged = mergeMessages([msg(2), msg(5)], [msg(5), msg(1), msg(3), msg(3)]);
    expect(seqs(merged)).toEqual([1, 2, 3, 5]);
  });
});
