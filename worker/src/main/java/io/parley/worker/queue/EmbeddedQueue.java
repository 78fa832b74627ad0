package io.parley.worker.queue;

import static java.util.Objects.requireNonNull;

import io.parley.protocol.QueueEnvelope;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone queue. An appended envelope is committed to a table of the embedded database before its sender is
 * acknowledged (one writer thread, one commit per group of appends), and kept in memory per partition for the
 * worker; the worker's acknowledgement deletes it once its message is stored and published. After a crash whatever
 * the table still holds is loaded back as inflight leftovers, which the worker stores with duplicate checks.
 */
public final class EmbeddedQueue implements WorkQueue, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedQueue.class);
    private static final int MAX_GROUP = 512;
    /** Retried clientMsgIds of envelopes not yet stored; stored ones are found in the messages table. */
    private static final int MAX_PENDING_CLIENT_MSG_IDS = 200_000;

    private static final String CREATE = "CREATE TABLE IF NOT EXISTS parley_queue (seq BIGINT NOT NULL PRIMARY KEY,"
            + " part INT NOT NULL, envelope VARCHAR(1000000) NOT NULL)";

    /** Receives what the worker publishes, in order: a channel and the encoded frame. */
    @FunctionalInterface
    public interface Sink {
        void publish(String channel, byte[] frame);
    }

    private record Append(int partition, QueueEnvelope envelope, String json, BiConsumer<String, Throwable> done) {}

    private record Entry(long seq, String envelope) {}

    /** One partition: entries oldest first; the first {@code inflight} of them were handed to the worker. */
    private static final class Part {
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        long inflight;
    }

    private final DataSource dataSource;
    private final int partitions;
    private final Sink sink;
    private final Part[] parts;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayBlockingQueue<Append> appends;
    /** Sender and clientMsgId of queued envelopes to their ids; the writer thread's alone. */
    private final LinkedHashMap<String, String> pendingClientMsgIds = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_PENDING_CLIENT_MSG_IDS;
        }
    };
    /** Per partition, the frames last published and not yet acknowledged: a retried take does not publish them again. */
    private final List<?>[] published;

    private final Thread writer;
    private volatile boolean running = true;
    private long nextSeq;

    /**
     * Opens the queue on {@code dataSource}, loading what an earlier run left; {@code decoder} reads the clientMsgIds
     * of those leftovers. {@code capacity} bounds appends waiting for the writer.
     */
    public EmbeddedQueue(DataSource dataSource, int partitions, int capacity, Sink sink, EnvelopeDecoder decoder)
            throws SQLException {
        this.dataSource = requireNonNull(dataSource, "dataSource");
        this.sink = requireNonNull(sink, "sink");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: " + partitions + " (expected: >= 1)");
        }
        this.partitions = partitions;
        this.parts = new Part[partitions];
        for (int p = 0; p < partitions; p++) {
            parts[p] = new Part();
        }
        this.appends = new ArrayBlockingQueue<>(capacity);
        this.published = new List<?>[partitions];
        int leftovers = load(requireNonNull(decoder, "decoder"));
        if (leftovers > 0) {
            log.info("Embedded queue: {} envelopes left by the previous run are processed first", leftovers);
        }
        this.writer = Thread.ofPlatform().name("parley-queue-writer").daemon().unstarted(this::run);
        writer.start();
    }

    private int load(EnvelopeDecoder decoder) throws SQLException {
        int count = 0;
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute(CREATE);
            try (ResultSet rs = s.executeQuery("SELECT seq, part, envelope FROM parley_queue ORDER BY seq")) {
                while (rs.next()) {
                    long seq = rs.getLong(1);
                    // A changed partition count moves leftovers, keeping each partition's order.
                    Part part = parts[Math.floorMod(rs.getInt(2), partitions)];
                    String json = rs.getString(3);
                    part.entries.addLast(new Entry(seq, json));
                    part.inflight++;
                    nextSeq = seq + 1;
                    count++;
                    decoder.decode(json)
                            .filter(e -> e.clientMsgId() != null)
                            .ifPresent(e -> pendingClientMsgIds.put(clientMsgKey(e), e.id()));
                }
            }
        }
        return count;
    }

    // ---------------------------------------------------------------- the server's side

    /**
     * Queues {@code envelope} (already encoded as {@code json}) on {@code partition}; {@code done} gets the id to
     * acknowledge (the envelope's, or the original one of a retried clientMsgId) once the envelope is committed, or
     * the failure. Completed in the order of the calls.
     */
    public void append(int partition, QueueEnvelope envelope, String json, BiConsumer<String, Throwable> done) {
        if (partition < 0 || partition >= partitions) {
            throw new IllegalArgumentException("partition: " + partition + " (expected: 0-" + (partitions - 1) + ")");
        }
        if (!running || !appends.offer(new Append(partition, envelope, json, done))) {
            done.accept(null, new RejectedExecutionException("the embedded queue is full"));
        }
    }

    /** Appends waiting to be committed. */
    public int pending() {
        return appends.size();
    }

    /** Per partition, the envelopes committed and not yet acknowledged by the worker. */
    public long[] depths() {
        lock.lock();
        try {
            long[] depths = new long[parts.length];
            for (int p = 0; p < parts.length; p++) {
                depths[p] = parts[p].entries.size();
            }
            return depths;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        List<Append> group = new ArrayList<>(MAX_GROUP);
        while (running || !appends.isEmpty()) {
            try {
                Append first = appends.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                appends.drainTo(group, MAX_GROUP - 1);
                write(group);
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (RuntimeException e) {
                log.error("Embedded queue writer failed on a group of {} appends", group.size(), e);
                group.forEach(a -> a.done().accept(null, e));
            } finally {
                group.clear();
            }
        }
    }

    private void write(List<Append> group) {
        String[] answers = new String[group.size()];
        Map<String, String> added = new HashMap<>();
        List<Entry>[] entries = newEntryLists();
        long seq = nextSeq;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert =
                            c.prepareStatement("INSERT INTO parley_queue (seq, part, envelope) VALUES (?, ?, ?)");
                    PreparedStatement stored =
                            c.prepareStatement("SELECT id FROM messages WHERE sender_id = ? AND client_msg_id = ?")) {
                for (int i = 0; i < group.size(); i++) {
                    Append a = group.get(i);
                    QueueEnvelope e = a.envelope();
                    if (e.clientMsgId() != null) {
                        String key = clientMsgKey(e);
                        String original = added.containsKey(key) ? added.get(key) : pendingClientMsgIds.get(key);
                        if (original == null) {
                            original = storedId(stored, e);
                        }
                        if (original != null) {
                            answers[i] = original;
                            continue;
                        }
                        added.put(key, e.id());
                    }
                    insert.setLong(1, seq);
                    insert.setInt(2, a.partition());
                    insert.setString(3, a.json());
                    insert.addBatch();
                    entries[a.partition()].add(new Entry(seq, a.json()));
                    answers[i] = e.id();
                    seq++;
                }
                insert.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            // Nothing of the group is committed: every sender gets the failure, and may retry.
            group.forEach(a -> a.done().accept(null, e));
            return;
        }
        nextSeq = seq;
        pendingClientMsgIds.putAll(added);
        lock.lock();
        try {
            for (int p = 0; p < partitions; p++) {
                parts[p].entries.addAll(entries[p]);
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < group.size(); i++) {
            group.get(i).done().accept(answers[i], null);
        }
    }

    private static String storedId(PreparedStatement stored, QueueEnvelope e) throws SQLException {
        long senderId;
        try {
            senderId = Long.parseLong(e.senderId());
        } catch (NumberFormatException notNumeric) {
            return null;
        }
        stored.setLong(1, senderId);
        stored.setString(2, e.clientMsgId());
        try (ResultSet rs = stored.executeQuery()) {
            return rs.next() ? Long.toString(rs.getLong(1)) : null;
        }
    }

    @SuppressWarnings("unchecked")
    private List<Entry>[] newEntryLists() {
        List<Entry>[] lists = new List[partitions];
        for (int p = 0; p < partitions; p++) {
            lists[p] = new ArrayList<>();
        }
        return lists;
    }

    private static String clientMsgKey(QueueEnvelope e) {
        return e.senderId() + "\n" + e.clientMsgId();
    }

    // ---------------------------------------------------------------- the worker's side

    @Override
    public Taken publishAckAndTake(int partition, int max, int ackCount, List<byte[]> publish) {
        // Without leases in one process every step answers a batch; a failed delete throws before any answer.
        return publishAckAndTakeAll(List.of(new Step(partition, max, ackCount, publish)))
                .get(0);
    }

    /**
     * Publishes, deletes every acknowledged batch from the table in one transaction, then takes the next batches.
     * Throws (having published, and changed nothing) when the delete fails; the caller retries the same takes.
     */
    @Override
    public List<Taken> publishAckAndTakeAll(List<Step> takes) {
        for (Step t : takes) {
            List<byte[]> publish = t.publish();
            if (publish.isEmpty() || published[t.partition()] == publish) {
                continue; // a retry after a failed delete: published already (the consumer hands back the same list)
            }
            for (int i = 0; i + 1 < publish.size(); i += 2) {
                sink.publish(new String(publish.get(i), StandardCharsets.UTF_8), publish.get(i + 1));
            }
            published[t.partition()] = publish;
        }
        Map<Integer, Long> ackUpTo = new HashMap<>();
        lock.lock();
        try {
            for (Step t : takes) {
                long upTo = lastOfFirst(parts[t.partition()], t.ackCount());
                if (upTo >= 0) {
                    ackUpTo.put(t.partition(), upTo);
                }
            }
        } finally {
            lock.unlock();
        }
        if (!ackUpTo.isEmpty()) {
            delete(ackUpTo);
        }
        List<Taken> answers = new ArrayList<>(takes.size());
        lock.lock();
        try {
            for (Step t : takes) {
                Part part = parts[t.partition()];
                Long upTo = ackUpTo.get(t.partition());
                while (upTo != null
                        && !part.entries.isEmpty()
                        && part.entries.peekFirst().seq() <= upTo) {
                    part.entries.removeFirst();
                    part.inflight = Math.max(0, part.inflight - 1);
                }
                if (upTo != null) {
                    published[t.partition()] = null;
                }
                List<String> batch = new ArrayList<>(Math.min(t.max(), part.entries.size()));
                for (Entry e : part.entries) {
                    if (batch.size() >= t.max()) {
                        break;
                    }
                    batch.add(e.envelope());
                }
                part.inflight = Math.max(part.inflight, batch.size());
                answers.add(new Taken.Batch(batch));
            }
        } finally {
            lock.unlock();
        }
        return answers;
    }

    /** The seq of the {@code count}-th oldest entry (the newest of a batch of that many), or -1. */
    private static long lastOfFirst(Part part, int count) {
        if (count <= 0) {
            return -1;
        }
        long last = -1;
        int n = 0;
        for (Entry e : part.entries) {
            if (n++ == count) {
                break;
            }
            last = e.seq();
        }
        return last;
    }

    private void delete(Map<Integer, Long> ackUpTo) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM parley_queue WHERE part = ? AND seq <= ?")) {
                for (Map.Entry<Integer, Long> e : ackUpTo.entrySet()) {
                    ps.setInt(1, e.getKey());
                    ps.setLong(2, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not delete acknowledged envelopes: " + e, e);
        }
    }

    @Override
    public void awaitEnvelope(int partition, Duration timeout) {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (parts[partition].entries.isEmpty() && nanos > 0) {
                nanos = arrived.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long inflightLength(int partition) {
        lock.lock();
        try {
            return parts[partition].inflight;
        } finally {
            lock.unlock();
        }
    }

    /** Commits what is waiting, then stops the writer; later appends are refused. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
