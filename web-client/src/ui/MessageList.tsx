import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import type { ChatClient, RoomState } from '../chat/ChatClient';
import { canDelete, canEdit, visibleMessages } from '../chat/edits';
import type { PendingMessage } from '../chat/pending';
import type { User } from '../chat/protocol';
import { dayKey, dayLabel } from './days';
import { MessageItem, Sender } from './MessageItem';

interface Props {
  client: ChatClient;
  room: RoomState;
  me: User;
}

function DaySeparator({ label }: { label: string }) {
  return (
    <li className="day-separator">
      <span>{label}</span>
    </li>
  );
}

function PendingItem({ p, me, client }: { p: PendingMessage; me: User; client: ChatClient }) {
  return (
    <li className={`msg mine pending ${p.status}`} data-client-msg-id={p.clientMsgId} data-status={p.status}>
      <div className="meta">
        <Sender name={me.username} mine />{' '}
        <span className="status">
          {p.status === 'sending' ? 'Sending…' : p.status === 'sent' ? 'Sent' : `Not sent: ${p.error ?? 'error'}`}
        </span>
      </div>
      <div className="body">{p.body}</div>
      {p.status === 'failed' && (
        <div className="row">
          <button type="button" className="small" onClick={() => client.retry(p.room, p.clientMsgId)}>
            Retry
          </button>
          <button type="button" className="small secondary" onClick={() => client.discard(p.room, p.clientMsgId)}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}

/** Scrollable message list: sticks to the bottom, loads older pages when scrolled to the top. */
export function MessageList({ client, room, me }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const atBottom = useRef(true);
  const lastTop = useRef(0);
  const prev = useRef({ first: undefined as number | undefined, height: 0, pending: 0 });
  const { hasOlder } = room.log;
  // edit and delete entries keep their seq in the log; what they changed shows on their targets
  const messages = useMemo(() => visibleMessages(room.log.messages), [room.log.messages]);
  const owner = room.meta?.owner;
  const { loadingOlder, pending, opened } = room;

  const loadOlder = useCallback(() => {
    void client.loadOlder(room.name);
  }, [client, room.name]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    // Only the reader scrolling up unsticks the list from the bottom: content that grew between our own jump to the
    // bottom and its scroll event (actions appearing once the room's owner is known) must not.
    const up = el.scrollTop < lastTop.current;
    lastTop.current = el.scrollTop;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40 || (atBottom.current && !up);
    if (el.scrollTop < 80 && hasOlder && !loadingOlder && opened) loadOlder();
  };

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const first = messages[0]?.seq;
    const p = prev.current;
    const prepended = p.first !== undefined && first !== undefined && first < p.first;
    if (pending.length > p.pending) atBottom.current = true; // our own new message
    if (prepended && !atBottom.current) el.scrollTop += el.scrollHeight - p.height;
    else if (atBottom.current) el.scrollTop = el.scrollHeight;
    prev.current = { first, height: el.scrollHeight, pending: pending.length };
    // a page that does not fill the view cannot be scrolled up: fetch more right away
    if (el.scrollHeight <= el.clientHeight && hasOlder && !loadingOlder && opened) loadOlder();
  }, [messages, pending, hasOlder, loadingOlder, opened, loadOlder]);

  // The view also changes size without new messages (the composer grows, a phone keyboard opens, fonts load):
  // keep the newest message in view while the reader is at the bottom.
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const keep = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    keep.observe(el);
    if (list.current) keep.observe(list.current);
    return () => keep.disconnect();
  }, []);

  const meLower = me.username.toLowerCase();
  const newest = messages[messages.length - 1];
  const now = new Date();
  const rows: ReactNode[] = [];
  let day: string | undefined;
  for (const m of messages) {
    const d = new Date(m.createdAt);
    const key = Number.isNaN(d.getTime()) ? day : dayKey(d);
    if (key !== undefined && key !== day) rows.push(<DaySeparator key={`day-${key}`} label={dayLabel(d, now)} />);
    day = key;
    rows.push(
      <MessageItem
        key={m.seq}
        m={m}
        mine={m.sender.toLowerCase() === meLower}
        canEdit={canEdit(m, me)}
        canDelete={canDelete(m, me, owner)}
        client={client}
      />,
    );
  }
  if (pending.length > 0 && day !== dayKey(now)) rows.push(<DaySeparator key="day-pending" label="Today" />);
  for (const p of pending) rows.push(<PendingItem key={p.clientMsgId} p={p} me={me} client={client} />);
  return (
    <div className="messages" ref={scroller} onScroll={onScroll} tabIndex={0} aria-labelledby="room-title">
      <div className="older">
        {hasOlder ? (
          <button type="button" className="link" onClick={loadOlder} disabled={loadingOlder}>
            {loadingOlder ? 'Loading…' : 'Load older messages'}
          </button>
        ) : opened ? (
          <span className="muted small">{messages.length ? 'Start of the room' : 'No messages yet. Say hello!'}</span>
        ) : (
          <span className="muted small">Loading…</span>
        )}
      </div>
      <ul role="list" aria-label="Messages" className="message-list" ref={list}>
        {rows}
      </ul>
      {/* screen readers hear the newest message from others, not every page loaded */}
      <div className="visually-hidden" aria-live="polite">
        {newest && newest.sender.toLowerCase() !== meLower && !newest.deleted ? `${newest.sender}: ${newest.body}` : ''}
      </div>
    </div>
  );
}
