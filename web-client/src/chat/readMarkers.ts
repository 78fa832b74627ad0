import { isEntry } from './edits';
import type { User } from './protocol';
import type { RoomLog } from './roomLog';

export type MarkerStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** Per user, the last read seq of each room, kept in storage (`parley.lastRead.<username>`) across visits. */
export class ReadMarkers {
  constructor(private readonly storage: MarkerStorage | null | undefined) {}

  /** Room → last read seq; empty when nothing (or nothing readable) is stored. */
  load(user: User): Record<string, number> {
    try {
      const raw = this.storage?.getItem(key(user));
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
    } catch {
      return {};
    }
  }

  save(user: User | null, room: string, seq: number): void {
    if (!this.storage || !user) return;
    try {
      const all = this.load(user);
      all[room] = seq;
      this.storage.setItem(key(user), JSON.stringify(all));
    } catch {
      // storage full or disabled: unread counts just restart next time
    }
  }
}

function key(user: User): string {
  return `parley.lastRead.${user.username.toLowerCase()}`;
}

/** Unread messages of a room: newer than what was read, not counting our own nor edits and deletions. */
export function unreadCount(r: { readonly log: RoomLog; readonly lastReadSeq: number }, me: User | null): number {
  const behind = r.log.latestSeq - r.lastReadSeq;
  if (behind <= 0) return 0;
  const name = me?.username.toLowerCase();
  const notCounted = r.log.messages.filter(
    (m) => m.seq > r.lastReadSeq && (isEntry(m) || m.sender.toLowerCase() === name),
  ).length;
  return Math.max(0, behind - notCounted);
}
