package io.parley.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.protocol.Json;
import io.parley.server.support.OneServer;
import io.parley.server.support.RawWebSocket;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A frame fuzzer against one replica: tens of thousands of malformed frames, each answered with the right code
 * (an error frame on a connection that stays open, or the right close code for a frame-level violation), while
 * the replica never stops answering. Bounded in time; prints sent, answered and the count per code.
 */
class FrameFuzzIT {
    private static final ObjectMapper MAPPER = Json.newMapper();
    private static final int APP_CONNECTIONS = 4;
    private static final int APP_BATCHES = 60;
    private static final int BATCH = 100;
    private static final int VIOLATIONS = 2_000;

    @RegisterExtension
    static final OneServer server = OneServer.withAccount(
            "fuzz",
            "fuzzer",
            "PARLEY_RATE_PER_SEC",
            "1000000",
            "PARLEY_RATE_BURST",
            "1000000",
            "PARLEY_MAX_CONNECTIONS_PER_USER",
            "1000");

    /** One malformed application frame and the error code it must get; the connection stays open. */
    private record Case(byte[] payload, String code) {
        static Case of(String text, String code) {
            return new Case(text.getBytes(UTF_8), code);
        }
    }

    private static String randomText(Random r, int max) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            b.append((char) (0x20 + r.nextInt(0x5F)));
        }
        return b.toString();
    }

    private static Case appCase(Random r) {
        String ref = "\"ref\":\"f" + r.nextInt(1_000_000) + "\"";
        return switch (r.nextInt(16)) {
            case 0 -> Case.of("{" + randomText(r, 40), "bad_request"); // truncated JSON
            case 1 -> Case.of("[" + r.nextInt() + "]", "bad_request");
            case 2 -> Case.of(Integer.toString(r.nextInt()), "bad_request");
            case 3 -> Case.of("{" + ref + "}", "bad_request"); // no type
            case 4 -> Case.of("{\"type\":" + r.nextInt() + "," + ref + "}", "bad_request");
            case 5 -> Case.of("{\"type\":\"x" + r.nextInt(1000) + "\"," + ref + "}", "unknown_type");
            case 6 ->
                Case.of(
                        "{\"type\":\"join\",\"room\":\"Bad Room " + r.nextInt(100) + "\"," + ref + "}",
                        "invalid_room_name");
            case 7 -> Case.of("{\"type\":\"join\"," + ref + "}", "bad_request"); // no room
            case 8 ->
                Case.of(
                        "{\"type\":\"send\",\"room\":\"r\",\"body\":\"" + "b".repeat(4001) + "\"," + ref + "}",
                        "body_too_long");
            case 9 -> Case.of("{\"type\":\"send\",\"room\":\"r\",\"body\":\" \\t \"," + ref + "}", "empty_body");
            case 10 -> Case.of("{\"type\":\"ping\"," + ref + "} " + randomText(r, 10) + "x", "bad_request");
            case 11 -> Case.of("{\"type\":\"ping\"," + ref + "}{\"type\":\"ping\"}", "bad_request");
            case 12 ->
                Case.of(
                        "{\"type\":\"history\",\"room\":\"r\",\"limit\":" + (101 + r.nextInt(1000)) + "," + ref + "}",
                        "bad_request");
            case 13 -> Case.of("[".repeat(40 + r.nextInt(100)), "bad_request"); // nesting past the bound
            case 14 -> Case.of("{\"type\":\"ping\",\"ref\":" + r.nextInt() + "}", "bad_request");
            default -> Case.of("{\"type\":\"ping\",\"type\":\"ping\"," + ref + "}", "bad_request"); // duplicate key
        };
    }

    /** One frame-level violation and the close code it must get. */
    private record Violation(byte[] bytes, int closeCode) {}

    private static Violation violation(Random r) {
        byte[] small = randomText(r, 20).getBytes(UTF_8);
        return switch (r.nextInt(8)) {
            case 0 -> new Violation(RawWebSocket.frame(true, 0, 3 + r.nextInt(5), small), 1002); // reserved opcode
            case 1 -> new Violation(RawWebSocket.frame(true, 2 + r.nextInt(2) * 4, RawWebSocket.TEXT, small), 1002);
            case 2 -> new Violation(RawWebSocket.frame(false, 0, RawWebSocket.PING, small), 1002);
            case 3 -> new Violation(RawWebSocket.frame(true, 0, 0, small), 1002); // continuation first
            case 4 ->
                new Violation(
                        RawWebSocket.frame(true, 0, RawWebSocket.TEXT, new byte[] {'{', (byte) 0xFF, (byte) 0xFE, '}'}),
                        1007);
            case 5 ->
                new Violation(
                        RawWebSocket.frame(true, 0, RawWebSocket.TEXT, new byte[16 * 1024 + 1 + r.nextInt(4096)]),
                        1009);
            case 6 ->
                new Violation(
                        RawWebSocket.close(new int[] {0, 999, 1004, 1005, 1006, 1015, 2000, 5000}[r.nextInt(8)]), 1002);
            default -> new Violation(RawWebSocket.frame(true, 0, RawWebSocket.PING, new byte[126]), 1002); // > 125
        };
    }

    @Test
    void everyMalformedFrameIsAnsweredWithTheRightCodeAndTheReplicaKeepsAnswering() throws Exception {
        long started = System.nanoTime();
        // The server runs in this JVM and logs to System.err: count what the fuzz makes it log.
        java.io.PrintStream originalErr = System.err;
        LongAdder violationLines = new LongAdder();
        LongAdder stackTraceLines = new LongAdder();
        System.setErr(new java.io.PrintStream(
                new java.io.OutputStream() {
                    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

                    @Override
                    public synchronized void write(int b) {
                        originalErr.write(b);
                        if (b != '\n') {
                            line.write(b);
                            return;
                        }
                        String text = line.toString(UTF_8);
                        line.reset();
                        if (text.contains("WebSocket protocol violation")) {
                            violationLines.increment();
                        } else if (text.startsWith("\tat ") || text.contains("Exception:")) {
                            stackTraceLines.increment();
                        }
                    }
                },
                true,
                UTF_8));
        try {
            fuzz(started, violationLines, stackTraceLines);
        } finally {
            System.setErr(originalErr);
        }
    }

    private void fuzz(long started, LongAdder violationLines, LongAdder stackTraceLines) throws Exception {
        Map<String, LongAdder> byCode = new ConcurrentHashMap<>();
        LongAdder sent = new LongAdder();
        LongAdder answered = new LongAdder();
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(APP_CONNECTIONS + 2);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < APP_CONNECTIONS; t++) {
            long seed = 1000 + t;
            work.add(pool.submit(() -> {
                Random r = new Random(seed);
                try (RawWebSocket ws =
                        RawWebSocket.connect(server.port(), server.account().token())) {
                    ws.read(); // ready
                    for (int b = 0; b < APP_BATCHES; b++) {
                        List<Case> cases = new ArrayList<>();
                        ByteArrayOutputStream batch = new ByteArrayOutputStream();
                        for (int i = 0; i < BATCH; i++) {
                            Case c = appCase(r);
                            cases.add(c);
                            batch.writeBytes(RawWebSocket.frame(true, 0, RawWebSocket.TEXT, c.payload()));
                        }
                        ws.write(batch.toByteArray());
                        sent.add(BATCH);
                        for (Case c : cases) { // codec errors are answered in order, at once
                            RawWebSocket.Frame f = ws.read();
                            JsonNode reply = MAPPER.readTree(f.payload());
                            String code =
                                    reply.path("code").asText(reply.path("type").asText());
                            answered.increment();
                            byCode.computeIfAbsent(code, k -> new LongAdder()).increment();
                            if (!code.equals(c.code())) {
                                wrong.add("expected " + c.code() + " got " + reply + " for "
                                        + new String(c.payload(), UTF_8)
                                                .substring(0, Math.min(80, c.payload().length)));
                            }
                        }
                    }
                }
                return null;
            }));
        }
        AtomicLong violationIndex = new AtomicLong();
        for (int t = 0; t < 2; t++) {
            long seed = 2000 + t;
            work.add(pool.submit(() -> {
                Random r = new Random(seed);
                while (violationIndex.getAndIncrement() < VIOLATIONS) {
                    Violation v = violation(r);
                    try (RawWebSocket ws =
                            RawWebSocket.connect(server.port(), server.account().token())) {
                        ws.read(); // ready
                        ws.write(v.bytes());
                        sent.increment();
                        RawWebSocket.Frame close = ws.readUntilClose(f -> {});
                        answered.increment();
                        byCode.computeIfAbsent("close " + close.closeCode(), k -> new LongAdder())
                                .increment();
                        if (close.closeCode() != v.closeCode()) {
                            wrong.add("expected close " + v.closeCode() + " got " + close.closeCode());
                        }
                    }
                }
                return null;
            }));
        }
        // Meanwhile the replica must keep answering a well-behaved client.
        LongAdder healthChecks = new LongAdder();
        while (!work.stream().allMatch(Future::isDone)) {
            assertThat(server.rest().get("/healthz", null).status()).isEqualTo(200);
            healthChecks.increment();
            Thread.sleep(200); // pacing the probe, not waiting for a result
            assertThat(System.nanoTime() - started).as("bounded in time").isLessThan(TimeUnit.SECONDS.toNanos(180));
        }
        for (Future<?> f : work) {
            f.get();
        }
        pool.shutdown();
        try (RawWebSocket ws =
                RawWebSocket.connect(server.port(), server.account().token())) {
            ws.read();
            ws.sendText("{\"type\":\"ping\",\"ref\":\"after\"}");
            assertThat(ws.read().text()).contains("\"pong\"", "\"after\"");
        }
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        System.out.printf(
                "frame fuzzer: %d frames sent, %d answered, %d wrong, %d s, %d health checks ok, "
                        + "%d violation log lines, %d stack-trace lines; by code %s%n",
                sent.sum(),
                answered.sum(),
                wrong.size(),
                seconds,
                healthChecks.sum(),
                violationLines.sum(),
                stackTraceLines.sum(),
                new TreeMap<>(byCode));
        assertThat(violationLines.sum())
                .as("protocol violations logged at most 10 a minute")
                .isLessThanOrEqualTo(10 * (seconds / 60 + 1));
        assertThat(stackTraceLines.sum()).as("no stack traces").isZero();
        assertThat(wrong).as("wrong answers").isEmpty();
        assertThat(answered.sum()).isEqualTo(sent.sum());
        assertThat(sent.sum()).isGreaterThanOrEqualTo(20_000);
    }
}
