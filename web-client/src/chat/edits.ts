import type { Message, User } from './protocol';

/**
 * Edit and delete entries of a room's log (PROTOCOL.md 1.1). They keep their place in the seq log (so gaps are
 * still found by seq) but are not shown: their effect is applied to the message they target. Pure functions.
 */

/** An edit or delete entry, as opposed to a message to show. */
export function isEntry(m: Message): boolean {
  return m.kind === 'edit' || m.kind === 'delete';
}

/** The messages to show: entries left out. The same array when there is none. */
export function visibleMessages(messages: readonly Message[]): readonly Message[] {
  return messages.some(isEntry) ? messages.filter((m) => !isEntry(m)) : messages;
}

/**
 * The target with one entry applied. A delete is final. An edit wins unless the target already shows a later one
 * (createdAt is ISO-8601 UTC with milliseconds, so text order is time order): a message read from history carries
 * its current state, and entries may arrive after it in any order (a gap filled late, a page read backwards).
 */
export function applyEntry(target: Message, entry: Message): Message {
  if (target.deleted || entry.target !== target.id) return target;
  if (entry.kind === 'delete') return { ...target, body: '', deleted: true };
  if (entry.kind !== 'edit') return target;
  if (target.editedAt !== undefined && entry.createdAt < target.editedAt) return target;
  if (target.body === entry.body && target.editedAt === entry.createdAt) return target;
  return { ...target, body: entry.body, editedAt: entry.createdAt };
}

/**
 * After `fresh` was merged into `messages` (ascending by seq): brings every held message that a fresh entry
 * targets, and every fresh message that held entries target, to its current state. The same array when nothing
 * changes.
 */
export function settleEntries(messages: readonly Message[], fresh: readonly Message[]): readonly Message[] {
  const touched = new Set<string>();
  for (const m of fresh) touched.add(isEntry(m) ? (m.target ?? '') : m.id);
  const entries = messages.filter((m) => isEntry(m) && m.target !== undefined && touched.has(m.target));
  if (entries.length === 0) return messages;
  let out: Message[] | null = null;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (isEntry(m) || !touched.has(m.id)) continue;
    let next = m;
    for (const e of entries) if (e.target === m.id && e.seq > m.seq) next = applyEntry(next, e);
    if (next !== m) {
      out ??= messages.slice();
      out[i] = next;
    }
  }
  return out ?? messages;
}

function same(a: string, b: string | undefined): boolean {
  return b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Only a message's sender may edit it, while it is not deleted. */
export function canEdit(m: Message, me: User | null): boolean {
  return !isEntry(m) && !m.deleted && me !== null && same(me.username, m.sender);
}

/** The sender, the room's owner or an admin may delete a message. */
export function canDelete(m: Message, me: User | null, owner: string | undefined): boolean {
  return !isEntry(m) && !m.deleted && me !== null && (same(me.username, m.sender) || canModerate(me, owner));
}

/** Room owners and admins remove and ban members. */
export function canModerate(me: User | null, owner: string | undefined): boolean {
  return me !== null && (me.role === 'admin' || same(me.username, owner));
}
