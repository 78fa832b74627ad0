import { useState, type FormEvent } from 'react';
import { api, authErrorText, type Session } from '../api';

interface Props {
  onSession: (s: Session) => void;
  notice: string | null;
}

/** One form, two buttons: Log in (the default on Enter) and Register. */
export function LoginView({ onSession, notice }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(mode: 'login' | 'register') {
    if (busy) return;
    setError(null);
    if (!username.trim() || !password) {
      setError('Enter a username and a password.');
      return;
    }
    setBusy(true);
    try {
      const s =
        mode === 'login' ? await api.login(username.trim(), password) : await api.register(username.trim(), password);
      onSession(s);
    } catch (e) {
      setError(authErrorText(e, mode));
      setBusy(false);
    }
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    void submit(submitter?.value === 'register' ? 'register' : 'login');
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={onSubmit} aria-labelledby="login-title" noValidate>
        <h1 id="login-title">Parley</h1>
        <p className="muted">Log in, or register a new account.</p>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          aria-describedby="username-hint"
          required
        />
        <small id="username-hint" className="muted">
          3–32 characters: letters, digits, _ . -
        </small>
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-describedby="password-hint"
          required
        />
        <small id="password-hint" className="muted">
          At least 8 characters
        </small>
        <div className="error" role="alert" aria-live="assertive">
          {error}
        </div>
        <div className="row">
          <button type="submit" value="login" disabled={busy}>
            Log in
          </button>
          <button type="submit" value="register" className="secondary" disabled={busy}>
            Register
          </button>
        </div>
      </form>
    </main>
  );
}
