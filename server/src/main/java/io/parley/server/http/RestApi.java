package io.parley.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.HistoryQuery;
import io.parley.protocol.Limits;
import io.parley.protocol.MembershipChange;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.Room;
import io.parley.protocol.Validation;
import io.parley.server.ApiException;
import io.parley.server.Blocking;
import io.parley.server.Failures;
import io.parley.server.auth.LoginAttempts;
import io.parley.server.auth.PasswordHasher;
import io.parley.server.auth.Principal;
import io.parley.server.auth.TokenService;
import io.parley.server.auth.UserDirectory;
import io.parley.server.bus.MessageQueue;
import io.parley.server.bus.Publisher;
import io.parley.server.chat.LogEntries;
import io.parley.server.metrics.Metrics;
import io.parley.server.moderation.Moderation;
import io.parley.server.store.MessageStore;
import io.parley.server.store.RoomStore;
import io.parley.server.store.UserRecord;
import io.parley.server.store.UserStore;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The REST endpoints of PROTOCOL.md. Each request runs on the blocking pool and completes with a response; the
 * request object is copied out first, so the caller may release it.
 */
public final class RestApi {
    /** Rooms per page of {@code GET /api/rooms}, also the default, so a v1 client that asks for no page gets 1,000. */
    static final int ROOM_PAGE_LIMIT = 1000;

    private final UserStore users;
    private final RoomStore rooms;
    private final MessageStore messages;
    private final PasswordHasher passwords;
    private final TokenService tokens;
    private final UserDirectory directory;
    private final LoginAttempts throttle;
    private final Publisher events;
    private final HealthChecks health;
    private final Metrics metrics;
    private final Blocking blocking;
    private final FrameCodec codec;
    private final RedisKeys keys;
    private final HttpResponses responses;
    private final ModerationRoutes moderationRoutes;
    private final Moderation moderation;
    private final LogEntries logEntries;
    private final MessageQueue producer;

    /** Reads the {@code username} field of a request's JSON body. */
    @FunctionalInterface
    interface BodyReader {
        String username(Request r);
    }

    public RestApi(
            UserStore users,
            RoomStore rooms,
            MessageStore messages,
            PasswordHasher passwords,
            TokenService tokens,
            UserDirectory directory,
            LoginAttempts throttle,
            Publisher events,
            HealthChecks health,
            Metrics metrics,
            Blocking blocking,
            FrameCodec codec,
            RedisKeys keys,
            HttpResponses responses,
            Moderation moderation,
            ModerationRoutes moderationRoutes,
            LogEntries logEntries,
            MessageQueue producer) {
        this.users = Objects.requireNonNull(users, "users");
        this.rooms = Objects.requireNonNull(rooms, "rooms");
        this.messages = Objects.requireNonNull(messages, "messages");
        this.passwords = Objects.requireNonNull(passwords, "passwords");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.events = Objects.requireNonNull(events, "events");
        this.health = Objects.requireNonNull(health, "health");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.responses = Objects.requireNonNull(responses, "responses");
        this.moderation = Objects.requireNonNull(moderation, "moderation");
        this.moderationRoutes = Objects.requireNonNull(moderationRoutes, "moderationRoutes");
        this.logEntries = Objects.requireNonNull(logEntries, "logEntries");
        this.producer = Objects.requireNonNull(producer, "producer");
    }

    /** The request as far as the endpoints need it, copied out of Netty's reference-counted buffers. */
    record Request(HttpMethod method, QueryStringDecoder uri, String authorization, byte[] body, String client) {
        static Request of(FullHttpRequest r, String client) {
            byte[] body = new byte[r.content().readableBytes()];
            r.content().getBytes(r.content().readerIndex(), body);
            return new Request(
                    r.method(),
                    new QueryStringDecoder(r.uri()),
                    r.headers().get(HttpHeaderNames.AUTHORIZATION),
                    body,
                    client);
        }
    }

    public CompletableFuture<FullHttpResponse> handle(FullHttpRequest request, String client) {
        Request r = Request.of(request, client);
        List<String> segments;
        try {
            segments = segments(r.uri().rawPath());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(
                    responses.error(ErrorCode.BAD_REQUEST, "path: malformed percent-encoding"));
        }
        String path = "/" + String.join("/", segments);
        CompletableFuture<FullHttpResponse> response = isRoomMessage(segments)
                ? deleteMessage(r, segments.get(2), segments.get(4))
                : switch (path) {
                    case "/healthz" -> get(r, () -> responses.json(200, Map.of("status", "ok")));
                    case "/readyz" -> get(r, health::readiness);
                    case "/metrics" ->
                        get(r, () -> responses.text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8"));
                    case "/api/auth/register" -> post(r, () -> register(r));
                    case "/api/auth/login" -> post(r, () -> login(r));
                    case "/api/me" -> get(r, () -> me(authenticate(r)));
                    case "/api/rooms" ->
                        r.method().equals(HttpMethod.POST)
                                ? blocking.call(() -> createRoom(authenticate(r), r))
                                : get(r, () -> listRooms(authenticate(r), r));
                    default -> {
                        var more = moderationRoutes.route(
                                r, segments, this::authenticate, q -> stringField(jsonBody(q), "username"));
                        yield more != null
                                ? more
                                : segments.size() == 4
                                                && segments.get(0).equals("api")
                                                && segments.get(1).equals("rooms")
                                                && segments.get(3).equals("messages")
                                        ? get(r, () -> history(authenticate(r), r, segments.get(2)))
                                        : CompletableFuture.completedFuture(
                                                responses.error(ErrorCode.NOT_FOUND, "no such endpoint"));
                    }
                };
        return response.exceptionally(failure -> {
            ApiException e = Failures.toApi(failure);
            metrics.error(e.code());
            return responses.error(e.code(), e.getMessage(), e.retryAfterMs());
        });
    }

    /**
     * The path's segments, each percent-decoded exactly once, so that {@code %2561bc} is the room {@code %61bc}
     * (refused) and never {@code abc}; a decoded {@code /} stays inside its segment.
     */
    static List<String> segments(String rawPath) {
        List<String> segments = new java.util.ArrayList<>();
        for (String raw : rawPath.split("/", -1)) {
            if (!raw.isEmpty()) {
                segments.add(QueryStringDecoder.decodeComponent(raw));
            }
        }
        return segments;
    }

    private CompletableFuture<FullHttpResponse> get(Request r, Blocking.Task<FullHttpResponse> task) {
        return method(r, HttpMethod.GET, task);
    }

    private CompletableFuture<FullHttpResponse> post(Request r, Blocking.Task<FullHttpResponse> task) {
        return method(r, HttpMethod.POST, task);
    }

    private CompletableFuture<FullHttpResponse> method(
            Request r, HttpMethod expected, Blocking.Task<FullHttpResponse> task) {
        if (!r.method().equals(expected)
                && !(expected.equals(HttpMethod.GET) && r.method().equals(HttpMethod.HEAD))) {
            return CompletableFuture.completedFuture(responses.error(
                    ErrorCode.METHOD_NOT_ALLOWED,
                    "expected " + expected + " " + r.uri().rawPath()));
        }
        return blocking.call(task);
    }

    private FullHttpResponse register(Request r) throws Exception {
        JsonNode body = jsonBody(r);
        String username = stringField(body, "username");
        String password = stringField(body, "password");
        if (!Validation.isValidUsername(username)) {
            throw new ApiException(ErrorCode.INVALID_USERNAME, "username: expected 3-32 characters of A-Za-z0-9_.-");
        }
        if (!Validation.isValidPassword(password)) {
            throw new ApiException(ErrorCode.INVALID_PASSWORD, "password: expected 8-128 characters");
        }
        UserRecord user = users.create(username, passwords.hash(password));
        return responses.json(
                201,
                Map.of(
                        "token",
                        tokens.issue(user.id(), user.username()),
                        "user",
                        new io.parley.protocol.User(Long.toString(user.id()), user.username())));
    }

    private FullHttpResponse login(Request r) throws Exception {
        JsonNode body = jsonBody(r);
        String username = stringField(body, "username");
        String password = stringField(body, "password");
        String subject = Validation.usernameKey(username) + "|" + r.client();
        long retryAfter = throttle.retryAfterMs(subject);
        if (retryAfter > 0) {
            throw new ApiException(ErrorCode.RATE_LIMITED, "too many failed logins, retry later", retryAfter);
        }
        Optional<UserRecord> user = Validation.isValidUsername(username) && password.length() <= 1024
                ? users.findByUsername(username)
                : Optional.empty();
        boolean ok = user.isPresent() ? passwords.verify(password, user.get().passwordHash()) : fakeVerify(password);
        if (!ok) {
            throttle.failed(subject);
            throw new ApiException(ErrorCode.INVALID_CREDENTIALS, "unknown username or wrong password");
        }
        UserRecord u = user.get();
        if (u.disabled()) {
            // Only after the password matched: a wrong guess learns nothing about the account.
            throw new ApiException(ErrorCode.ACCOUNT_DISABLED, "this account is disabled");
        }
        return responses.json(
                200,
                Map.of(
                        "token",
                        tokens.issue(u.id(), u.username(), u.admin(), u.tokenEpoch()),
                        "user",
                        new io.parley.protocol.User(
                                Long.toString(u.id()),
                                u.username(),
                                u.admin() ? io.parley.protocol.User.ADMIN : null)));
    }

    private boolean fakeVerify(String password) {
        passwords.verifyNothing(password.length() <= 1024 ? password : "");
        return false;
    }

    private FullHttpResponse me(Principal p) throws Exception {
        return responses.json(
                200,
                Map.of(
                        "user",
                        p.toUser(),
                        "rooms",
                        rooms.roomsOf(p.userId()),
                        "invites",
                        moderation.invitesOf(p.userId())));
    }

    /** One page of rooms by name: {@code after} is an exclusive name cursor, {@code limit} 1-1000 (default 1000). */
    private FullHttpResponse listRooms(Principal p, Request r) throws Exception {
        int limit = Optional.ofNullable(longParam(r, "limit", 1, ROOM_PAGE_LIMIT))
                .map(Long::intValue)
                .orElse(ROOM_PAGE_LIMIT);
        String after = stringParam(r, "after");
        if (after != null && !Validation.isValidRoomName(after)) {
            throw new ApiException(ErrorCode.BAD_REQUEST, "after: expected a room name");
        }
        RoomStore.Page page = rooms.page(after == null ? "" : after, limit, p.userId());
        return responses.json(200, Map.of("rooms", page.rooms(), "hasMore", page.hasMore()));
    }

    private FullHttpResponse createRoom(Principal p, Request r) throws Exception {
        JsonNode body = jsonBody(r);
        String name = stringField(body, "name");
        JsonNode privateField = body.get("private");
        if (privateField != null && !privateField.isBoolean() && !privateField.isNull()) {
            throw new ApiException(ErrorCode.BAD_REQUEST, "private: expected true or false");
        }
        if (!Validation.isValidRoomName(name)) {
            throw new ApiException(ErrorCode.INVALID_ROOM_NAME, "name: expected 1-48 characters of a-z, 0-9, '-', '_'");
        }
        Room room = rooms.create(name, p.userId(), privateField != null && privateField.asBoolean());
        // The creator's open connections subscribe to the new room, wherever they are.
        events.publish(keys.userChannel(p.id()), codec.write(new MembershipChange(null, true, room)));
        return responses.json(201, Map.of("room", room));
    }

    private FullHttpResponse history(Principal p, Request r, String room) throws Exception {
        if (!Validation.isValidRoomName(room)) {
            throw new ApiException(ErrorCode.INVALID_ROOM_NAME, "room: expected 1-48 characters of a-z, 0-9, '-', '_'");
        }
        HistoryQuery query = new HistoryQuery(
                longParam(r, "before", 0, Long.MAX_VALUE),
                longParam(r, "after", 0, Long.MAX_VALUE),
                Optional.ofNullable(longParam(r, "limit", 1, Limits.MAX_HISTORY_LIMIT))
                        .map(Long::intValue)
                        .orElse(Limits.DEFAULT_HISTORY_LIMIT));
        RoomStore.Access access = rooms.access(room, p.userId()).requireMember(room);
        MessageStore.Page page = messages.history(access.roomId(), room, query);
        return responses.json(200, Map.of("messages", page.messages(), "hasMore", page.hasMore()));
    }

    /** {@code /api/rooms/{name}/messages/{id}}, the one path of a single log entry. */
    private static boolean isRoomMessage(List<String> segments) {
        return segments.size() == 5
                && segments.get(0).equals("api")
                && segments.get(1).equals("rooms")
                && segments.get(3).equals("messages");
    }

    /** {@code DELETE /api/rooms/{name}/messages/{id}}: 204 once the delete entry is durably queued. */
    private CompletableFuture<FullHttpResponse> deleteMessage(Request r, String room, String id) {
        if (!r.method().equals(HttpMethod.DELETE)) {
            return CompletableFuture.completedFuture(responses.error(
                    ErrorCode.METHOD_NOT_ALLOWED, "expected DELETE " + r.uri().rawPath()));
        }
        return blocking.call(() -> {
                    Principal p = authenticate(r);
                    if (!Validation.isValidRoomName(room)) {
                        throw new ApiException(
                                ErrorCode.INVALID_ROOM_NAME, "room: expected 1-48 characters of a-z, 0-9, '-', '_'");
                    }
                    return logEntries.check(p, LogEntries.Change.delete(room, id, null), true);
                })
                .thenCompose(checked -> switch (checked) {
                    case LogEntries.Checked.Stored stored -> CompletableFuture.completedFuture(stored.id());
                    case LogEntries.Checked.Queue q -> queued(q.envelope());
                })
                .thenApply(queuedId -> responses.noContent());
    }

    private CompletableFuture<String> queued(QueueEnvelope envelope) {
        CompletableFuture<String> done = new CompletableFuture<>();
        producer.enqueue(envelope, (id, failure) -> {
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(id);
            }
        });
        return done;
    }

    /** The token's user as the database knows it now; a deleted or unknown user is refused like a bad token. */
    private Principal authenticate(Request r) throws SQLException {
        Optional<Principal> claimed = tokens.verify(TokenService.bearer(r.authorization()));
        Optional<Principal> current = claimed.isPresent() ? directory.resolve(claimed.get()) : Optional.empty();
        return current.orElseThrow(
                () -> new ApiException(ErrorCode.UNAUTHORIZED, "missing, malformed or expired token, or no such user"));
    }

    private JsonNode jsonBody(Request r) {
        try {
            JsonNode node = codec.mapper().readTree(r.body());
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // answered below
        }
        throw new ApiException(ErrorCode.BAD_REQUEST, "body: expected a JSON object");
    }

    private static String stringField(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || !v.isTextual()) {
            throw new ApiException(ErrorCode.BAD_REQUEST, name + ": expected a string");
        }
        return v.textValue();
    }

    static String stringParam(Request r, String name) {
        List<String> values;
        try {
            values = r.uri().parameters().get(name);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.BAD_REQUEST, "query: malformed percent-encoding");
        }
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    static Long longParam(Request r, String name, long min, long max) {
        String value = stringParam(r, name);
        if (value == null) {
            return null;
        }
        try {
            long v = Long.parseLong(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(ErrorCode.BAD_REQUEST, name + ": expected an integer in " + min + "-" + max);
    }
}
