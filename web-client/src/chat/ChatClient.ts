import { Backoff } from './backoff';
import { ProtocolError, describeError, errorText } from './errors';
import { TokenBucket } from './limiter';
import { newClientMsgId, resolvePending, validateBody, type PendingMessage } from './pending';
import {
  CLOSE_TOKEN_EXPIRED,
  HISTORY_PAGE_MAX,
  SUBPROTOCOL,
  bearerSubprotocol,
  type ClientFrame,
  type HistoryFrame,
  type Message,
  type ReadyFrame,
  type Room,
  type ServerFrame,
  type User,
} from './protocol';
import {
  applyAfterPage,
  applyBeforePage,
  applyLive,
  emptyLog,
  missing,
  noteLatest,
  olderCursor,
  type RoomLog,
} from './roomLog';

/**
 * Framework-free WebSocket client for PROTOCOL.md v1: one connection,
 * reconnect with jittered backoff, per-room seq tracking with gap fill and
 * dedupe, catch-up after reconnect, and pending → stored sends. React reads
 * it through subscribe()/getState() (useSyncExternalStore).
 */

/** The part of the browser WebSocket the client uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export type AuthCheck = () => Promise<'ok' | 'unauthorized' | 'unreachable'>;

export interface RoomState {
  readonly name: string;
  readonly meta?: Room;
  readonly log: RoomLog;
  readonly pending: readonly PendingMessage[];
  /** The first page for the room view has been requested. */
  readonly opened: boolean;
  readonly loadingOlder: boolean;
  /** Usernames online in the room, or null before the first presence answer. */
  readonly online: readonly string[] | null;
  /** Username → time (ms) until which "is typing" shows. */
  readonly typing: Readonly<Record<string, number>>;
  readonly lastReadSeq: number;
}

export interface ChatState {
  readonly connection: ConnectionState;
  /** When the next reconnect attempt starts (epoch ms), while reconnecting. */
  readonly reconnectAt: number | null;
  readonly server: string | null;
  readonly user: User | null;
  readonly rooms: Readonly<Record<string, RoomState>>;
  readonly activeRoom: string | null;
  /** The latest problem worth telling the user about. */
  readonly notice: string | null;
}

export interface ChatClientOptions {
  url: string;
  token: string;
  socketFactory?: SocketFactory;
  /** Asked after a connection failed before opening: a 401 upgrade looks like 1006 in a browser. */
  checkAuth?: AuthCheck;
  /** Called once when the token is no longer accepted (close 4001 or 401). */
  onAuthExpired?: () => void;
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
  random?: () => number;
  now?: () => number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  requestTimeoutMs?: number;
  pingIntervalMs?: number;
  typingIntervalMs?: number;
  typingShowMs?: number;
  /** A room further behind than this after a reconnect is reloaded from its newest page instead. */
  catchUpLimit?: number;
  historyPageSize?: number;
}

interface InFlight {
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const DISCONNECTED = 'disconnected';
const OPEN = 1;

const defaultFactory: SocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike;

export class ChatClient {
  private state: ChatState = {
    connection: 'connecting',
    reconnectAt: null,
    server: null,
    user: null,
    rooms: {},
    activeRoom: null,
    notice: null,
  };
  private readonly listeners = new Set<() => void>();
  private readonly factory: SocketFactory;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly backoff: Backoff;
  private readonly bucket: TokenBucket;
  private readonly opts: Required<
    Pick<
      ChatClientOptions,
      'requestTimeoutMs' | 'pingIntervalMs' | 'typingIntervalMs' | 'typingShowMs' | 'catchUpLimit' | 'historyPageSize'
    >
  >;

  private socket: SocketLike | null = null;
  /** Bumped for every new socket; events of older sockets are ignored. */
  private generation = 0;
  private stopped = false;
  private readyOnce = false;
  private nextRef = 0;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly outbox: string[] = [];
  private outboxTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly lastTypingSent = new Map<string, number>();
  /** clientMsgIds with a `send` awaiting its answer on the current connection. */
  private readonly transmitting = new Set<string>();
  /** Rooms with a gap fill running on the current connection, and whether another pass was asked for. */
  private readonly filling = new Map<string, boolean>();

  constructor(private readonly options: ChatClientOptions) {
    this.factory = options.socketFactory ?? defaultFactory;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff({
      baseMs: options.backoffBaseMs ?? 500,
      capMs: options.backoffCapMs ?? 15_000,
      random: this.random,
    });
    this.bucket = new TokenBucket(30, 15, this.now);
    this.opts = {
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      pingIntervalMs: options.pingIntervalMs ?? 20_000,
      typingIntervalMs: options.typingIntervalMs ?? 3_000,
      typingShowMs: options.typingShowMs ?? 5_000,
      catchUpLimit: options.catchUpLimit ?? 1_000,
      historyPageSize: options.historyPageSize ?? 50,
    };
  }

  // ---------------------------------------------------------------- store

  getState = (): ChatState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<ChatState>): void {
    let next = { ...this.state, ...patch };
    next = this.withActiveRead(next);
    this.state = next;
    for (const l of [...this.listeners]) l();
  }

  private patchRoom(name: string, fn: (r: RoomState) => RoomState): void {
    const r = this.state.rooms[name];
    if (!r) return;
    const next = fn(r);
    if (next !== r) this.set({ rooms: { ...this.state.rooms, [name]: next } });
  }

  /** The open room counts as read up to its newest message. */
  private withActiveRead(s: ChatState): ChatState {
    const name = s.activeRoom;
    const r = name ? s.rooms[name] : undefined;
    if (!r || r.lastReadSeq >= r.log.latestSeq) return s;
    this.saveLastRead(r.name, r.log.latestSeq, s.user);
    return { ...s, rooms: { ...s.rooms, [r.name]: { ...r, lastReadSeq: r.log.latestSeq } } };
  }

  private lastReadKey(user: User | null): string | null {
    return user ? `parley.lastRead.${user.username.toLowerCase()}` : null;
  }

  private loadLastRead(user: User): Record<string, number> {
    try {
      const raw = this.options.storage?.getItem(this.lastReadKey(user)!);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
    } catch {
      return {};
    }
  }

  private saveLastRead(room: string, seq: number, user: User | null): void {
    const key = this.lastReadKey(user);
    if (!key || !this.options.storage || !user) return;
    try {
      const all = this.loadLastRead(user);
      all[room] = seq;
      this.options.storage.setItem(key, JSON.stringify(all));
    } catch {
      // storage full or disabled: unread counts just restart next time
    }
  }

  // ---------------------------------------------------------- connection

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Closes for good (log out). */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    this.generation++;
    if (s) {
      detach(s);
      try {
        s.close(1000, 'bye');
      } catch {
        // already closed
      }
    }
    this.failInFlight();
    this.set({ connection: 'closed', reconnectAt: null });
  }

  /** Skip the backoff wait (a "reconnect now" button, the browser going online). */
  reconnectNow(): void {
    if (this.stopped || this.state.connection !== 'reconnecting') return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    let opened = false;
    this.set({ connection: this.readyOnce ? 'reconnecting' : 'connecting', reconnectAt: null });
    let socket: SocketLike;
    try {
      socket = this.factory(this.options.url, [SUBPROTOCOL, bearerSubprotocol(this.options.token)]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (gen !== this.generation) return;
      opened = true;
    };
    socket.onmessage = (ev) => {
      if (gen !== this.generation) return;
      if (typeof ev.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(ev.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame && typeof frame === 'object' && typeof frame.type === 'string') this.onFrame(frame);
    };
    socket.onerror = () => {
      // onclose follows and decides
    };
    socket.onclose = (ev) => {
      if (gen !== this.generation) return;
      this.onClose(ev.code, opened);
    };
  }

  private onClose(code: number, opened: boolean): void {
    this.socket = null;
    this.generation++;
    this.stopPing();
    this.failInFlight();
    this.outbox.length = 0;
    if (this.stopped) return;
    if (code === CLOSE_TOKEN_EXPIRED) {
      this.authExpired();
      return;
    }
    if (!opened && this.options.checkAuth) {
      // a refused upgrade (401) is indistinguishable from a dead server here: ask REST
      this.scheduleReconnect();
      this.options.checkAuth().then(
        (r) => {
          if (r === 'unauthorized' && !this.stopped) this.authExpired();
        },
        () => undefined,
      );
      return;
    }
    this.scheduleReconnect();
  }

  private authExpired(): void {
    this.stop();
    this.set({ notice: 'Your session has expired. Please log in again.' });
    this.options.onAuthExpired?.();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
    this.set({ connection: 'reconnecting', reconnectAt: this.now() + delay });
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.outboxTimer) clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = null;
    this.stopPing();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      const gen = this.generation;
      this.request({ type: 'ping' }).catch((e: Error) => {
        // no pong in time on a socket that is still ours: treat it as dead
        if (e.message === 'timeout' && gen === this.generation && this.socket) this.dropSocket();
      });
    }, this.opts.pingIntervalMs);
  }

  /** Abandons a socket that stopped answering; the browser may take minutes to notice. */
  private dropSocket(): void {
    const s = this.socket;
    if (!s) return;
    detach(s);
    try {
      s.close(4000, 'no pong');
    } catch {
      // ignore
    }
    this.onClose(1006, true);
  }

  private failInFlight(): void {
    for (const [ref, f] of this.inFlight) {
      clearTimeout(f.timer);
      this.inFlight.delete(ref);
      f.reject(new Error(DISCONNECTED));
    }
  }

  // ------------------------------------------------------------- output

  private write(frame: ClientFrame, lowPriority = false): boolean {
    const s = this.socket;
    if (!s || s.readyState !== OPEN) return false;
    const text = JSON.stringify(frame);
    if (this.outbox.length === 0 && this.bucket.tryTake()) {
      s.send(text);
      return true;
    }
    if (lowPriority) return false; // typing notices are not worth queueing
    this.outbox.push(text);
    this.drainLater();
    return true;
  }

  private drainLater(): void {
    if (this.outboxTimer) return;
    this.outboxTimer = setTimeout(() => {
      this.outboxTimer = null;
      const s = this.socket;
      if (!s || s.readyState !== OPEN) {
        this.outbox.length = 0;
        return;
      }
      while (this.outbox.length > 0 && this.bucket.tryTake()) s.send(this.outbox.shift()!);
      if (this.outbox.length > 0) this.drainLater();
    }, Math.max(1, this.bucket.waitMs()));
  }

  private request(frame: ClientFrame, timeoutMs = this.opts.requestTimeoutMs): Promise<ServerFrame> {
    const ref = String(++this.nextRef);
    const withRef = { ...frame, ref } as ClientFrame;
    return new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inFlight.delete(ref);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.inFlight.set(ref, { resolve, reject, timer });
      if (!this.write(withRef)) {
        clearTimeout(timer);
        this.inFlight.delete(ref);
        reject(new Error(DISCONNECTED));
      }
    });
  }

  // -------------------------------------------------------------- input

  private onFrame(f: ServerFrame): void {
    const ref = 'ref' in f ? f.ref : undefined;
    if (ref !== undefined) {
      const waiting = this.inFlight.get(ref);
      if (waiting) {
        this.inFlight.delete(ref);
        clearTimeout(waiting.timer);
        if (f.type === 'error') waiting.reject(new ProtocolError(f.code, f.message ?? '', f.retryAfterMs));
        else waiting.resolve(f);
      }
    }
    switch (f.type) {
      case 'ready':
        this.onReady(f);
        break;
      case 'message':
        this.onMessage(f);
        break;
      case 'joined':
        this.addRoom(f.room);
        break;
      case 'left':
        this.removeRoom(f.room);
        break;
      case 'member':
        this.setOnline(f.room, f.user, f.action === 'joined');
        break;
      case 'presence':
        if (Array.isArray(f.online)) {
          const list = [...new Set(f.online)].sort();
          this.patchRoom(f.room, (r) => ({ ...r, online: list }));
        } else if (typeof f.online === 'boolean' && f.user) {
          this.setOnline(f.room, f.user, f.online);
        }
        break;
      case 'typing':
        this.onTyping(f.room, f.user);
        break;
      case 'error':
        if (ref === undefined) this.set({ notice: describeError(f.code, f.message) });
        break;
      default:
        break; // ack, history, pong: answered through request(); unknown types are ignored
    }
  }

  private onReady(f: ReadyFrame): void {
    this.readyOnce = true;
    this.backoff.reset();
    const user = f.user;
    const saved = this.loadLastRead(user);
    const rooms: Record<string, RoomState> = {};
    const resets: string[] = [];
    for (const { name, lastSeq } of f.rooms) {
      const old = this.state.rooms[name];
      if (old) {
        let log = noteLatest(old.log, lastSeq);
        let opened = old.opened;
        if (missing(log) > this.opts.catchUpLimit) {
          // too far behind: start over from the newest page (scrolling up still reaches the rest)
          log = emptyLog(lastSeq);
          opened = false;
          resets.push(name);
        }
        rooms[name] = { ...old, log, opened, loadingOlder: false, online: null, typing: {} };
      } else {
        rooms[name] = newRoom(name, lastSeq, saved[name] ?? lastSeq);
        if (saved[name] === undefined) this.saveLastRead(name, lastSeq, user);
      }
    }
    const activeRoom = this.state.activeRoom && rooms[this.state.activeRoom] ? this.state.activeRoom : null;
    this.set({ connection: 'open', reconnectAt: null, server: f.server ?? null, user, rooms, activeRoom });
    this.startPing();
    void this.catchUp();
  }

  /** After (re)connecting: fetch exactly what each room missed, then resend unacknowledged sends. */
  private async catchUp(): Promise<void> {
    const gen = this.generation;
    const fills = Object.values(this.state.rooms)
      .filter((r) => missing(r.log) > 0)
      .map((r) => this.fillGap(r.name));
    const active = this.state.activeRoom;
    if (active) {
      void this.loadOlder(active, true);
      void this.refreshPresence(active);
    }
    await Promise.all(fills);
    if (gen !== this.generation) return;
    for (const r of Object.values(this.state.rooms)) {
      for (const p of r.pending) if (p.status === 'sending') void this.transmit(p);
    }
  }

  /** Pages `history after` from syncedSeq until hasMore is false. One fill per room at a time. */
  private async fillGap(room: string): Promise<void> {
    if (this.filling.has(room)) {
      this.filling.set(room, true);
      return;
    }
    const gen = this.generation;
    this.filling.set(room, false);
    try {
      for (let pass = 0; pass < 2; pass++) {
        let more = true;
        while (more) {
          const r = this.state.rooms[room];
          if (!r || gen !== this.generation) return;
          const page = await this.history({ room, after: r.log.syncedSeq, limit: HISTORY_PAGE_MAX });
          if (gen !== this.generation) return;
          this.applyPage(room, page, 'after');
          more = page.hasMore && page.messages.length > 0;
        }
        if (!this.filling.get(room)) break;
        this.filling.set(room, false);
      }
    } catch (e) {
      if (gen === this.generation && (e as Error).message !== DISCONNECTED) {
        this.set({ notice: `Could not load missed messages of #${room}: ${errorText(e)}` });
      }
    } finally {
      if (gen === this.generation) this.filling.delete(room);
    }
  }

  private async history(q: { room: string; before?: number; after?: number; limit: number }): Promise<HistoryFrame> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.request({ type: 'history', ...q })) as HistoryFrame;
      } catch (e) {
        if (e instanceof ProtocolError && e.code === 'rate_limited' && attempt < 3) {
          await delay(e.retryAfterMs ?? 1000);
          continue;
        }
        throw e;
      }
    }
  }

  private applyPage(room: string, page: HistoryFrame, dir: 'after' | 'before'): void {
    const messages = Array.isArray(page.messages) ? page.messages : [];
    this.patchRoom(room, (r) => {
      const log =
        dir === 'after' ? applyAfterPage(r.log, messages) : applyBeforePage(r.log, messages, page.hasMore === true);
      const pending = resolvePending(r.pending, messages, this.state.user);
      return log === r.log && pending === r.pending ? r : { ...r, log, pending };
    });
  }

  private onMessage(m: Message): void {
    const r = this.state.rooms[m.room];
    if (!r) return;
    const res = applyLive(r.log, m);
    const pending = resolvePending(r.pending, [m], this.state.user);
    let typing = r.typing;
    if (res.accepted && m.sender in typing) {
      const rest: Record<string, number> = { ...typing };
      delete rest[m.sender];
      typing = rest;
    }
    if (res.log !== r.log || pending !== r.pending || typing !== r.typing) {
      this.set({ rooms: { ...this.state.rooms, [m.room]: { ...r, log: res.log, pending, typing } } });
    }
    if (res.gap) void this.fillGap(m.room);
  }

  private addRoom(room: Room): void {
    if (!room || typeof room.name !== 'string') return;
    const existing = this.state.rooms[room.name];
    const lastSeq = typeof room.lastSeq === 'number' ? room.lastSeq : 0;
    if (existing) {
      this.patchRoom(room.name, (r) => ({ ...r, meta: room, log: noteLatest(r.log, lastSeq) }));
      if (missing(this.state.rooms[room.name].log) > 0) void this.fillGap(room.name);
      return;
    }
    const created = { ...newRoom(room.name, lastSeq, lastSeq), meta: room };
    this.saveLastRead(room.name, lastSeq, this.state.user);
    this.set({ rooms: { ...this.state.rooms, [room.name]: created } });
  }

  private removeRoom(name: string): void {
    if (!this.state.rooms[name]) return;
    const rooms = { ...this.state.rooms };
    delete rooms[name];
    this.set({ rooms, activeRoom: this.state.activeRoom === name ? null : this.state.activeRoom });
  }

  private setOnline(room: string, user: string, online: boolean): void {
    this.patchRoom(room, (r) => {
      if (r.online === null) return r;
      const has = r.online.includes(user);
      if (online === has) return r;
      const list = online ? [...r.online, user].sort() : r.online.filter((u) => u !== user);
      return { ...r, online: list };
    });
  }

  private onTyping(room: string, user: string): void {
    if (!user || user === this.state.user?.username) return;
    const until = this.now() + this.opts.typingShowMs;
    this.patchRoom(room, (r) => ({ ...r, typing: { ...r.typing, [user]: until } }));
    this.scheduleTypingSweep();
  }

  private scheduleTypingSweep(): void {
    if (this.typingTimer) return;
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      const now = this.now();
      let soonest = Infinity;
      let changed = false;
      const rooms = { ...this.state.rooms };
      for (const r of Object.values(rooms)) {
        const entries = Object.entries(r.typing);
        const keep = entries.filter(([, t]) => t > now);
        for (const [, t] of keep) soonest = Math.min(soonest, t);
        if (keep.length !== entries.length) {
          rooms[r.name] = { ...r, typing: Object.fromEntries(keep) };
          changed = true;
        }
      }
      if (changed) this.set({ rooms });
      if (soonest !== Infinity) this.scheduleTypingSweep();
    }, 500);
  }

  // --------------------------------------------------------- user actions

  /** Opens a room in the view: marks it read and loads its newest page the first time. */
  openRoom(name: string | null): void {
    this.set({ activeRoom: name && this.state.rooms[name] ? name : null });
    if (name && this.state.rooms[name] && this.state.connection === 'open') {
      void this.loadOlder(name, true);
      void this.refreshPresence(name);
    }
  }

  /** Loads the page before the oldest held message; with firstOnly, only when the room has no page yet. */
  async loadOlder(name: string, firstOnly = false): Promise<void> {
    const r = this.state.rooms[name];
    if (!r || r.loadingOlder || (firstOnly && r.opened)) return;
    if (!r.log.hasOlder) {
      if (!r.opened) this.patchRoom(name, (x) => ({ ...x, opened: true }));
      return;
    }
    const gen = this.generation;
    this.patchRoom(name, (x) => ({ ...x, loadingOlder: true, opened: true }));
    try {
      const page = await this.history({ room: name, before: olderCursor(r.log), limit: this.opts.historyPageSize });
      if (gen === this.generation) this.applyPage(name, page, 'before');
    } catch (e) {
      if ((e as Error).message !== DISCONNECTED) this.set({ notice: `Could not load messages: ${errorText(e)}` });
      // allow the next open / reconnect to try again
      if (!this.state.rooms[name]?.log.messages.length) this.patchRoom(name, (x) => ({ ...x, opened: false }));
    } finally {
      this.patchRoom(name, (x) => (x.loadingOlder ? { ...x, loadingOlder: false } : x));
    }
  }

  async refreshPresence(name: string): Promise<void> {
    try {
      await this.request({ type: 'presence', room: name });
    } catch {
      // shown as unknown; the next open or reconnect asks again
    }
  }

  /** Joins (and creates when missing) a room over the socket. */
  async join(name: string): Promise<Room> {
    const f = await this.request({ type: 'join', room: name });
    if (f.type !== 'joined') throw new ProtocolError('internal', `unexpected reply ${f.type}`);
    return f.room;
  }

  async leave(name: string): Promise<void> {
    await this.request({ type: 'leave', room: name });
  }

  /** Returns an error code when the body is refused locally, else queues the send and returns null. */
  send(room: string, body: string): string | null {
    const err = validateBody(body);
    if (err) return err;
    if (!this.state.rooms[room]) return 'not_member';
    const p: PendingMessage = {
      clientMsgId: newClientMsgId(this.random),
      room,
      body,
      status: 'sending',
      createdAt: this.now(),
    };
    this.patchRoom(room, (r) => ({ ...r, pending: [...r.pending, p] }));
    this.lastTypingSent.delete(room);
    if (this.state.connection === 'open') void this.transmit(p);
    return null;
  }

  /** Sends a failed message again with the same clientMsgId, so the server stores it at most once. */
  retry(room: string, clientMsgId: string): void {
    const p = this.state.rooms[room]?.pending.find((x) => x.clientMsgId === clientMsgId);
    if (!p || p.status !== 'failed') return;
    const again: PendingMessage = { ...p, status: 'sending', error: undefined };
    this.updatePending(room, clientMsgId, () => again);
    if (this.state.connection === 'open') void this.transmit(again);
  }

  discard(room: string, clientMsgId: string): void {
    this.patchRoom(room, (r) => ({ ...r, pending: r.pending.filter((x) => x.clientMsgId !== clientMsgId) }));
  }

  private updatePending(room: string, id: string, fn: (p: PendingMessage) => PendingMessage): void {
    this.patchRoom(room, (r) => {
      const i = r.pending.findIndex((x) => x.clientMsgId === id);
      if (i < 0) return r;
      const pending = r.pending.slice();
      pending[i] = fn(pending[i]);
      return { ...r, pending };
    });
  }

  private async transmit(p: PendingMessage): Promise<void> {
    if (this.transmitting.has(p.clientMsgId)) return;
    this.transmitting.add(p.clientMsgId);
    try {
      const f = await this.request({ type: 'send', room: p.room, body: p.body, clientMsgId: p.clientMsgId });
      if (f.type === 'ack') {
        this.updatePending(p.room, p.clientMsgId, (x) =>
          x.status === 'sending' ? { ...x, status: 'sent', id: f.id } : x,
        );
        // the stored message may already be here (another connection, or catch-up)
        const r = this.state.rooms[p.room];
        if (r && r.log.messages.some((m) => m.id === f.id)) this.discard(p.room, p.clientMsgId);
      }
    } catch (e) {
      if ((e as Error).message === DISCONNECTED) return; // still 'sending': resent after reconnecting
      this.updatePending(p.room, p.clientMsgId, (x) =>
        x.status === 'sending' ? { ...x, status: 'failed', error: errorText(e) } : x,
      );
    } finally {
      this.transmitting.delete(p.clientMsgId);
    }
  }

  /** Throttled "is typing" notice: at most one per room per typingIntervalMs. */
  notifyTyping(room: string): void {
    if (this.state.connection !== 'open' || !this.state.rooms[room]) return;
    const now = this.now();
    const last = this.lastTypingSent.get(room);
    if (last !== undefined && now - last < this.opts.typingIntervalMs) return;
    if (this.write({ type: 'typing', room }, true)) this.lastTypingSent.set(room, now);
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }
}

// ---------------------------------------------------------------- helpers

function newRoom(name: string, lastSeq: number, lastReadSeq: number): RoomState {
  return {
    name,
    log: emptyLog(lastSeq),
    pending: [],
    opened: false,
    loadingOlder: false,
    online: null,
    typing: {},
    lastReadSeq: Math.min(lastReadSeq, lastSeq),
  };
}

function detach(s: SocketLike): void {
  s.onopen = null;
  s.onmessage = null;
  s.onclose = null;
  s.onerror = null;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** Unread messages of a room: newer than what was read, not counting our own. */
export function unreadCount(r: RoomState, me: User | null): number {
  const behind = r.log.latestSeq - r.lastReadSeq;
  if (behind <= 0) return 0;
  const mine = me
    ? r.log.messages.filter((m) => m.seq > r.lastReadSeq && m.sender.toLowerCase() === me.username.toLowerCase())
        .length
    : 0;
  return Math.max(0, behind - mine);
}

