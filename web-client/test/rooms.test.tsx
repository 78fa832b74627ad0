// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { INITIAL_STATE, type ChatClient } from '../src/chat/ChatClient';
import { ProtocolError } from '../src/chat/errors';
import { Invites } from '../src/ui/Invites';
import { RoomForm } from '../src/ui/RoomForm';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('RoomForm', () => {
  it('creates a private room when "Private room" is ticked, then joins it', async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        bodies.push(JSON.parse(String(init.body)));
        return new Response(JSON.stringify({ room: { name: 'secret', lastSeq: 0, private: true } }), { status: 201 });
      }),
    );
    const client = { join: vi.fn(async () => ({ name: 'secret', lastSeq: 0 })) };
    const onJoined = vi.fn();
    render(
      <RoomForm
        client={client as unknown as ChatClient}
        token="tok"
        onJoined={onJoined}
        onUnauthorized={() => undefined}
      />,
    );
    fireEvent.change(screen.getByLabelText('Room name'), { target: { value: 'secret' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Private room' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create room' })));
    expect(bodies).toEqual([{ name: 'secret', private: true }]);
    expect(client.join).toHaveBeenCalledWith('secret');
    expect(onJoined).toHaveBeenCalledWith('secret');
    expect((screen.getByRole('checkbox', { name: 'Private room' }) as HTMLInputElement).checked).toBe(false);
  });

  it('says why a private room or a ban keeps one out', async () => {
    const client = { join: vi.fn() };
    client.join.mockRejectedValueOnce(new ProtocolError('forbidden', 'not invited'));
    client.join.mockRejectedValueOnce(new ProtocolError('banned', 'banned'));
    render(
      <RoomForm
        client={client as unknown as ChatClient}
        token="tok"
        onJoined={() => undefined}
        onUnauthorized={() => undefined}
      />,
    );
    fireEvent.change(screen.getByLabelText('Room name'), { target: { value: 'secret' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Join' })));
    expect(screen.getByRole('alert').textContent).toBe('That room is private: you need an invite to join it.');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Join' })));
    expect(screen.getByRole('alert').textContent).toBe('You are banned from this room.');
  });
});

describe('Invites', () => {
  it('lists invitations and accepting one joins and opens the room', async () => {
    const state = { ...INITIAL_STATE, invites: [{ name: 'secret', lastSeq: 3, private: true, owner: 'olga' }] };
    const client = { join: vi.fn(async () => state.invites[0]), refreshAccount: vi.fn(async () => undefined) };
    const onJoined = vi.fn();
    render(<Invites state={state} client={client as unknown as ChatClient} onJoined={onJoined} />);
    expect(screen.getByText(/from olga/)).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Accept invitation to #secret' })));
    expect(client.join).toHaveBeenCalledWith('secret');
    expect(onJoined).toHaveBeenCalledWith('secret');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Check for invitations' })));
    expect(client.refreshAccount).toHaveBeenCalledOnce();
  });

  it('says so when there is none', () => {
    const client = { join: vi.fn(), refreshAccount: vi.fn() };
    render(<Invites state={INITIAL_STATE} client={client as unknown as ChatClient} onJoined={() => undefined} />);
    expect(screen.getByText('No invitations.')).toBeTruthy();
  });
});
