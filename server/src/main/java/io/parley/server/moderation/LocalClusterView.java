package io.parley.server.moderation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** Standalone mode's one replica and one worker, which holds every partition of the embedded queue. */
public final class LocalClusterView implements ClusterView {
    private final String workerId;
    private final Supplier<long[]> depths;

    public LocalClusterView(String workerId, Supplier<long[]> depths) {
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.depths = Objects.requireNonNull(depths, "depths");
    }

    @Override
    public AutoCloseable report(String serverId, IntSupplier connections) {
        return () -> {}; // the one replica answers from its own hub
    }

    @Override
    public List<Replica> replicas(String selfId, int selfConnections) {
        return List.of(new Replica(selfId, selfConnections));
    }

    @Override
    public List<Worker> workers() {
        List<Integer> all = new ArrayList<>();
        for (int p = 0; p < depths.get().length; p++) {
            all.add(p);
        }
        return List.of(new Worker(workerId, all));
    }

    @Override
    public List<Depth> queue() {
        long[] d = depths.get();
        List<Depth> queue = new ArrayList<>(d.length);
        for (int p = 0; p < d.length; p++) {
            queue.add(new Depth(p, d[p]));
        }
        return queue;
    }
}
