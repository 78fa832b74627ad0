import { describe, expect, it } from 'vitest';
import { applyEntry, canDelete, canEdit, canModerate, settleEntries, visibleMessages } from '../src/chat/edits';
import type { Message } from '../src/chat/protocol';
import { applyAfterPage, applyBeforePage, applyLive, emptyLog } from '../src/chat/roomLog';

const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, s)).toISOString();

function msg(seq: number, body = `m${seq}`, sender = 'bob'): Message {
  return { id: `id${seq}`, room: 'r', seq, sender, body, createdAt: at(seq) };
}
function edit(seq: number, target: number, body: string): Message {
  return { ...msg(seq, body), kind: 'edit', target: `id${target}` };
}
function del(seq: number, target: number): Message {
  return { ...msg(seq, ''), kind: 'delete', target: `id${target}` };
}
const shown = (messages: readonly Message[]) => visibleMessages(messages).map((m) => [m.seq, m.body, !!m.deleted]);

describe('edit and delete entries', () => {
  it('an edit changes the body and sets editedAt; a delete empties it for good', () => {
    const edited = applyEntry(msg(1), edit(2, 1, 'fixed'));
    expect(edited).toMatchObject({ body: 'fixed', editedAt: at(2) });
    const deleted = applyEntry(edited, del(3, 1));
    expect(deleted).toMatchObject({ body: '', deleted: true });
    expect(applyEntry(deleted, edit(4, 1, 'back?'))).toBe(deleted);
  });

  it('an older edit does not overwrite a newer state read from history', () => {
    const fromHistory = { ...msg(1, 'third'), editedAt: at(9) };
    expect(applyEntry(fromHistory, edit(5, 1, 'second'))).toBe(fromHistory);
    expect(applyEntry(msg(1), edit(5, 2, 'other target'))).toMatchObject({ body: 'm1' });
  });

  it('live entries update the target in place and are not shown themselves', () => {
    let log = applyAfterPage(emptyLog(0), [msg(1), msg(2)]);
    log = applyLive(log, edit(3, 1, 'm1 fixed')).log;
    log = applyLive(log, del(4, 2)).log;
    expect(shown(log.messages)).toEqual([
      [1, 'm1 fixed', false],
      [2, '', true],
    ]);
    expect(log.syncedSeq).toBe(4); // entries count in the seq log
  });

  it('the later of two edits wins whatever order they arrive in (a gap filled after the newer one)', () => {
    let log = applyAfterPage(emptyLog(0), [msg(1)]);
    const live = applyLive(log, edit(3, 1, 'newest'));
    expect(live.gap).toBe(true);
    log = applyAfterPage(live.log, [edit(2, 1, 'older'), edit(3, 1, 'newest')]);
    expect(shown(log.messages)).toEqual([[1, 'newest', false]]);
  });

  it('a target loaded after its entries (scrolling up) gets them applied', () => {
    let log = applyAfterPage(emptyLog(2), [edit(3, 1, 'edited'), msg(4)]);
    log = applyBeforePage(log, [msg(1, 'original'), msg(2)], false);
    expect(shown(log.messages)).toEqual([
      [1, 'edited', false],
      [2, 'm2', false],
      [4, 'm4', false],
    ]);
  });

  it('settling is a no-op (same array) when nothing is targeted', () => {
    const list = [msg(1), msg(2)];
    expect(settleEntries(list, [msg(2)])).toBe(list);
    expect(visibleMessages(list)).toBe(list);
  });

  it('rights: the sender edits; sender, owner and admins delete; deleted messages take no action', () => {
    const bob = { id: '2', username: 'Bob' };
    const owner = { id: '3', username: 'olga' };
    const admin = { id: '4', username: 'ada', role: 'admin' };
    const m = msg(1);
    expect(canEdit(m, bob)).toBe(true);
    expect(canEdit(m, owner)).toBe(false);
    expect(canDelete(m, bob, 'olga')).toBe(true);
    expect(canDelete(m, owner, 'olga')).toBe(true);
    expect(canDelete(m, owner, 'someone')).toBe(false);
    expect(canDelete(m, admin, 'someone')).toBe(true);
    expect(canDelete({ ...m, deleted: true }, bob, 'olga')).toBe(false);
    expect(canEdit(edit(2, 1, 'x'), bob)).toBe(false);
    expect(canModerate(owner, 'OLGA')).toBe(true);
    expect(canModerate(bob, 'olga')).toBe(false);
    expect(canModerate(null, 'olga')).toBe(false);
  });
});
