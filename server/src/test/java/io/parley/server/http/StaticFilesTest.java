package io.parley.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built client is served as nginx serves it: files, the app shell for other paths, never the API. */
class StaticFilesTest {
    @TempDir
    Path root;

    private StaticFiles files;

    @BeforeEach
    void build() throws Exception {
        Files.createDirectories(root.resolve("web/assets"));
        Files.writeString(root.resolve("web/index.html"), "<!doctype html><title>Parley</title>");
        Files.writeString(root.resolve("web/assets/index-abc.js"), "console.log(1)");
        Files.writeString(root.resolve("web/assets/index-abc.css"), "body{}");
        files = new StaticFiles(new URLClassLoader(new URL[] {root.toUri().toURL()}, null));
    }

    @Test
    void servesTheShellAssetsWithTheirTypesAndFallsBackForAppPaths() {
        FullHttpResponse shell = respond(HttpMethod.GET, "/").orElseThrow();
        assertThat(shell.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/html; charset=utf-8");
        assertThat(shell.content().toString(StandardCharsets.UTF_8)).contains("<title>Parley</title>");
        assertThat(shell.headers().get(HttpHeaderNames.CACHE_CONTROL)).isEqualTo("no-cache");
        assertThat(shell.headers().get(HttpHeaderNames.CONTENT_SECURITY_POLICY)).contains("default-src 'self'");

        FullHttpResponse js =
                respond(HttpMethod.GET, "/assets/index-abc.js?v=1").orElseThrow();
        assertThat(js.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/javascript; charset=utf-8");
        assertThat(js.headers().get(HttpHeaderNames.CACHE_CONTROL)).contains("immutable");
        assertThat(respond(HttpMethod.HEAD, "/assets/index-abc.css")
                        .orElseThrow()
                        .headers()
                        .get(HttpHeaderNames.CONTENT_TYPE))
                .isEqualTo("text/css; charset=utf-8");

        assertThat(respond(HttpMethod.GET, "/rooms/lobby")
                        .orElseThrow()
                        .content()
                        .toString(StandardCharsets.UTF_8))
                .contains("<title>Parley</title>");
        assertThat(respond(HttpMethod.GET, "/assets/missing.js")).isEmpty();
    }

    @Test
    void leavesTheApiProbesWritesAndTraversalToTheRestApi() {
        for (String path : new String[] {"/api/me", "/api", "/ws", "/healthz", "/readyz", "/metrics", "/../pom.xml"}) {
            assertThat(respond(HttpMethod.GET, path)).as(path).isEmpty();
        }
        assertThat(respond(HttpMethod.POST, "/")).isEmpty();
    }

    @Test
    void servesNothingWithoutABuiltClient() throws Exception {
        StaticFiles none = new StaticFiles(new URLClassLoader(
                new URL[] {Files.createTempDirectory("empty").toUri().toURL()}, null));
        assertThat(none.present()).isFalse();
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        assertThat(none.respond(request)).isEmpty();
        request.release();
    }

    private Optional<FullHttpResponse> respond(HttpMethod method, String uri) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        try {
            return files.respond(request);
        } finally {
            request.release();
        }
    }
}
