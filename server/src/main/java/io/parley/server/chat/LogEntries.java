package io.parley.server.chat;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.QueueEnvelope;
import io.parley.server.ApiException;
import io.parley.server.auth.Principal;
import io.parley.server.bus.MessageIds;
import io.parley.server.store.MessageTargets;
import io.parley.server.store.RoomRoles;
import io.parley.server.store.RoomStore;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks an edit or delete against the database before it is queued (PROTOCOL.md 1.1, "The room log") and builds
 * its queue envelope. Blocking: call it on the {@link io.parley.server.Blocking} pool. The worker checks the target
 * again in its transaction, where a delete that overtook this check wins.
 */
public final class LogEntries {
    private static final Pattern CANONICAL_ID = Pattern.compile("[1-9][0-9]{0,18}");

    private final RoomStore rooms;
    private final MessageTargets targets;
    private final RoomRoles roles;
    private final MessageIds ids;

    public LogEntries(RoomStore rooms, MessageTargets targets, RoomRoles roles, MessageIds ids) {
        this.rooms = Objects.requireNonNull(rooms, "rooms");
        this.targets = Objects.requireNonNull(targets, "targets");
        this.roles = Objects.requireNonNull(roles, "roles");
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    /** An edit or delete the caller asks for; {@code body} is the new body of an edit, null for a delete. */
    public record Change(String kind, String room, String target, String body, String clientMsgId) {
        public static Change edit(String room, String target, String body, String clientMsgId) {
            return new Change(QueueEnvelope.EDIT, room, target, body, clientMsgId);
        }

        public static Change delete(String room, String target, String clientMsgId) {
            return new Change(QueueEnvelope.DELETE, room, target, null, clientMsgId);
        }
    }

    /** What to do with an accepted change. */
    public sealed interface Checked {
        /** Queue it. */
        record Queue(QueueEnvelope envelope) implements Checked {}

        /** A retry of a change already stored under its clientMsgId: acknowledge that entry's id again. */
        record Stored(String id) implements Checked {}
    }

    /**
     * Checks {@code change} by {@code p}; {@code overRest} lets an admin who is not a member delete (the REST call).
     * Throws {@link ApiException} with {@code no_such_room}, {@code not_member}, {@code no_such_message} or
     * {@code forbidden}.
     */
    public Checked check(Principal p, Change change, boolean overRest) throws SQLException {
        // Over REST any admin may delete, member or not, in any room: no membership (or privacy) check for them.
        boolean anyAdmin = overRest && change.kind().equals(QueueEnvelope.DELETE) && roles.isAdmin(p.userId());
        long roomId = anyAdmin
                ? targets.roomId(change.room())
                : rooms.access(change.room(), p.userId())
                        .requireMember(change.room())
                        .roomId();
        if (change.clientMsgId() != null) {
            // Checked first: a retried delete finds its target deleted, by itself, and must be acknowledged again.
            Optional<String> stored = targets.stored(p.userId(), change.clientMsgId());
            if (stored.isPresent()) {
                return new Checked.Stored(stored.get());
            }
        }
        if (!CANONICAL_ID.matcher(change.target()).matches()) {
            throw noSuchMessage(change);
        }
        MessageTargets.Target target = targets.find(roomId, Long.parseLong(change.target()))
                .filter(t -> !t.deleted())
                .orElseThrow(() -> noSuchMessage(change));
        if (target.senderId() != p.userId() && !anyAdmin && !mayDeleteOthers(p, change, roomId)) {
            throw new ApiException(
                    ErrorCode.FORBIDDEN,
                    change.kind().equals(QueueEnvelope.EDIT)
                            ? "only its sender may edit a message"
                            : "only its sender, the room's owner or an admin may delete a message");
        }
        return new Checked.Queue(new QueueEnvelope(
                Long.toString(ids.next()),
                change.room(),
                p.id(),
                p.username(),
                change.body() == null ? "" : change.body(),
                change.clientMsgId(),
                System.currentTimeMillis(),
                change.kind(),
                change.target()));
    }

    /** A member deleting someone else's message: the room's owner, or an admin. Nobody edits others' messages. */
    private boolean mayDeleteOthers(Principal p, Change change, long roomId) throws SQLException {
        return change.kind().equals(QueueEnvelope.DELETE)
                && (roles.isOwner(roomId, p.userId()) || roles.isAdmin(p.userId()));
    }

    private static ApiException noSuchMessage(Change change) {
        return new ApiException(
                ErrorCode.NO_SUCH_MESSAGE, "no message " + truncate(change.target()) + " in room " + change.room());
    }

    private static String truncate(String s) {
        return s.length() <= 24 ? s : s.substring(0, 24) + "…";
    }
}
