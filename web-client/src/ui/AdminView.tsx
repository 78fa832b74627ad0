import { useCallback, useState, type FormEvent } from 'react';
import { adminApi, type AdminUser, type Overview } from '../adminApi';
import type { Room } from '../chat/protocol';
import { PrivateTag } from './PrivateTag';
import { Pager } from './Pager';
import { useLoad } from './useLoad';
import { usePages } from './usePages';

interface Props {
  token: string;
  me: string;
  onClose: () => void;
}

/** The admin page (only linked for `role: "admin"`; the server refuses everyone else): overview, users, rooms. */
export function AdminView({ token, me, onClose }: Props) {
  return (
    <div className="admin">
      <div className="room-header">
        <h1 id="admin-title">Administration</h1>
        <button type="button" className="secondary small back" onClick={onClose}>
          Back to chat
        </button>
      </div>
      <div className="admin-body">
        <OverviewPanel token={token} />
        <UsersPanel token={token} me={me} />
        <RoomsPanel token={token} />
      </div>
    </div>
  );
}

function OverviewPanel({ token }: { token: string }) {
  const { data, error, reload: load } = useLoad<Overview>(useCallback(() => adminApi.overview(token), [token]));

  const depth = data?.queue.reduce((n, q) => n + q.depth, 0) ?? 0;
  return (
    <section className="admin-panel" aria-labelledby="overview-title">
      <div className="row">
        <h2 id="overview-title">Overview</h2>
        <button type="button" className="link small" onClick={() => void load()}>
          Refresh overview
        </button>
      </div>
      <div className="error" role="alert">
        {error}
      </div>
      {data && (
        <dl className="stats">
          <div>
            <dt>Stored in the last minute</dt>
            <dd data-testid="stored-last-minute">{data.storedLastMinute}</dd>
          </div>
          <div>
            <dt>Queued</dt>
            <dd>
              {depth} in {data.queue.length} partitions
            </dd>
          </div>
          <div>
            <dt>Replicas</dt>
            <dd>
              <ul className="plain-list" aria-label="Replicas">
                {data.replicas.map((r) => (
                  <li key={r.id}>
                    {r.id}: {r.connections} {r.connections === 1 ? 'connection' : 'connections'}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
          <div>
            <dt>Workers</dt>
            <dd>
              <ul className="plain-list" aria-label="Workers">
                {data.workers.map((w) => (
                  <li key={w.id}>
                    {w.id}: partitions {w.partitions.length ? w.partitions.join(', ') : 'none'}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}

function UsersPanel({ token, me }: { token: string; me: string }) {
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const fetchPage = useCallback(
    async (after?: string) => {
      const r = await adminApi.users(token, applied, after);
      return { items: r.users, hasMore: r.hasMore };
    },
    [token, applied],
  );
  const { page, error, status, change, next, previous } = usePages<AdminUser>(fetchPage, (u) => u.username);

  function search(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setApplied(query.trim());
  }

  const toggle = (u: AdminUser) =>
    change(async () => {
      if (u.disabled) await adminApi.enable(token, u.username);
      else await adminApi.disable(token, u.username);
      return `${u.username} is ${u.disabled ? 'enabled' : 'disabled'}.`;
    });

  return (
    <section className="admin-panel" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <form className="row" role="search" onSubmit={search}>
        <label htmlFor="user-search">Search users</label>
        <input
          id="user-search"
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Username starts with…"
          autoCapitalize="none"
          spellCheck={false}
        />
        <button type="submit" className="small">
          Search
        </button>
      </form>
      <div className="error" role="alert">
        {error}
      </div>
      <div className="ok small" role="status">
        {status}
      </div>
      {page && page.items.length === 0 && <p className="muted">No users found.</p>}
      {page && page.items.length > 0 && (
        <table className="admin-table" aria-labelledby="users-title">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((u) => (
              <tr key={u.id ?? u.username}>
                <th scope="row">{u.username}</th>
                <td>{u.role === 'admin' ? 'admin' : 'user'}</td>
                <td>{u.disabled ? 'disabled' : 'active'}</td>
                <td>
                  {u.username.toLowerCase() !== me.toLowerCase() && (
                    <button type="button" className="small secondary" onClick={() => void toggle(u)}>
                      {u.disabled ? 'Enable' : 'Disable'} <span className="visually-hidden">{u.username}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager what="users" previous={previous} next={next} />
    </section>
  );
}

function RoomsPanel({ token }: { token: string }) {
  const [confirm, setConfirm] = useState<string | null>(null);
  const fetchPage = useCallback(
    async (after?: string) => {
      const r = await adminApi.rooms(token, after);
      return { items: r.rooms, hasMore: r.hasMore };
    },
    [token],
  );
  const { page, error, status, change, next, previous } = usePages<Room>(fetchPage, (r) => r.name);
  const rooms = page?.items ?? null;

  function remove(name: string) {
    setConfirm(null);
    return change(async () => {
      await adminApi.deleteRoom(token, name);
      return `#${name} was deleted.`;
    });
  }

  return (
    <section className="admin-panel" aria-labelledby="rooms-title">
      <h2 id="rooms-title">Rooms</h2>
      <div className="error" role="alert">
        {error}
      </div>
      <div className="ok small" role="status">
        {status}
      </div>
      {rooms && rooms.length === 0 && <p className="muted">No rooms.</p>}
      {rooms && rooms.length > 0 && (
        <ul className="plain-list admin-rooms" aria-labelledby="rooms-title">
          {rooms.map((r) => (
            <li key={r.name} className="row">
              <span className="room-name">
                #{r.name}
                <PrivateTag show={r.private} />
              </span>
              <span className="muted small">
                {r.lastSeq} msgs{r.owner ? `, owner ${r.owner}` : ''}
              </span>
              {confirm === r.name ? (
                <span className="row" role="group" aria-label={`Confirm deleting #${r.name}`}>
                  <button type="button" className="small danger" onClick={() => void remove(r.name)} autoFocus>
                    Delete #{r.name} for everyone
                  </button>
                  <button type="button" className="small secondary" onClick={() => setConfirm(null)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button type="button" className="small secondary" onClick={() => setConfirm(r.name)}>
                  Delete <span className="visually-hidden">#{r.name}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <Pager what="rooms" previous={previous} next={next} />
    </section>
  );
}
