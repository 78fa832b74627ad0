package io.parley.server.metrics;

import java.util.List;

/** Maps a request path to its route template, so that metrics get one series per endpoint, never one per URL. */
public final class HttpRoutes {
    static final String ROOM_MESSAGES = "/api/rooms/{room}/messages";
    static final String ROOM_MESSAGE = "/api/rooms/{room}/messages/{id}";
    static final String OTHER = "other";
    private static final java.util.regex.Pattern ROOM_MESSAGE_PATH =
            java.util.regex.Pattern.compile("/api/rooms/[^/]+/messages/[^/]+");
    static final List<String> ALL = List.of(
            "/healthz",
            "/readyz",
            "/metrics",
            "/api/auth/register",
            "/api/auth/login",
            "/api/me",
            "/api/rooms",
            ROOM_MESSAGES,
            ROOM_MESSAGE,
            OTHER);

    private HttpRoutes() {}

    /** The template of {@code path} (without its query), or {@code other} for paths no endpoint serves. */
    public static String of(String path) {
        int query = path.indexOf('?');
        String p = query < 0 ? path : path.substring(0, query);
        if (p.startsWith("/api/rooms/") && p.endsWith("/messages")) {
            return ROOM_MESSAGES;
        }
        if (ROOM_MESSAGE_PATH.matcher(p).matches()) {
            return ROOM_MESSAGE;
        }
        return ALL.contains(p) && !p.equals(OTHER) ? p : OTHER;
    }
}
