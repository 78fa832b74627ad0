package io.parley.nginx;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.testkit.ManagedProcess;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The edge under steady REST and WebSocket traffic while replicas restart and die, as in a rolling deploy and a
 * crash right after it: not one REST call may fail while a replica is up, and sockets reopen on a live replica
 * at the first try.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollingRestartIT {
    private static final String PASSWORD = "correct-horse-battery";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    /** Traffic that must flow through Nginx between two steps, so each step is seen under load. */
    private static final long CALLS_PER_STEP = 100;

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

    private static HttpClient http;
    private static LoopbackStack stack;
    private static Api api;
    private static List<Api.Session> users;

    @RegisterExtension
    static final LoopbackStackExtension STACK = new LoopbackStackExtension(3);

    @BeforeAll
    static void registerUsers() throws Exception {
        stack = STACK.stack();
        http = stack.http;
        api = stack.api();
        users = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            users.add(api.register("roll" + i + "_" + RUN, PASSWORD));
        }
    }

    @Test
    @Order(1)
    void restartingEveryReplicaInTurnFailsNoRequest() throws Exception {
        EdgeLoad.Result result;
        try (EdgeLoad load = EdgeLoad.start(http, api, stack.nginxWs(), "rolling-" + RUN, users, 3)) {
            awaitProgress(load::restOk, "REST calls before the first restart");
            for (String id : List.copyOf(stack.servers.keySet())) {
                ManagedProcess replica = stack.servers.get(id);
                replica.process().destroy(); // SIGTERM, as `docker compose up` sends to the old container
                assertThat(replica.process().waitFor(30, TimeUnit.SECONDS))
                        .as("%s exits after SIGTERM", id)
                        .isTrue();
                awaitProgress(load::restOk, "REST calls while " + id + " is down");
                stack.restart(id, http);
                awaitProgress(load::restOk, "REST calls after " + id + " came back");
            }
            awaitProgress(load::acks, "chat messages after the last restart");
            result = load.result();
        }
        assertNothingFailed("rolling restart", result);
    }

    @Test
    @Order(2)
    void losingAReplicaTwiceInARowWithOneOtherLeftFailsNoRequest() throws Exception {
        // Two replicas left, as in the issue: one crashes and comes back, then the other crashes, then the first
        // again. Each time the one that survives is a replica that failed moments before.
        List<String> ids = List.copyOf(stack.servers.keySet());
        String a = ids.get(0);
        String b = ids.get(1);
        stack.servers.get(ids.get(2)).kill();
        EdgeLoad.Result result;
        try (EdgeLoad load = EdgeLoad.start(http, api, stack.nginxWs(), "crash-" + RUN, users, 3)) {
            awaitProgress(load::restOk, "REST calls before the first crash");
            for (String victim : List.of(a, b, a)) {
                stack.servers.get(victim).kill(); // SIGKILL
                awaitProgress(load::restOk, "REST calls while " + victim + " is dead");
                awaitProgress(load::acks, "chat messages while " + victim + " is dead");
                stack.restart(victim, http);
                awaitProgress(load::restOk, "REST calls after " + victim + " came back");
            }
            result = load.result();
        }
        assertNothingFailed("replica killed twice", result);
    }

    private static void awaitProgress(LongSupplier counter, String what) throws InterruptedException {
        long target = counter.getAsLong() + CALLS_PER_STEP;
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (counter.getAsLong() < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        what + ": " + counter.getAsLong() + " within " + STEP_TIMEOUT + " (expected: " + target + ")");
            }
            Thread.sleep(50); // polling a counter with a deadline
        }
    }

    /** No failed REST call, no refused handshake, and every socket that lost its replica back within 10 s. */
    private static void assertNothingFailed(String scenario, EdgeLoad.Result r) {
        System.out.printf(
                "%s: %d REST calls ok, %d failed; %d socket opens, %d failed, %d dropped before ready,"
                        + " %d reconnects, slowest %d ms; %d chat acks%n",
                scenario,
                r.restOk(),
                r.restFailed(),
                r.opens(),
                r.openFailed(),
                r.droppedBeforeReady(),
                r.reconnects(),
                r.slowestReconnectMillis(),
                r.acks());
        assertThat(r.failures()).as("%s: failures through Nginx", scenario).isEmpty();
        assertThat(r.restFailed()).as("%s: failed REST calls", scenario).isZero();
        assertThat(r.openFailed())
                .as("%s: refused WebSocket handshakes", scenario)
                .isZero();
        assertThat(r.reconnects())
                .as("%s: sockets moved off a replica that went away", scenario)
                .isPositive();
        assertThat(r.slowestReconnectMillis())
                .as("%s: slowest reconnect (ms)", scenario)
                .isLessThan(10_000);
    }
}
