package io.parley.nginx;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.testkit.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The REST half of protocol v1, spoken to one base address (Nginx, or a replica directly). */
final class Api {
    /** What register and login answer. */
    record Session(String token, String userId, String username) {
        @Override
        public String toString() {
            return "Session[userId=" + userId + ", username=" + username + ", token=****]";
        }
    }

    private final HttpClient client;
    private final URI base;

    Api(HttpClient client, URI base) {
        this.client = client;
        this.base = base;
    }

    Session register(String username, String password) throws IOException, InterruptedException {
        return session(post("/api/auth/register", credentials(username, password)), 201);
    }

    Session login(String username, String password) throws IOException, InterruptedException {
        return session(post("/api/auth/login", credentials(username, password)), 200);
    }

    HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> getBytes(String path, String acceptEncoding) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (acceptEncoding != null) {
            request.header("Accept-Encoding", acceptEncoding);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String credentials(String username, String password) throws IOException {
        return WsClient.JSON.writeValueAsString(
                WsClient.JSON.createObjectNode().put("username", username).put("password", password));
    }

    private static Session session(HttpResponse<String> response, int expectedStatus) throws IOException {
        if (response.statusCode() != expectedStatus) {
            throw new AssertionError(
                    response.request().method() + " " + response.uri().getPath() + ": " + response.statusCode() + " "
                            + response.body() + " (expected: " + expectedStatus + ")");
        }
        JsonNode body = WsClient.JSON.readTree(response.body());
        String token = body.path("token").asText("");
        if (token.isEmpty()) {
            throw new AssertionError("no token in " + response.uri().getPath() + " answer");
        }
        return new Session(
                token,
                body.path("user").path("id").asText(),
                body.path("user").path("username").asText());
    }
}
