package io.parley.worker.queue;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Leases when this process's worker is the only one (standalone mode): every partition is free unless it holds it. */
public final class LocalLeases implements Leases {
    private final String workerId;
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();

    public LocalLeases(String workerId) {
        this.workerId = requireNonNull(workerId, "workerId");
    }

    @Override
    public String workerId() {
        return workerId;
    }

    @Override
    public long heartbeat() {
        return 1;
    }

    @Override
    public void leave() {
        // Nobody else could take over.
    }

    @Override
    public List<Integer> free(int partitions) {
        List<Integer> free = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            if (!held.contains(p)) {
                free.add(p);
            }
        }
        return free;
    }

    @Override
    public boolean tryAcquire(int partition) {
        return held.add(partition);
    }

    @Override
    public Set<Integer> renew(Collection<Integer> partitions) {
        return Set.of();
    }

    @Override
    public boolean release(int partition) {
        return held.remove(partition);
    }
}
