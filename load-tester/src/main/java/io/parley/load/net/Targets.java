package io.parley.load.net;

import java.util.List;

/** Several equivalent endpoints (replicas or a load balancer) handed out round-robin by connection number. */
public record Targets(List<Target> all) {
    public Targets {
        if (all == null || all.isEmpty()) {
            throw new IllegalArgumentException("targets: none (expected: at least one ws:// URL)");
        }
        all = List.copyOf(all);
    }

    public static Targets parse(List<String> urls) {
        return new Targets(urls.stream().map(Target::parse).toList());
    }

    public Target forConnection(long connection) {
        return all.get((int) Math.floorMod(connection, (long) all.size()));
    }

    public Target first() {
        return all.getFirst();
    }
}
