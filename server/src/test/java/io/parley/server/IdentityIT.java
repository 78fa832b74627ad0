package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.parley.server.support.OneServer;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.testkit.WsClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** Identity at the door: a signed token is worth nothing unless its user exists in the database now. */
class IdentityIT {
    @RegisterExtension
    static final OneServer server = OneServer.named("identity");

    private static void deleteUser(String id) throws SQLException {
        var db = server.stack().services().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                PreparedStatement ps = c.prepareStatement("DELETE FROM users WHERE id = ?")) {
            ps.setLong(1, Long.parseLong(id));
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static String signed(Object subject) {
        var jwt = JWT.create()
                .withClaim("name", "ghost")
                .withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plusSeconds(600));
        if (subject != null) {
            jwt.withSubject(subject.toString());
        }
        return jwt.sign(Algorithm.HMAC256(Stack.SECRET));
    }

    private static void refusedOnBothTransports(String token, String why) {
        Rest.Reply me = server.rest().get("/api/me", token);
        assertThat(me.status()).as(why).isEqualTo(401);
        assertThat(me.errorCode()).as(why).isEqualTo("unauthorized");
        assertThat(server.rest().get("/api/rooms", token).status()).as(why).isEqualTo(401);
        assertThat(server.rest()
                        .post("/api/rooms", token, Rest.json("name", "never-created"))
                        .status())
                .as(why)
                .isEqualTo(401);
        assertThat(WsClient.refusedStatus(WsClient.builder().header("Authorization", "Bearer " + token), server.port()))
                .as(why)
                .isEqualTo(401);
        assertThat(WsClient.refusedStatus(
                        WsClient.builder().subprotocols("parley.v1", "bearer." + token), server.port()))
                .as(why)
                .isEqualTo(401);
    }

    @Test
    void aDeletedUsersStillValidTokenIsRefusedEverywhere() throws SQLException {
        Rest.Account gone = server.rest().newAccount("gone");
        deleteUser(gone.id());
        refusedOnBothTransports(gone.token(), "deleted user");
    }

    @Test
    void signedTokensForUnknownOrMalformedSubjectsAreRefused() {
        refusedOnBothTransports(signed("-1"), "sub -1");
        refusedOnBothTransports(signed("0"), "sub 0");
        refusedOnBothTransports(signed("abc"), "sub abc");
        refusedOnBothTransports(signed("9223372036854775807"), "unknown sub");
        refusedOnBothTransports(signed(null), "no sub");
        Rest.Account real = server.rest().newAccount("real");
        refusedOnBothTransports(signed("0" + real.id()), "non-canonical sub of a real user");
        refusedOnBothTransports(signed("+" + real.id()), "signed sub of a real user");
        // The same user with the canonical id is fine, and takes its name from the database, not the token.
        try (WsClient ok = WsClient.connectWithHeader(server.port(), signed(real.id()))) {
            assertThat(ok.awaitType("ready").path("user").path("username").asText())
                    .isEqualTo(real.username());
        }
    }

    @Test
    void aChangeEventDropsTheCachedUserOnEveryReplicaAtOnce() throws SQLException {
        Rest.Account cached = server.rest().newAccount("cached");
        assertThat(server.rest().get("/api/me", cached.token()).status()).isEqualTo(200); // now cached on the replica
        deleteUser(cached.id());
        // What another replica's UserDirectory.changed publishes; this replica must forget the user well before
        // the cache entry would expire by itself.
        var redis = server.stack().services().redis();
        try (Jedis jedis = new Jedis(redis.uri())) {
            jedis.publish(redis.prefix() + "user-changes", cached.id());
        }
        await().atMost(Duration.ofMillis(4_000))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> server.rest().get("/api/me", cached.token()).status() == 401);
        refusedOnBothTransports(cached.token(), "deleted after caching");
    }
}
