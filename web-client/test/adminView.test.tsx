// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdminView } from '../src/ui/AdminView';
import { RoomSettings } from '../src/ui/RoomSettings';

type Handler = (method: string, url: URL, body: unknown) => { status: number; json?: unknown };

/** fetch answered by a handler; every call is recorded as "METHOD /path?query". */
function stubFetch(handler: Handler) {
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit) => {
      const url = new URL(input, 'http://app.test');
      const method = init.method ?? 'GET';
      calls.push(`${method} ${url.pathname}${url.search}`);
      expect(new Headers(init.headers).get('Authorization')).toBe('Bearer tok');
      const { status, json } = handler(method, url, init.body ? JSON.parse(String(init.body)) : undefined);
      return new Response(json === undefined ? null : JSON.stringify(json), { status });
    }),
  );
  return calls;
}

const settle = () => act(async () => undefined);

beforeEach(() => vi.unstubAllGlobals());
afterEach(cleanup);

describe('AdminView', () => {
  it('shows the overview, pages and searches users, disables one', async () => {
    const disabled = new Set<string>();
    const calls = stubFetch((method, url) => {
      if (url.pathname === '/api/admin/overview') {
        return {
          status: 200,
          json: {
            replicas: [{ id: 'backend-1', connections: 3 }],
            workers: [{ id: 'worker-1', partitions: [0, 1] }],
            queue: [{ partition: 0, depth: 2 }],
            storedLastMinute: 1234,
          },
        };
      }
      if (url.pathname === '/api/admin/users') {
        const after = url.searchParams.get('after');
        const names = after ? ['carol'] : url.searchParams.get('query') === 'b' ? ['bob'] : ['alice', 'bob'];
        const users = names.map((n, i) => ({ id: String(i), username: n, disabled: disabled.has(n) }));
        return { status: 200, json: { users, hasMore: !after && names.length === 2 } };
      }
      if (url.pathname === '/api/admin/users/bob/disable' && method === 'POST') {
        disabled.add('bob');
        return { status: 204 };
      }
      if (url.pathname === '/api/admin/rooms') return { status: 200, json: { rooms: [], hasMore: false } };
      return { status: 404, json: { error: { code: 'no_such_room', message: '' } } };
    });
    render(<AdminView token="tok" me="alice" onClose={() => undefined} />);
    await settle();
    expect(screen.getByTestId('stored-last-minute').textContent).toBe('1234');
    expect(screen.getByRole('list', { name: 'Replicas' }).textContent).toMatch(/backend-1: 3 connections/);
    const table = screen.getByRole('table');
    expect(
      within(table)
        .getAllByRole('rowheader')
        .map((c) => c.textContent),
    ).toEqual(['alice', 'bob']);
    // no button to disable oneself
    expect(screen.queryByRole('button', { name: 'Disable alice' })).toBeNull();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Disable bob' })));
    expect(calls).toContain('POST /api/admin/users/bob/disable');
    expect(screen.getByRole('button', { name: 'Enable bob' })).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Next page of users' })));
    expect(calls).toContain('GET /api/admin/users?limit=20&after=bob');
    expect(
      within(screen.getByRole('table'))
        .getAllByRole('rowheader')
        .map((c) => c.textContent),
    ).toEqual(['carol']);
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search users' }), { target: { value: 'b' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Search' })));
    expect(calls).toContain('GET /api/admin/users?limit=20&query=b');
    expect((screen.getByRole('button', { name: 'Previous page of users' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('deletes a room after confirmation; forbidden reads clearly', async () => {
    let rooms: { name: string; lastSeq: number; private?: boolean }[] = [
      { name: 'lobby', lastSeq: 5 },
      { name: 'secret', lastSeq: 1, private: true },
    ];
    const calls = stubFetch((method, url) => {
      if (url.pathname === '/api/admin/rooms') return { status: 200, json: { rooms, hasMore: false } };
      if (url.pathname === '/api/admin/rooms/lobby' && method === 'DELETE') {
        rooms = rooms.filter((r) => r.name !== 'lobby');
        return { status: 204 };
      }
      return { status: 403, json: { error: { code: 'forbidden', message: 'admins only' } } };
    });
    render(<AdminView token="tok" me="alice" onClose={() => undefined} />);
    await settle();
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('You are not allowed to do that here.');
    fireEvent.click(screen.getByRole('button', { name: 'Delete #lobby' }));
    expect(calls).not.toContain('DELETE /api/admin/rooms/lobby');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete #lobby for everyone' })));
    expect(calls).toContain('DELETE /api/admin/rooms/lobby');
    expect(calls).toContain('GET /api/admin/rooms?limit=20');
    expect(screen.queryByRole('button', { name: 'Delete #lobby' })).toBeNull();
    // private rooms too, for an admin
    expect(screen.getByRole('button', { name: 'Delete #secret' })).toBeTruthy();
  });
});

describe('RoomSettings', () => {
  it('invites by username and, for moderators, removes, bans and lifts bans', async () => {
    let bans: { username: string; by: string; createdAt: string }[] = [];
    const bodies: unknown[] = [];
    const calls = stubFetch((method, url, body) => {
      if (body) bodies.push(body);
      if (url.pathname === '/api/rooms/secret/bans' && method === 'GET') return { status: 200, json: { bans } };
      if (url.pathname === '/api/rooms/secret/bans' && method === 'POST') {
        bans = [{ username: 'mallory', by: 'olga', createdAt: '' }];
        return { status: 201, json: { ban: bans[0] } };
      }
      if (url.pathname === '/api/rooms/secret/bans/mallory') {
        bans = [];
        return { status: 204 };
      }
      if (url.pathname === '/api/rooms/secret/invites') return { status: 201, json: {} };
      if (url.pathname === '/api/rooms/secret/members/nobody') {
        return { status: 404, json: { error: { code: 'no_such_user', message: 'No such user: nobody' } } };
      }
      return { status: 204 };
    });
    render(<RoomSettings token="tok" room="secret" isPrivate canModerate onClose={() => undefined} />);
    await settle();
    expect(screen.getByText('Nobody is banned.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Invite by username'), { target: { value: 'bob' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Invite' })));
    expect(screen.getByText(/Invited bob/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Member username'), { target: { value: 'mallory' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Ban' })));
    expect(screen.getByRole('button', { name: 'Lift ban of mallory' })).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Lift ban of mallory' })));
    expect(screen.getByText('Nobody is banned.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Member username'), { target: { value: 'nobody' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Remove from room' })));
    expect(screen.getByText('No such user: nobody')).toBeTruthy();
    expect(calls).toEqual([
      'GET /api/rooms/secret/bans',
      'POST /api/rooms/secret/invites',
      'POST /api/rooms/secret/bans',
      'GET /api/rooms/secret/bans',
      'DELETE /api/rooms/secret/bans/mallory',
      'GET /api/rooms/secret/bans',
      'DELETE /api/rooms/secret/members/nobody',
    ]);
    expect(bodies).toEqual([{ username: 'bob' }, { username: 'mallory' }]);
  });
});
