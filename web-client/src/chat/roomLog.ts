import { settleEntries } from './edits';
import type { Message } from './protocol';

/**
 * What the client holds of one room's history: a sorted, seq-unique list of
 * messages plus `syncedSeq`, the seq up to which nothing is missing. Messages
 * past a gap may already be held (they arrived live); they become "synced"
 * once the gap before them is filled. Pure functions: every change returns a
 * new object so React can compare by identity.
 */
export interface RoomLog {
  /** Ascending by seq, no two with the same seq. */
  readonly messages: readonly Message[];
  /** Every message with firstHeldSeq <= seq <= syncedSeq is held. */
  readonly syncedSeq: number;
  /** Highest seq known to exist in the room (from ready, joined or live frames). */
  readonly latestSeq: number;
  /** Whether older messages than messages[0] may exist on the server. */
  readonly hasOlder: boolean;
}

export function emptyLog(lastSeq: number): RoomLog {
  return { messages: [], syncedSeq: lastSeq, latestSeq: lastSeq, hasOlder: lastSeq > 0 };
}

function hasSeq(messages: readonly Message[], seq: number): boolean {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = messages[mid].seq;
    if (s === seq) return true;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Merge without duplicates (by seq), keeping ascending order; edit and delete entries among the new ones are
 * applied to the messages they target (and held entries to new messages).
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  const fresh = incoming.filter((m) => !hasSeq(existing, m.seq));
  if (fresh.length === 0) return existing as Message[];
  const out = existing.concat(fresh);
  out.sort((a, b) => a.seq - b.seq);
  // incoming itself may repeat a seq
  const unique = out.filter((m, i) => i === 0 || out[i - 1].seq !== m.seq);
  return settleEntries(unique, fresh) as Message[];
}

function advanceSynced(messages: readonly Message[], syncedSeq: number): number {
  let s = syncedSeq;
  while (hasSeq(messages, s + 1)) s++;
  return s;
}

export interface LiveResult {
  log: RoomLog;
  /** False when the seq was already held or already synced (the frame is dropped). */
  accepted: boolean;
  /** True when a gap lies between syncedSeq and this message: fetch `after: syncedSeq`. */
  gap: boolean;
}

/** A live `message` frame. */
export function applyLive(log: RoomLog, m: Message): LiveResult {
  const latestSeq = Math.max(log.latestSeq, m.seq);
  if (m.seq <= log.syncedSeq || hasSeq(log.messages, m.seq)) {
    const changed = latestSeq !== log.latestSeq;
    return { log: changed ? { ...log, latestSeq } : log, accepted: false, gap: false };
  }
  const messages = mergeMessages(log.messages, [m]);
  const syncedSeq = advanceSynced(messages, log.syncedSeq);
  return {
    log: { ...log, messages, syncedSeq, latestSeq },
    accepted: true,
    gap: syncedSeq < m.seq,
  };
}

/** A page fetched with `after: log.syncedSeq` (gap fill or catch-up). */
export function applyAfterPage(log: RoomLog, page: readonly Message[]): RoomLog {
  if (page.length === 0) return log;
  const messages = mergeMessages(log.messages, page);
  // history has no gaps: the page covers syncedSeq+1 .. its last seq
  const pageLast = page[page.length - 1].seq;
  const syncedSeq = advanceSynced(messages, Math.max(log.syncedSeq, pageLast));
  return { ...log, messages, syncedSeq, latestSeq: Math.max(log.latestSeq, syncedSeq) };
}

/** A page fetched with `before: firstHeldSeq` (scrolling up, or the first view of a room). */
export function applyBeforePage(log: RoomLog, page: readonly Message[], hasMore: boolean): RoomLog {
  // the page ends below olderCursor(), which never lies past syncedSeq + 1,
  // so it cannot close a gap above syncedSeq by itself
  const messages = mergeMessages(log.messages, page);
  const syncedSeq = advanceSynced(messages, log.syncedSeq);
  return {
    ...log,
    messages,
    syncedSeq,
    latestSeq: Math.max(log.latestSeq, syncedSeq),
    hasOlder: hasMore && messages.length > 0 && messages[0].seq > 1,
  };
}

/**
 * The `before` cursor for loading older messages: the first held message when
 * it is part of the synced run, else just past syncedSeq (messages held beyond
 * a gap are reached by the gap fill, not by paging backwards over the gap).
 */
export function olderCursor(log: RoomLog): number {
  const first = log.messages[0];
  return first !== undefined && first.seq <= log.syncedSeq ? first.seq : log.syncedSeq + 1;
}

/** A server-announced lastSeq (ready, joined): how far behind we are. */
export function noteLatest(log: RoomLog, lastSeq: number): RoomLog {
  return lastSeq > log.latestSeq ? { ...log, latestSeq: lastSeq } : log;
}

export function missing(log: RoomLog): number {
  return Math.max(0, log.latestSeq - log.syncedSeq);
}
