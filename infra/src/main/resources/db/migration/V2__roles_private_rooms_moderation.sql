-- Version 1.1 (PROTOCOL.md): roles and disabled accounts, private rooms with owners, invites and bans.
-- One ALTER per column: the same file runs on MySQL/MariaDB and on H2 in MySQL mode (standalone).

ALTER TABLE users ADD COLUMN role VARCHAR(16) NULL COMMENT 'admin, or NULL for everyone else';
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN token_epoch INT NOT NULL DEFAULT 0
    COMMENT 'raised on every disable: tokens carrying a lower epoch are refused, also after an enable';

ALTER TABLE rooms ADD COLUMN is_private BOOLEAN NOT NULL DEFAULT FALSE;
-- The owner is the creator (rooms.created_by), as the protocol defines it.

CREATE TABLE invites (
    room_id     BIGINT      NOT NULL,
    user_id     BIGINT      NOT NULL,
    invited_by  BIGINT      NOT NULL,
    created_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (room_id, user_id),
    KEY ix_invites_user (user_id),
    CONSTRAINT fk_invites_room FOREIGN KEY (room_id) REFERENCES rooms (id),
    CONSTRAINT fk_invites_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_invites_by FOREIGN KEY (invited_by) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE bans (
    room_id     BIGINT      NOT NULL,
    user_id     BIGINT      NOT NULL,
    banned_by   BIGINT      NOT NULL,
    created_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (room_id, user_id),
    CONSTRAINT fk_bans_room FOREIGN KEY (room_id) REFERENCES rooms (id),
    CONSTRAINT fk_bans_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_bans_by FOREIGN KEY (banned_by) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
