// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatClient } from '../src/chat/ChatClient';
import { ProtocolError } from '../src/chat/errors';
import type { Message } from '../src/chat/protocol';
import { MessageItem } from '../src/ui/MessageItem';

const base: Message = {
  id: '42',
  room: 'general',
  seq: 7,
  sender: 'alice',
  body: 'teh typo',
  createdAt: '2026-11-30T12:00:00.000Z',
};

function fakeClient() {
  return {
    editMessage: vi.fn(async () => undefined),
    deleteMessage: vi.fn(async () => undefined),
  };
}

function show(m: Message, client: ReturnType<typeof fakeClient>, rights = { canEdit: true, canDelete: true }) {
  return render(
    <ul>
      <MessageItem m={m} mine client={client as unknown as ChatClient} {...rights} />
    </ul>,
  );
}

afterEach(cleanup);

describe('MessageItem', () => {
  it('edits in place: Edit, change the text, Save sends the edit and shows it as edited', async () => {
    const client = fakeClient();
    const view = show(base, client);
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const box = screen.getByRole('textbox', { name: 'Edit message' });
    expect((box as HTMLTextAreaElement).value).toBe('teh typo');
    fireEvent.change(box, { target: { value: 'the typo' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })));
    expect(client.editMessage).toHaveBeenCalledWith('general', '42', 'the typo');
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.getByText('the typo')).toBeTruthy();
    expect(screen.getByText('(edited)')).toBeTruthy();
    // the edit entry arrives: the message object from the store wins
    view.rerender(
      <ul>
        <MessageItem
          m={{ ...base, body: 'the typo', editedAt: '2026-11-30T12:01:00.000Z' }}
          mine
          canEdit
          canDelete
          client={client as unknown as ChatClient}
        />
      </ul>,
    );
    expect(screen.getByText('the typo')).toBeTruthy();
    expect(screen.getByText('(edited)')).toBeTruthy();
  });

  it('Escape cancels an edit; an error is shown in place', async () => {
    const client = fakeClient();
    client.editMessage.mockRejectedValueOnce(new ProtocolError('no_such_message', ''));
    show(base, client);
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Edit message' }), { key: 'Escape' });
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Edit message' }), { target: { value: 'x' } });
    await act(async () => fireEvent.keyDown(screen.getByRole('textbox', { name: 'Edit message' }), { key: 'Enter' }));
    expect(screen.getByRole('alert').textContent).toMatch(/no longer exists/);
  });

  it('deletes only after confirmation', async () => {
    const client = fakeClient();
    show(base, client);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const confirm = screen.getByRole('group', { name: 'Confirm delete' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(client.deleteMessage).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete message' })));
    expect(client.deleteMessage).toHaveBeenCalledWith('general', '42');
  });

  it('a deleted message shows that it was deleted, without its text or actions', () => {
    show({ ...base, body: '', deleted: true }, fakeClient());
    expect(screen.getByText('This message was deleted.')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('without rights there are no actions; forbidden is shown as a clear message', async () => {
    const client = fakeClient();
    client.deleteMessage.mockRejectedValueOnce(new ProtocolError('forbidden', ''));
    const view = show(base, client, { canEdit: false, canDelete: false });
    expect(screen.queryByRole('button')).toBeNull();
    view.unmount();
    show(base, client, { canEdit: false, canDelete: true });
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete message' })));
    expect(screen.getByRole('alert').textContent).toBe('You are not allowed to do that.');
  });
});
