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
  const { connection, reconnectAt } = state;
  const waiting = connection === 'reconnecting' && reconnectAt !== null;
  // Read the clock at every render, and render again when the whole seconds left change: a clock kept in state
  // goes stale between a new reconnectAt and the next tick.
  // eslint-disable-next-line react-hooks/purity -- deliberate, see above
  const left = waiting ? reconnectAt - Date.now() : 0;
  const secs = Math.max(0, Math.ceil(left / 1000));
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!waiting) return;
    const untilNextSecond = (reconnectAt - Date.now()) % 1000;
    if (untilNextSecond < 0) return;
    const t = setTimeout(() => setTick((n) => n + 1), untilNextSecond || 1000);
    return () => clearTimeout(t);
  }, [waiting, reconnectAt, tick]);

  const label = waiting && secs > 0 ? `Disconnected, retrying in ${secs} s` : LABEL[connection];
  return (
    <span className={`conn conn-${connection}`} data-testid="connection">
      <span className="dot" aria-hidden="true" />
      <span role="status" aria-live="polite" data-state={connection}>
        {label}
      </span>
      {waiting && (
        <button type="button" className="link" onClick={onReconnect}>
          Retry now
        </button>
      )}
      {state.server && connection === 'open' && (
        <span className="server" title="Server replica this connection landed on" data-testid="server-name">
          {state.server}
        </span>
      )}
    </span>
  );
}
