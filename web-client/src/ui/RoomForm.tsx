import { useState, type FormEvent } from 'react';
import { api, roomErrorText } from '../api';
import type { ChatClient } from '../chat/ChatClient';
import { ROOM_NAME_PATTERN } from '../chat/protocol';

interface Props {
  client: ChatClient;
  token: string;
  onJoined: (name: string) => void;
  onUnauthorized: (e: unknown) => void;
}

/**
 * Room name + Create room (REST, fails when it exists; private when ticked) / Join (creates a public room when
 * missing; a private one needs an invite).
 */
export function RoomForm({ client, token, onJoined, onUnauthorized }: Props) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [isPrivate, setPrivate] = useState(false);

  async function run(action: 'create' | 'join') {
    const n = name.trim();
    setError(null);
    if (!ROOM_NAME_PATTERN.test(n)) {
      setError('Room names are 1–48 characters: a–z, 0–9, - and _.');
      return;
    }
    setBusy(true);
    try {
      if (action === 'create') await api.createRoom(token, n, isPrivate);
      // join also subscribes this connection (for a room just created over REST, too)
      await client.join(n);
      setName('');
      setPrivate(false);
      onJoined(n);
    } catch (e) {
      onUnauthorized(e);
      setError(roomErrorText(e));
    } finally {
      setBusy(false);
    }
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    void run(submitter?.value === 'create' ? 'create' : 'join');
  }

  return (
    <form className="panel room-form" onSubmit={onSubmit} noValidate>
      <h2 id="room-form-title">Join or create</h2>
      <label htmlFor="room-name">Room name</label>
      <input
        id="room-name"
        value={name}
        onChange={(e) => setName(e.target.value.toLowerCase())}
        placeholder="e.g. general"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={48}
        aria-describedby="room-form-error"
      />
      <label className="check">
        <input
          type="checkbox"
          checked={isPrivate}
          onChange={(e) => setPrivate(e.target.checked)}
          aria-describedby="private-hint"
        />
        Private room
      </label>
      <small id="private-hint" className="muted small">
        Only people you invite can join. Applies to Create room.
      </small>
      <div id="room-form-error" className="error" role="alert">
        {error}
      </div>
      <div className="row">
        <button type="submit" value="join" disabled={busy}>
          Join
        </button>
        <button type="submit" value="create" className="secondary" disabled={busy}>
          Create room
        </button>
      </div>
    </form>
  );
}
