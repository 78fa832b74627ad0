import { describe, expect, it } from 'vitest';
import { clearSession, loadSession, saveSession, tokenExpired, wsUrl } from '../src/session';

function jwt(payload: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256' })}.${b64(payload)}.sig`;
}

class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

describe('session', () => {
  it('keeps a valid session and drops an expired one', () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const live = { token: jwt({ sub: '1', exp: Date.now() / 1000 + 3600 }), user: { id: '1', username: 'alice' } };
    saveSession(live, storage);
    expect(loadSession(storage)).toEqual(live);
    saveSession({ ...live, token: jwt({ sub: '1', exp: Date.now() / 1000 - 1 }) }, storage);
    expect(loadSession(storage)).toBeNull();
    saveSession(live, storage);
    clearSession(storage);
    expect(loadSession(storage)).toBeNull();
  });

  it('reads exp without verifying, and tolerates odd tokens', () => {
    expect(tokenExpired(jwt({ exp: 100 }), 101_000)).toBe(true);
    expect(tokenExpired(jwt({ exp: 100 }), 99_000)).toBe(false);
    expect(tokenExpired('not-a-jwt')).toBe(false);
    expect(tokenExpired('a.%%%.c')).toBe(false);
  });

  it('builds the WebSocket URL on the page origin, without the token', () => {
    expect(wsUrl({ protocol: 'https:', host: 'chat.example:8443' } as Location)).toBe('wss://chat.example:8443/ws');
    expect(wsUrl({ protocol: 'http:', host: '127.0.0.1:4173' } as Location)).toBe('ws://127.0.0.1:4173/ws');
  });
});
