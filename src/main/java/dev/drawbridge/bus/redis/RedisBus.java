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
import java.util.Set;
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
 *
 * <p>A peer's channel also carries the changes of its room states, {@code #...} ({@link Memberships}):
 * they are kept in the subscription's copy and never handed to the handler.
 */
final class RedisBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);

    /**
     * A subscription's handler and the subscriber connection its channel is on; its identity tells
     * a replaced subscription from the current one.
     */
    private static final class Route {
        final Consumer<Delivery> handler;
        final Subscriptions subscriber;
        final Memberships.Copy rooms;
        // Guarded by this. The id of the last event handed to the handler (or of the attach's cut):
        // what a catch-up reads after, and below which a message is a duplicate.
        EventId last;
        // Redis confirmed the subscription once: a later confirmation is a subscription restored.
        boolean confirmed;
        // While a catch-up reads what the channel missed: the messages arriving meanwhile, in order.
        List<Delivery> held;

        Route(Consumer<Delivery> handler, Subscriptions subscriber, Memberships.Copy rooms) {
            this.handler = handler;
            this.subscriber = subscriber;
            this.rooms = rooms;
        }

        /** Whether {@code event} comes after the last one handed on; if so it becomes the last. */
        boolean advance(Delivery.Event event) {
            EventId id = event.id();
            if (last != null && last.epoch().equals(id.epoch()) && id.n() <= last.n()) {
                return false;
            }
            last = id;
            return true;
        }
    }

    /**
     * How long a peer's sequence outlives its last event or stream: a peer quiet for longer than
     * this resumes with {@code resync}. Its session's end deletes it long before, normally.
     */
    static final Duration SEQUENCE_TTL = Duration.ofHours(24);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Script SINCE = Script.load("since");
    private static final Script MEMBERSHIPS = Script.load("memberships");

    private final Lanes lanes;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Memberships memberships = new Memberships();
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
        return deliver(peerId, message, historyKeys(peerId), List.of()).mapEmpty();
    }

    /**
     * {@code deliver.lua} with the peer's room states: the peer's own hash says, in the same step
     * as the delivery, whether it is a settled member of one of the rooms (which, by the rule of
     * {@link RedisRooms}, it then is).
     */
    @Override
    public Future<Boolean> deliverIfMember(String peerId, Set<String> roomIds, Message message) {
        if (roomIds.isEmpty()) {
            return Future.succeededFuture(false);
        }
        List<String> keys = List.of(Keys.peerSequence(peerId), Keys.peerHistory(peerId), Keys.channel(peerId),
                Keys.peerRooms(peerId));
        return deliver(peerId, message, keys, List.copyOf(roomIds)).map(n -> n != 0);
    }

    /**
     * The rooms the peer is a settled member of, from this node's copy (see {@link Memberships}),
     * when the peer's stream is on this node and its copy can be trusted; else empty (and the copy
     * starts again if its channel is subscribed).
     */
    Set<String> knownRooms(String peerId) {
        Route route = routes.get(peerId);
        if (route == null) {
            return Set.of();
        }
        if (!route.rooms.intact()) {
            restart(peerId, route);
            return Set.of();
        }
        return route.rooms.rooms();
    }

    Memberships memberships() {
        return memberships;
    }

    /** Starts the route's copy again, and asks for the peer's rooms on its channel, if the channel is subscribed. */
    private void restart(String peerId, Route route) {
        if (route.rooms.restart()) {
            MEMBERSHIPS.run(lanes, List.of(Keys.peerRooms(peerId), Keys.channel(peerId)), List.of())
                    .onFailure(t -> log.debug("could not read the rooms of {}: {}", peerId, t.toString()));
        }
    }

    private Future<Long> deliver(String peerId, Message message, List<String> keys, List<String> roomIds) {
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
        List<String> args = new ArrayList<>(6 + roomIds.size());
        args.addAll(List.of(encode(message), maxEvents, maxBytes, maxAge, newEpoch(), sequenceTtl));
        args.addAll(roomIds);
        return Script.DELIVER.run(lanes, keys, args)
                .map(Response::toLong)
                .andThen(done -> {
                    if (sent != null && (done.failed() || done.result() == 0)) {
                        acceptedHere.remove(sent);
                    }
                });
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
        return Script.ATTACH.run(lanes, historyKeys(peerId), args).map(RedisBus::attachment).onSuccess(attachment -> {
            // The stream replays up to the cut itself: a catch-up, if one is needed, starts there.
            Route route = routes.get(peerId);
            if (route != null) {
                synchronized (route) {
                    EventId cut = attachment.at();
                    if (route.last == null || !route.last.epoch().equals(cut.epoch()) || route.last.n() < cut.n()) {
                        route.last = cut;
                    }
                }
            }
        });
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
        Subscriptions subscriber = lanes.current().subscriber();
        Route route;
        Future<Void> confirmed;
        // One lock orders each peer's subscribe and unsubscribe as seen by the subscribers, so a
        // close racing a new subscription cannot unsubscribe the channel under it.
        synchronized (this) {
            route = new Route(handler, subscriber, memberships.open(peerId, subscriber));
            Route previous = routes.put(peerId, route);
            if (previous != null && previous.subscriber != route.subscriber) {
                previous.subscriber.unsubscribe(Keys.channel(peerId));
            }
            confirmed = route.subscriber.subscribe(Keys.channel(peerId));
        }
        return confirmed
                .onSuccess(v -> {
                    synchronized (route) {
                        route.confirmed = true;
                    }
                    restart(peerId, route);
                })
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
            memberships.clear();
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
        if (payload.startsWith("#")) {
            route.rooms.apply(payload.substring(1));
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
        synchronized (route) {
            if (route.held != null) {
                route.held.add(delivery);
                return;
            }
            if (delivery instanceof Delivery.Event event && !route.advance(event)) {
                return;
            }
        }
        hand(peerId, route, List.of(delivery));
    }

    /**
     * Redis confirmed a subscription to {@code channel}. After the first confirmation of a
     * subscription, another one means it was restored (its connection came back, or its slot moved
     * to another primary): whatever was delivered meanwhile is in the peer's history, and is read
     * from there ({@code since.lua}) and handed on before the messages that arrive after it, which
     * are held until then. A history that no longer holds them all (trimmed, another epoch) leaves
     * the gap, as before; the stream's next resume tells it.
     */
    void confirmed(String channel) {
        String peerId = Keys.peerOfChannel(channel);
        Route route = peerId == null ? null : routes.get(peerId);
        if (route == null) {
            return;
        }
        // A copy of its rooms that the loss made untrustworthy starts again from here.
        if (!route.rooms.intact()) {
            restart(peerId, route);
        }
        EventId from;
        synchronized (route) {
            if (!route.confirmed) {
                route.confirmed = true;
                return;
            }
            if (route.last == null || route.held != null) {
                return;
            }
            route.held = new ArrayList<>();
            from = route.last;
        }
        SINCE.run(lanes, List.of(Keys.peerSequence(peerId), Keys.peerHistory(peerId)),
                List.of(from.epoch(), Long.toString(from.n()))).onComplete(read -> {
            List<Delivery> missed = new ArrayList<>();
            if (read.succeeded() && read.result().get(0).toString().equals("replay")) {
                Response reply = read.result();
                for (int i = 1; i < reply.size(); i++) {
                    missed.add(historyEntry(from.epoch(), reply.get(i).toString()));
                }
            } else {
                log.debug("catch-up of {} after {}: {}", peerId, from,
                        read.succeeded() ? "history gap" : read.cause().getMessage());
            }
            List<Delivery> out = new ArrayList<>();
            synchronized (route) {
                missed.addAll(route.held);
                route.held = null;
                for (Delivery delivery : missed) {
                    if (!(delivery instanceof Delivery.Event event) || route.advance(event)) {
                        out.add(delivery);
                    }
                }
            }
            if (out.size() > 0) {
                log.debug("catch-up of {}: {} messages", peerId, out.size());
            }
            hand(peerId, route, out);
        });
    }

    private static void hand(String peerId, Route route, List<Delivery> deliveries) {
        for (Delivery delivery : deliveries) {
            try {
                route.handler.accept(delivery);
            } catch (RuntimeException e) {
                log.error("handler of peer {} failed", peerId, e);
            }
        }
    }

    /** A history entry, {@code <n> <ms> <event>\n<data>}, as the event it was. */
    private static Delivery.Event historyEntry(String epoch, String entry) {
        int first = entry.indexOf(' ');
        int second = entry.indexOf(' ', first + 1);
        long n = Long.parseLong(entry.substring(0, first));
        return new Delivery.Event(new EventId(epoch, n), message(entry, second + 1));
    }

    private synchronized void end(String peerId, Route route) {
        // Only the current subscription may stop the channel: a replaced one is a no-op.
        if (routes.remove(peerId, route)) {
            memberships.close(peerId, route.rooms);
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
            events.add(historyEntry(epoch, reply.get(i).toString()));
        }
        return new Attachment(turn, new EventId(epoch, at), new Attachment.Resume.Replay(events));
    }
}
