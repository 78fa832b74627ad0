import { useState } from 'react';
import { api, roomErrorText } from '../api';
import type { ChatClient, ChatState } from '../chat/ChatClient';
import type { Room } from '../chat/protocol';
import { PrivateTag } from './PrivateTag';

interface Props {
  state: ChatState;
  token: string;
  client: ChatClient;
  onOpen: (name: string) => void;
  onUnauthorized: (e: unknown) => void;
}

/** All rooms on the server (GET /api/rooms); picking one you are not in joins it. */
export function RoomBrowser({ state, token, client, onOpen, onUnauthorized }: Props) {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  async function load() {
    setLoading(true);
    setError(null);
    try {
      setRooms((await api.rooms(token)).sort((a, b) => a.name.localeCompare(b.name)));
    } catch (e) {
      onUnauthorized(e);
      setError(roomErrorText(e));
    } finally {
      setLoading(false);
    }
  }

  async function pick(name: string) {
    setError(null);
    try {
      if (!(name in state.rooms)) await client.join(name);
      onOpen(name);
    } catch (e) {
      setError(roomErrorText(e));
    }
  }

  return (
    <section className="panel" aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms</h2>
      <button
        type="button"
        className="secondary"
        onClick={() => void load()}
        disabled={loading}
        aria-expanded={rooms !== null}
      >
        {rooms === null ? 'Browse rooms' : 'Refresh list'}
      </button>
      <div className="error" role="alert">
        {error}
      </div>
      {rooms && rooms.length === 0 && <p className="muted">No rooms yet.</p>}
      {rooms && rooms.length > 0 && (
        <ul className="room-list" aria-label="All rooms on the server">
          {rooms.map((r) => {
            const member = r.name in state.rooms;
            return (
              <li key={r.name}>
                <button
                  type="button"
                  className="room-item"
                  onClick={() => void pick(r.name)}
                  aria-describedby={member ? undefined : 'browse-hint'}
                >
                  <span className="room-name">
                    #{r.name}
                    <PrivateTag show={r.private} />
                  </span>
                  <span className="muted small">{member ? 'member' : `${r.lastSeq} msgs`}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {rooms && (
        <p id="browse-hint" className="muted small">
          Selecting a room you are not in makes you a member.
        </p>
      )}
    </section>
  );
}
