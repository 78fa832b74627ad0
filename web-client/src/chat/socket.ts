import { Backoff } from './backoff';
import { ProtocolError } from './errors';
import { TokenBucket } from './limiter';
import {
  CLOSE_ACCOUNT_DISABLED,
  CLOSE_TOKEN_EXPIRED,
  SUBPROTOCOL,
  bearerSubprotocol,
  type ClientFrame,
  type ServerFrame,
} from './protocol';

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

export type AuthCheck = () => Promise<'ok' | 'unauthorized' | 'unreachable'>;

/** The message of a request's error when the socket closed (or was not open) before the answer came. */
export const DISCONNECTED = 'disconnected';

export interface ConnectionOptions {
  url: string;
  token: string;
  socketFactory?: SocketFactory;
  /** Asked after a connection failed before opening: a 401 upgrade looks like 1006 in a browser. */
  checkAuth?: AuthCheck;
  random: () => number;
  now: () => number;
  backoffBaseMs: number;
  backoffCapMs: number;
  requestTimeoutMs: number;
  pingIntervalMs: number;
}

/** What the connection tells its owner. */
export interface ConnectionEvents {
  /** Every frame received, after the request it answers (if any) was settled. */
  frame(f: ServerFrame): void;
  /** A socket is being opened (reconnectAt null), or the next attempt starts at reconnectAt (epoch ms). */
  status(connection: 'connecting' | 'reconnecting', reconnectAt: number | null): void;
  /** The token is no longer accepted (close 4001, or REST says 401 after a failed upgrade). */
  authExpired(): void;
  /** The account was disabled (close 4003): reconnecting is pointless. */
  accountDisabled?(): void;
}

interface InFlight {
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

const defaultFactory: SocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike;

/**
 * One WebSocket at a time with reconnect (jittered backoff), ping, a rate-limited outbox and request/answer
 * matching by `ref` (Phoenix's socket.js and push.js in one). It knows nothing about rooms.
 */
export class Connection {
  private readonly factory: SocketFactory;
  private readonly backoff: Backoff;
  private readonly bucket: TokenBucket;
  private socket: SocketLike | null = null;
  /** Bumped for every new socket; events of older sockets are ignored. */
  private gen = 0;
  private stopped = false;
  private readyOnce = false;
  private nextRef = 0;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly outbox: string[] = [];
  private outboxTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.factory = options.socketFactory ?? defaultFactory;
    this.backoff = new Backoff({ baseMs: options.backoffBaseMs, capMs: options.backoffCapMs, random: options.random });
    this.bucket = new TokenBucket(30, 15, options.now);
  }

  /** Changes with every socket: work started for one socket checks it before touching the state. */
  get generation(): number {
    return this.gen;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Closes for good; requests waiting for an answer fail with DISCONNECTED. */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    this.gen++;
    if (s) {
      detach(s);
      try {
        s.close(1000, 'bye');
      } catch {
        // already closed
      }
    }
    this.failInFlight();
  }

  /** Skips the backoff wait. */
  reconnectNow(): void {
    if (this.stopped) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connect();
  }

  /** The server accepted the connection (`ready`): the backoff starts over and pings begin. */
  ready(): void {
    this.readyOnce = true;
    this.backoff.reset();
    this.startPing();
  }

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.gen;
    let opened = false;
    this.events.status(this.readyOnce ? 'reconnecting' : 'connecting', null);
    let socket: SocketLike;
    try {
      socket = this.factory(this.options.url, [SUBPROTOCOL, bearerSubprotocol(this.options.token)]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (gen !== this.gen) return;
      opened = true;
    };
    socket.onmessage = (ev) => {
      if (gen !== this.gen) return;
      if (typeof ev.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(ev.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame && typeof frame === 'object' && typeof frame.type === 'string') this.receive(frame);
    };
    socket.onerror = () => {
      // onclose follows and decides
    };
    socket.onclose = (ev) => {
      if (gen !== this.gen) return;
      this.onClose(ev.code, opened);
    };
  }

  private onClose(code: number, opened: boolean): void {
    this.socket = null;
    this.gen++;
    this.stopPing();
    this.failInFlight();
    this.outbox.length = 0;
    if (this.stopped) return;
    if (code === CLOSE_TOKEN_EXPIRED) {
      this.events.authExpired();
      return;
    }
    if (code === CLOSE_ACCOUNT_DISABLED) {
      this.stopped = true;
      (this.events.accountDisabled ?? this.events.authExpired)();
      return;
    }
    const checkAuth = this.options.checkAuth;
    if (!opened && checkAuth) {
      // a refused upgrade (401) is indistinguishable from a dead server here: ask REST
      this.scheduleReconnect();
      checkAuth().then(
        (r) => {
          if (r === 'unauthorized' && !this.stopped) this.events.authExpired();
        },
        () => undefined,
      );
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
    this.events.status('reconnecting', this.options.now() + delay);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.outboxTimer) clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
    this.stopPing();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      const gen = this.gen;
      this.request({ type: 'ping' }).catch((e: Error) => {
        // no pong in time on a socket that is still ours: treat it as dead
        if (e.message === 'timeout' && gen === this.gen && this.socket) this.dropSocket();
      });
    }, this.options.pingIntervalMs);
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

  /** Sends a frame now or after the outbox; false when there is no open socket (or a low-priority frame would wait). */
  write(frame: ClientFrame, lowPriority = false): boolean {
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
    this.outboxTimer = setTimeout(
      () => {
        this.outboxTimer = null;
        const s = this.socket;
        if (!s || s.readyState !== OPEN) {
          this.outbox.length = 0;
          return;
        }
        while (this.outbox.length > 0 && this.bucket.tryTake()) s.send(this.outbox.shift()!);
        if (this.outbox.length > 0) this.drainLater();
      },
      Math.max(1, this.bucket.waitMs()),
    );
  }

  /**
   * Sends a frame with a fresh `ref` and resolves with the answer carrying it; rejects with a ProtocolError for an
   * `error` answer, `timeout` without an answer in time, DISCONNECTED when the socket is gone.
   */
  request(frame: ClientFrame, timeoutMs = this.options.requestTimeoutMs): Promise<ServerFrame> {
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

  private receive(f: ServerFrame): void {
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
    this.events.frame(f);
  }
}

function detach(s: SocketLike): void {
  s.onopen = null;
  s.onmessage = null;
  s.onclose = null;
  s.onerror = null;
}
