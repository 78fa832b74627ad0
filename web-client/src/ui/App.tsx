import { useCallback, useState } from 'react';
import type { Session } from '../api';
import { clearSession, loadSession, saveSession } from '../session';
import { ChatView } from './ChatView';
import { LoginView } from './LoginView';

/** Login screen or chat, depending on whether a session is stored. */
export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [notice, setNotice] = useState<string | null>(null);

  const onSession = useCallback((s: Session) => {
    saveSession(s);
    setNotice(null);
    setSession(s);
  }, []);

  const onLogout = useCallback((reason?: string) => {
    clearSession();
    setNotice(reason ?? null);
    setSession(null);
  }, []);

  if (!session) return <LoginView onSession={onSession} notice={notice} />;
  return <ChatView key={session.token} session={session} onLogout={onLogout} />;
}
