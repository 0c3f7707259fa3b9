package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.WebSocket;

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
    /** {@code "Bearer " + token}, made once. */
    String bearer;
    String id;
    String roomId;
    /** Position in the room's join order: 0 joins first. */
    int slot;
    Peer[] mates = new Peer[0];
    HttpConnection streamConnection;
    /** The peer's WebSocket, on the wires that use one. */
    WebSocket socket;
    /** Answers awaited on the peer's socket, on the wires that acknowledge. */
    final Acks acks = new Acks();
    final Promise<Void> connected = Promise.promise();
    private String relayPrefix;

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

    /** {@code /relay/<id>/<event>}: the path of a relay to this peer. */
    String relayPath(String event) {
        String prefix = relayPrefix;
        if (prefix == null) {
            prefix = relayPrefix = "/relay/" + id + "/";
        }
        return prefix + event;
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
        switch (event.event()) {
            case "connected" -> serverEvent(event.id() != null, true);
            case "ping" -> serverEvent(event.id() != null, false);
            default -> {
                numbered(event.numericId());
                String data = event.data();
                switch (event.event()) {
                    case "load", "warm" -> {
                        boolean named = data.startsWith(SSE_SENDER);
                        relayed(data, named ? SSE_SENDER.length() : -1, data.indexOf("\"data\":"),
                                event.event().equals("load"));
                    }
                    case "add-peer" -> addPeer(data.contains("\"offer\":true"));
                    case "remove-peer" -> removePeer();
                    default -> counters.unexpectedEvent(event.event());
                }
            }
        }
    }

    private static final String SSE_SENDER = "{\"peer\":{\"id\":\"";

    /** {@code connected} (which completes {@link #connected}) or {@code ping}: neither carries an id. */
    void serverEvent(boolean hadId, boolean isConnected) {
        if (hadId) {
            counters.unexpectedIds.increment();
        }
        if (isConnected) {
            connected.tryComplete();
        } else {
            counters.pings.increment();
        }
    }

    /** Every other event is delivered and numbered: ids rise by one per peer; -1 is no id. */
    void numbered(long id) {
        if (id < 0) {
            counters.missingIds.increment();
        } else {
            if (lastId > 0 && id != lastId + 1) {
                counters.idGaps.increment();
            }
            lastId = id;
        }
    }

    void addPeer(boolean offer) {
        if (offer) {
            addPeersOffer++;
        } else {
            addPeersAnswer++;
        }
        counters.addPeerReceived();
    }

    void removePeer() {
        removePeers++;
        counters.removePeers.increment();
    }

    /**
     * A relayed message in {@code text}: the sender's id as the server named it starts at
     * {@code senderAt} (-1: the server named none), and the body sent, {@code {"f":sender,
     * "s":seq,"t":nanos,...}}, at {@code bodyAt}. Answers the sender's index, or -1 when malformed.
     */
    int relayed(String text, int senderAt, int bodyAt, boolean measured) {
        if (bodyAt < 0) {
            counters.malformed.increment();
            return -1;
        }
        long from = number(text, "\"f\":", bodyAt);
        long seq = number(text, "\"s\":", bodyAt);
        long sentAt = number(text, "\"t\":", bodyAt);
        if (from < 0 || from >= everyone.length || seq < 0) {
            counters.malformed.increment();
            return -1;
        }
        Peer sender = everyone[(int) from];
        // The server names the sender from its token (or its socket): it must be the peer that sent this.
        if (senderAt < 0 || !text.startsWith(sender.id, senderAt)
                || text.length() <= senderAt + sender.id.length() || text.charAt(senderAt + sender.id.length()) != '"') {
            counters.wrongSender.increment();
        }
        if (!measured) {
            counters.warmDeliveries.increment();
            return (int) from;
        }
        latency.record(receivedAt - sentAt);
        PairLedger.Arrival arrival;
        synchronized (this) {
            arrival = fromSender.computeIfAbsent((int) from, f -> new PairLedger()).record((int) seq);
        }
        counters.delivered(arrival);
        return (int) from;
    }

    /** Marks the arrival time of what a socket delivers next (the stream does it in {@link #onBytes}). */
    void received() {
        receivedAt = System.nanoTime();
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
