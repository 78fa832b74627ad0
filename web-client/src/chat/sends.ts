import { errorText } from './errors';
import { newClientMsgId, type PendingMessage } from './pending';
import type { ClientFrame, ServerFrame } from './protocol';
import { DISCONNECTED } from './socket';

/** What the sender reads and writes. */
export interface SendHost {
  request(frame: ClientFrame): Promise<ServerFrame>;
  /** Replaces the pending entry with this clientMsgId (when it is still there). */
  update(room: string, clientMsgId: string, fn: (p: PendingMessage) => PendingMessage): void;
  discard(room: string, clientMsgId: string): void;
  /** The stored message with this id is already in the room's log. */
  holds(room: string, id: string): boolean;
}

/** A new pending send, `sending` until the server answers. */
export function newPending(room: string, body: string, random: () => number, now: number): PendingMessage {
  return { clientMsgId: newClientMsgId(random), room, body, status: 'sending', createdAt: now };
}

/** The list with the entry of this clientMsgId replaced; the same list when there is none. */
export function withPending(
  list: readonly PendingMessage[],
  clientMsgId: string,
  fn: (p: PendingMessage) => PendingMessage,
): readonly PendingMessage[] {
  const i = list.findIndex((x) => x.clientMsgId === clientMsgId);
  if (i < 0) return list;
  const next = list.slice();
  next[i] = fn(next[i]);
  return next;
}

/**
 * Transmits pending sends, each at most once at a time: an ack marks it `sent`, an error `failed`, a lost
 * connection leaves it `sending` so it goes again, with the same clientMsgId, after the next catch-up.
 */
export class Sender {
  /** clientMsgIds with a `send` awaiting its answer. */
  private readonly transmitting = new Set<string>();

  constructor(private readonly host: SendHost) {}

  async transmit(p: PendingMessage): Promise<void> {
    if (this.transmitting.has(p.clientMsgId)) return;
    this.transmitting.add(p.clientMsgId);
    const host = this.host;
    try {
      const f = await host.request({ type: 'send', room: p.room, body: p.body, clientMsgId: p.clientMsgId });
      if (f.type === 'ack') {
        host.update(p.room, p.clientMsgId, (x) => (x.status === 'sending' ? { ...x, status: 'sent', id: f.id } : x));
        // the stored message may already be here (another connection, or catch-up)
        if (host.holds(p.room, f.id)) host.discard(p.room, p.clientMsgId);
      }
    } catch (e) {
      if ((e as Error).message === DISCONNECTED) return; // still 'sending': resent after reconnecting
      host.update(p.room, p.clientMsgId, (x) =>
        x.status === 'sending' ? { ...x, status: 'failed', error: errorText(e) } : x,
      );
    } finally {
      this.transmitting.delete(p.clientMsgId);
    }
  }
}
