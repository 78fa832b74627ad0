import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient, type ChatClientOptions } from '../src/chat/ChatClient';
import { unreadCount } from '../src/chat/readMarkers';
import { FakeServer, FakeSocket } from './fakeServer';

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
}

function setup(extra: Partial<ChatClientOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const onAuthExpired = vi.fn();
  const client = new ChatClient({
    url: 'ws://chat.test/ws',
    token: 'tok',
    socketFactory: (url, protocols) => {
      const s = new FakeSocket(url, protocols);
      sockets.push(s);
      return s;
    },
    random: () => 0.5,
    storage: memoryStorage(),
    onAuthExpired,
    ...extra,
  });
  const last = () => sockets[sockets.length - 1];
  return { client, sockets, last, onAuthExpired };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

/** A started client whose first connection the fake server has accepted, with what followed flushed. */
async function acceptedBy(server: FakeServer, extra: Partial<ChatClientOptions> = {}) {
  const started = setup(extra);
  started.client.start();
  server.accept(started.last());
  await flush();
  return started;
}

/** A client connected to `server` with #general open. */
async function openGeneral(server: FakeServer) {
  const harness = await acceptedBy(server);
  harness.client.openRoom('general');
  await flush();
  return harness;
}
const seqs = (c: ChatClient, room: string) => c.getState().rooms[room].log.messages.map((m) => m.seq);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ChatClient connection', () => {
  it('offers parley.v1 and the token as a subprotocol, never in the URL', () => {
    const { client, last } = setup();
    client.start();
    expect(last().protocols).toEqual(['parley.v1', 'bearer.tok']);
    expect(last().url).toBe('ws://chat.test/ws');
    expect(last().url).not.toContain('tok');
    client.stop();
  });

  it('is open after ready, with the user, the replica name and the rooms', async () => {
    const server = new FakeServer('alice', 'backend-2');
    server.storeMany('general', 3);
    const { client, last } = setup();
    client.start();
    expect(client.getState().connection).toBe('connecting');
    server.accept(last());
    await flush();
    const s = client.getState();
    expect(s.connection).toBe('open');
    expect(s.server).toBe('backend-2');
    expect(s.user?.username).toBe('alice');
    expect(s.rooms.general.log.latestSeq).toBe(3);
    client.stop();
  });

  it('reconnects by itself with growing, jittered delays after drops', async () => {
    const { client, sockets, last } = setup({ backoffBaseMs: 1000, backoffCapMs: 8000, random: () => 0.5 });
    client.start();
    last().drop(1006); // never opened
    expect(client.getState().connection).toBe('reconnecting');
    // attempt 0: between 500 and 1000 ms (random 0.5 → 750)
    await vi.advanceTimersByTimeAsync(749);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(1499); // attempt 1: 1500
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(3);
    client.stop();
  });

  it('goes back to login on close code 4001 and does not reconnect', async () => {
    const server = new FakeServer();
    const { client, sockets, last, onAuthExpired } = await acceptedBy(server);
    last().drop(4001);
    expect(onAuthExpired).toHaveBeenCalledTimes(1);
    expect(client.getState().connection).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('asks REST when the upgrade fails before opening, and logs out on 401', async () => {
    const checkAuth = vi.fn(async () => 'unauthorized' as const);
    const { client, last, onAuthExpired } = setup({ checkAuth });
    client.start();
    last().drop(1006);
    await flush();
    expect(checkAuth).toHaveBeenCalled();
    expect(onAuthExpired).toHaveBeenCalledTimes(1);
    expect(client.getState().connection).toBe('closed');
  });

  it('reconnects on 1001 (replica shutting down) and 1013', async () => {
    const server = new FakeServer();
    const { client, sockets, last } = await acceptedBy(server);
    last().drop(1001);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    server.accept(last());
    await flush();
    last().drop(1013);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(3);
    client.stop();
  });

  it('drops a connection whose pings go unanswered, then reconnects', async () => {
    const server = new FakeServer();
    const { client, sockets, last } = await acceptedBy(server, { pingIntervalMs: 1000, requestTimeoutMs: 500 });
    last().onClientFrame = null; // the server goes silent
    await vi.advanceTimersByTimeAsync(1000 + 500);
    expect(last().closedWith).not.toBeNull();
    expect(client.getState().connection).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    client.stop();
  });
});

describe('ChatClient messages', () => {
  async function connected(storeN = 0) {
    const server = new FakeServer();
    server.room('general');
    server.storeMany('general', storeN);
    server.room('random');
    return { server, ...(await acceptedBy(server)) };
  }

  it('opening a room loads the newest page, scrolling up loads the one before', async () => {
    const { client, server } = await connected(120);
    client.openRoom('general');
    await flush();
    expect(seqs(client, 'general')).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i));
    expect(server.historyQueries[0]).toMatchObject({ before: 121, limit: 50 });
    await client.loadOlder('general');
    await flush();
    expect(server.historyQueries[1]).toMatchObject({ before: 71 });
    expect(seqs(client, 'general')[0]).toBe(21);
    await client.loadOlder('general');
    await flush();
    expect(seqs(client, 'general')).toHaveLength(120);
    expect(client.getState().rooms.general.log.hasOlder).toBe(false);
    client.stop();
  });

  it('drops a live seq it already has', async () => {
    const { client, server } = await connected(0);
    const m = server.store('general', 'bob', 'hi');
    server.broadcast(m);
    server.broadcast(m);
    await flush();
    expect(seqs(client, 'general')).toEqual([1]);
    client.stop();
  });

  it('fills a live gap with history after, without duplicates', async () => {
    const { client, server, last } = await connected(0);
    const [m1, , , m4] = server.storeMany('general', 4);
    server.broadcast(m1);
    server.broadcast(m4); // 2 and 3 were lost
    await flush();
    const hist = last().sentOfType('history');
    expect(hist).toHaveLength(1);
    expect(hist[0]).toMatchObject({ room: 'general', after: 1 });
    expect(seqs(client, 'general')).toEqual([1, 2, 3, 4]);
    client.stop();
  });

  it('shows a send as pending at once and swaps it for the stored message (by clientMsgId)', async () => {
    const { client, server, last } = await connected(0);
    last().onClientFrame = null; // hold the server's answers
    expect(client.send('general', 'hello <b>there</b>')).toBeNull();
    const p = client.getState().rooms.general.pending;
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ status: 'sending', body: 'hello <b>there</b>' });
    const frame = last().sentOfType('send')[0];
    expect(frame).toMatchObject({ room: 'general', body: 'hello <b>there</b>', clientMsgId: p[0].clientMsgId });
    const stored = server.store('general', 'alice', 'hello <b>there</b>', p[0].clientMsgId);
    last().receive({ type: 'ack', ref: frame.ref, room: 'general', id: stored.id, clientMsgId: p[0].clientMsgId });
    await flush();
    expect(client.getState().rooms.general.pending[0].status).toBe('sent');
    server.broadcast(stored);
    await flush();
    expect(client.getState().rooms.general.pending).toHaveLength(0);
    expect(client.getState().rooms.general.log.messages.map((m) => m.body)).toEqual(['hello <b>there</b>']);
    client.stop();
  });

  it('lets a failed send be retried with the same clientMsgId, stored once', async () => {
    const { client, server, last } = await connected(0);
    server.failSends = 'unavailable';
    client.send('general', 'retry me');
    await flush();
    const failed = client.getState().rooms.general.pending[0];
    expect(failed.status).toBe('failed');
    server.failSends = null;
    client.retry('general', failed.clientMsgId);
    await flush();
    // a second retry of a now-delivered message must not create another one
    const sends = last().sentOfType('send');
    expect(sends.map((f) => f.clientMsgId)).toEqual([failed.clientMsgId, failed.clientMsgId]);
    expect(client.getState().rooms.general.pending).toHaveLength(0);
    expect(server.room('general')).toHaveLength(1);
    expect(seqs(client, 'general')).toEqual([1]);
    client.stop();
  });

  it('times out a send that gets no answer and marks it failed', async () => {
    const { client, last } = await connected(0);
    last().onClientFrame = null;
    client.send('general', 'lost');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.getState().rooms.general.pending[0]).toMatchObject({ status: 'failed' });
    client.stop();
  });

  it('refuses empty and too long bodies locally', async () => {
    const { client } = await connected(0);
    expect(client.send('general', '  \n ')).toBe('empty_body');
    expect(client.send('general', '😀'.repeat(4001))).toBe('body_too_long');
    expect(client.send('general', '😀'.repeat(4000))).toBeNull();
    client.stop();
  });

  it('counts unread messages of rooms not open, not our own', async () => {
    const { client, server } = await connected(0);
    client.openRoom('general');
    await flush();
    server.broadcast(server.store('random', 'bob', 'a'));
    server.broadcast(server.store('random', 'bob', 'b'));
    server.broadcast(server.store('random', 'alice', 'mine'));
    server.broadcast(server.store('general', 'bob', 'seen'));
    await flush();
    const s = client.getState();
    expect(unreadCount(s.rooms.random, s.user)).toBe(2);
    expect(unreadCount(s.rooms.general, s.user)).toBe(0);
    client.openRoom('random');
    await flush();
    expect(unreadCount(client.getState().rooms.random, s.user)).toBe(0);
    client.stop();
  });

  it('sends typing at most once per 3 s per room and shows others typing for a while', async () => {
    const { client, last } = await connected(0);
    for (let i = 0; i < 10; i++) client.notifyTyping('general');
    expect(last().sentOfType('typing')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    client.notifyTyping('general');
    client.notifyTyping('random');
    expect(last().sentOfType('typing')).toHaveLength(3);
    last().receive({ type: 'typing', room: 'general', user: 'bob' });
    expect(Object.keys(client.getState().rooms.general.typing)).toEqual(['bob']);
    await vi.advanceTimersByTimeAsync(6000);
    expect(Object.keys(client.getState().rooms.general.typing)).toEqual([]);
    client.stop();
  });

  it('tracks who is online from presence answers and events', async () => {
    const { client, last } = await connected(0);
    client.openRoom('general');
    await flush();
    expect(client.getState().rooms.general.online).toEqual(['alice']);
    last().receive({ type: 'presence', room: 'general', user: 'bob', online: true });
    expect(client.getState().rooms.general.online).toEqual(['alice', 'bob']);
    last().receive({ type: 'presence', room: 'general', user: 'bob', online: false });
    expect(client.getState().rooms.general.online).toEqual(['alice']);
    client.stop();
  });

  it('joins and leaves rooms, also when done from another connection', async () => {
    const { client, last } = await connected(0);
    const room = await Promise.all([client.join('new-room'), flush()]).then(([r]) => r);
    expect(room.name).toBe('new-room');
    expect(client.getState().rooms['new-room']).toBeDefined();
    last().receive({ type: 'joined', room: { name: 'elsewhere', lastSeq: 5 } });
    expect(client.getState().rooms.elsewhere.log.latestSeq).toBe(5);
    last().receive({ type: 'left', room: 'elsewhere' });
    expect(client.getState().rooms.elsewhere).toBeUndefined();
    client.stop();
  });
});

describe('ChatClient reconnect catch-up', () => {
  it('fetches exactly the missed messages of every room, paging until hasMore is false', async () => {
    const server = new FakeServer();
    server.storeMany('general', 5);
    server.storeMany('random', 2);
    const { client, sockets, last } = await acceptedBy(server);
    client.openRoom('general');
    await flush();
    expect(seqs(client, 'general')).toEqual([1, 2, 3, 4, 5]);

    last().drop(1006);
    server.storeMany('general', 245); // 6..250 while we were away
    server.storeMany('random', 3); // 3..5
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    const queriesBefore = server.historyQueries.length;
    server.accept(last());
    await flush();
    await flush();

    const afterQueries = server.historyQueries.slice(queriesBefore).filter((q) => q.after !== undefined);
    expect(afterQueries.filter((q) => q.room === 'general').map((q) => q.after)).toEqual([5, 105, 205]);
    expect(afterQueries.filter((q) => q.room === 'random').map((q) => q.after)).toEqual([2]);
    expect(seqs(client, 'general')).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(client.getState().rooms.general.log.syncedSeq).toBe(250);
    expect(client.getState().rooms.random.log.syncedSeq).toBe(5);
    client.stop();
  });

  it('live messages arriving during catch-up are not duplicated', async () => {
    const server = new FakeServer();
    server.storeMany('general', 2);
    const { client, last } = await acceptedBy(server);
    last().drop(1006);
    server.storeMany('general', 3); // 3..5 missed
    await vi.advanceTimersByTimeAsync(1000);
    const s = last();
    server.accept(s);
    // before the catch-up page answers, 6 arrives live and 5 arrives twice
    const m6 = server.store('general', 'bob', 'live');
    s.receive({ type: 'message', ...m6 });
    s.receive({ type: 'message', ...server.room('general')[4] });
    await flush();
    await flush();
    expect(seqs(client, 'general')).toEqual([3, 4, 5, 6]);
    expect(client.getState().rooms.general.log.syncedSeq).toBe(6);
    client.stop();
  });

  it('resends unacknowledged sends after reconnecting, with the same clientMsgId, stored once', async () => {
    const server = new FakeServer();
    server.room('general');
    const { client, last } = await acceptedBy(server);
    last().onClientFrame = null; // the send is lost with the connection
    client.send('general', 'survive');
    const id = client.getState().rooms.general.pending[0].clientMsgId;
    last().drop(1006);
    client.send('general', 'queued offline');
    await vi.advanceTimersByTimeAsync(1000);
    server.accept(last());
    await flush();
    await flush();
    const sends = last().sentOfType('send');
    expect(sends.map((f) => f.body)).toEqual(['survive', 'queued offline']);
    expect(sends[0].clientMsgId).toBe(id);
    expect(client.getState().rooms.general.pending).toHaveLength(0);
    expect(client.getState().rooms.general.log.messages.map((m) => m.body)).toEqual(['survive', 'queued offline']);
    client.stop();
  });

  it('a send stored before the drop is matched by catch-up, not sent twice', async () => {
    const server = new FakeServer();
    server.room('general');
    const { client, last } = await acceptedBy(server);
    last().onClientFrame = null; // stored by the server, but the ack never arrives
    client.send('general', 'once');
    const pending = client.getState().rooms.general.pending[0];
    server.store('general', 'alice', 'once', pending.clientMsgId);
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    server.accept(last());
    await flush();
    await flush();
    expect(client.getState().rooms.general.pending).toHaveLength(0);
    expect(server.room('general')).toHaveLength(1);
    expect(last().sentOfType('send')).toHaveLength(0);
    client.stop();
  });

  it('a room far behind restarts from its newest page instead of fetching everything', async () => {
    const server = new FakeServer();
    server.storeMany('general', 1);
    const { client, last } = await acceptedBy(server, { catchUpLimit: 100 });
    client.openRoom('general');
    await flush();
    last().drop(1006);
    server.storeMany('general', 500);
    await vi.advanceTimersByTimeAsync(1000);
    server.accept(last());
    await flush();
    await flush();
    const msgs = seqs(client, 'general');
    expect(msgs[msgs.length - 1]).toBe(501);
    expect(msgs).toHaveLength(50);
    expect(client.getState().rooms.general.log.hasOlder).toBe(true);
    expect(server.historyQueries.some((q) => q.after !== undefined)).toBe(false);
    client.stop();
  });

  it('stays under the server rate limit when catching up many rooms', async () => {
    const server = new FakeServer();
    for (let i = 0; i < 60; i++) server.storeMany(`room-${i}`, 1);
    const { client, last } = await acceptedBy(server);
    last().drop(1006);
    for (let i = 0; i < 60; i++) server.storeMany(`room-${i}`, 1);
    await vi.advanceTimersByTimeAsync(1000);
    const s = last();
    server.accept(s);
    await flush();
    expect(s.sentOfType('history').length).toBeLessThanOrEqual(30);
    await vi.advanceTimersByTimeAsync(3000);
    expect(s.sentOfType('history')).toHaveLength(60);
    for (let i = 0; i < 60; i++) expect(client.getState().rooms[`room-${i}`].log.syncedSeq).toBe(2);
    client.stop();
  });
});

describe('ChatClient 1.1: edits, moderation, account', () => {
  it('edits and deletes own messages: ack, then the entry updates the target live', async () => {
    const server = new FakeServer();
    const mine = server.store('general', 'alice', 'teh typo');
    const theirs = server.store('general', 'bob', 'hello');
    const { client, last } = await openGeneral(server);
    await client.editMessage('general', mine.id, 'the typo');
    await flush();
    const edit = last().sentOfType('edit')[0];
    expect(edit).toMatchObject({ room: 'general', id: mine.id, body: 'the typo' });
    expect(typeof edit.clientMsgId).toBe('string');
    let held = client.getState().rooms.general.log.messages;
    expect(held.find((m) => m.id === mine.id)).toMatchObject({ body: 'the typo', editedAt: expect.any(String) });
    await expect(client.editMessage('general', theirs.id, 'not mine')).rejects.toMatchObject({ code: 'forbidden' });
    await client.deleteMessage('general', mine.id);
    await flush();
    held = client.getState().rooms.general.log.messages;
    expect(held.find((m) => m.id === mine.id)).toMatchObject({ body: '', deleted: true });
    await expect(client.deleteMessage('general', mine.id)).rejects.toMatchObject({ code: 'no_such_message' });
    await expect(client.editMessage('general', theirs.id, '  ')).rejects.toMatchObject({ code: 'empty_body' });
    // entries are not unread, and the log stays gapless by seq
    expect(client.getState().rooms.general.log.syncedSeq).toBe(4);
    client.stop();
  });

  it('after a reconnect, catch-up brings edits and deletes made meanwhile', async () => {
    const server = new FakeServer();
    const a = server.store('general', 'bob', 'first');
    const b = server.store('general', 'bob', 'second');
    const { client, last } = await openGeneral(server);
    last().drop(1006);
    server.applyEntry('general', 'edit', a, 'first, edited', 'bob');
    server.applyEntry('general', 'delete', b, '', 'bob');
    await vi.advanceTimersByTimeAsync(1000);
    server.accept(last());
    await flush();
    await flush();
    const shown = client.getState().rooms.general.log.messages.filter((m) => !m.kind);
    expect(shown.map((m) => [m.body, !!m.deleted])).toEqual([
      ['first, edited', false],
      ['', true],
    ]);
    expect(unreadCount(client.getState().rooms.general, client.getState().user)).toBe(0);
    client.stop();
  });

  it('removed by a moderator: the room goes, with who did it; others see removed / banned', async () => {
    const server = new FakeServer();
    server.room('general');
    server.room('side');
    const { client, last } = setup();
    client.start();
    server.accept(last());
    await flush();
    last().receive({ type: 'presence', room: 'side', online: ['alice', 'mallory'] });
    last().receive({ type: 'member', room: 'side', user: 'mallory', action: 'banned', by: 'olga' });
    expect(client.getState().rooms.side.online).toEqual(['alice']);
    expect(client.getState().rooms.side.activity).toBe('mallory was banned by olga.');
    last().receive({ type: 'left', room: 'general', by: 'olga' });
    expect(client.getState().rooms.general).toBeUndefined();
    expect(client.getState().notice).toBe('You are no longer in #general: removed by olga.');
    client.stop();
  });

  it('stops on close 4003 (account disabled), says so and does not reconnect', async () => {
    const onAccountDisabled = vi.fn();
    const { client, sockets, last } = setup({ onAccountDisabled });
    client.start();
    new FakeServer().accept(last());
    await flush();
    last().drop(4003);
    expect(onAccountDisabled).toHaveBeenCalledOnce();
    expect(client.getState()).toMatchObject({ connection: 'closed', accountDisabled: true });
    expect(client.getState().notice).toMatch(/disabled/);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('loads invites, private/owner and the role from /api/me after ready; joining drops the invite', async () => {
    const server = new FakeServer();
    server.room('general');
    const loadAccount = vi.fn(async () => ({
      user: { id: '1', username: 'alice', role: 'admin' },
      rooms: [{ name: 'general', lastSeq: 0, private: true, owner: 'alice' }],
      invites: [{ name: 'secret', lastSeq: 0, private: true, owner: 'olga' }],
    }));
    const { client, last } = setup({ loadAccount });
    client.start();
    server.accept(last());
    await flush();
    await flush();
    const s = client.getState();
    expect(loadAccount).toHaveBeenCalledOnce();
    expect(s.user?.role).toBe('admin');
    expect(s.rooms.general.meta).toMatchObject({ private: true, owner: 'alice' });
    expect(s.invites.map((r) => r.name)).toEqual(['secret']);
    await client.join('secret');
    expect(client.getState().invites).toEqual([]);
    expect(client.getState().rooms.secret).toBeDefined();
    client.stop();
  });
});
