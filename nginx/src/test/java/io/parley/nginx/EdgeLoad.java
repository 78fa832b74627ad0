package io.parley.nginx;

import io.parley.testkit.WsClient;
import io.parley.testkit.WsClient.TokenIn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady traffic through Nginx while replicas come and go: REST readers calling GET /api/me and GET /api/rooms in a
 * loop, and WebSocket clients that reopen their socket as soon as it closes and chat in between. Counts what a user
 * would notice: failed REST calls, failed socket opens and how long a reconnect took.
 */
final class EdgeLoad implements AutoCloseable {
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(15);
    private static final int KEPT_FAILURES = 20;

    private final HttpClient http;
    private final Api api;
    private final URI ws;
    private final String room;
    private final List<Thread> threads = new ArrayList<>();
    private final List<WsClient> sockets = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong restOk = new AtomicLong();
    private final AtomicLong restFailed = new AtomicLong();
    private final AtomicLong opens = new AtomicLong();
    private final AtomicLong openFailed = new AtomicLong();
    private final AtomicLong droppedBeforeReady = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong slowestReconnectMillis = new AtomicLong();
    private final AtomicLong acks = new AtomicLong();
    private volatile boolean running = true;

    private EdgeLoad(HttpClient http, Api api, URI ws, String room) {
        this.http = Objects.requireNonNull(http, "http");
        this.api = Objects.requireNonNull(api, "api");
        this.ws = Objects.requireNonNull(ws, "ws");
        this.room = Objects.requireNonNull(room, "room");
    }

    /** Starts {@code restThreads} REST loops and one WebSocket client per session, all in {@code room}. */
    static EdgeLoad start(HttpClient http, Api api, URI ws, String room, List<Api.Session> users, int restThreads) {
        EdgeLoad load = new EdgeLoad(http, api, ws, room);
        for (int i = 0; i < restThreads; i++) {
            Api.Session user = users.get(i % users.size());
            load.spawn("rest-" + i, () -> load.restLoop(user));
        }
        for (int i = 0; i < users.size(); i++) {
            Api.Session user = users.get(i);
            String name = "ws-" + i;
            load.spawn(name, () -> load.socketLoop(user, name));
        }
        return load;
    }

    private void spawn(String name, Runnable body) {
        Thread t = Thread.ofPlatform().name("edge-load-" + name).daemon().start(body);
        threads.add(t);
    }

    private void restLoop(Api.Session user) {
        long n = 0;
        while (running) {
            String path = n++ % 2 == 0 ? "/api/me" : "/api/rooms";
            try {
                HttpResponse<String> r = api.get(path, user.token());
                if (r.statusCode() == 200) {
                    restOk.incrementAndGet();
                } else {
                    fail(restFailed, "GET " + path + ": " + r.statusCode() + " " + r.body());
                }
            } catch (Exception e) {
                if (running) {
                    fail(restFailed, "GET " + path + ": " + e);
                }
            }
            pause(10);
        }
    }

    private void socketLoop(Api.Session user, String name) {
        long closedAt = 0;
        long n = 0;
        while (running) {
            WsClient s;
            try {
                opens.incrementAndGet();
                s = WsClient.open(http, ws, user.token(), TokenIn.SUBPROTOCOL, OPEN_TIMEOUT);
                sockets.add(s);
            } catch (AssertionError e) {
                // upgraded, then dropped before `ready`: the replica was going away; a client simply tries again
                droppedBeforeReady.incrementAndGet();
                continue;
            } catch (Exception e) {
                // refused or failed handshake: what a user would see as "cannot connect"
                if (running) {
                    fail(openFailed, name + " open: " + e);
                }
                pause(200);
                continue;
            }
            if (closedAt != 0) {
                reconnects.incrementAndGet();
                slowestReconnectMillis.accumulateAndGet((System.nanoTime() - closedAt) / 1_000_000, Math::max);
            }
            try {
                s.send(WsClient.frame("join", "j").put("room", room));
                s.await(f -> "j".equals(f.path("ref").asText()), OPEN_TIMEOUT);
                while (running && !s.isClosed()) {
                    String ref = name + "-" + n++;
                    s.send(WsClient.frame("send", ref)
                            .put("room", room)
                            .put("body", ref)
                            .put("clientMsgId", ref));
                    s.await(f -> ref.equals(f.path("ref").asText()), OPEN_TIMEOUT);
                    acks.incrementAndGet();
                    s.awaitClosed(Duration.ofMillis(300));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception | AssertionError e) {
                // the replica went away between a send and its answer: the socket closes and we reconnect
                if (!s.isClosed()) {
                    s.close();
                }
            }
            closedAt = System.nanoTime();
            sockets.remove(s);
            s.close();
        }
    }

    private void fail(AtomicLong counter, String what) {
        counter.incrementAndGet();
        if (failures.size() < KEPT_FAILURES) {
            failures.add(what);
        }
    }

    /** Successful REST calls so far; tests wait for it to grow to know traffic flowed through a step. */
    long restOk() {
        return restOk.get();
    }

    long acks() {
        return acks.get();
    }

    Result result() {
        return new Result(
                restOk.get(),
                restFailed.get(),
                opens.get(),
                openFailed.get(),
                droppedBeforeReady.get(),
                reconnects.get(),
                slowestReconnectMillis.get(),
                acks.get(),
                List.copyOf(failures));
    }

    /**
     * What the load saw; {@code failures} holds the first few failures in words. A reconnect's time runs from the
     * close to the next {@code ready}, across any socket dropped before {@code ready} on the way.
     */
    record Result(
            long restOk,
            long restFailed,
            long opens,
            long openFailed,
            long droppedBeforeReady,
            long reconnects,
            long slowestReconnectMillis,
            long acks,
            List<String> failures) {}

    @Override
    public void close() throws InterruptedException {
        running = false;
        sockets.forEach(WsClient::close);
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(20));
        }
        sockets.forEach(WsClient::close);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // pacing of a load loop, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
