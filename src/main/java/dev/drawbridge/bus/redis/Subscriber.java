package dev.drawbridge.bus.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The node's one subscriber connection and the set of sharded channels it should be subscribed to.
 *
 * <p>Vert.x completes a {@code SSUBSCRIBE} future as soon as the command is written; Redis
 * confirms later with an {@code ssubscribe} push. A subscription counts only once confirmed, so
 * every command sent records what it expects, per channel, in order; Redis answers the commands
 * of one connection in order, so the next push for a channel answers the oldest expectation.
 *
 * <p>Neither Redis nor Vert.x restores subscriptions: after a reconnect this class subscribes
 * again to every channel it should have, one command per slot and per {@link #BATCH} channels; a
 * {@code sunsubscribe} nobody asked for is subscribed again at once on standalone Redis, and left
 * to the owner's {@code onDisowned} on a cluster, where the slot has moved (a {@code MOVED} refusal
 * too: an error reply answers the oldest command not fully answered).
 *
 * <p>Only pub/sub commands ever travel on this connection: Vert.x routes pushes and replies
 * through one queue, and a push arriving while a plain command waits would be taken for its reply.
 */
final class Subscriber implements Subscriptions {
    private static final Logger log = LoggerFactory.getLogger(Subscriber.class);

    /** One command sent for a channel and not yet confirmed. */
    private record Expect(boolean subscribe, Promise<Void> promise, Sent command) {}

    /** One command on the wire: its channels, and how many of them Redis has not answered yet. */
    private static final class Sent {
        final List<String> channels;
        int unanswered;

        Sent(List<String> channels) {
            this.channels = channels;
            this.unanswered = channels.size();
        }
    }

    /** At most this many channels per command, as a slot may hold many of a node's peers. */
    static final int BATCH = 512;

    private final RedisSettings settings;
    private final BiConsumer<String, String> onMessage;

    // Guarded by this. Messages are dispatched outside the lock. The expectations belong to the
    // current connection and die with it.
    private RedisConnection current;
    private final Set<String> wanted = new HashSet<>();
    private final Set<String> confirmed = new HashSet<>();
    private final Map<String, ArrayDeque<Expect>> expected = new HashMap<>();
    // The commands of the current connection that Redis has not fully answered, oldest first: an
    // error reply (MOVED) answers the oldest one as a whole.
    private final ArrayDeque<Sent> inFlight = new ArrayDeque<>();
    private final Consumer<List<String>> onDisowned;
    private final Consumer<String> onConfirmed;
    // Subscriptions#losses: changed with the lock held, after the confirmations it ends are gone.
    private volatile long losses;
    // This connection's probe channel ({@link Probe}): never wanted, its messages go to onProbe.
    private String probeChannel;
    private Consumer<String> onProbe = payload -> { };

    /**
     * A subscriber for standalone Redis: a channel unsubscribed by the server is subscribed again
     * at once. {@code onConfirmed} hears of every confirmation of a wanted channel (the first, and
     * each after a reconnect).
     */
    Subscriber(RedisSettings settings, BiConsumer<String, String> onMessage, Consumer<String> onConfirmed) {
        this(settings, onMessage, onConfirmed, null);
    }

    /**
     * A subscriber on one primary of a Redis Cluster: a channel that the server unsubscribed, or
     * whose subscription it refused ({@code MOVED}), is left to {@code onDisowned}, which finds its
     * new owner; it stays wanted here until it is {@link #unsubscribe}d.
     */
    Subscriber(RedisSettings settings, BiConsumer<String, String> onMessage, Consumer<String> onConfirmed,
               Consumer<List<String>> onDisowned) {
        this.settings = settings;
        this.onMessage = onMessage;
        this.onConfirmed = onConfirmed;
        this.onDisowned = onDisowned;
    }

    @Override
    public Future<Void> subscribe(String channel) {
        Promise<Void> promise = Promise.promise();
        synchronized (this) {
            if (current == null) {
                return Future.failedFuture(Link.unavailable("subscriber connection is down", null));
            }
            wanted.add(channel);
            ArrayDeque<Expect> queue = expected.get(channel);
            if (confirmed.contains(channel) && (queue == null || queue.isEmpty())) {
                return Future.succeededFuture();
            }
            send(Command.SSUBSCRIBE, List.of(channel), promise);
        }
        return promise.future()
                .timeout(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .recover(t -> Future.failedFuture(Link.unavailable("subscribe " + channel + ": " + t.getMessage(), t)));
    }

    /** Forgets the channel; the {@code SUNSUBSCRIBE} is best effort, as a reconnect would drop it anyway. */
    @Override
    public void unsubscribe(String channel) {
        synchronized (this) {
            if (!wanted.remove(channel)) {
                return;
            }
            if (current != null) {
                send(Command.SUNSUBSCRIBE, List.of(channel), null);
            }
        }
    }

    @Override
    public synchronized boolean isUp() {
        return current != null;
    }

    @Override
    public synchronized boolean isConfirmed(String channel) {
        return current != null && wanted.contains(channel) && confirmed.contains(channel);
    }

    @Override
    public long losses() {
        return losses;
    }

    synchronized int size() {
        return wanted.size();
    }

    /** Forgets every channel (the bus closed). */
    @Override
    public void clear() {
        List<String> all;
        synchronized (this) {
            all = new ArrayList<>(wanted);
            wanted.clear();
        }
        synchronized (this) {
            if (current != null) {
                all.forEach(channel -> send(Command.SUNSUBSCRIBE, List.of(channel), null));
            }
        }
    }

    /** The connection is (again) up: subscribe to every wanted channel, one command per slot. */
    void restore(RedisConnection connection) {
        synchronized (this) {
            current = connection;
            confirmed.clear();
            expected.clear();
            inFlight.clear();
            losses++;
            int commands = resubscribe(wanted);
            if (probeChannel != null) {
                send(Command.SSUBSCRIBE, List.of(probeChannel), null);
            }
            if (!wanted.isEmpty()) {
                log.info("restoring {} subscriptions in {} commands", wanted.size(), commands);
            }
        }
    }

    /**
     * Makes the channel wanted here without waiting: subscribed now if the connection is up, else
     * when it comes up (a channel moved to a primary this lane is still connecting to).
     */
    void want(String channel) {
        synchronized (this) {
            wanted.add(channel);
            if (current != null && !confirmed.contains(channel) && !expected.containsKey(channel)) {
                send(Command.SSUBSCRIBE, List.of(channel), null);
            }
        }
    }

    /** Subscribes again to those of {@code channels} that are wanted and not confirmed (their owner is known again). */
    void retry(List<String> channels) {
        synchronized (this) {
            if (current == null) {
                return;
            }
            List<String> again = channels.stream()
                    .filter(c -> wanted.contains(c) && !confirmed.contains(c) && !expected.containsKey(c)).toList();
            resubscribe(again);
        }
    }

    /** Where the payloads of probe messages go ({@link Probe}); set before the connection opens. */
    synchronized void onProbe(Consumer<String> onProbe) {
        this.onProbe = onProbe;
    }

    /**
     * Makes {@code channel} this connection's probe channel (forgetting the previous one) and
     * subscribes to it if it is not yet: true once Redis confirmed the subscription on the current
     * connection.
     */
    boolean probe(String channel) {
        synchronized (this) {
            if (!channel.equals(probeChannel)) {
                if (current != null && probeChannel != null) {
                    send(Command.SUNSUBSCRIBE, List.of(probeChannel), null);
                }
                probeChannel = channel;
            }
            if (current == null) {
                return false;
            }
            if (expected.containsKey(channel)) {
                return false;
            }
            if (confirmed.contains(channel)) {
                return true;
            }
            send(Command.SSUBSCRIBE, List.of(channel), null);
            return false;
        }
    }

    /** The channels wanted here. */
    synchronized List<String> channels() {
        return List.copyOf(wanted);
    }

    // With the lock held and a connection: one SSUBSCRIBE per slot and per BATCH channels.
    private int resubscribe(Collection<String> channels) {
        Map<Integer, List<String>> bySlot = new TreeMap<>();
        for (String channel : channels) {
            bySlot.computeIfAbsent(Keys.slot(channel), s -> new ArrayList<>()).add(channel);
        }
        int commands = 0;
        for (List<String> slot : bySlot.values()) {
            for (int from = 0; from < slot.size(); from += BATCH) {
                send(Command.SSUBSCRIBE, slot.subList(from, Math.min(slot.size(), from + BATCH)), null);
                commands++;
            }
        }
        return commands;
    }

    /** The connection dropped: nothing is confirmed any more, and whoever waits for a confirmation fails. */
    void lost() {
        List<Promise<Void>> waiting = new ArrayList<>();
        synchronized (this) {
            current = null;
            confirmed.clear();
            expected.values().forEach(queue -> queue.forEach(e -> {
                if (e.promise() != null) {
                    waiting.add(e.promise());
                }
            }));
            expected.clear();
            inFlight.clear();
            losses++;
        }
        waiting.forEach(p -> p.tryFail(Link.unavailable("subscriber connection lost", null)));
    }

    /** Every push of the subscriber connection: messages, and confirmations of our commands. */
    void onPush(RedisConnection from, Response push) {
        if (push != null && push.type() == ResponseType.ERROR) {
            refused(from, push.toString());
            return;
        }
        if (push == null || push.size() < 3 || push.get(0) == null || push.get(1) == null) {
            return;
        }
        String kind = push.get(0).toString();
        String channel = push.get(1).toString();
        switch (kind) {
            case "smessage" -> {
                boolean live;
                Consumer<String> probe = null;
                synchronized (this) {
                    live = wanted.contains(channel);
                    if (channel.equals(probeChannel) && from == current) {
                        probe = onProbe;
                    }
                }
                if (probe != null && push.get(2) != null) {
                    probe.accept(push.get(2).toString());
                    return;
                }
                if (live && push.get(2) != null) {
                    onMessage.accept(channel, push.get(2).toString());
                }
            }
            case "ssubscribe" -> {
                Promise<Void> done = null;
                boolean wantedHere;
                synchronized (this) {
                    if (from != current) {
                        return;
                    }
                    confirmed.add(channel);
                    wantedHere = wanted.contains(channel);
                    Expect head = poll(channel);
                    if (head != null) {
                        done = head.promise();
                    }
                }
                if (done != null) {
                    done.tryComplete();
                }
                if (wantedHere) {
                    onConfirmed.accept(channel);
                }
            }
            case "sunsubscribe" -> {
                List<String> disowned = null;
                synchronized (this) {
                    if (from != current) {
                        return;
                    }
                    confirmed.remove(channel);
                    ArrayDeque<Expect> queue = expected.get(channel);
                    if (queue != null && !queue.isEmpty() && !queue.peek().subscribe()) {
                        poll(channel);
                    } else if (wanted.contains(channel) && onDisowned == null) {
                        // Nobody asked for this one (the slot moved): subscribe again.
                        log.info("channel {} was unsubscribed by the server; subscribing again", channel);
                        losses++;
                        send(Command.SSUBSCRIBE, List.of(channel), null);
                    } else if (wanted.contains(channel)) {
                        losses++;
                        disowned = List.of(channel);
                    }
                }
                if (disowned != null) {
                    log.info("channel {} was unsubscribed by the server; looking for its owner", channel);
                    onDisowned.accept(disowned);
                }
            }
            default -> log.debug("ignoring push {}", kind);
        }
    }

    /**
     * An error reply: Redis refused the oldest command not fully answered (all the earlier ones
     * were, as it answers in order), e.g. {@code MOVED} for a slot this node no longer serves.
     */
    private void refused(RedisConnection from, String error) {
        List<Promise<Void>> failed = new ArrayList<>();
        List<String> channels;
        boolean subscribe;
        synchronized (this) {
            if (from != current || inFlight.isEmpty()) {
                log.warn("unexpected error on the subscriber connection: {}", error);
                return;
            }
            Sent head = inFlight.poll();
            channels = head.channels;
            subscribe = false;
            for (String channel : channels) {
                ArrayDeque<Expect> queue = expected.get(channel);
                if (queue != null && !queue.isEmpty() && queue.peek().command() == head) {
                    Expect e = poll(channel);
                    subscribe |= e.subscribe();
                    if (e.promise() != null) {
                        failed.add(e.promise());
                    }
                }
            }
        }
        if (subscribe) {
            synchronized (this) {
                losses++;
            }
        }
        log.info("{} of {} channels refused: {}", subscribe ? "SSUBSCRIBE" : "SUNSUBSCRIBE", channels.size(), error);
        failed.forEach(p -> p.tryFail(Link.unavailable("subscribe refused: " + error, null)));
        if (subscribe && onDisowned != null) {
            onDisowned.accept(channels);
        }
    }

    private Expect poll(String channel) {
        ArrayDeque<Expect> queue = expected.get(channel);
        if (queue == null) {
            return null;
        }
        Expect head = queue.poll();
        if (queue.isEmpty()) {
            expected.remove(channel);
        }
        if (head != null && head.command() != null && --head.command().unanswered == 0) {
            // Answered in order: the fully answered commands are at the head.
            while (!inFlight.isEmpty() && inFlight.peek().unanswered == 0) {
                inFlight.poll();
            }
        }
        return head;
    }

    // Called with the lock held and a current connection, so that the order of the expectations is
    // the order on the wire.
    private void send(Command command, List<String> channels, Promise<Void> promise) {
        boolean subscribe = command == Command.SSUBSCRIBE;
        Sent sent = new Sent(List.copyOf(channels));
        inFlight.add(sent);
        for (String channel : channels) {
            expected.computeIfAbsent(channel, c -> new ArrayDeque<>()).add(new Expect(subscribe, promise, sent));
        }
        Request request = Request.cmd(command);
        channels.forEach(request::arg);
        // A failed write ends the connection, and lost() fails the waiting promises.
        current.send(request).onFailure(t -> log.debug("{} failed: {}", command, t.getMessage()));
    }
}
