import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ChatClient } from '../chat/ChatClient';
import { errorText } from '../chat/errors';
import type { Message } from '../chat/protocol';

export function formatTime(iso: string): { short: string; full: string } {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { short: '', full: iso };
  const sameDay = d.toDateString() === new Date().toDateString();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return {
    short: sameDay ? time : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`,
    full: d.toLocaleString(),
  };
}

// Own messages say "You" (and sit on the right): told apart without relying on colour.
export function Sender({ name, mine }: { name: string; mine: boolean }) {
  return mine ? (
    <span className="sender" title={name}>
      You
    </span>
  ) : (
    <span className="sender">{name}</span>
  );
}

interface Props {
  m: Message;
  mine: boolean;
  canEdit: boolean;
  canDelete: boolean;
  client: ChatClient;
}

type Mode = 'view' | 'edit' | 'confirm';

/**
 * One stored message: "edited" / "deleted" shown in place, and for those with the right an in-place editor and a
 * delete with confirmation. Bodies are rendered as React text children: never parsed as HTML.
 */
export const MessageItem = memo(function MessageItem({ m, mine, canEdit, canDelete, client }: Props) {
  const [mode, setMode] = useState<Mode>('view');
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // after the ack, the new text shows until the edit entry arrives and replaces this message object
  const [saved, setSaved] = useState<{ body: string; of: Message } | null>(null);
  const actionsRef = useRef<HTMLDivElement>(null);
  const returnFocus = useRef(false);
  // back to where the user was once the editor or the confirmation closes: the actions of this message
  useEffect(() => {
    if (mode !== 'view' || !returnFocus.current) return;
    returnFocus.current = false;
    actionsRef.current?.querySelector('button')?.focus();
  }, [mode]);
  const t = formatTime(m.createdAt);
  const body = saved && saved.of === m ? saved.body : m.body;
  const edited = !m.deleted && (m.editedAt !== undefined || (saved !== null && saved.of === m));

  function close() {
    returnFocus.current = true;
    setMode('view');
    setError(null);
  }

  async function save() {
    if (busy) return;
    if (draft === body) {
      close();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.editMessage(m.room, m.id, draft);
      setSaved({ body: draft, of: m });
      close();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await client.deleteMessage(m.room, m.id);
      setMode('view');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  }

  const bodyId = `msg-body-${m.id}`;
  return (
    <li className={`msg ${mine ? 'mine' : 'theirs'}${m.deleted ? ' deleted' : ''}`} data-seq={m.seq} data-id={m.id}>
      <div className="meta">
        <Sender name={m.sender} mine={mine} />{' '}
        <time dateTime={m.createdAt} title={t.full}>
          {t.short}
        </time>
        {edited && (
          <>
            {' '}
            <span className="edited" title={m.editedAt ? `Edited ${formatTime(m.editedAt).full}` : 'Edited'}>
              (edited)
            </span>
          </>
        )}
      </div>
      {m.deleted ? (
        <div className="body tombstone" id={bodyId}>
          This message was deleted.
        </div>
      ) : mode === 'edit' ? (
        <form
          className="edit-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <textarea
            aria-label="Edit message"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKeyDown}
            rows={2}
            autoFocus
          />
          <div className="row">
            <button type="submit" className="small" disabled={busy || draft.trim() === ''}>
              Save
            </button>
            <button type="button" className="small secondary" onClick={close} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="body" id={bodyId}>
          {body}
        </div>
      )}
      {mode === 'confirm' && !m.deleted && (
        <div className="row confirm" role="group" aria-label="Confirm delete">
          <span>Delete this message for everyone?</span>
          <button type="button" className="small danger" onClick={() => void remove()} disabled={busy} autoFocus>
            Delete message
          </button>
          <button type="button" className="small secondary" onClick={close} disabled={busy}>
            Cancel
          </button>
        </div>
      )}
      {mode === 'view' && !m.deleted && (canEdit || canDelete) && (
        <div className="msg-actions" ref={actionsRef}>
          {canEdit && (
            <button
              type="button"
              className="link small"
              aria-describedby={bodyId}
              onClick={() => {
                setDraft(body);
                setError(null);
                setMode('edit');
              }}
            >
              Edit
            </button>
          )}
          {canDelete && (
            <button
              type="button"
              className="link small"
              aria-describedby={bodyId}
              onClick={() => {
                setError(null);
                setMode('confirm');
              }}
            >
              Delete
            </button>
          )}
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </li>
  );
});
