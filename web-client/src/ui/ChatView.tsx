import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { ApiError, api, type Session } from '../api';
import { ChatClient } from '../chat/ChatClient';
import { unreadCount } from '../chat/readMarkers';
import { wsUrl } from '../session';
import { AdminView } from './AdminView';
import { ConnectionStatus } from './ConnectionStatus';
import { Invites } from './Invites';
import { RoomBrowser } from './RoomBrowser';
import { RoomForm } from './RoomForm';
import { RoomList } from './RoomList';
import { RoomView } from './RoomView';

interface Props {
  session: Session;
  onLogout: (reason?: string) => void;
}

/** The admin page's hash: `~` is never part of a room name, so it cannot clash with one. */
const ADMIN_HASH = '~admin';

function roomFromHash(): string | null {
  const h = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  return h ? h : null;
}

function openInHash(name: string | null) {
  const target = name ? `#${encodeURIComponent(name)}` : '';
  if (location.hash !== target) history.pushState(null, '', target || location.pathname + location.search);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** The logged-in screen: owns the ChatClient for this session. */
export function ChatView({ session, onLogout }: Props) {
  const [client] = useState(
    () =>
      new ChatClient({
        url: wsUrl(),
        token: session.token,
        storage: localStorage,
        onAuthExpired: () => onLogout('Your session has expired. Please log in again.'),
        onAccountDisabled: () => onLogout('Your account has been disabled. Contact an administrator.'),
        loadAccount: () => api.me(session.token),
        checkAuth: async () => {
          try {
            await api.me(session.token);
            return 'ok';
          } catch (e) {
            return e instanceof ApiError && e.status === 401 ? 'unauthorized' : 'unreachable';
          }
        },
      }),
  );
  const state = useSyncExternalStore(client.subscribe, client.getState);
  const [hashRoom, setHashRoom] = useState(roomFromHash);
  const [showRooms, setShowRooms] = useState(false);

  useEffect(() => {
    client.start();
    const online = () => client.reconnectNow();
    // invitations have no push frame: look again when the user comes back to the tab
    const focus = () => void client.refreshAccount();
    window.addEventListener('online', online);
    window.addEventListener('focus', focus);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('focus', focus);
      client.stop();
    };
  }, [client]);

  useEffect(() => {
    const onHash = () => setHashRoom(roomFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const me = state.user ?? session.user;
  const isAdmin = me.role === 'admin';
  const adminOpen = hashRoom === ADMIN_HASH && isAdmin;
  const isMember = hashRoom !== null && hashRoom in state.rooms;
  const open = state.connection === 'open';
  useEffect(() => {
    if (isMember) client.openRoom(hashRoom);
    else {
      client.openRoom(null);
      // a room we are no longer in (left here or elsewhere): back to the list
      if (hashRoom && hashRoom !== ADMIN_HASH && open) openInHash(null);
    }
  }, [client, hashRoom, isMember, open]);

  const onUnauthorized = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) onLogout('Your session has expired. Please log in again.');
    },
    [onLogout],
  );

  const select = useCallback((name: string | null) => {
    setShowRooms(false);
    openInHash(name);
  }, []);

  const active = state.activeRoom ? state.rooms[state.activeRoom] : undefined;
  const sidebarOpen = showRooms || (!active && !adminOpen);

  // "(3) #lobby · Parley": the tab shows how much is unread elsewhere, as chat apps do.
  const unread = Object.values(state.rooms).reduce(
    (sum, r) => sum + (r.name === state.activeRoom ? 0 : unreadCount(r, me)),
    0,
  );
  const title = `${unread > 0 ? `(${unread}) ` : ''}${active ? `#${active.name} · ` : ''}Parley`;
  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(() => () => void (document.title = 'Parley'), []);

  return (
    <div className={`app ${sidebarOpen ? 'sidebar-open' : 'room-open'}`}>
      <header className="topbar">
        <button
          type="button"
          className="icon rooms-toggle"
          aria-expanded={sidebarOpen}
          aria-controls="sidebar"
          onClick={() => setShowRooms((v) => !v)}
        >
          Rooms
        </button>
        <h1 className="brand">Parley</h1>
        <ConnectionStatus state={state} onReconnect={() => client.reconnectNow()} />
        <span className="me" title="Logged in as">
          {session.user.username}
        </span>
        {isAdmin && (
          <button
            type="button"
            className="secondary"
            aria-current={adminOpen ? 'page' : undefined}
            onClick={() => select(adminOpen ? null : ADMIN_HASH)}
          >
            Admin
          </button>
        )}
        <button type="button" className="secondary" onClick={() => onLogout()}>
          Log out
        </button>
      </header>
      {/* One main landmark around both panes: on a phone only one of them is shown, and a page needs its main. */}
      <main className="content">
        <div id="sidebar" className="sidebar">
          <RoomList state={state} onSelect={select} />
          <Invites state={state} client={client} onJoined={select} />
          <RoomForm client={client} token={session.token} onJoined={select} onUnauthorized={onUnauthorized} />
          <RoomBrowser
            state={state}
            token={session.token}
            client={client}
            onOpen={select}
            onUnauthorized={onUnauthorized}
          />
        </div>
        <section
          className="room"
          aria-label={adminOpen ? 'Administration' : active ? `Room ${active.name}` : 'No room open'}
        >
          {adminOpen ? (
            <AdminView token={session.token} me={me.username} onClose={() => select(null)} />
          ) : active ? (
            <RoomView
              key={active.name}
              client={client}
              room={active}
              me={me}
              token={session.token}
              onLeft={() => select(null)}
            />
          ) : (
            <div className="placeholder">
              <h2>Welcome, {session.user.username}</h2>
              <p>Pick one of your rooms, join one by name, or browse all rooms.</p>
            </div>
          )}
        </section>
        {/* inside the landmark, so nothing on the page sits outside one (it is position: fixed anyway) */}
        {state.notice && (
          <div className="toast" role="alert">
            <span>{state.notice}</span>
            <button type="button" className="icon" aria-label="Dismiss" onClick={() => client.dismissNotice()}>
              ×
            </button>
          </div>
        )}
      </main>
    </div>
  );
}
