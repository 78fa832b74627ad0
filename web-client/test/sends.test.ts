import { describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '../src/chat/errors';
import type { PendingMessage } from '../src/chat/pending';
import type { ClientFrame, ServerFrame } from '../src/chat/protocol';
import { Sender, newPending, withPending } from '../src/chat/sends';
import { DISCONNECTED } from '../src/chat/socket';

/** One room's pending list, and a server answered by hand. */
function setup(held: string[] = []) {
  let pending: readonly PendingMessage[] = [];
  const calls: { frame: ClientFrame; answer: (f: ServerFrame) => void; fail: (e: Error) => void }[] = [];
  const sender = new Sender({
    request: (frame) => new Promise((answer, fail) => calls.push({ frame, answer, fail })),
    update: (_room, id, fn) => (pending = withPending(pending, id, fn)),
    discard: (_room, id) => (pending = pending.filter((p) => p.clientMsgId !== id)),
    holds: (_room, id) => held.includes(id),
  });
  const add = (body: string) => {
    const p = newPending('general', body, Math.random, 0);
    pending = [...pending, p];
    return p;
  };
  return { sender, calls, add, pending: () => pending };
}

describe('Sender', () => {
  it('sends the body with its clientMsgId and marks it sent with the stored id on ack', async () => {
    const t = setup();
    const p = t.add('hi');
    const done = t.sender.transmit(p);
    expect(t.calls[0].frame).toEqual({ type: 'send', room: 'general', body: 'hi', clientMsgId: p.clientMsgId });
    t.calls[0].answer({ type: 'ack', room: 'general', id: '42', clientMsgId: p.clientMsgId });
    await done;
    expect(t.pending()).toMatchObject([{ status: 'sent', id: '42' }]);
  });

  it('drops the entry when the stored message is already held', async () => {
    const t = setup(['42']);
    const done = t.sender.transmit(t.add('hi'));
    t.calls[0].answer({ type: 'ack', room: 'general', id: '42' });
    await done;
    expect(t.pending()).toEqual([]);
  });

  it('marks an error as failed with its text, and leaves a lost connection sending', async () => {
    const t = setup();
    const a = t.sender.transmit(t.add('a'));
    const b = t.sender.transmit(t.add('b'));
    t.calls[0].fail(new ProtocolError('rate_limited', ''));
    t.calls[1].fail(new Error(DISCONNECTED));
    await Promise.all([a, b]);
    expect(t.pending()).toMatchObject([
      { body: 'a', status: 'failed', error: 'Sending too fast; try again in a moment.' },
      { body: 'b', status: 'sending' },
    ]);
  });

  it('transmits one clientMsgId at most once at a time, again after the answer', async () => {
    const t = setup();
    const p = t.add('hi');
    const first = t.sender.transmit(p);
    await t.sender.transmit(p);
    expect(t.calls).toHaveLength(1);
    t.calls[0].fail(new Error(DISCONNECTED));
    await first;
    void t.sender.transmit(p);
    expect(t.calls).toHaveLength(2);
    expect(t.calls[1].frame).toMatchObject({ clientMsgId: p.clientMsgId });
  });
});

describe('pending list helpers', () => {
  it('newPending starts as sending with a fresh clientMsgId', () => {
    const a = newPending('general', 'x', () => 0.1, 7);
    const b = newPending('general', 'x', () => 0.2, 7);
    expect(a).toMatchObject({ room: 'general', body: 'x', status: 'sending', createdAt: 7 });
    expect(a.clientMsgId).not.toBe(b.clientMsgId);
  });

  it('withPending replaces one entry and keeps the list when the id is unknown', () => {
    const list = [newPending('r', 'a', Math.random, 0), newPending('r', 'b', Math.random, 0)];
    const fn = vi.fn((p: PendingMessage) => ({ ...p, status: 'failed' as const }));
    expect(withPending(list, 'nope', fn)).toBe(list);
    const next = withPending(list, list[1].clientMsgId, fn);
    expect(next.map((p) => p.status)).toEqual(['sending', 'failed']);
    expect(list[1].status).toBe('sending');
  });
});
