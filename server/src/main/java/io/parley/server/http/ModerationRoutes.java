package io.parley.server.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Validation;
import io.parley.server.ApiException;
import io.parley.server.Blocking;
import io.parley.server.auth.Principal;
import io.parley.server.bus.MessageIds;
import io.parley.server.moderation.Accounts;
import io.parley.server.moderation.Announcer;
import io.parley.server.moderation.ClusterView;
import io.parley.server.moderation.Moderation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * The REST endpoints of PROTOCOL.md 1.1 for invites, removals, bans and admins. Every one authorises from the
 * database inside {@link Moderation} or {@link Accounts}; this class only maps paths, parses and announces.
 */
public final class ModerationRoutes {
    /** Authenticates a request as {@link RestApi} does. */
    @FunctionalInterface
    interface Authenticator {
        Principal authenticate(RestApi.Request r) throws Exception;
    }

    private static final int DEFAULT_USERS = 50;
    private static final int MAX_USERS = 100;

    private final Moderation moderation;
    private final Accounts accounts;
    private final Announcer announcer;
    private final ClusterView cluster;
    private final IntSupplier localConnections;
    private final String serverId;
    private final Blocking blocking;
    private final HttpResponses responses;

    public ModerationRoutes(
            Moderation moderation,
            Accounts accounts,
            Announcer announcer,
            ClusterView cluster,
            IntSupplier localConnections,
            String serverId,
            Blocking blocking,
            HttpResponses responses) {
        this.moderation = Objects.requireNonNull(moderation, "moderation");
        this.accounts = Objects.requireNonNull(accounts, "accounts");
        this.announcer = Objects.requireNonNull(announcer, "announcer");
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.localConnections = Objects.requireNonNull(localConnections, "localConnections");
        this.serverId = Objects.requireNonNull(serverId, "serverId");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    /** The response for a path this class serves, or null when it serves no such path. */
    CompletableFuture<FullHttpResponse> route(
            RestApi.Request r, List<String> s, Authenticator auth, RestApi.BodyReader bodies) {
        int n = s.size();
        if (n < 3 || !s.get(0).equals("api")) {
            return null;
        }
        HttpMethod m = r.method();
        if (s.get(1).equals("rooms") && n >= 4) {
            String room = s.get(2);
            String what = s.get(3);
            if (n == 4 && what.equals("invites")) {
                return call(r, HttpMethod.POST, () -> invite(auth.authenticate(r), room(room), bodies.username(r)));
            }
            if (n == 5 && what.equals("members")) {
                return call(r, HttpMethod.DELETE, () -> remove(auth.authenticate(r), room(room), s.get(4), false));
            }
            if (n == 4 && what.equals("bans")) {
                return m.equals(HttpMethod.POST)
                        ? call(
                                r,
                                HttpMethod.POST,
                                () -> remove(auth.authenticate(r), room(room), bodies.username(r), true))
                        : call(r, HttpMethod.GET, () -> bans(auth.authenticate(r), room(room)));
            }
            if (n == 5 && what.equals("bans")) {
                return call(r, HttpMethod.DELETE, () -> unban(auth.authenticate(r), room(room), s.get(4)));
            }
            return null;
        }
        if (!s.get(1).equals("admin")) {
            return null;
        }
        if (n == 3 && s.get(2).equals("users")) {
            return call(r, HttpMethod.GET, () -> users(admin(auth.authenticate(r)), r));
        }
        if (n == 3 && s.get(2).equals("overview")) {
            return call(r, HttpMethod.GET, () -> overview(admin(auth.authenticate(r))));
        }
        if (n == 5
                && s.get(2).equals("users")
                && (s.get(4).equals("disable") || s.get(4).equals("enable"))) {
            return call(r, HttpMethod.POST, () -> setDisabled(admin(auth.authenticate(r)), s.get(3), s.get(4)));
        }
        if (n == 3 && s.get(2).equals("rooms")) {
            return call(r, HttpMethod.GET, () -> allRooms(admin(auth.authenticate(r)), r));
        }
        if (n == 4 && s.get(2).equals("rooms")) {
            return call(r, HttpMethod.DELETE, () -> deleteRoom(admin(auth.authenticate(r)), room(s.get(3))));
        }
        return null;
    }

    private CompletableFuture<FullHttpResponse> call(
            RestApi.Request r, HttpMethod expected, Blocking.Task<FullHttpResponse> task) {
        boolean head = expected.equals(HttpMethod.GET) && r.method().equals(HttpMethod.HEAD);
        if (!r.method().equals(expected) && !head) {
            return CompletableFuture.completedFuture(responses.error(
                    ErrorCode.METHOD_NOT_ALLOWED,
                    "expected " + expected + " " + r.uri().rawPath()));
        }
        return blocking.call(task);
    }

    private FullHttpResponse invite(Principal p, String room, String username) throws Exception {
        return responses.json(201, Map.of("invite", moderation.invite(room, p.userId(), username)));
    }

    private FullHttpResponse remove(Principal p, String room, String username, boolean ban) throws Exception {
        Moderation.Removal removal = moderation.remove(room, p.userId(), username, ban);
        announcer.removed(room, removal, p.username(), ban);
        return ban ? responses.json(201, Map.of("ban", moderation.ban(room, username))) : responses.noContent();
    }

    private FullHttpResponse unban(Principal p, String room, String username) throws Exception {
        moderation.unban(room, p.userId(), username);
        return responses.noContent();
    }

    private FullHttpResponse bans(Principal p, String room) throws Exception {
        return responses.json(200, Map.of("bans", moderation.bans(room, p.userId())));
    }

    private FullHttpResponse users(Principal p, RestApi.Request r) throws Exception {
        String query = Optional.ofNullable(RestApi.stringParam(r, "query")).orElse("");
        String after = Optional.ofNullable(RestApi.stringParam(r, "after")).orElse("");
        if (query.length() > 32 || after.length() > 32) {
            throw new ApiException(ErrorCode.BAD_REQUEST, "query, after: at most 32 characters");
        }
        int limit = Optional.ofNullable(RestApi.longParam(r, "limit", 1, MAX_USERS))
                .map(Long::intValue)
                .orElse(DEFAULT_USERS);
        Accounts.Page page = accounts.users(query, after.toLowerCase(java.util.Locale.ROOT), limit);
        return responses.json(200, Map.of("users", page.users(), "hasMore", page.hasMore()));
    }

    /** Every room, private ones included (an addition to PROTOCOL.md 1.1 for the admin page). */
    private FullHttpResponse allRooms(Principal p, RestApi.Request r) throws Exception {
        String after = Optional.ofNullable(RestApi.stringParam(r, "after")).orElse("");
        if (!after.isEmpty() && !Validation.isValidRoomName(after)) {
            throw new ApiException(ErrorCode.BAD_REQUEST, "after: expected a room name");
        }
        int limit = Optional.ofNullable(RestApi.longParam(r, "limit", 1, MAX_USERS))
                .map(Long::intValue)
                .orElse(DEFAULT_USERS);
        Accounts.RoomPage page = accounts.rooms(after, limit);
        return responses.json(200, Map.of("rooms", page.rooms(), "hasMore", page.hasMore()));
    }

    private FullHttpResponse setDisabled(Principal p, String username, String action) throws Exception {
        boolean disable = action.equals("disable");
        if (disable && Validation.usernameKey(username).equals(Validation.usernameKey(p.username()))) {
            throw new ApiException(ErrorCode.FORBIDDEN, "admins cannot disable themselves");
        }
        long userId = accounts.setDisabled(username, disable);
        if (disable) {
            announcer.disabled(userId);
        } else {
            announcer.changed(userId);
        }
        return responses.noContent();
    }

    private FullHttpResponse deleteRoom(Principal p, String room) throws Exception {
        accounts.deleteRoom(room, p.userId());
        announcer.roomDeleted(room, p.username());
        return responses.noContent();
    }

    private FullHttpResponse overview(Principal p) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("replicas", cluster.replicas(serverId, localConnections.getAsInt()));
        body.put("workers", cluster.workers());
        body.put("queue", cluster.queue());
        body.put("storedLastMinute", accounts.storedSince(MessageIds.firstIdAt(System.currentTimeMillis() - 60_000)));
        return responses.json(200, body);
    }

    /** Admins only, as the database says now: a revoked admin's old token is no longer enough. */
    private Principal admin(Principal p) throws Exception {
        accounts.requireAdmin(p.userId());
        return p;
    }

    private static String room(String name) {
        if (!Validation.isValidRoomName(name)) {
            throw new ApiException(ErrorCode.INVALID_ROOM_NAME, "room: expected 1-48 characters of a-z, 0-9, '-', '_'");
        }
        return name;
    }
}
