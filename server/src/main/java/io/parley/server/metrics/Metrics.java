package io.parley.server.metrics;

import io.parley.protocol.ErrorCode;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** The replica's counters and gauges, rendered in the Prometheus text format. Cheap to update from any thread. */
public final class Metrics {
    private final LongAdder framesIn = new LongAdder();
    private final LongAdder framesOut = new LongAdder();
    private final LongAdder sends = new LongAdder();
    private final LongAdder acks = new LongAdder();
    private final LongAdder connectionsOpened = new LongAdder();
    private final LongAdder fanOutDropped = new LongAdder();
    private final Map<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);
    private final Map<Integer, LongAdder> httpResponses = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> gauges = new LinkedHashMap<>();

    public Metrics() {
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(code, new LongAdder());
        }
    }

    /** Registers a gauge read at scrape time; call during wiring only. */
    public synchronized void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    public void frameIn() {
        framesIn.increment();
    }

    public void framesOut(int n) {
        framesOut.add(n);
    }

    public void send() {
        sends.increment();
    }

    public void ack() {
        acks.increment();
    }

    public void connectionOpened() {
        connectionsOpened.increment();
    }

    public void fanOutDropped(int deliveries) {
        fanOutDropped.add(deliveries);
    }

    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    public void httpResponse(int status) {
        httpResponses.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    /** The exposition text; gauges that fail to read (Redis down) are left out rather than failing the scrape. */
    public synchronized String render() {
        StringBuilder out = new StringBuilder(2048);
        counter(out, "parley_ws_frames_in_total", "WebSocket frames received from clients", framesIn.sum());
        counter(out, "parley_ws_frames_out_total", "WebSocket frames written to clients", framesOut.sum());
        counter(out, "parley_sends_total", "send frames accepted for queueing", sends.sum());
        counter(out, "parley_acks_total", "sends acknowledged after Redis accepted them", acks.sum());
        counter(out, "parley_ws_connections_opened_total", "WebSocket connections opened", connectionsOpened.sum());
        counter(out, "parley_fanout_dropped_total", "Deliveries dropped because an event loop fell too far behind",
                fanOutDropped.sum());
        out.append("# HELP parley_errors_total Errors answered to clients, by code\n# TYPE parley_errors_total counter\n");
        errors.forEach((code, n) -> out.append("parley_errors_total{code=\"").append(code.wireName()).append("\"} ")
                .append(n.sum()).append('\n'));
        out.append("# HELP parley_http_responses_total HTTP responses, by status\n")
                .append("# TYPE parley_http_responses_total counter\n");
        httpResponses.forEach((status, n) -> out.append("parley_http_responses_total{status=\"").append(status)
                .append("\"} ").append(n.sum()).append('\n'));
        gauges.forEach((name, supplier) -> {
            try {
                long value = supplier.getAsLong();
                out.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value).append('\n');
            } catch (RuntimeException e) {
                // the source is unavailable; an absent sample is the honest answer
            }
        });
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }
}
