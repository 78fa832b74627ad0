import { useRef, useState, type KeyboardEvent } from 'react';
import type { ChatClient } from '../chat/ChatClient';
import { describeError } from '../chat/errors';
import { MAX_BODY_CODE_POINTS } from '../chat/protocol';

/** Enter sends, Shift+Enter adds a line; typing notices go out throttled by the client. */
export function Composer({ client, room }: { client: ChatClient; room: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const length = [...text].length;

  function send() {
    if (text.trim() === '') return;
    const err = client.send(room, text);
    if (err) {
      setError(describeError(err));
      return;
    }
    setText('');
    setError(null);
    ref.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <textarea
        ref={ref}
        aria-label="Message"
        placeholder={`Message #${room}`}
        rows={1}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() !== '') client.notifyTyping(room);
        }}
        onKeyDown={onKeyDown}
        aria-describedby="composer-help"
        autoFocus
      />
      <button type="submit" disabled={text.trim() === '' || length > MAX_BODY_CODE_POINTS}>
        Send
      </button>
      <div id="composer-help" className="composer-help small">
        {error ? (
          <span className="error" role="alert">
            {error}
          </span>
        ) : length > MAX_BODY_CODE_POINTS - 500 ? (
          <span className={length > MAX_BODY_CODE_POINTS ? 'error' : 'muted'}>
            {length} / {MAX_BODY_CODE_POINTS}
          </span>
        ) : (
          <span className="muted hint">Enter to send, Shift+Enter for a new line</span>
        )}
      </div>
    </form>
  );
}
