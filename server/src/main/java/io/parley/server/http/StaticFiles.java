package io.parley.server.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The built web client, from the jar's {@code web/} resources (web-client/dist at build time), with the rules of the
 * nginx config: hashed {@code /assets/} cached for a year and a 404 when missing; every other path that is not the
 * API gets the file or, failing that, the app shell ({@code index.html}). Serves nothing when the jar has no client.
 */
public final class StaticFiles {
    private static final String ROOT = "web";
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("webp", "image/webp"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("webmanifest", "application/manifest+json"));
    // The same policy nginx adds: the client loads only its own scripts and styles and talks only to its origin.
    private static final String CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:;"
            + " style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self';"
            + " frame-ancestors 'none'";

    private record File(byte[] bytes, String type) {}

    private final ClassLoader loader;
    private final boolean present;
    private final Map<String, Optional<File>> cache = new ConcurrentHashMap<>();

    public StaticFiles(ClassLoader loader) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.present = loader.getResource(ROOT + "/index.html") != null;
    }

    /** Whether the jar carries a built client. */
    public boolean present() {
        return present;
    }

    /** The response for {@code request} when it is for the client (GET or HEAD outside the API), else empty. */
    public Optional<FullHttpResponse> respond(FullHttpRequest request) {
        if (!present
                || !(request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD))) {
            return Optional.empty();
        }
        // Undecoded: a malformed escape must reach the API's 400, not fail here; the client's files need none.
        String path = new QueryStringDecoder(request.uri()).rawPath();
        if (path.startsWith("/api/")
                || path.equals("/api")
                || path.equals("/ws")
                || path.equals("/healthz")
                || path.equals("/readyz")
                || path.equals("/metrics")
                || path.contains("..")
                || path.contains("\\")) {
            return Optional.empty();
        }
        if (path.startsWith("/assets/")) {
            return load(path).map(f -> response(f, "public, max-age=31536000, immutable"));
        }
        File file = (path.equals("/") ? Optional.<File>empty() : load(path))
                .or(() -> load("/index.html"))
                .orElseThrow();
        return Optional.of(response(file, "no-cache"));
    }

    private Optional<File> load(String path) {
        return cache.computeIfAbsent(path, p -> {
            try (InputStream in = loader.getResourceAsStream(ROOT + p)) {
                if (in == null || p.endsWith("/")) {
                    return Optional.empty();
                }
                String name = p.substring(p.lastIndexOf('/') + 1);
                String extension = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
                return Optional.of(
                        new File(in.readAllBytes(), TYPES.getOrDefault(extension, "application/octet-stream")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static FullHttpResponse response(File file, String cacheControl) {
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(file.bytes()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, file.type())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, file.bytes().length)
                .set(HttpHeaderNames.CACHE_CONTROL, cacheControl)
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer")
                .set("X-Frame-Options", "DENY");
        return response;
    }
}
