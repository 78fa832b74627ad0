package io.parley.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpRoutesTest {
    @Test
    void mapsPathsToTheirTemplateAndEverythingElseToOther() {
        assertThat(HttpRoutes.of("/api/rooms/general/messages?before=10&limit=5"))
                .isEqualTo("/api/rooms/{room}/messages");
        assertThat(HttpRoutes.of("/api/rooms/general/messages/90071992547409931"))
                .isEqualTo("/api/rooms/{room}/messages/{id}");
        assertThat(HttpRoutes.of("/api/rooms/general/messages/1/x")).isEqualTo("other");
        assertThat(HttpRoutes.of("/api/rooms?x=1")).isEqualTo("/api/rooms");
        assertThat(HttpRoutes.of("/metrics")).isEqualTo("/metrics");
        assertThat(HttpRoutes.of("/api/auth/login")).isEqualTo("/api/auth/login");
        // Unknown paths never become series of their own: a scanner cannot blow up the metrics.
        assertThat(HttpRoutes.of("/wp-admin/" + "x".repeat(200))).isEqualTo("other");
        assertThat(HttpRoutes.of("other")).isEqualTo("other");
        assertThat(HttpRoutes.of("")).isEqualTo("other");
    }
}
