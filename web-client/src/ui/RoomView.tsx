import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ChatClient, RoomState } from '../chat/ChatClient';
import { canModerate } from '../chat/edits';
import type { User } from '../chat/protocol';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { RoomSettings } from './RoomSettings';

interface Props {
  client: ChatClient;
  room: RoomState;
  me: User;
  token: string;
  onLeft: () => void;
}

function typingText(users: string[]): string {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return `${users.length} people are typing…`;
}

/** One open room: who is online, the messages, who is typing, the composer. */
export function RoomView({ client, room, me, token, onLeft }: Props) {
  const [leaving, setLeaving] = useState(false);
  const [settings, setSettings] = useState(false);
  const typing = Object.keys(room.typing).sort();
  const isPrivate = room.meta?.private === true;
  const owner = room.meta?.owner;
  const moderator = canModerate(me, owner);
  const ownsIt = owner !== undefined && owner.toLowerCase() === me.username.toLowerCase();

  async function leave() {
    setLeaving(true);
    try {
      await client.leave(room.name);
      onLeft();
    } catch {
      setLeaving(false);
    }
  }

  return (
    <>
      {/* One line at every width: the title and who is online shrink with an ellipsis, actions sit in a menu. */}
      <div className="room-header">
        <h1 id="room-title">#{room.name}</h1>
        {isPrivate && <span className="tag">Private</span>}
        {ownsIt && <span className="tag">Owner</span>}
        <div className="online" aria-label="Online in this room" data-testid="online">
          {room.online === null ? (
            <span className="muted small">…</span>
          ) : (
            <>
              <span className="muted small">{room.online.length} online:</span>{' '}
              <ul className="inline-list">
                {room.online.map((u) => (
                  <li key={u} className="online-user">
                    <span className="dot on" aria-hidden="true" />
                    {u}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
        <RoomMenu>
          {(isPrivate || moderator) && (
            <button type="button" className="secondary small" onClick={() => setSettings(true)}>
              {moderator ? 'Members and bans' : 'Invite people'}
            </button>
          )}
          <button type="button" className="secondary small" onClick={() => void leave()} disabled={leaving}>
            Leave room
          </button>
        </RoomMenu>
      </div>
      {settings && (
        <RoomSettings
          token={token}
          room={room.name}
          isPrivate={isPrivate}
          canModerate={moderator}
          onClose={() => setSettings(false)}
        />
      )}
      <MessageList client={client} room={room} me={me} />
      <div className="activity" role="status" data-testid="activity">
        {room.activity}
      </div>
      <div className="typing" aria-live="polite" data-testid="typing">
        {typingText(typing)}
      </div>
      <Composer client={client} room={room.name} />
    </>
  );
}

/** A disclosure button for the room's actions; Escape or a click elsewhere closes it. */
function RoomMenu({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    const onPointer = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);
  return (
    <div className="room-menu" ref={box}>
      <button
        type="button"
        className="icon"
        aria-label="Room options"
        title="Room options"
        aria-expanded={open}
        aria-controls="room-actions"
        onClick={() => setOpen((v) => !v)}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open && (
        // a chosen action closes the menu (the click bubbles up from its button)
        <div id="room-actions" className="room-actions" onClick={() => setOpen(false)}>
          {children}
        </div>
      )}
    </div>
  );
}
