package io.parley.load.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gets a token for each wanted username: from the cache, minted locally, or through the REST API (register, and
 * log in when the name is taken), with a bounded number of requests in flight because each one costs the server a
 * bcrypt hash.
 */
public final class UserProvisioner {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_ATTEMPTS = 30;
    /** Cached tokens closer than this to expiry are renewed. */
    private static final Duration MIN_TOKEN_LIFE = Duration.ofHours(1);

    private final URI api;
    private final String password;
    private final int concurrency;
    private final UsersCache cache;
    private final JwtMinter minter;
    private final ObjectMapper mapper;
    private final PrintStream log;
    private final HttpClient http;

    public UserProvisioner(
            URI api,
            String password,
            int concurrency,
            UsersCache cache,
            JwtMinter minter,
            ObjectMapper mapper,
            PrintStream log) {
        this.api = Objects.requireNonNull(api, "api");
        this.password = Objects.requireNonNull(password, "password");
        if (concurrency < 1 || concurrency > 256) {
            throw new IllegalArgumentException("register-concurrency: " + concurrency + " (expected: 1-256)");
        }
        this.concurrency = concurrency;
        this.cache = Objects.requireNonNull(cache, "cache");
        this.minter = minter;
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.log = Objects.requireNonNull(log, "log");
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Usernames {@code prefix000000 ..}: valid (3-32 of A-Za-z0-9_.-) and stable across reruns. */
    public static List<String> usernames(String prefix, int offset, int count) {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(String.format(Locale.ROOT, "%s%06d", prefix, offset + i));
        }
        return names;
    }

    /** Users in the order of {@code usernames}; throws when any of them could not be had. */
    public List<LoadUser> provision(List<String> usernames) throws InterruptedException {
        Map<String, LoadUser> cached = cache.load();
        long renewBefore = Instant.now().plus(MIN_TOKEN_LIFE).getEpochSecond();
        AtomicInteger fromServer = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Semaphore permits = new Semaphore(concurrency);
        List<Future<LoadUser>> futures = new ArrayList<>(usernames.size());
        long start = System.nanoTime();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String name : usernames) {
                LoadUser known = cached.get(name.toLowerCase(Locale.ROOT));
                if (known != null && minter != null) {
                    futures.add(java.util.concurrent.CompletableFuture.completedFuture(
                            known.withToken(minter.mint(known.id(), known.username()))));
                } else if (known != null && Tokens.expiresAt(mapper, known.token()) > renewBefore) {
                    futures.add(java.util.concurrent.CompletableFuture.completedFuture(known));
                } else {
                    futures.add(executor.submit(() -> {
                        permits.acquire();
                        try {
                            LoadUser u = obtain(name);
                            fromServer.incrementAndGet();
                            int n = done.incrementAndGet();
                            if (n % 500 == 0) {
                                log.printf("  users: %d registered or logged in%n", n);
                            }
                            return u;
                        } finally {
                            permits.release();
                        }
                    }));
                }
            }
        }
        List<LoadUser> users = new ArrayList<>(usernames.size());
        List<String> failures = new ArrayList<>();
        for (Future<LoadUser> f : futures) {
            try {
                users.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(String.valueOf(e.getCause().getMessage()));
            }
        }
        if (fromServer.get() > 0) {
            log.printf(
                    "  users: %d from the server in %.1f s, %d from cache or minted%n",
                    fromServer.get(), (System.nanoTime() - start) / 1e9, users.size() - fromServer.get());
        }
        Map<String, LoadUser> merged = new java.util.LinkedHashMap<>(cached);
        users.forEach(u -> merged.put(u.username().toLowerCase(Locale.ROOT), u));
        cache.save(api.toString(), merged.values());
        if (!failures.isEmpty()) {
            throw new IllegalStateException(
                    failures.size() + " users could not be registered or logged in; first: " + failures.getFirst());
        }
        return users;
    }

    private LoadUser obtain(String username) throws IOException, InterruptedException {
        Answer register = post("/api/auth/register", username);
        if (register.status == 201) {
            return register.user();
        }
        if (register.status == 409 && "username_taken".equals(register.code())) {
            for (int attempt = 1; ; attempt++) {
                Answer login = post("/api/auth/login", username);
                if (login.status == 200) {
                    return login.user();
                }
                if (login.status == 429 && attempt < MAX_ATTEMPTS) {
                    Thread.sleep(login.retryAfterMillis());
                    continue;
                }
                throw new IOException("login " + username + ": HTTP " + login.status + " " + login.code());
            }
        }
        throw new IOException("register " + username + ": HTTP " + register.status + " " + register.code());
    }

    private Answer post(String path, String username) throws IOException, InterruptedException {
        byte[] body = mapper.writeValueAsBytes(Map.of("username", username, "password", password));
        HttpRequest request = HttpRequest.newBuilder(api.resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() == 503 && attempt < MAX_ATTEMPTS) {
                    Thread.sleep(200L * attempt);
                    continue;
                }
                JsonNode json =
                        response.body().length == 0 ? mapper.createObjectNode() : mapper.readTree(response.body());
                long retryAfter =
                        response.headers().firstValueAsLong("Retry-After").orElse(1);
                return new Answer(response.statusCode(), json, retryAfter);
            } catch (java.net.ConnectException e) {
                if (attempt >= 5) {
                    throw e;
                }
                Thread.sleep(200L * attempt);
            }
        }
    }

    /** One REST answer. */
    private record Answer(int status, JsonNode json, long retryAfterSeconds) {
        String code() {
            return json.path("error").path("code").asText("");
        }

        long retryAfterMillis() {
            return Math.max(100, Math.min(60_000, retryAfterSeconds * 1000));
        }

        LoadUser user() throws IOException {
            String token = json.path("token").asText(null);
            JsonNode user = json.path("user");
            if (token == null || !user.has("id")) {
                throw new IOException("auth answer without token or user");
            }
            return new LoadUser(user.path("id").asText(), user.path("username").asText(), token);
        }
    }
}
