package io.parley.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

/** A small REST client for tests against a real server port. */
public final class Rest {
    private static final ObjectMapper MAPPER = Json.newMapper();

    /** A response: status, parsed body (null when not JSON) and the raw response. */
    public record Reply(int status, JsonNode body, HttpResponse<String> raw) {
        public String errorCode() {
            return body.path("error").path("code").asText(null);
        }
    }

    /** A registered user with a token. */
    public record Account(String id, String username, String password, String token) {}

    private final int port;
    // One client per server: a shared pool could reuse a keep-alive connection to an earlier test's server that
    // has since closed, when the new server happens to get the same ephemeral port.
    private final HttpClient http = HttpClient.newHttpClient();

    public Rest(int port) {
        this.port = port;
    }

    public Reply get(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    public Reply post(String path, String token, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    public Reply delete(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).DELETE();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    public Reply register(String username, String password) {
        return post("/api/auth/register", null, json("username", username, "password", password));
    }

    public Reply login(String username, String password) {
        return post("/api/auth/login", null, json("username", username, "password", password));
    }

    /** Registers a fresh user with a unique name starting with {@code prefix}. */
    public Account newAccount(String prefix) {
        String username = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        Reply r = register(username, password);
        if (r.status() != 201) {
            throw new AssertionError("register failed: " + r.status() + " " + r.body());
        }
        return new Account(
                r.body().path("user").path("id").asText(),
                username,
                password,
                r.body().path("token").asText());
    }

    public static String json(Object... keyValues) {
        var node = MAPPER.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            node.set((String) keyValues[i], MAPPER.valueToTree(keyValues[i + 1]));
        }
        return node.toString();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private Reply send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = null;
            try {
                body = MAPPER.readTree(response.body());
            } catch (IOException e) {
                // not JSON (metrics)
            }
            return new Reply(response.statusCode(), body, response);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
