import { useCallback, useState, type FormEvent } from 'react';
import { actionErrorText, api, type Ban } from '../api';
import { useLoad } from './useLoad';

interface Props {
  token: string;
  room: string;
  /** Private rooms take invites (from any member). */
  isPrivate: boolean;
  /** The room's owner or an admin: remove and ban members. */
  canModerate: boolean;
  onClose: () => void;
}

/** The room's settings under its header: invite by username, and for moderators remove, ban and lift bans. */
export function RoomSettings({ token, room, isPrivate, canModerate, onClose }: Props) {
  return (
    <section className="room-settings" aria-labelledby="room-settings-title">
      <div className="row settings-head">
        <h2 id="room-settings-title">Room settings</h2>
        <button type="button" className="icon" onClick={onClose}>
          Close settings
        </button>
      </div>
      {isPrivate && <InviteForm token={token} room={room} />}
      {canModerate && <Moderation token={token} room={room} />}
      {!isPrivate && !canModerate && <p className="muted small">Public room: anyone can join it by name.</p>}
    </section>
  );
}

/** A form with one username field; `run` returns the success text. */
function UserForm({
  id,
  label,
  actions,
}: {
  id: string;
  label: string;
  actions: { name: string; text: string; run: (username: string) => Promise<string> }[];
}) {
  const [username, setUsername] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const action = actions.find((a) => a.name === submitter?.value) ?? actions[0];
    const name = username.trim();
    if (!name) {
      setResult({ ok: false, text: 'Enter a username.' });
      return;
    }
    setBusy(true);
    setResult(null);
    try {
      setResult({ ok: true, text: await action.run(name) });
      setUsername('');
    } catch (err) {
      setResult({ ok: false, text: actionErrorText(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel" onSubmit={(e) => void onSubmit(e)} noValidate>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        autoCapitalize="none"
        spellCheck={false}
        maxLength={32}
        aria-describedby={`${id}-result`}
      />
      <div className="row">
        {actions.map((a, i) => (
          <button
            key={a.name}
            type="submit"
            value={a.name}
            className={i === 0 ? 'small' : 'small secondary'}
            disabled={busy}
          >
            {a.text}
          </button>
        ))}
      </div>
      <div id={`${id}-result`} className={result?.ok ? 'ok small' : 'error'} role={result?.ok ? 'status' : 'alert'}>
        {result?.text}
      </div>
    </form>
  );
}

function InviteForm({ token, room }: { token: string; room: string }) {
  return (
    <UserForm
      id="invite-username"
      label="Invite by username"
      actions={[
        {
          name: 'invite',
          text: 'Invite',
          run: async (u) => {
            await api.invite(token, room, u);
            return `Invited ${u}. They see the invitation under Invitations.`;
          },
        },
      ]}
    />
  );
}

function Moderation({ token, room }: { token: string; room: string }) {
  const {
    data: bans,
    error,
    setError,
    reload: load,
  } = useLoad<Ban[]>(useCallback(() => api.bans(token, room), [token, room]));

  async function lift(username: string) {
    try {
      await api.unban(token, room, username);
      await load();
    } catch (e) {
      setError(actionErrorText(e));
    }
  }

  return (
    <>
      <UserForm
        id="moderate-username"
        label="Member username"
        actions={[
          {
            name: 'remove',
            text: 'Remove from room',
            run: async (u) => {
              await api.removeMember(token, room, u);
              return `Removed ${u} from #${room}.`;
            },
          },
          {
            name: 'ban',
            text: 'Ban',
            run: async (u) => {
              await api.ban(token, room, u);
              await load();
              return `Banned ${u} from #${room}.`;
            },
          },
        ]}
      />
      <div className="panel">
        <h3 id="bans-title">Banned users</h3>
        <div className="error" role="alert">
          {error}
        </div>
        {bans === null ? (
          <p className="muted small">Loading…</p>
        ) : bans.length === 0 ? (
          <p className="muted small">Nobody is banned.</p>
        ) : (
          <ul className="plain-list" aria-labelledby="bans-title">
            {bans.map((b) => (
              <li key={b.username} className="row">
                <span>
                  {b.username} <span className="muted small">by {b.by}</span>
                </span>
                <button type="button" className="small secondary" onClick={() => void lift(b.username)}>
                  Lift ban <span className="visually-hidden">of {b.username}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}
