import { useState } from 'react';
import { roomErrorText } from '../api';
import type { ChatClient, ChatState } from '../chat/ChatClient';

interface Props {
  state: ChatState;
  client: ChatClient;
  onJoined: (name: string) => void;
}

/** Private rooms the user was invited to (from `GET /api/me`): accepting joins the room. */
export function Invites({ state, client, onJoined }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function accept(name: string) {
    setError(null);
    setBusy(true);
    try {
      await client.join(name);
      onJoined(name);
    } catch (e) {
      setError(roomErrorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function check() {
    setBusy(true);
    try {
      await client.refreshAccount();
    } finally {
      setBusy(false);
    }
  }

  const { invites } = state;
  return (
    <section className="panel" aria-labelledby="invites-title">
      <h2 id="invites-title">Invitations</h2>
      {invites.length === 0 ? (
        <p className="muted small">No invitations.</p>
      ) : (
        <ul className="room-list" aria-labelledby="invites-title">
          {invites.map((r) => (
            <li key={r.name} className="invite">
              <span className="room-name">
                #{r.name}
                {r.owner && <span className="muted small"> from {r.owner}</span>}
              </span>
              <button type="button" className="small" onClick={() => void accept(r.name)} disabled={busy}>
                Accept <span className="visually-hidden">invitation to #{r.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="error" role="alert">
        {error}
      </div>
      <button type="button" className="link small check-invites" onClick={() => void check()} disabled={busy}>
        Check for invitations
      </button>
    </section>
  );
}
