import { ProtocolError } from './errors';
import { newClientMsgId, validateBody } from './pending';
import type { ClientFrame, ServerFrame } from './protocol';

type Request = (frame: ClientFrame) => Promise<ServerFrame>;

/**
 * Edit and delete of a stored message over the socket (PROTOCOL.md 1.1). Both resolve on `ack` (the entry is
 * durably queued); the entry itself then arrives as a `message` frame and updates the target in the store. They
 * reject with a ProtocolError (`forbidden`, `no_such_message`, body rules, …) or DISCONNECTED.
 */
export async function editMessage(
  request: Request,
  room: string,
  id: string,
  body: string,
  random: () => number,
): Promise<void> {
  const err = validateBody(body);
  if (err) throw new ProtocolError(err, '');
  // a clientMsgId makes a repeated edit (after a lost answer) safe
  await expectAck(request({ type: 'edit', room, id, body, clientMsgId: newClientMsgId(random) }));
}

export async function deleteMessage(request: Request, room: string, id: string): Promise<void> {
  await expectAck(request({ type: 'delete', room, id }));
}

async function expectAck(answer: Promise<ServerFrame>): Promise<void> {
  const f = await answer;
  if (f.type !== 'ack') throw new ProtocolError('internal', `unexpected reply ${f.type}`);
}
