import { useEffect, useState } from 'react';
import type { ChatState } from '../chat/ChatClient';

const LABEL = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
} as const;

/** Connection state plus the replica name from `ready`, small and unobtrusive. */
export function ConnectionStatus({ state, onReconnect }: { state: ChatState; onReconnect: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  const waiting = state.connection === 'reconnecting' && state.reconnectAt !== null;
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [waiting]);
  const secs = waiting ? Math.max(0, Math.ceil((state.reconnectAt! - now) / 1000)) : 0;
  return (
    <span className={`conn conn-${state.connection}`} data-testid="connection">
      <span className="dot" aria-hidden="true" />
      <span role="status" aria-live="polite" data-state={state.connection}>
        {LABEL[state.connection]}
        {waiting && secs > 0 ? ` (retry in ${secs} s)` : ''}
      </span>
      {waiting && (
        <button type="button" className="link" onClick={onReconnect}>
          Retry now
        </button>
      )}
      {state.server && state.connection === 'open' && (
        <span className="server" title="Server replica this connection landed on" data-testid="server-name">
          {state.server}
        </span>
      )}
    </span>
  );
}
