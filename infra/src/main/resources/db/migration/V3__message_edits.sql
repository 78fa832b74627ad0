-- The room log's edits and deletions (PROTOCOL.md 1.1). Touches the messages table only, so it applies on V1 alone
-- as well as after V2. One statement per column: H2 (standalone mode) and MariaDB both take this form.

ALTER TABLE messages ADD COLUMN kind VARCHAR(7) NOT NULL DEFAULT 'message' COMMENT 'message, edit or delete';
ALTER TABLE messages ADD COLUMN target_id BIGINT NULL COMMENT 'the message an edit or delete entry changes';
ALTER TABLE messages ADD COLUMN edited_at DATETIME(3) NULL COMMENT 'a message: when its latest edit was accepted';
ALTER TABLE messages ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE COMMENT 'a message: deleted, body emptied';
-- A delete empties the target's earlier edit entries too; this finds them without a scan of the room.
CREATE INDEX ix_messages_target ON messages (target_id);
