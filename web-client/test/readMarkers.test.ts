import { describe, expect, it } from 'vitest';
import type { Message } from '../src/chat/protocol';
import { ReadMarkers, unreadCount } from '../src/chat/readMarkers';
import { applyAfterPage, emptyLog } from '../src/chat/roomLog';

function memoryStorage() {
  const m = new Map<string, string>();
  return { map: m, getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
}

const alice = { id: '1', username: 'Alice' };

describe('ReadMarkers', () => {
  it('keeps the last read seq per room under the lower-cased username', () => {
    const storage = memoryStorage();
    const markers = new ReadMarkers(storage);
    markers.save(alice, 'general', 7);
    markers.save(alice, 'random', 3);
    markers.save(alice, 'general', 9);
    expect(new ReadMarkers(storage).load(alice)).toEqual({ general: 9, random: 3 });
    expect([...storage.map.keys()]).toEqual(['parley.lastRead.alice']);
    expect(markers.load({ id: '2', username: 'bob' })).toEqual({});
  });

  it('starts over from nothing when storage is missing, unreadable or failing', () => {
    expect(new ReadMarkers(null).load(alice)).toEqual({});
    new ReadMarkers(null).save(alice, 'general', 1);
    const storage = memoryStorage();
    storage.map.set('parley.lastRead.alice', '{not json');
    expect(new ReadMarkers(storage).load(alice)).toEqual({});
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => new ReadMarkers(full).save(alice, 'general', 1)).not.toThrow();
    expect(() => new ReadMarkers(storage).save(null, 'general', 1)).not.toThrow();
  });
});

describe('unreadCount', () => {
  const msg = (seq: number, sender: string): Message => ({
    id: String(seq),
    room: 'general',
    seq,
    sender,
    body: 'x',
    createdAt: new Date(0).toISOString(),
  });

  it('counts messages after the last read one, except our own', () => {
    const log = applyAfterPage(emptyLog(0), [msg(1, 'bob'), msg(2, 'alice'), msg(3, 'bob'), msg(4, 'ALICE')]);
    expect(unreadCount({ log, lastReadSeq: 1 }, alice)).toBe(1);
    expect(unreadCount({ log, lastReadSeq: 0 }, null)).toBe(4);
    expect(unreadCount({ log, lastReadSeq: 4 }, alice)).toBe(0);
  });

  it('counts messages not held yet from latestSeq', () => {
    expect(unreadCount({ log: emptyLog(12), lastReadSeq: 2 }, alice)).toBe(10);
  });
});
