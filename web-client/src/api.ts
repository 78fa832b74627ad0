import { describeError } from './chat/errors';
import type { Room, User } from './chat/protocol';

/** REST calls under /api (same origin). Every failure is an ApiError with the protocol's error code. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message || code);
    this.name = 'ApiError';
  }
}

export interface Session {
  token: string;
  user: User;
}

export async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server.');
  }
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    // an empty or non-JSON body (a proxy error page, for example)
  }
  if (res.ok) return json as T;
  const err = (json as { error?: { code?: string; message?: string; retryAfterMs?: number } } | null)?.error;
  const retryHeader = Number(res.headers.get('Retry-After'));
  const retryAfterMs =
    err?.retryAfterMs ?? (Number.isFinite(retryHeader) && retryHeader > 0 ? retryHeader * 1000 : undefined);
  const code = err?.code ?? (res.status === 401 ? 'unauthorized' : res.status >= 500 ? 'unavailable' : 'bad_request');
  throw new ApiError(res.status, code, err?.message ?? res.statusText, retryAfterMs);
}

/** `GET /api/me`: the user, their rooms and (1.1) the private rooms they are invited to. */
export interface Me {
  user: User;
  rooms: Room[];
  invites?: Room[];
}

export interface Ban {
  username: string;
  by: string;
  createdAt: string;
}

/** A path segment: room names and usernames are plain, but never trust that in a URL. */
export const seg = (s: string): string => encodeURIComponent(s);

export const api = {
  register: (username: string, password: string) =>
    call<Session>('POST', '/auth/register', null, { username, password }),
  login: (username: string, password: string) => call<Session>('POST', '/auth/login', null, { username, password }),
  me: (token: string) => call<Me>('GET', '/me', token),
  rooms: (token: string) => call<{ rooms: Room[] }>('GET', '/rooms', token).then((r) => r.rooms),
  createRoom: (token: string, name: string, isPrivate = false) =>
    call<{ room: Room }>('POST', '/rooms', token, isPrivate ? { name, private: true } : { name }).then((r) => r.room),
  invite: (token: string, room: string, username: string) =>
    call<unknown>('POST', `/rooms/${seg(room)}/invites`, token, { username }),
  removeMember: (token: string, room: string, username: string) =>
    call<unknown>('DELETE', `/rooms/${seg(room)}/members/${seg(username)}`, token),
  ban: (token: string, room: string, username: string) =>
    call<unknown>('POST', `/rooms/${seg(room)}/bans`, token, { username }),
  unban: (token: string, room: string, username: string) =>
    call<unknown>('DELETE', `/rooms/${seg(room)}/bans/${seg(username)}`, token),
  bans: (token: string, room: string) =>
    call<{ bans: Ban[] }>('GET', `/rooms/${seg(room)}/bans`, token).then((r) => (Array.isArray(r?.bans) ? r.bans : [])),
};

/** User-facing text for the login / register form. */
export function authErrorText(e: unknown, mode: 'login' | 'register'): string {
  if (!(e instanceof ApiError)) return 'Something went wrong. Try again.';
  switch (e.code) {
    case 'username_taken':
      return 'That username is already taken. Pick another one.';
    case 'invalid_username':
      return 'Usernames are 3–32 characters: letters, digits, _ . and -.';
    case 'invalid_password':
      return 'Passwords must be 8–128 characters long.';
    case 'invalid_credentials':
      return 'Wrong username or password.';
    case 'account_disabled':
      return describeError('account_disabled');
    case 'rate_limited': {
      const s = e.retryAfterMs ? Math.ceil(e.retryAfterMs / 1000) : null;
      return s ? `Too many attempts. Try again in ${s} s.` : 'Too many attempts. Try again in a moment.';
    }
    case 'bad_request':
      return mode === 'login' ? 'Enter a username and a password.' : 'Enter a username and a password.';
    case 'network':
      return 'Cannot reach the server. Check your connection and try again.';
    default:
      return e.status >= 500 ? 'The server is unavailable right now. Try again soon.' : e.message;
  }
}

/** User-facing text for a moderation or admin action (invite, remove, ban, disable, delete). */
export function actionErrorText(e: unknown): string {
  const code = errorCode(e);
  switch (code) {
    case 'forbidden':
      return 'You are not allowed to do that here.';
    case 'no_such_room':
      return 'That room does not exist (or was deleted).';
    case 'network':
      return 'Cannot reach the server.';
    case 'unauthorized':
      return 'Your session has expired. Please log in again.';
    case 'rate_limited':
      return describeError(code);
    default:
      // the other refusals name the user or room they are about ("bob is not a member of room x"): say that
      return e instanceof Error && e.message && e.message !== code
        ? e.message
        : code
          ? describeError(code)
          : 'Something went wrong.';
  }
}

function errorCode(e: unknown): string {
  if (e instanceof ApiError) return e.code;
  return e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : '';
}

export function roomErrorText(e: unknown): string {
  const code = errorCode(e);
  switch (code) {
    case 'room_exists':
      return 'A room with that name already exists. Use Join instead.';
    case 'invalid_room_name':
      return 'Room names are 1–48 characters: a–z, 0–9, - and _.';
    case 'no_such_room':
      return 'That room does not exist.';
    case 'forbidden':
      return 'That room is private: you need an invite to join it.';
    case 'banned':
      return describeError('banned');
    case 'network':
      return 'Cannot reach the server.';
    case 'rate_limited':
      return 'Too fast; try again in a moment.';
    default:
      return e instanceof Error ? e.message : 'Something went wrong.';
  }
}
