import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '../src/chat/errors';
import { Connection, DISCONNECTED, type ConnectionOptions } from '../src/chat/socket';
import { FakeSocket } from './fakeServer';

function setup(extra: Partial<ConnectionOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const frames: unknown[] = [];
  const statuses: [string, number | null][] = [];
  const authExpired = vi.fn();
  const connection = new Connection(
    {
      url: 'ws://chat.test/ws',
      token: 'tok',
      socketFactory: (url, protocols) => {
        const s = new FakeSocket(url, protocols);
        sockets.push(s);
        return s;
      },
      random: () => 0.5,
      now: Date.now,
      backoffBaseMs: 1000,
      backoffCapMs: 8000,
      requestTimeoutMs: 5000,
      pingIntervalMs: 20_000,
      ...extra,
    },
    {
      frame: (f) => frames.push(f),
      status: (c, at) => statuses.push([c, at]),
      authExpired,
    },
  );
  const last = () => sockets[sockets.length - 1];
  return { connection, sockets, last, frames, statuses, authExpired };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Connection', () => {
  it('matches answers to requests by ref and hands every frame on', async () => {
    const { connection, last, frames } = setup();
    connection.start();
    last().open();
    const join = connection.request({ type: 'join', room: 'general' });
    const leave = connection.request({ type: 'leave', room: 'general' });
    const [j, l] = last().sent;
    expect(j.ref).not.toBe(l.ref);
    last().receive({ type: 'error', ref: l.ref, code: 'not_member', message: 'no' });
    last().receive({ type: 'joined', ref: j.ref, room: { name: 'general', lastSeq: 0 } });
    await expect(join).resolves.toMatchObject({ type: 'joined' });
    await expect(leave).rejects.toMatchObject({ code: 'not_member' });
    await expect(leave).rejects.toBeInstanceOf(ProtocolError);
    expect(frames).toHaveLength(2);
    connection.stop();
  });

  it('fails a request at once without an open socket, and waiting ones when the socket closes', async () => {
    const { connection, last } = setup();
    connection.start();
    await expect(connection.request({ type: 'ping' })).rejects.toThrow(DISCONNECTED);
    last().open();
    const waiting = connection.request({ type: 'ping' });
    last().drop(1006);
    await expect(waiting).rejects.toThrow(DISCONNECTED);
    connection.stop();
  });

  it('times a request out when no answer comes', async () => {
    const { connection, last } = setup();
    connection.start();
    last().open();
    const p = connection.request({ type: 'ping' });
    const check = expect(p).rejects.toThrow('timeout');
    await vi.advanceTimersByTimeAsync(5000);
    await check;
    connection.stop();
  });

  it('reconnects with backoff, reports when, and ignores the old socket', async () => {
    const { connection, sockets, last, statuses, frames } = setup();
    connection.start();
    expect(statuses).toEqual([['connecting', null]]);
    const first = last();
    first.open();
    const gen = connection.generation;
    first.drop(1001);
    expect(connection.generation).not.toBe(gen);
    expect(statuses[1]).toEqual(['reconnecting', Date.now() + 750]);
    await vi.advanceTimersByTimeAsync(750);
    expect(sockets).toHaveLength(2);
    first.onmessage?.({ data: JSON.stringify({ type: 'pong' }) });
    expect(frames).toHaveLength(0);
    connection.stop();
  });

  it('starts the backoff over after ready', async () => {
    const { connection, sockets, last } = setup();
    connection.start();
    last().drop(1006); // 750
    await vi.advanceTimersByTimeAsync(750);
    last().drop(1006); // 1500
    await vi.advanceTimersByTimeAsync(1500);
    last().open();
    connection.ready();
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(749);
    expect(sockets).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(4);
    connection.stop();
  });

  it('reports an expired token on 4001 and stays closed', async () => {
    const { connection, sockets, last, authExpired } = setup();
    connection.start();
    last().open();
    authExpired.mockImplementation(() => connection.stop());
    last().drop(4001);
    expect(authExpired).toHaveBeenCalledOnce();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('asks checkAuth after an upgrade that never opened', async () => {
    const checkAuth = vi.fn(async () => 'unauthorized' as const);
    const { connection, last, authExpired } = setup({ checkAuth });
    connection.start();
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(checkAuth).toHaveBeenCalledOnce();
    expect(authExpired).toHaveBeenCalledOnce();
    connection.stop();
  });

  it('drops a socket whose ping gets no pong', async () => {
    const { connection, sockets, last } = setup({ pingIntervalMs: 1000, requestTimeoutMs: 500 });
    connection.start();
    last().open();
    connection.ready();
    await vi.advanceTimersByTimeAsync(1000);
    expect(last().sentOfType('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(sockets[0].closedWith?.code).toBe(4000);
    await vi.advanceTimersByTimeAsync(750);
    expect(sockets).toHaveLength(2);
    connection.stop();
  });

  it('queues frames beyond the burst and drops low-priority ones instead of queueing', async () => {
    const { connection, last } = setup();
    connection.start();
    last().open();
    for (let i = 0; i < 40; i++) expect(connection.write({ type: 'presence', room: `r${i}` })).toBe(true);
    expect(last().sent).toHaveLength(30);
    expect(connection.write({ type: 'typing', room: 'r0' }, true)).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(last().sent).toHaveLength(40);
    expect(last().sentOfType('typing')).toHaveLength(0);
    connection.stop();
  });

  it('closes with 1000 on stop and does not reconnect', async () => {
    const { connection, sockets, last } = setup();
    connection.start();
    last().open();
    connection.stop();
    expect(last().closedWith?.code).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });
});
