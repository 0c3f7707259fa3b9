package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpConnection;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One simulated browser: its token, its stream, its room, and what its stream delivered. Everything
 * its stream delivers is handled on that stream's event loop; the counters it shares go through
 * {@link Counters}.
 */
final class Peer {
    final int index;
    final String username;
    final Endpoint endpoint;
    String token;
    String id;
    String roomId;
    /** Position in the room's join order: 0 joins first. */
    int slot;
    Peer[] mates = new Peer[0];
    HttpConnection streamConnection;
    final Promise<Void> connected = Promise.promise();

    private final Counters counters;
    private final Latency latency;
    private final Peer[] everyone;
    private final SseParser parser = new SseParser(this::onEvent);
    private final Map<Integer, PairLedger> fromSender = new HashMap<>();
    private long receivedAt;
    private Future<?>[] lastToMate;
    private long lastId;
    // Written on the stream's event loop, read by the coordinating thread once the run is quiet.
    volatile int addPeersOffer;
    volatile int addPeersAnswer;
    volatile int removePeers;

    Peer(int index, Endpoint endpoint, Counters counters, Latency latency, Peer[] everyone) {
        this.index = index;
        this.username = "lg-" + index;
        this.endpoint = endpoint;
        this.counters = counters;
        this.latency = latency;
        this.everyone = everyone;
    }

    /** Runs {@code send} once the previous send to the {@code mate}-th room-mate was answered. */
    Future<Integer> afterPrevious(int mate, Supplier<Future<Integer>> send) {
        Promise<Integer> answered = Promise.promise();
        Future<?> previous;
        synchronized (this) {
            if (lastToMate == null || lastToMate.length != mates.length) {
                lastToMate = new Future<?>[mates.length];
            }
            previous = lastToMate[mate];
            lastToMate[mate] = answered.future();
        }
        if (previous == null || previous.isComplete()) {
            send.get().onComplete(answered);
        } else {
            previous.onComplete(done -> send.get().onComplete(answered));
        }
        return answered.future();
    }

    HttpClientAgent requests() {
        return endpoint.requests();
    }

    /** Bytes of the stream, as they come. */
    void onBytes(Buffer bytes) {
        receivedAt = System.nanoTime();
        counters.streamBytes.add(bytes.length());
        parser.feed(bytes.getBytes());
    }

    synchronized Map<Integer, PairLedger> ledgers() {
        return Map.copyOf(fromSender);
    }

    private void onEvent(SseParser.Event event) {
        long id = event.numericId();
        switch (event.event()) {
            case "connected" -> {
                if (event.id() != null) {
                    counters.unexpectedIds.increment();
                }
                connected.tryComplete();
                return;
            }
            case "ping" -> {
                if (event.id() != null) {
                    counters.unexpectedIds.increment();
                }
                counters.pings.increment();
                return;
            }
            default -> {
                // Every other event is delivered and numbered.
            }
        }
        if (id < 0) {
            counters.missingIds.increment();
        } else {
            if (lastId > 0 && id != lastId + 1) {
                counters.idGaps.increment();
            }
            lastId = id;
        }
        switch (event.event()) {
            case "load" -> relayed(event.data(), true);
            case "warm" -> relayed(event.data(), false);
            case "add-peer" -> {
                if (event.data().contains("\"offer\":true")) {
                    addPeersOffer++;
                } else {
                    addPeersAnswer++;
                }
                counters.addPeerReceived();
            }
            case "remove-peer" -> {
                removePeers++;
                counters.removePeers.increment();
            }
            default -> counters.unexpectedEvent(event.event());
        }
    }

    /** {@code {"peer":{"id":..,"username":..},"data":{"f":sender,"s":seq,"t":nanos,...}}} */
    private void relayed(String data, boolean measured) {
        int body = data.indexOf("\"data\":");
        if (body < 0) {
            counters.malformed.increment();
            return;
        }
        long from = number(data, "\"f\":", body);
        long seq = number(data, "\"s\":", body);
        long sentAt = number(data, "\"t\":", body);
        if (from < 0 || from >= everyone.length || seq < 0) {
            counters.malformed.increment();
            return;
        }
        Peer sender = everyone[(int) from];
        // The server names the sender from its token: it must be the peer that sent this.
        if (!data.startsWith("{\"peer\":{\"id\":\"" + sender.id + "\"")) {
            counters.wrongSender.increment();
        }
        if (!measured) {
            counters.warmDeliveries.increment();
            return;
        }
        latency.record(receivedAt - sentAt);
        PairLedger.Arrival arrival;
        synchronized (this) {
            arrival = fromSender.computeIfAbsent((int) from, f -> new PairLedger()).record((int) seq);
        }
        counters.delivered(arrival);
    }

    /** The non-negative whole number after {@code key}, searching from {@code from}; -1 if absent. */
    static long number(String text, String key, int from) {
        int at = text.indexOf(key, from);
        if (at < 0) {
            return -1;
        }
        int i = at + key.length();
        long value = 0;
        int digits = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            value = value * 10 + (c - '0');
            digits++;
            i++;
        }
        return digits == 0 ? -1 : value;
    }
}
