// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INITIAL_STATE, type ChatState, type ConnectionState } from '../src/chat/ChatClient';
import { ConnectionStatus } from '../src/ui/ConnectionStatus';
import { RoomList } from '../src/ui/RoomList';

function state(connection: ConnectionState, reconnectAt: number | null = null): ChatState {
  return { ...INITIAL_STATE, connection, reconnectAt, server: 'backend-1' };
}

const status = () => screen.getByRole('status').textContent;

describe('ConnectionStatus', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('shows the real wait even when the page has been open for a while', () => {
    const noop = () => undefined;
    const view = render(<ConnectionStatus state={state('open')} onReconnect={noop} />);
    expect(status()).toBe('Connected');
    expect(screen.getByTestId('server-name').textContent).toBe('backend-1');

    act(() => vi.advanceTimersByTime(20_000)); // the page has been open for 20 s
    view.rerender(<ConnectionStatus state={state('reconnecting', Date.now() + 500)} onReconnect={noop} />);
    expect(status()).toBe('Disconnected, retrying in 1 s');
    expect(screen.queryByTestId('server-name')).toBeNull();

    act(() => vi.advanceTimersByTime(500));
    expect(status()).toBe('Reconnecting…');
  });

  it('counts down second by second to the next try', () => {
    const noop = () => undefined;
    const view = render(<ConnectionStatus state={state('reconnecting', Date.now() + 2_600)} onReconnect={noop} />);
    expect(status()).toBe('Disconnected, retrying in 3 s');
    act(() => vi.advanceTimersByTime(600));
    expect(status()).toBe('Disconnected, retrying in 2 s');
    act(() => vi.advanceTimersByTime(1_000));
    expect(status()).toBe('Disconnected, retrying in 1 s');
    act(() => vi.advanceTimersByTime(1_000));
    expect(status()).toBe('Reconnecting…');

    // the attempt failed again: a new wait, shown from its first moment
    view.rerender(<ConnectionStatus state={state('reconnecting', Date.now() + 1_200)} onReconnect={noop} />);
    expect(status()).toBe('Disconnected, retrying in 2 s');
    act(() => vi.advanceTimersByTime(200));
    expect(status()).toBe('Disconnected, retrying in 1 s');
  });

  it('offers to retry at once while waiting', () => {
    const retry = vi.fn();
    render(<ConnectionStatus state={state('reconnecting', Date.now() + 4_000)} onReconnect={retry} />);
    act(() => screen.getByRole('button', { name: 'Retry now' }).click());
    expect(retry).toHaveBeenCalledOnce();
  });
});

describe('RoomList without rooms', () => {
  afterEach(cleanup);

  it('says loading only while the first connection is under way', () => {
    const onSelect = () => undefined;
    const view = render(<RoomList state={state('connecting')} onSelect={onSelect} />);
    expect(screen.getByText('Loading…')).toBeTruthy();
    view.rerender(<RoomList state={state('reconnecting', Date.now() + 1_000)} onSelect={onSelect} />);
    expect(screen.queryByText('Loading…')).toBeNull();
    expect(screen.getByText(/Not connected/)).toBeTruthy();
    view.rerender(<RoomList state={state('open')} onSelect={onSelect} />);
    expect(screen.getByText('You are in no room yet.')).toBeTruthy();
  });
});
