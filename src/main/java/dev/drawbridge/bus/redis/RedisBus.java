package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Attachment;
import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.Delivery;
import dev.drawbridge.bus.EventId;
import dev.drawbridge.bus.HistoryLimits;
import dev.drawbridge.bus.Message;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Delivery through sharded pub/sub: one channel per peer ({@link Keys#channel}), published on the
 * command connection of the caller's lane and received on the subscriber connection of the lane
 * that holds the peer's stream ({@link Lanes}), whatever the number of peers.
 *
 * <p>Every delivery is one script on the peer's slot ({@code deliver.lua}): it numbers the message,
 * appends it to the peer's history, trims the history to its limits and publishes it, in place of
 * a bare {@code SPUBLISH}: still one command and one round trip per relay. A message travels as
 * {@code <epoch>-<n> <event>\n<data>} (data is one line, event names hold no space), a takeover
 * ({@code attach.lua}) as {@code !<epoch> <turn> <stream>}.
 *
 * <p>Order holds because Redis runs one peer's scripts one at a time and forwards its channel's
 * messages in that order, one thread sends its commands on one connection, and a peer's channel is
 * read on one subscriber connection, in the order the messages arrive.
 */
final class RedisBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);

    /**
     * A subscription's handler and the subscriber connection its channel is on; its identity tells
     * a replaced subscription from the current one.
     */
    private static final class Route {
        final Consumer<Delivery> handler;
        final Subscriber subscriber;

        Route(Consumer<Delivery> handler, Subscriber subscriber) {
            this.handler = handler;
            this.subscriber = subscriber;
        }
    }

    /**
     * How long a peer's sequence outlives its last event or stream: a peer quiet for longer than
     * this resumes with {@code resync}. Its session's end deletes it long before, normally.
     */
    static final Duration SEQUENCE_TTL = Duration.ofHours(24);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Lanes lanes;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    // When this node accepted a measured message (Message#acceptedNanos) that is on its way through
    // Redis to a stream of this same node; given back to the message when it comes back. Bounded:
    // a message that never comes back (Redis lost it) is forgotten with the rest once full.
    private final Map<Accepted, Long> acceptedHere = new ConcurrentHashMap<>();
    private static final int MAX_ACCEPTED_HERE = 4096;
    private final Runnable onClosed;
    // Epochs this node makes: a random prefix of its own and a counter, unique across the cluster.
    private final String epochPrefix;
    private final AtomicLong epochs = new AtomicLong();
    private final String maxEvents;
    private final String maxBytes;
    private final String maxAge;
    private final String sequenceTtl = Long.toString(SEQUENCE_TTL.toMillis());
    private volatile boolean closed;

    RedisBus(Lanes lanes, HistoryLimits limits, Runnable onClosed) {
        this.lanes = lanes;
        this.onClosed = onClosed;
        byte[] prefix = new byte[5];
        RANDOM.nextBytes(prefix);
        this.epochPrefix = HexFormat.of().formatHex(prefix);
        this.maxEvents = Integer.toString(limits.events());
        this.maxBytes = Integer.toString(limits.bytes());
        this.maxAge = Long.toString(limits.age().toMillis());
    }

    @Override
    public Future<Void> deliver(String peerId, Message message) {
        if (closed) {
            return Future.failedFuture(new BusUnavailableException("bus closed"));
        }
        Accepted measured = null;
        if (message.acceptedNanos() != 0 && routes.containsKey(peerId)) {
            if (acceptedHere.size() >= MAX_ACCEPTED_HERE) {
                acceptedHere.clear();
            }
            // Of two equal messages in flight at once the first is measured.
            measured = Accepted.of(peerId, message);
            acceptedHere.putIfAbsent(measured, message.acceptedNanos());
        }
        Accepted sent = measured;
        return Script.DELIVER.run(lanes, historyKeys(peerId),
                        List.of(encode(message), maxEvents, maxBytes, maxAge, newEpoch(), sequenceTtl))
                .onFailure(t -> {
                    if (sent != null) {
                        acceptedHere.remove(sent);
                    }
                })
                .mapEmpty();
    }

    /**
     * A measured message to a peer, by its event and a digest of its data: a few bytes whatever the
     * message's size (a rare collision only measures another message of the same size).
     */
    private record Accepted(String peerId, String event, int length, int hash) {
        static Accepted of(String peerId, Message message) {
            return new Accepted(peerId, message.event(), message.data().length(), message.data().hashCode());
        }
    }

    @Override
    public Future<Attachment> attach(String peerId, String stream, Optional<EventId> after) {
        if (closed) {
            return Future.failedFuture(new BusUnavailableException("bus closed"));
        }
        List<String> args = List.of(newEpoch(), stream, after.map(EventId::epoch).orElse(""),
                after.map(id -> Long.toString(id.n())).orElse("0"), sequenceTtl);
        return Script.ATTACH.run(lanes, historyKeys(peerId), args).map(RedisBus::attachment);
    }

    @Override
    public Future<Void> forget(String peerId) {
        if (closed) {
            return Future.failedFuture(new BusUnavailableException("bus closed"));
        }
        return lanes.send(Request.cmd(Command.DEL).arg(Keys.peerSequence(peerId)).arg(Keys.peerHistory(peerId))).mapEmpty();
    }

    @Override
    public Future<Subscription> subscribe(String peerId, Consumer<Delivery> handler) {
        if (closed) {
            return Future.failedFuture(new BusUnavailableException("bus closed"));
        }
        // On the subscriber connection of the caller's event loop, which is the stream's.
        Route route = new Route(handler, lanes.current().subscriber());
        Future<Void> confirmed;
        // One lock orders each peer's subscribe and unsubscribe as seen by the subscribers, so a
        // close racing a new subscription cannot unsubscribe the channel under it.
        synchronized (this) {
            Route previous = routes.put(peerId, route);
            if (previous != null && previous.subscriber != route.subscriber) {
                previous.subscriber.unsubscribe(Keys.channel(peerId));
            }
            confirmed = route.subscriber.subscribe(Keys.channel(peerId));
        }
        return confirmed
                .<Subscription>map(v -> () -> {
                    end(peerId, route);
                    return Future.succeededFuture();
                })
                .onFailure(t -> end(peerId, route));
    }

    @Override
    public Future<Void> close() {
        if (!closed) {
            closed = true;
            routes.clear();
            lanes.all().forEach(lane -> lane.subscriber().clear());
            onClosed.run();
        }
        return Future.succeededFuture();
    }

    /** Number of peers subscribed on this node. */
    int subscriptions() {
        return routes.size();
    }

    /** A message arrived on a channel of the subscriber connection. */
    void received(String channel, String payload) {
        String peerId = Keys.peerOfChannel(channel);
        Route route = peerId == null ? null : routes.get(peerId);
        if (route == null) {
            return;
        }
        Delivery delivery;
        try {
            delivery = decode(payload);
        } catch (RuntimeException e) {
            log.warn("dropping malformed message on {}: {}", channel, e.getMessage());
            return;
        }
        if (delivery instanceof Delivery.Event event && !acceptedHere.isEmpty()) {
            Long accepted = acceptedHere.remove(Accepted.of(peerId, event.message()));
            if (accepted != null) {
                delivery = new Delivery.Event(event.id(), event.message().acceptedAt(accepted));
            }
        }
        try {
            route.handler.accept(delivery);
        } catch (RuntimeException e) {
            log.error("handler of peer {} failed", peerId, e);
        }
    }

    private synchronized void end(String peerId, Route route) {
        // Only the current subscription may stop the channel: a replaced one is a no-op.
        if (routes.remove(peerId, route)) {
            route.subscriber.unsubscribe(Keys.channel(peerId));
        }
    }

    /** The peer's sequence, history and channel: the keys of deliver.lua and attach.lua, on the peer's slot. */
    static List<String> historyKeys(String peerId) {
        return List.of(Keys.peerSequence(peerId), Keys.peerHistory(peerId), Keys.channel(peerId));
    }

    private String newEpoch() {
        return epochPrefix + Long.toString(epochs.incrementAndGet(), 36);
    }

    static String encode(Message message) {
        return message.event() + "\n" + message.data();
    }

    /** A message of a peer's channel: {@code <id> <event>\n<data>}, or a takeover {@code !<epoch> <turn> <stream>}. */
    static Delivery decode(String payload) {
        if (payload.startsWith("!")) {
            String[] parts = payload.substring(1).split(" ", 3);
            if (parts.length != 3) {
                throw new IllegalArgumentException("malformed takeover");
            }
            return new Delivery.Takeover(parts[0], Long.parseLong(parts[1]), parts[2]);
        }
        int space = payload.indexOf(' ');
        if (space < 0) {
            throw new IllegalArgumentException("no id");
        }
        EventId id = EventId.parse(payload.substring(0, space)).orElseThrow(() -> new IllegalArgumentException("bad id"));
        return new Delivery.Event(id, message(payload, space + 1));
    }

    /** {@code <event>\n<data>} from {@code from} on. */
    private static Message message(String text, int from) {
        int cut = text.indexOf('\n', from);
        if (cut < 0) {
            throw new IllegalArgumentException("no event separator");
        }
        return new Message(text.substring(from, cut), text.substring(cut + 1));
    }

    /** The reply of attach.lua. */
    private static Attachment attachment(Response reply) {
        String epoch = reply.get(0).toString();
        long at = reply.get(1).toLong();
        long turn = reply.get(2).toLong();
        if (reply.get(3).toString().equals("gap")) {
            return new Attachment(turn, new EventId(epoch, at), new Attachment.Resume.Gap(reply.get(4).toString()));
        }
        List<Delivery.Event> events = new ArrayList<>(reply.size() - 4);
        for (int i = 4; i < reply.size(); i++) {
            // '<n> <ms> <event>\n<data>'
            String entry = reply.get(i).toString();
            int first = entry.indexOf(' ');
            int second = entry.indexOf(' ', first + 1);
            long n = Long.parseLong(entry.substring(0, first));
            events.add(new Delivery.Event(new EventId(epoch, n), message(entry, second + 1)));
        }
        return new Attachment(turn, new EventId(epoch, at), new Attachment.Resume.Replay(events));
    }
}
