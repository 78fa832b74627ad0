package io.parley.server.metrics;

import io.parley.infra.Prometheus;
import io.parley.protocol.ClientFrame;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ServerFrame;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The replica's metrics on the Prometheus Java client, exposed in the Prometheus text format. Recording is a few
 * tens of nanoseconds from any thread: every labelled series used on the hot path is resolved once, up front.
 */
public final class Metrics {
    /** Redis queue lengths, one entry per partition. */
    public record QueueLengths(long[] queued, long[] inflight) {}

    private final PrometheusRegistry registry = Prometheus.newRegistry();
    private final Counter framesIn =
            counter("parley_ws_frames_in", "WebSocket frames received from clients, by type", "type");
    private final Counter framesOut = counter(
            "parley_ws_frames_out",
            "WebSocket frames written to clients, by type (broadcasts: message or event)",
            "type");
    private final CounterDataPoint sends = counter("parley_sends", "send frames accepted for queueing");
    private final CounterDataPoint acks = counter("parley_acks", "sends acknowledged after Redis accepted them");
    private final DistributionDataPoint sendAck =
            latency("parley_send_ack_seconds", "Time from a send frame to its ack (Redis holds the message)");
    private final CounterDataPoint connectionsOpened =
            counter("parley_ws_connections_opened", "WebSocket connections opened");
    private final CounterDataPoint slowReaders = counter(
            "parley_ws_slow_reader_disconnects", "Connections closed because the client did not read fast enough");
    private final CounterDataPoint fanOutDropped =
            counter("parley_fanout_dropped", "Deliveries dropped because an event loop fell too far behind");
    private final DistributionDataPoint fanOutDelay = latency(
            "parley_fanout_delay_seconds", "Time the oldest broadcast of a delivery batch waited for its event loop");
    private final DistributionDataPoint fanOutBatch = Histogram.builder()
            .name("parley_fanout_batch_deliveries")
            .help("Deliveries written per fan-out batch of one event loop")
            .classicUpperBounds(Prometheus.SIZE_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    private final DistributionDataPoint delivery = latency(
            "parley_message_delivery_seconds",
            "Time from a send accepted by any replica to its message written to a subscriber here (ms resolution)");
    private final Map<ErrorCode, CounterDataPoint> errors = new EnumMap<>(ErrorCode.class);
    private final Counter httpResponses = counter("parley_http_responses", "HTTP responses, by status", "status");
    private final Map<Integer, CounterDataPoint> byStatus = new ConcurrentHashMap<>();
    private final Map<String, CounterDataPoint> framesOutByType = new ConcurrentHashMap<>();
    private final Map<String, DistributionDataPoint> httpDurations = new HashMap<>();
    private final CounterDataPoint[] framesInByType = new CounterDataPoint[10];
    private final CounterDataPoint broadcastsOut = framesOut.labelValues("message");
    private final CounterDataPoint eventsOut = framesOut.labelValues("event");

    public Metrics() {
        Counter errorCounter = counter("parley_errors", "Errors answered to clients, by code", "code");
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(code, errorCounter.labelValues(code.wireName()));
        }
        String[] types = {"join", "leave", "send", "history", "typing", "presence", "ping", "invalid", "edit", "delete"
        };
        for (int i = 0; i < types.length; i++) {
            framesInByType[i] = framesIn.labelValues(types[i]);
        }
        Histogram http = Histogram.builder()
                .name("parley_http_request_duration_seconds")
                .help("REST request duration, by route template")
                .unit(Unit.SECONDS)
                .labelNames("route")
                .classicUpperBounds(Prometheus.LATENCY_BUCKETS)
                .classicOnly()
                .withoutExemplars()
                .register(registry);
        HttpRoutes.ALL.forEach(route -> httpDurations.put(route, http.labelValues(route)));
    }

    /** Registers a gauge read at scrape time; call during wiring only. A failing read leaves the sample out. */
    public void gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> {
                    long v;
                    try {
                        v = value.getAsLong();
                    } catch (RuntimeException e) {
                        return; // the source is unavailable (Redis down); an absent sample is the honest answer
                    }
                    cb.call(v);
                })
                .register(registry);
    }

    /** Registers the per-partition queue and inflight lengths, read at scrape time. */
    public void queueLengths(Supplier<QueueLengths> lengths) {
        GaugeWithCallback.builder()
                .name("parley_queue_depth")
                .help("Envelopes waiting in a queue partition")
                .labelNames("partition")
                .callback(cb -> lengths(lengths, true, cb))
                .register(registry);
        GaugeWithCallback.builder()
                .name("parley_queue_inflight")
                .help("Envelopes taken by a worker from a partition and not yet stored and published")
                .labelNames("partition")
                .callback(cb -> lengths(lengths, false, cb))
                .register(registry);
    }

    private static void lengths(Supplier<QueueLengths> source, boolean queued, GaugeWithCallback.Callback cb) {
        QueueLengths lengths;
        try {
            lengths = source.get();
        } catch (RuntimeException e) {
            return;
        }
        long[] values = queued ? lengths.queued() : lengths.inflight();
        for (int p = 0; p < values.length; p++) {
            cb.call(values[p], Integer.toString(p));
        }
    }

    /** Counts a frame from a client by its type; {@code null} for one that could not be decoded. */
    public void frameIn(ClientFrame frame) {
        int index =
                switch (frame) {
                    case ClientFrame.Join j -> 0;
                    case ClientFrame.Leave l -> 1;
                    case ClientFrame.Send s -> 2;
                    case ClientFrame.History h -> 3;
                    case ClientFrame.Typing t -> 4;
                    case ClientFrame.Presence p -> 5;
                    case ClientFrame.Ping p -> 6;
                    case null -> 7;
                    case ClientFrame.Edit e -> 8;
                    case ClientFrame.Delete d -> 9;
                };
        framesInByType[index].inc();
    }

    /** Counts a reply written to one client. */
    public void frameOut(ServerFrame frame) {
        framesOutByType.computeIfAbsent(frame.type(), framesOut::labelValues).inc();
    }

    /** Counts broadcast frames written by one fan-out batch: stored messages and other events. */
    public void framesOut(int messages, int events) {
        broadcastsOut.inc(messages);
        eventsOut.inc(events);
    }

    public void send() {
        sends.inc();
    }

    /** A send was acknowledged; {@code sentAtNanos} is {@link System#nanoTime()} when its frame arrived. */
    public void ack(long sentAtNanos) {
        acks.inc();
        sendAck.observe(Unit.nanosToSeconds(System.nanoTime() - sentAtNanos));
    }

    public void connectionOpened() {
        connectionsOpened.inc();
    }

    public void slowReaderDisconnected() {
        slowReaders.inc();
    }

    public void fanOutDropped(int deliveries) {
        fanOutDropped.inc(deliveries);
    }

    /** One event loop's fan-out batch: how long its oldest broadcast waited, and how many deliveries it wrote. */
    public void fanOutBatch(long oldestWaitNanos, int deliveries) {
        fanOutDelay.observe(Unit.nanosToSeconds(oldestWaitNanos));
        fanOutBatch.observe(deliveries);
    }

    /** A stored message was written to its subscribers here; {@code ageMs}: since a replica accepted it. */
    public void delivered(long ageMs) {
        delivery.observe(Math.max(0, ageMs) / 1000.0);
    }

    public void error(ErrorCode code) {
        errors.get(code).inc();
    }

    public void httpResponse(int status) {
        byStatus.computeIfAbsent(status, s -> httpResponses.labelValues(Integer.toString(s)))
                .inc();
    }

    /** A REST request was answered; {@code route} from {@link HttpRoutes#of}. */
    public void httpRequest(String route, long startNanos) {
        httpDurations
                .getOrDefault(route, httpDurations.get(HttpRoutes.OTHER))
                .observe(Unit.nanosToSeconds(System.nanoTime() - startNanos));
    }

    /** The exposition text. */
    public String render() {
        return new String(Prometheus.scrape(registry), StandardCharsets.UTF_8);
    }

    private Counter counter(String name, String help, String label) {
        return Counter.builder()
                .name(name)
                .help(help)
                .labelNames(label)
                .withoutExemplars()
                .register(registry);
    }

    private CounterDataPoint counter(String name, String help) {
        return Prometheus.counter(registry, name, help);
    }

    private DistributionDataPoint latency(String name, String help) {
        return Prometheus.latency(registry, name, help);
    }
}
