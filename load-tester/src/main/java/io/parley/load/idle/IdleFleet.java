package io.parley.load.idle;

import io.parley.load.net.ClientTransport;
import io.parley.load.net.Connection;
import io.parley.load.net.ConnectionListener;
import io.parley.load.net.Connector;
import io.parley.load.net.InboundFrame;
import io.parley.load.net.SourceAddresses;
import io.parley.load.net.Targets;
import io.parley.load.stats.CodeCounts;
import io.parley.load.stats.LatencyRecorder;
import io.parley.load.users.LoadUser;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * A slice of idle connections held open by this process: connection {@code k} acts as user {@code k mod U}, goes
 * to target {@code k mod T} from source address {@code k / perSource}; counts how many saw the marker message.
 */
public final class IdleFleet implements AutoCloseable {
    private final ClientTransport transport;
    private final Targets targets;
    private final SourceAddresses sources;
    private final List<LoadUser> users;
    private final String marker;
    private final int firstConnection;
    private final PrintStream err;
    private final List<Connection> connections = new ArrayList<>();
    private final CodeCounts failures = new CodeCounts();
    private final CodeCounts closes = new CodeCounts();
    private final LongAdder received = new LongAdder();
    private final LongAdder joined = new LongAdder();
    private final LatencyRecorder connectLatency = new LatencyRecorder();
    private volatile boolean holding;
    private double connectSeconds;

    public IdleFleet(
            ClientTransport transport,
            Targets targets,
            SourceAddresses sources,
            List<LoadUser> users,
            String marker,
            int firstConnection,
            PrintStream err) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.targets = Objects.requireNonNull(targets, "targets");
        this.sources = Objects.requireNonNull(sources, "sources");
        this.users = List.copyOf(users);
        this.marker = Objects.requireNonNull(marker, "marker");
        this.firstConnection = firstConnection;
        this.err = Objects.requireNonNull(err, "err");
    }

    /** Counts the marker once per connection and any close while the fleet is held. */
    private final class Listener implements ConnectionListener {
        private boolean seen;

        @Override
        public void onFrame(Connection connection, InboundFrame frame, long receivedNanos) {
            if (!seen && frame.is(InboundFrame.MESSAGE) && marker.equals(frame.clientMsgId())) {
                seen = true;
                received.increment();
            } else if (frame.is("joined") && frame.ref() != null) {
                joined.increment();
            }
        }

        @Override
        public void onClosed(Connection connection, int closeCode) {
            if (holding) {
                closes.add(String.valueOf(closeCode));
            }
        }
    }

    /** Opens connections {@code from .. from+count-1}; returns when each is ready or failed. */
    public void open(int from, int count, Connector connector, long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        AtomicInteger lastPrinted = new AtomicInteger();
        List<Connection> opened = connector.open(
                from,
                count,
                k -> transport.connect(
                        k,
                        targets.forConnection(k),
                        users.get(Math.floorMod(k, users.size())).token(),
                        sources.forConnection(k - firstConnection),
                        new Listener()),
                failures,
                (ok, failed) -> {
                    int done = ok + failed;
                    if (done - lastPrinted.get() >= 5000 || done == count) {
                        lastPrinted.set(done);
                        err.printf("  connections %d..: %,d open, %,d failed of %,d%n", from, ok, failed, count);
                    }
                },
                timeoutNanos);
        connectSeconds += (System.nanoTime() - start) / 1e9;
        for (Connection c : opened) {
            if (c.connectNanos() > 0) {
                connectLatency.recordNanos(c.connectNanos());
            }
        }
        connections.addAll(opened);
        holding = true;
    }

    public List<Connection> connections() {
        return connections;
    }

    public long opened() {
        return connections.stream()
                .filter(c -> c.ready().isDone() && !c.ready().isCompletedExceptionally())
                .count();
    }

    public long stillOpen() {
        return connections.stream().filter(Connection::isOpen).count();
    }

    public long failed() {
        return failures.total();
    }

    public CodeCounts failures() {
        return failures;
    }

    public CodeCounts closes() {
        return closes;
    }

    public long joined() {
        return joined.sum();
    }

    public long received() {
        return received.sum();
    }

    public double connectSeconds() {
        return connectSeconds;
    }

    public Histogram connectLatency() {
        connectLatency.roll();
        return connectLatency.cumulative();
    }

    @Override
    public void close() {
        holding = false;
        Connector.closeAll(connections, TimeUnit.SECONDS.toNanos(10));
    }
}
