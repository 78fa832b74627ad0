import { MAX_BODY_CODE_POINTS, type Message, type User } from './protocol';

/** A message the user sent that is not (yet) known as stored, and the rules that resolve it. */
export interface PendingMessage {
  readonly clientMsgId: string;
  readonly room: string;
  readonly body: string;
  /** sending: not acknowledged yet; sent: acknowledged, stored message not seen yet; failed: retry possible. */
  readonly status: 'sending' | 'sent' | 'failed';
  readonly error?: string;
  readonly id?: string;
  readonly createdAt: number;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function newClientMsgId(random: () => number = Math.random): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return `c-${c.randomUUID()}`;
  return `c-${Date.now().toString(36)}-${Math.floor(random() * 2 ** 48).toString(36)}`;
}

/** Drops pending entries whose stored message is among `messages` (same sender and clientMsgId, or same id). */
export function resolvePending(
  pending: readonly PendingMessage[],
  messages: readonly Message[],
  user: User | null,
): readonly PendingMessage[] {
  if (pending.length === 0 || messages.length === 0) return pending;
  const byClientId = new Set<string>();
  const ids = new Set<string>();
  for (const m of messages) {
    ids.add(m.id);
    if (m.clientMsgId && user && m.sender.toLowerCase() === user.username.toLowerCase()) byClientId.add(m.clientMsgId);
  }
  const rest = pending.filter((p) => !byClientId.has(p.clientMsgId) && !(p.id && ids.has(p.id)));
  return rest.length === pending.length ? pending : rest;
}

export function validateBody(body: string): string | null {
  if (body.trim().length === 0) return 'empty_body';
  if (codePoints(body) > MAX_BODY_CODE_POINTS) return 'body_too_long';
  return null;
}
