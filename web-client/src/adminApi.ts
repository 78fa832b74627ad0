import { call, seg } from './api';
import type { Room, User } from './chat/protocol';

/** REST calls under /api/admin (PROTOCOL.md 1.1); the server answers `forbidden` to anyone but an admin. */

export interface AdminUser extends User {
  disabled?: boolean;
  createdAt?: string;
}

export interface UserPage {
  users: AdminUser[];
  hasMore: boolean;
}

export interface Overview {
  replicas: { id: string; connections: number }[];
  workers: { id: string; partitions: number[] }[];
  queue: { partition: number; depth: number }[];
  storedLastMinute: number;
}

/** Rows per page of the admin lists. */
export const USER_PAGE_SIZE = 20;

export const adminApi = {
  /** One page of users ordered by username: `query` is a case-insensitive prefix, `after` an exclusive cursor. */
  users: async (token: string, query: string, after?: string): Promise<UserPage> => {
    const q = new URLSearchParams({ limit: String(USER_PAGE_SIZE) });
    if (query) q.set('query', query);
    if (after) q.set('after', after);
    const r = await call<UserPage>('GET', `/admin/users?${q.toString()}`, token);
    return { users: Array.isArray(r?.users) ? r.users : [], hasMore: r?.hasMore === true };
  },
  /** One page of every room, private ones included, ordered by name (`after`: exclusive name cursor). */
  rooms: async (token: string, after?: string): Promise<{ rooms: Room[]; hasMore: boolean }> => {
    const q = new URLSearchParams({ limit: String(USER_PAGE_SIZE) });
    if (after) q.set('after', after);
    const r = await call<{ rooms: Room[]; hasMore: boolean }>('GET', `/admin/rooms?${q.toString()}`, token);
    return { rooms: Array.isArray(r?.rooms) ? r.rooms : [], hasMore: r?.hasMore === true };
  },
  disable: (token: string, username: string) => call<unknown>('POST', `/admin/users/${seg(username)}/disable`, token),
  enable: (token: string, username: string) => call<unknown>('POST', `/admin/users/${seg(username)}/enable`, token),
  deleteRoom: (token: string, room: string) => call<unknown>('DELETE', `/admin/rooms/${seg(room)}`, token),
  overview: async (token: string): Promise<Overview> => {
    const r = await call<Partial<Overview>>('GET', '/admin/overview', token);
    return {
      replicas: Array.isArray(r?.replicas) ? r.replicas : [],
      workers: Array.isArray(r?.workers) ? r.workers : [],
      queue: Array.isArray(r?.queue) ? r.queue : [],
      storedLastMinute: typeof r?.storedLastMinute === 'number' ? r.storedLastMinute : 0,
    };
  },
};
