import { ProtocolError, errorText } from './errors';
import { HISTORY_PAGE_MAX, type ClientFrame, type HistoryFrame, type ServerFrame } from './protocol';
import { DISCONNECTED } from './socket';

export type Request = (frame: ClientFrame) => Promise<ServerFrame>;

export interface HistoryQuery {
  room: string;
  before?: number;
  after?: number;
  limit: number;
}

/** A `history` request, retried up to three times after `rate_limited` (waiting as long as the server asks). */
export async function fetchHistory(request: Request, q: HistoryQuery): Promise<HistoryFrame> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await request({ type: 'history', ...q })) as HistoryFrame;
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'rate_limited' && attempt < 3) {
        await delay(e.retryAfterMs ?? 1000);
        continue;
      }
      throw e;
    }
  }
}

/** What a gap fill reads and writes. */
export interface GapFillHost {
  request: Request;
  /** The current connection; a fill stops when it changes. */
  generation(): number;
  /** Everything up to this seq is held; null once the room is gone. */
  syncedSeq(room: string): number | null;
  /** Applies a page of `history after`. */
  apply(room: string, page: HistoryFrame): void;
  notice(text: string): void;
}

/**
 * Fetches what a room missed: pages `history after` from syncedSeq until hasMore is false. One fill per room at a
 * time; a fill asked for while one runs makes that one do another pass.
 */
export class GapFiller {
  /**
   * Rooms with a fill running, the connection it runs on and whether another pass was asked for. An entry of an
   * older connection is stale: its fill gives up without removing it, so it must not block the next one.
   */
  private readonly filling = new Map<string, { gen: number; again: boolean }>();

  constructor(private readonly host: GapFillHost) {}

  async fill(room: string): Promise<void> {
    const host = this.host;
    const gen = host.generation();
    const running = this.filling.get(room);
    if (running && running.gen === gen) {
      running.again = true;
      return;
    }
    const entry = { gen, again: false };
    this.filling.set(room, entry);
    try {
      for (let pass = 0; pass < 2; pass++) {
        let more = true;
        while (more) {
          const after = host.syncedSeq(room);
          if (after === null || gen !== host.generation()) return;
          const page = await fetchHistory(host.request, { room, after, limit: HISTORY_PAGE_MAX });
          if (gen !== host.generation()) return;
          host.apply(room, page);
          more = page.hasMore && page.messages.length > 0;
        }
        if (!entry.again) break;
        entry.again = false;
      }
    } catch (e) {
      if (gen === host.generation() && (e as Error).message !== DISCONNECTED) {
        host.notice(`Could not load missed messages of #${room}: ${errorText(e)}`);
      }
    } finally {
      if (this.filling.get(room) === entry) this.filling.delete(room);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
