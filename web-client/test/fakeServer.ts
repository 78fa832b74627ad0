import type { SocketLike } from '../src/chat/socket';
import type { Message } from '../src/chat/protocol';

/** A socket the test drives by hand: what the client sends is recorded, the test plays the server. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  /** Called for every client frame; a FakeServer answers through it. */
  onClientFrame: ((f: Record<string, unknown>) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    const f = JSON.parse(data) as Record<string, unknown>;
    this.sent.push(f);
    this.onClientFrame?.(f);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  // --- the server's side
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }

  sentOfType(type: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.type === type);
  }
}

/**
 * A small in-memory server speaking the protocol's rules for history paging,
 * send (ack, then the stored message; dedupe by sender + clientMsgId),
 * presence and join. Answers are delivered in a later microtask, like a network.
 */
export class FakeServer {
  readonly rooms = new Map<string, Message[]>();
  private nextId = 1000;
  /** When set, `send` frames get this error instead of an ack. */
  failSends: string | null = null;
  /** Every history query seen, in order. */
  readonly historyQueries: { room: string; before?: number; after?: number; limit?: number }[] = [];
  readonly sockets: FakeSocket[] = [];

  constructor(
    readonly username = 'alice',
    readonly serverName = 'backend-1',
  ) {}

  room(name: string): Message[] {
    let r = this.rooms.get(name);
    if (!r) {
      r = [];
      this.rooms.set(name, r);
    }
    return r;
  }

  /** Stores a message as the worker would; returns it (not delivered to anyone). */
  store(room: string, sender: string, body: string, clientMsgId?: string): Message {
    const list = this.room(room);
    const m: Message = {
      id: String(this.nextId++),
      room,
      seq: list.length + 1,
      sender,
      body,
      createdAt: new Date(0).toISOString(),
      ...(clientMsgId ? { clientMsgId } : {}),
    };
    list.push(m);
    return m;
  }

  /** Stores an edit or delete entry and applies it to the target, as the worker would (not delivered). */
  applyEntry(room: string, kind: 'edit' | 'delete', target: Message, body: string, sender = this.username): Message {
    const entry = { ...this.store(room, sender, kind === 'delete' ? '' : body), kind, target: target.id };
    const list = this.room(room);
    list[list.length - 1] = entry;
    if (kind === 'edit') {
      target.body = body;
      target.editedAt = entry.createdAt;
    } else {
      target.body = '';
      target.deleted = true;
      for (const m of list) if (m.target === target.id) m.body = '';
    }
    return entry;
  }

  storeMany(room: string, n: number, sender = 'bob'): Message[] {
    return Array.from({ length: n }, (_, i) => this.store(room, sender, `m${i}`));
  }

  attach(s: FakeSocket): void {
    this.sockets.push(s);
    s.onClientFrame = (f) => queueMicrotask(() => this.answer(s, f));
  }

  /** Opens the socket and sends `ready` with every room's lastSeq. */
  accept(s: FakeSocket): void {
    this.attach(s);
    s.open();
    s.receive({
      type: 'ready',
      user: { id: '1', username: this.username },
      rooms: [...this.rooms.entries()].map(([name, l]) => ({ name, lastSeq: l.length })),
      server: this.serverName,
    });
  }

  /** Delivers a message frame to every attached open socket. */
  broadcast(m: Message): void {
    for (const s of this.sockets) if (s.readyState === 1) s.receive({ type: 'message', ...m });
  }

  private answer(s: FakeSocket, f: Record<string, unknown>): void {
    if (s.readyState !== 1) return;
    const ref = f.ref as string | undefined;
    const room = f.room as string;
    switch (f.type) {
      case 'history': {
        const q = {
          room,
          before: f.before as number | undefined,
          after: f.after as number | undefined,
          limit: f.limit as number | undefined,
        };
        this.historyQueries.push(q);
        s.receive({ type: 'history', ref, room, ...page(this.room(room), q) });
        break;
      }
      case 'send': {
        if (this.failSends) {
          s.receive({ type: 'error', ref, code: this.failSends, message: this.failSends });
          break;
        }
        const cid = f.clientMsgId as string | undefined;
        const dup = cid ? this.room(room).find((m) => m.sender === this.username && m.clientMsgId === cid) : undefined;
        const m = dup ?? this.store(room, this.username, f.body as string, cid);
        s.receive({ type: 'ack', ref, room, id: m.id, clientMsgId: cid });
        if (!dup) this.broadcast(m);
        break;
      }
      case 'edit':
      case 'delete': {
        // PROTOCOL.md 1.1: the target must be a live message of the room; only its sender edits
        const target = this.room(room).find((m) => m.id === f.id && (m.kind ?? 'message') === 'message');
        if (!target || target.deleted) {
          s.receive({ type: 'error', ref, code: 'no_such_message', message: 'no such message' });
          break;
        }
        if (target.sender !== this.username) {
          s.receive({ type: 'error', ref, code: 'forbidden', message: 'forbidden' });
          break;
        }
        const entry = this.applyEntry(room, f.type, target, (f.body as string | undefined) ?? '');
        s.receive({ type: 'ack', ref, room, id: entry.id });
        this.broadcast(entry);
        break;
      }
      case 'presence':
        s.receive({ type: 'presence', ref, room, online: [this.username] });
        break;
      case 'join':
        s.receive({ type: 'joined', ref, room: { name: room, lastSeq: this.room(room).length } });
        break;
      case 'leave':
        s.receive({ type: 'left', ref, room });
        break;
      case 'ping':
        s.receive({ type: 'pong', ref });
        break;
      default:
        break;
    }
  }
}

/** PROTOCOL.md history paging. */
export function page(
  all: Message[],
  q: { before?: number; after?: number; limit?: number },
): { messages: Message[]; hasMore: boolean } {
  const limit = q.limit ?? 50;
  const inRange = all.filter(
    (m) => (q.before === undefined || m.seq < q.before) && (q.after === undefined || m.seq > q.after),
  );
  if (q.after !== undefined) {
    return { messages: inRange.slice(0, limit), hasMore: inRange.length > limit };
  }
  return { messages: inRange.slice(Math.max(0, inRange.length - limit)), hasMore: inRange.length > limit };
}
