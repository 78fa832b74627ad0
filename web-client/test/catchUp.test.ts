import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GapFiller, fetchHistory, type GapFillHost } from '../src/chat/catchUp';
import { ProtocolError } from '../src/chat/errors';
import type { ClientFrame, HistoryFrame, Message } from '../src/chat/protocol';
import { DISCONNECTED } from '../src/chat/socket';
import { page } from './fakeServer';

const msg = (seq: number): Message => ({
  id: String(seq),
  room: 'general',
  seq,
  sender: 'bob',
  body: `m${seq}`,
  createdAt: new Date(0).toISOString(),
});

/** A room held up to syncedSeq, a server holding `total` messages, answers in a later macrotask. */
function setup(total: number, syncedSeq = 0) {
  const all = Array.from({ length: total }, (_, i) => msg(i + 1));
  const queries: { after?: number; limit?: number }[] = [];
  let synced: number | null = syncedSeq;
  let generation = 1;
  const notices: string[] = [];
  let answer = (f: ClientFrame): Promise<HistoryFrame> => {
    const q = f as { after?: number; limit?: number };
    queries.push({ after: q.after, limit: q.limit });
    const answered = page(all, q);
    return new Promise((r) => setTimeout(() => r({ type: 'history', room: 'general', ...answered }), 10));
  };
  const host: GapFillHost = {
    request: (f) => answer(f),
    generation: () => generation,
    syncedSeq: () => synced,
    apply: (_room, p) => {
      if (synced !== null && p.messages.length > 0) synced = p.messages[p.messages.length - 1].seq;
    },
    notice: (t) => notices.push(t),
  };
  return {
    filler: new GapFiller(host),
    all,
    queries,
    notices,
    synced: () => synced,
    leave: () => (synced = null),
    reconnect: () => generation++,
    failWith: (e: Error) => (answer = () => Promise.reject(e)),
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('GapFiller', () => {
  it('pages history after syncedSeq until hasMore is false', async () => {
    const t = setup(250, 20);
    const done = t.filler.fill('general');
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(t.queries).toEqual([
      { after: 20, limit: 100 },
      { after: 120, limit: 100 },
      { after: 220, limit: 100 },
    ]);
    expect(t.synced()).toBe(250);
  });

  it('runs one fill per room; a fill asked for meanwhile becomes one more pass', async () => {
    const t = setup(10);
    const first = t.filler.fill('general');
    t.all.push(msg(11)); // arrives while the first page is on its way
    const second = t.filler.fill('general');
    const third = t.filler.fill('general');
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([first, second, third]);
    expect(t.queries.map((q) => q.after)).toEqual([0, 10]);
    expect(t.synced()).toBe(11);
  });

  it('stops when the room is gone', async () => {
    const t = setup(250);
    const done = t.filler.fill('general');
    await vi.advanceTimersByTimeAsync(10); // the first page is in, the second asked for
    t.leave();
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(t.queries).toHaveLength(2);
  });

  it('stops when the connection changes, and fills again on the new one', async () => {
    const t = setup(250);
    const cut = t.filler.fill('general');
    await vi.advanceTimersByTimeAsync(10); // the first page is in, the second asked for
    t.reconnect();
    await vi.advanceTimersByTimeAsync(100);
    await cut;
    expect(t.synced()).toBe(100);
    const again = t.filler.fill('general');
    await vi.advanceTimersByTimeAsync(100);
    await again;
    expect(t.queries.map((q) => q.after)).toEqual([0, 100, 100, 200]);
    expect(t.synced()).toBe(250);
  });

  it('tells the user about a failed fill, but not about a lost connection', async () => {
    const t = setup(5);
    t.failWith(new Error(DISCONNECTED));
    await t.filler.fill('general');
    expect(t.notices).toEqual([]);
    t.failWith(new ProtocolError('not_member', ''));
    await t.filler.fill('general');
    expect(t.notices).toEqual(['Could not load missed messages of #general: You are not a member of this room.']);
  });
});

describe('fetchHistory', () => {
  it('waits as long as the server asks after rate_limited, at most three times', async () => {
    const request = vi.fn(() => Promise.reject(new ProtocolError('rate_limited', '', 2000)));
    const result = fetchHistory(request, { room: 'general', after: 0, limit: 100 });
    const check = expect(result).rejects.toMatchObject({ code: 'rate_limited' });
    await vi.advanceTimersByTimeAsync(1999);
    expect(request).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(request).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(4000);
    await check;
    expect(request).toHaveBeenCalledTimes(4);
    expect(request).toHaveBeenCalledWith({ type: 'history', room: 'general', after: 0, limit: 100 });
  });

  it('does not retry other errors', async () => {
    const request = vi.fn(() => Promise.reject(new ProtocolError('not_member', '')));
    await expect(fetchHistory(request, { room: 'x', before: 5, limit: 50 })).rejects.toMatchObject({
      code: 'not_member',
    });
    expect(request).toHaveBeenCalledOnce();
  });
});
