package io.parley.nginx;

import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One {@link LoopbackStack} for a test class: started before its {@code @BeforeAll} methods, stopped after its
 * {@code @AfterAll} methods; a class with a failed test prints the processes' log tails and keeps their files.
 */
final class LoopbackStackExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {
    private final int replicas;
    private volatile boolean failed;
    private LoopbackStack stack;

    LoopbackStackExtension(int replicas) {
        this.replicas = replicas;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        stack = LoopbackStack.start(replicas, http);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        failed = true;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (stack == null) {
            return;
        }
        if (failed) {
            System.err.println(stack.logTails(60));
        }
        stack.close();
        if (!failed) {
            stack.deleteFiles();
        }
    }

    /** The running stack (HTTP/1.1 client in {@link LoopbackStack#http}). */
    LoopbackStack stack() {
        return stack;
    }
}
