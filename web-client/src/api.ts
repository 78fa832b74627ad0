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

async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
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

export const api = {
  register: (username: string, password: string) =>
    call<Session>('POST', '/auth/register', null, { username, password }),
  login: (username: string, password: string) => call<Session>('POST', '/auth/login', null, { username, password }),
  me: (token: string) => call<{ user: User; rooms: Room[] }>('GET', '/me', token),
  rooms: (token: string) => call<{ rooms: Room[] }>('GET', '/rooms', token).then((r) => r.rooms),
  createRoom: (token: string, name: string) =>
    call<{ room: Room }>('POST', '/rooms', token, { name }).then((r) => r.room),
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

export function roomErrorText(e: unknown): string {
  const code =
    e instanceof ApiError ? e.code : e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : '';
  switch (code) {
    case 'room_exists':
      return 'A room with that name already exists. Use Join instead.';
    case 'invalid_room_name':
      return 'Room names are 1–48 characters: a–z, 0–9, - and _.';
    case 'no_such_room':
      return 'That room does not exist.';
    case 'network':
      return 'Cannot reach the server.';
    case 'rate_limited':
      return 'Too fast; try again in a moment.';
    default:
      return e instanceof Error ? e.message : 'Something went wrong.';
  }
}
