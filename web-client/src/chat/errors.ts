import { MAX_BODY_CODE_POINTS } from './protocol';

/** A WebSocket `error` frame answering one of our frames. */
export class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message || code);
    this.name = 'ProtocolError';
  }
}

const ERROR_TEXT: Record<string, string> = {
  body_too_long: `Message is too long (at most ${MAX_BODY_CODE_POINTS} characters).`,
  empty_body: 'Message is empty.',
  not_member: 'You are not a member of this room.',
  no_such_room: 'That room does not exist.',
  invalid_room_name: 'Room names are 1–48 characters: a–z, 0–9, - and _.',
  rate_limited: 'Sending too fast; try again in a moment.',
  forbidden: 'You are not allowed to do that.',
  banned: 'You are banned from this room.',
  no_such_message: 'That message no longer exists (it may have been deleted).',
  account_disabled: 'This account has been disabled. Contact an administrator.',
  unavailable: 'The server is busy; try again.',
  internal: 'The server had a problem; try again.',
  timeout: 'No answer from the server.',
  disconnected: 'Not connected.',
};

export function describeError(code: string, message?: string): string {
  return ERROR_TEXT[code] ?? (message || code);
}

export function errorText(e: unknown): string {
  if (e instanceof ProtocolError) return describeError(e.code, e.message);
  if (e instanceof Error) return describeError(e.message);
  return String(e);
}
