package io.parley.server.moderation;

import java.util.List;
import java.util.function.IntSupplier;

/** What the admin overview shows of the processes: replicas with their connections, workers, queue depths. */
public interface ClusterView {
    /** A live replica and its open WebSocket connections. */
    record Replica(String id, int connections) {}

    /** A live worker and the queue partitions it holds. */
    record Worker(String id, List<Integer> partitions) {}

    /** Envelopes waiting in one queue partition. */
    record Depth(int partition, long depth) {}

    /** Starts reporting this replica's connection count where other replicas can read it; closed on shutdown. */
    AutoCloseable report(String serverId, IntSupplier connections);

    List<Replica> replicas(String selfId, int selfConnections) throws Exception;

    List<Worker> workers() throws Exception;

    List<Depth> queue() throws Exception;
}
