package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The run's counters, updated from every event loop. */
final class Counters {
    final LongAdder streamBytes = new LongAdder();
    final LongAdder pings = new LongAdder();
    final LongAdder unexpectedIds = new LongAdder();
    final LongAdder missingIds = new LongAdder();
    final LongAdder idGaps = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder wrongSender = new LongAdder();
    final LongAdder warmDeliveries = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder reordered = new LongAdder();
    final LongAdder removePeers = new LongAdder();
    final AtomicLong addPeers = new AtomicLong();
    final LongAdder streamsEnded = new LongAdder();
    /** Set to the first moment at which {@link #addPeers} reached {@link #addPeerTarget}. */
    volatile long addPeersCompleteAt;
    volatile long addPeerTarget = Long.MAX_VALUE;
    volatile long lastDeliveryAt;
    private final Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
    /** The adders of {@link #statuses} counting each phase's 200s, by phase. */
    private final Map<String, LongAdder> accepted = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> unexpectedEvents = new ConcurrentHashMap<>();

    void addPeerReceived() {
        if (addPeers.incrementAndGet() == addPeerTarget) {
            addPeersCompleteAt = System.nanoTime();
        }
    }

    void delivered(PairLedger.Arrival arrival) {
        lastDeliveryAt = System.nanoTime();
        switch (arrival) {
            case IN_ORDER -> deliveries.increment();
            case REORDERED -> {
                deliveries.increment();
                reordered.increment();
            }
            case DUPLICATE -> duplicates.increment();
        }
    }

    /** An HTTP answer's status, or the kind of failure when there was none; phase-qualified. */
    void status(String phase, String status) {
        statuses.computeIfAbsent(phase + " " + status, s -> new LongAdder()).increment();
    }

    /** A status as a number: a 200, the common case, is counted without building its key. */
    void status(String phase, int status) {
        if (status == 200) {
            LongAdder ok = accepted.get(phase);
            if (ok == null) {
                ok = accepted.computeIfAbsent(phase, p -> statuses.computeIfAbsent(p + " 200", s -> new LongAdder()));
            }
            ok.increment();
        } else {
            status(phase, Integer.toString(status));
        }
    }

    /** Requests of the phase answered with that status. */
    long count(String phase, String status) {
        LongAdder count = statuses.get(phase + " " + status);
        return count == null ? 0 : count.sum();
    }

    /** Requests of the phase answered 200. */
    long accepted(String phase) {
        LongAdder ok = statuses.get(phase + " 200");
        return ok == null ? 0 : ok.sum();
    }

    void unexpectedEvent(String name) {
        unexpectedEvents.computeIfAbsent(name, s -> new LongAdder()).increment();
    }

    /** Non-200 answers and failed requests, by phase and status. */
    JsonObject errors() {
        JsonObject errors = new JsonObject();
        new TreeMap<>(statuses).forEach((key, count) -> {
            if (!key.endsWith(" 200")) {
                errors.put(key, count.sum());
            }
        });
        return errors;
    }

    long errorCount() {
        return statuses.entrySet().stream().filter(e -> !e.getKey().endsWith(" 200"))
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    JsonObject unexpectedEvents() {
        JsonObject events = new JsonObject();
        new TreeMap<>(unexpectedEvents).forEach((name, count) -> events.put(name, count.sum()));
        return events;
    }
}
