package io.parley.protocol;

import java.util.Objects;

/**
 * Every Redis key and channel name, under one prefix so that several stacks can share a Redis.
 */
public record RedisKeys(String prefix) {
    public RedisKeys {
        Objects.requireNonNull(prefix, "prefix");
    }

    /** The queue partition a room's messages go to: one partition keeps one room's order. */
    public static int partitionOf(String room, int partitions) {
        return Math.floorMod(room.hashCode(), partitions);
    }

    public String queue(int partition) {
        return prefix + "queue:" + partition;
    }

    /** Envelopes a worker has taken from {@link #queue} but not yet stored and published. */
    public String inflight(int partition) {
        return prefix + "queue:" + partition + ":inflight";
    }

    /** Lease naming the worker that consumes a partition. */
    public String lease(int partition) {
        return prefix + "queue:" + partition + ":lease";
    }

    /** Live workers, scored by heartbeat expiry (epoch ms); used to share partitions fairly. */
    public String workers() {
        return prefix + "workers";
    }

    public String roomChannel(String room) {
        return prefix + "room:" + room;
    }

    public String userChannel(String userId) {
        return prefix + "user:" + userId;
    }

    /** Events naming a user id whose account changed, so every replica drops what it cached about that user. */
    public String userChanges() {
        return prefix + "user-changes";
    }

    /** Moderation events every replica acts on: disabled accounts, removed members, deleted rooms. */
    public String moderation() {
        return prefix + "moderation";
    }

    /** Per replica: its open WebSocket connections, refreshed on a timer, for the admin overview. */
    public String replicaConnections() {
        return prefix + "replica-connections";
    }

    /** Remembers the id a user's clientMsgId was acknowledged with, so a retry is acknowledged again, not re-queued. */
    public String clientMsgId(String userId, String clientMsgId) {
        return prefix + "cmid:" + userId + ":" + clientMsgId;
    }

    /** Per user: the set of server replicas holding at least one connection of theirs. */
    public String presence(String userId) {
        return prefix + "presence:" + userId;
    }

    /** Live server replicas, scored by heartbeat expiry (epoch ms), so any replica can clean up after a dead one. */
    public String liveServers() {
        return prefix + "servers";
    }

    /** Per replica: the users ({@code id|username}) it holds connections of, for cleanup when it dies. */
    public String serverUsers(String serverId) {
        return prefix + "server-users:" + serverId;
    }

    /** Per replica: its own channel, always subscribed, for events addressed to it. */
    public String serverChannel(String serverId) {
        return prefix + "server:" + serverId;
    }

    public String loginAttempts(String subject) {
        return prefix + "login:" + subject;
    }

    /** Counter handing out node numbers for message id generation. */
    public String nodeCounter() {
        return prefix + "node-counter";
    }
}
