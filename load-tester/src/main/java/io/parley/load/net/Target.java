package io.parley.load.net;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;

/** One WebSocket endpoint ({@code ws://host:port/ws}), with its socket address resolved once. */
public record Target(URI uri, InetSocketAddress address) {
    public Target {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(address, "address");
    }

    public static Target parse(String text) {
        URI uri = URI.create(text.trim());
        if (!"ws".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("target: " + text + " (expected: ws://host:port/ws)");
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/ws" : uri.getRawPath();
        URI normalized = URI.create("ws://" + uri.getHost() + ":" + port + path);
        return new Target(normalized, new InetSocketAddress(uri.getHost(), port));
    }

    /** The REST base of the same host: {@code http://host:port}. */
    public URI httpBase() {
        return URI.create("http://" + uri.getHost() + ":" + uri.getPort());
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
