import type { Me } from '../api';
import { AccountSync } from './account';
import { GapFiller, fetchHistory } from './catchUp';
import { ProtocolError, describeError, errorText } from './errors';
import { resolvePending, validateBody, type PendingMessage } from './pending';
import { deleteMessage, editMessage } from './messageActions';
import type {
  ClientFrame,
  HistoryFrame,
  LeftFrame,
  MemberFrame,
  Message,
  ReadyFrame,
  Room,
  ServerFrame,
  User,
} from './protocol';
import { ReadMarkers } from './readMarkers';
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
import { Sender, newPending, withPending } from './sends';
import { Connection, DISCONNECTED, type AuthCheck, type SocketFactory } from './socket';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

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
  /** The latest moderation event of the room ("bob was removed by alice"), shown in the room. */
  readonly activity: string | null;
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
  /** 1.1: private rooms the user is invited to and has not joined (from `GET /api/me`). */
  readonly invites: readonly Room[];
  /** 1.1: the server closed the connection with 4003; the client no longer reconnects. */
  readonly accountDisabled: boolean;
}

export interface ChatClientOptions {
  url: string;
  token: string;
  socketFactory?: SocketFactory;
  /** Asked after a connection failed before opening: a 401 upgrade looks like 1006 in a browser. */
  checkAuth?: AuthCheck;
  /** Called once when the token is no longer accepted (close 4001 or 401). */
  onAuthExpired?: () => void;
  /** Called once when the server closed the connection because the account was disabled (4003). */
  onAccountDisabled?: () => void;
  /** `GET /api/me`, for the 1.1 data `ready` does not carry (invites, private, owner, role). */
  loadAccount?: () => Promise<Me>;
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

/** Before the first connection: nothing known yet. */
export const INITIAL_STATE: ChatState = {
  connection: 'connecting',
  reconnectAt: null,
  server: null,
  user: null,
  rooms: {},
  activeRoom: null,
  notice: null,
  invites: [],
  accountDisabled: false,
};

/**
 * Framework-free client for PROTOCOL.md v1 and 1.1: the store React reads through subscribe()/getState()
 * (useSyncExternalStore) and the dispatcher of server frames. The socket, catch-up, sends, read markers, edit/delete
 * entries, message actions and the account data of `GET /api/me` are their own modules.
 */
export class ChatClient {
  private state: ChatState = INITIAL_STATE;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly connection: Connection;
  private readonly request: (frame: ClientFrame) => Promise<ServerFrame>;
  private readonly gaps: GapFiller;
  private readonly sender: Sender;
  private readonly markers: ReadMarkers;
  private readonly account: AccountSync | null;
  private readonly opts: Required<
    Pick<ChatClientOptions, 'typingIntervalMs' | 'typingShowMs' | 'catchUpLimit' | 'historyPageSize'>
  >;

  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly lastTypingSent = new Map<string, number>();

  constructor(private readonly options: ChatClientOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.opts = {
      typingIntervalMs: options.typingIntervalMs ?? 3_000,
      typingShowMs: options.typingShowMs ?? 5_000,
      catchUpLimit: options.catchUpLimit ?? 1_000,
      historyPageSize: options.historyPageSize ?? 50,
    };
    this.markers = new ReadMarkers(options.storage);
    this.connection = new Connection(
      {
        url: options.url,
        token: options.token,
        socketFactory: options.socketFactory,
        checkAuth: options.checkAuth,
        random: this.random,
        now: this.now,
        backoffBaseMs: options.backoffBaseMs ?? 500,
        backoffCapMs: options.backoffCapMs ?? 15_000,
        requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
        pingIntervalMs: options.pingIntervalMs ?? 20_000,
      },
      {
        frame: (f) => this.onFrame(f),
        status: (connection, reconnectAt) => this.set({ connection, reconnectAt }),
        authExpired: () => this.authExpired(),
        accountDisabled: () => this.accountDisabled(),
      },
    );
    this.request = (frame) => this.connection.request(frame);
    this.gaps = new GapFiller({
      request: this.request,
      generation: () => this.connection.generation,
      syncedSeq: (room) => this.state.rooms[room]?.log.syncedSeq ?? null,
      apply: (room, page) => this.applyPage(room, page, 'after'),
      notice: (notice) => this.set({ notice }),
    });
    this.sender = new Sender({
      request: this.request,
      update: (room, id, fn) => this.updatePending(room, id, fn),
      discard: (room, id) => this.discard(room, id),
      holds: (room, id) => this.state.rooms[room]?.log.messages.some((m) => m.id === id) ?? false,
    });
    const load = options.loadAccount;
    this.account = load
      ? new AccountSync(load, { generation: () => this.connection.generation, apply: (me) => this.applyAccount(me) })
      : null;
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
    this.markers.save(s.user, r.name, r.log.latestSeq);
    return { ...s, rooms: { ...s.rooms, [r.name]: { ...r, lastReadSeq: r.log.latestSeq } } };
  }

  // ---------------------------------------------------------- connection

  start(): void {
    this.connection.start();
  }

  /** Closes for good (log out). */
  stop(): void {
    this.connection.stop();
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = null;
    this.set({ connection: 'closed', reconnectAt: null });
  }

  /** Skip the backoff wait (a "reconnect now" button, the browser going online). */
  reconnectNow(): void {
    if (this.state.connection !== 'reconnecting') return;
    this.connection.reconnectNow();
  }

  private authExpired(): void {
    this.stop();
    this.set({ notice: 'Your session has expired. Please log in again.' });
    this.options.onAuthExpired?.();
  }

  private accountDisabled(): void {
    this.stop();
    this.set({ accountDisabled: true, notice: describeError('account_disabled') });
    this.options.onAccountDisabled?.();
  }

  // -------------------------------------------------------------- input

  /** Every frame from the server; answers to requests were settled by the connection already. */
  private onFrame(f: ServerFrame): void {
    const ref = 'ref' in f ? f.ref : undefined;
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
        this.onLeft(f);
        break;
      case 'member':
        this.onMember(f);
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
    this.connection.ready();
    // keep the role /api/me told until it is loaded again (a server may leave it out of ready)
    const old = this.state.user;
    const user =
      f.user && f.user.role === undefined && old?.role !== undefined && old.username === f.user.username
        ? { ...f.user, role: old.role }
        : f.user;
    const saved = this.markers.load(user);
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
        if (saved[name] === undefined) this.markers.save(user, name, lastSeq);
      }
    }
    const activeRoom = this.state.activeRoom && rooms[this.state.activeRoom] ? this.state.activeRoom : null;
    this.set({ connection: 'open', reconnectAt: null, server: f.server ?? null, user, rooms, activeRoom });
    void this.catchUp();
    void this.account?.refresh();
  }

  /** After (re)connecting: fetch exactly what each room missed, then resend unacknowledged sends. */
  private async catchUp(): Promise<void> {
    const gen = this.connection.generation;
    const fills = Object.values(this.state.rooms)
      .filter((r) => missing(r.log) > 0)
      .map((r) => this.gaps.fill(r.name));
    const active = this.state.activeRoom;
    if (active) {
      void this.loadOlder(active, true);
      void this.refreshPresence(active);
    }
    await Promise.all(fills);
    if (gen !== this.connection.generation) return;
    for (const r of Object.values(this.state.rooms)) {
      for (const p of r.pending) if (p.status === 'sending') void this.sender.transmit(p);
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
    if (res.gap) void this.gaps.fill(m.room);
  }

  private addRoom(room: Room): void {
    if (!room || typeof room.name !== 'string') return;
    if (this.state.invites.some((r) => r.name === room.name)) {
      this.set({ invites: this.state.invites.filter((r) => r.name !== room.name) });
    }
    const existing = this.state.rooms[room.name];
    const lastSeq = typeof room.lastSeq === 'number' ? room.lastSeq : 0;
    if (existing) {
      this.patchRoom(room.name, (r) => ({ ...r, meta: room, log: noteLatest(r.log, lastSeq) }));
      if (missing(this.state.rooms[room.name].log) > 0) void this.gaps.fill(room.name);
      return;
    }
    const created = { ...newRoom(room.name, lastSeq, lastSeq), meta: room };
    this.markers.save(this.state.user, room.name, lastSeq);
    this.set({ rooms: { ...this.state.rooms, [room.name]: created } });
  }

  /** `left`: we left here or on another connection, or (1.1, with `by`) a moderator removed us. */
  private onLeft(f: LeftFrame): void {
    const had = f.room in this.state.rooms;
    this.removeRoom(f.room);
    if (had && typeof f.by === 'string') {
      this.set({ notice: `You are no longer in #${f.room}: removed by ${f.by}.` });
      // a removal keeps an earlier invitation of a private room: it shows again
      void this.account?.refresh();
    }
  }

  private onMember(f: MemberFrame): void {
    this.setOnline(f.room, f.user, f.action === 'joined');
    if (f.action === 'removed' || f.action === 'banned') {
      const what = f.action === 'banned' ? 'was banned' : 'was removed';
      const activity = `${f.user} ${what}${f.by ? ` by ${f.by}` : ''}.`;
      this.patchRoom(f.room, (r) => ({ ...r, activity }));
    }
  }

  /** The 1.1 account data from `GET /api/me`: the role, each room's private/owner, the open invites. */
  private applyAccount(me: Me): void {
    const rooms = { ...this.state.rooms };
    let changed = false;
    for (const meta of Array.isArray(me.rooms) ? me.rooms : []) {
      const r = meta && rooms[meta.name];
      if (!r) continue;
      rooms[meta.name] = { ...r, meta: { ...r.meta, ...meta } };
      changed = true;
    }
    const invites = (Array.isArray(me.invites) ? me.invites : []).filter((r) => r && !(r.name in this.state.rooms));
    const role = me.user?.role;
    const user = this.state.user && role !== this.state.user.role ? { ...this.state.user, role } : this.state.user;
    this.set({ invites, user, ...(changed ? { rooms } : {}) });
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
    const gen = this.connection.generation;
    this.patchRoom(name, (x) => ({ ...x, loadingOlder: true, opened: true }));
    try {
      const page = await fetchHistory(this.request, {
        room: name,
        before: olderCursor(r.log),
        limit: this.opts.historyPageSize,
      });
      if (gen === this.connection.generation) this.applyPage(name, page, 'before');
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
    const p = newPending(room, body, this.random, this.now());
    this.patchRoom(room, (r) => ({ ...r, pending: [...r.pending, p] }));
    this.lastTypingSent.delete(room);
    if (this.state.connection === 'open') void this.sender.transmit(p);
    return null;
  }

  /** Sends a failed message again with the same clientMsgId, so the server stores it at most once. */
  retry(room: string, clientMsgId: string): void {
    const p = this.state.rooms[room]?.pending.find((x) => x.clientMsgId === clientMsgId);
    if (!p || p.status !== 'failed') return;
    const again: PendingMessage = { ...p, status: 'sending', error: undefined };
    this.updatePending(room, clientMsgId, () => again);
    if (this.state.connection === 'open') void this.sender.transmit(again);
  }

  discard(room: string, clientMsgId: string): void {
    this.patchRoom(room, (r) => ({ ...r, pending: r.pending.filter((x) => x.clientMsgId !== clientMsgId) }));
  }

  private updatePending(room: string, id: string, fn: (p: PendingMessage) => PendingMessage): void {
    this.patchRoom(room, (r) => {
      const pending = withPending(r.pending, id, fn);
      return pending === r.pending ? r : { ...r, pending };
    });
  }

  /** Throttled "is typing" notice: at most one per room per typingIntervalMs. */
  notifyTyping(room: string): void {
    if (this.state.connection !== 'open' || !this.state.rooms[room]) return;
    const now = this.now();
    const last = this.lastTypingSent.get(room);
    if (last !== undefined && now - last < this.opts.typingIntervalMs) return;
    if (this.connection.write({ type: 'typing', room }, true)) this.lastTypingSent.set(room, now);
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  /** Loads invites, rooms' private/owner and the role again (`GET /api/me`). */
  async refreshAccount(): Promise<void> {
    await this.account?.refresh();
  }

  /** Edits one's own message; resolves on `ack`, the edit entry then updates the message in place. */
  async editMessage(room: string, id: string, body: string): Promise<void> {
    await editMessage(this.request, room, id, body, this.random);
  }

  /** Deletes a message (one's own, or any as the room's owner or an admin); resolves on `ack`. */
  async deleteMessage(room: string, id: string): Promise<void> {
    await deleteMessage(this.request, room, id);
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
    activity: null,
  };
}
