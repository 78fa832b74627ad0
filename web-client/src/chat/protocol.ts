// Wire shapes of PROTOCOL.md v1 and its 1.1 additions (the contract shared with the server). Only
// what the client reads or writes is typed; the server may add fields.

export interface User {
  id: string;
  username: string;
  /** 1.1: "admin" for administrators, absent for everyone else. */
  role?: string;
}

export interface Room {
  name: string;
  createdBy?: string;
  createdAt?: string;
  lastSeq: number;
  /** 1.1: true for private rooms (absent or false for public ones). */
  private?: boolean;
  /** 1.1: the creator's username. */
  owner?: string;
}

/** 1.1: a room's log holds messages and entries that edit or delete one of them. */
export type MessageKind = 'message' | 'edit' | 'delete';

export interface Message {
  id: string;
  room: string;
  seq: number;
  sender: string;
  body: string;
  clientMsgId?: string;
  createdAt: string;
  /** Absent means "message". */
  kind?: MessageKind;
  /** Of an edit or delete entry: the id of the message it changes. */
  target?: string;
  /** Of a message, after an edit: when the latest edit was stored. */
  editedAt?: string;
  /** Of a message, after a delete (its body is then ""). */
  deleted?: boolean;
}

export type ClientFrame =
  | { type: 'join'; ref?: string; room: string }
  | { type: 'leave'; ref?: string; room: string }
  | { type: 'send'; ref?: string; room: string; body: string; clientMsgId?: string }
  | { type: 'history'; ref?: string; room: string; before?: number; after?: number; limit?: number }
  | { type: 'typing'; room: string }
  | { type: 'presence'; ref?: string; room: string }
  | { type: 'ping'; ref?: string }
  | { type: 'edit'; ref?: string; room: string; id: string; body: string; clientMsgId?: string }
  | { type: 'delete'; ref?: string; room: string; id: string };

export interface ReadyFrame {
  type: 'ready';
  user: User;
  rooms: { name: string; lastSeq: number }[];
  server?: string;
}
export interface MessageFrame extends Message {
  type: 'message';
}
export interface AckFrame {
  type: 'ack';
  ref?: string;
  room: string;
  id: string;
  clientMsgId?: string;
}
export interface JoinedFrame {
  type: 'joined';
  ref?: string;
  room: Room;
}
export interface LeftFrame {
  type: 'left';
  ref?: string;
  room: string;
  /** 1.1: the moderator who removed us (or the admin who deleted the room). */
  by?: string;
}
export interface HistoryFrame {
  type: 'history';
  ref?: string;
  room: string;
  messages: Message[];
  hasMore: boolean;
}
export interface MemberFrame {
  type: 'member';
  room: string;
  user: string;
  action: 'joined' | 'left' | 'removed' | 'banned';
  /** 1.1: the moderator, for removed and banned. */
  by?: string;
}
/** Either the answer to a `presence` request (online: list) or an event (online: boolean). */
export interface PresenceFrame {
  type: 'presence';
  ref?: string;
  room: string;
  online: string[] | boolean;
  user?: string;
}
export interface TypingFrame {
  type: 'typing';
  room: string;
  user: string;
}
export interface PongFrame {
  type: 'pong';
  ref?: string;
}
export interface ErrorFrame {
  type: 'error';
  ref?: string;
  code: string;
  message?: string;
  retryAfterMs?: number;
}

export type ServerFrame =
  | ReadyFrame
  | MessageFrame
  | AckFrame
  | JoinedFrame
  | LeftFrame
  | HistoryFrame
  | MemberFrame
  | PresenceFrame
  | TypingFrame
  | PongFrame
  | ErrorFrame;

/** Subprotocol names offered on the WebSocket upgrade; the token travels as the second. */
export const SUBPROTOCOL = 'parley.v1';
export const bearerSubprotocol = (token: string): string => `bearer.${token}`;

/** Close code the server uses when the token expired. */
export const CLOSE_TOKEN_EXPIRED = 4001;
/** 1.1: close code the server uses when the account was disabled. */
export const CLOSE_ACCOUNT_DISABLED = 4003;

export const ROOM_NAME_PATTERN = /^[a-z0-9_-]{1,48}$/;
export const MAX_BODY_CODE_POINTS = 4000;
export const HISTORY_PAGE_MAX = 100;
