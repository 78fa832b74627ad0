import type { ChatState, ConnectionState } from '../chat/ChatClient';
import { unreadCount } from '../chat/readMarkers';
import { PrivateTag } from './PrivateTag';

// Only the first connection is "loading": once it failed, the list is empty because we are offline.
function emptyText(connection: ConnectionState): string {
  switch (connection) {
    case 'open':
      return 'You are in no room yet.';
    case 'connecting':
      return 'Loading…';
    case 'reconnecting':
    case 'closed':
      return 'Not connected: your rooms show here once the connection is back.';
  }
}

/** The rooms the user belongs to, with unread counts on the ones not open. */
export function RoomList({ state, onSelect }: { state: ChatState; onSelect: (name: string) => void }) {
  const rooms = Object.values(state.rooms).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <nav aria-labelledby="my-rooms-title" className="panel">
      <h2 id="my-rooms-title">Your rooms</h2>
      {rooms.length === 0 ? (
        <p className="muted">{emptyText(state.connection)}</p>
      ) : (
        <ul className="room-list">
          {rooms.map((r) => {
            const active = r.name === state.activeRoom;
            const unread = active ? 0 : unreadCount(r, state.user);
            return (
              <li key={r.name}>
                <button
                  type="button"
                  className={`room-item ${active ? 'active' : ''}`}
                  aria-current={active ? 'page' : undefined}
                  onClick={() => onSelect(r.name)}
                  data-room={r.name}
                >
                  <span className="room-name">
                    #{r.name}
                    <PrivateTag show={r.meta?.private} />
                  </span>
                  {unread > 0 && (
                    <span className="badge" data-testid="unread">
                      {unread > 99 ? '99+' : unread}
                      <span className="visually-hidden"> unread</span>
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
