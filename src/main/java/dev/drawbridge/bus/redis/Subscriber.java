package dev.drawbridge.bus.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The node's one subscriber connection and the set of sharded channels it should be subscribed to.
 *
 * <p>Vert.x completes a {@code SSUBSCRIBE} future as soon as the command is written; Redis
 * confirms later with an {@code ssubscribe} push. A subscription counts only once confirmed, so
 * every command sent records what it expects, per channel, in order; Redis answers the commands
 * of one connection in order, so the next push for a channel answers the oldest expectation.
 *
 * <p>Neither Redis nor Vert.x restores subscriptions: after a reconnect, and after a
 * {@code sunsubscribe} nobody asked for (Redis Cluster sends one when a slot moves), this class
 * subscribes again to every channel it should have, one command per slot.
 *
 * <p>Only pub/sub commands ever travel on this connection: Vert.x routes pushes and replies
 * through one queue, and a push arriving while a plain command waits would be taken for its reply.
 */
final class Subscriber {
    private static final Logger log = LoggerFactory.getLogger(Subscriber.class);

    /** One command sent for a channel and not yet confirmed. */
    private record Expect(boolean subscribe, Promise<Void> promise) {}

    private final RedisSettings settings;
    private final BiConsumer<String, String> onMessage;

    // Guarded by this. Messages are dispatched outside the lock. The expectations belong to the
    // current connection and die with it.
    private RedisConnection current;
    private final Set<String> wanted = new HashSet<>();
    private final Set<String> confirmed = new HashSet<>();
    private final Map<String, ArrayDeque<Expect>> expected = new HashMap<>();

    Subscriber(RedisSettings settings, BiConsumer<String, String> onMessage) {
        this.settings = settings;
        this.onMessage = onMessage;
    }

    /** Completes once Redis confirmed the subscription (or at once if it already had). */
    Future<Void> subscribe(String channel) {
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
    void unsubscribe(String channel) {
        synchronized (this) {
            if (!wanted.remove(channel)) {
                return;
            }
            if (current != null) {
                send(Command.SUNSUBSCRIBE, List.of(channel), null);
            }
        }
    }

    synchronized boolean isUp() {
        return current != null;
    }

    synchronized int size() {
        return wanted.size();
    }

    /** Forgets every channel (the bus closed). */
    void clear() {
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
            Map<Integer, List<String>> bySlot = new TreeMap<>();
            for (String channel : wanted) {
                bySlot.computeIfAbsent(Keys.slot(channel), s -> new ArrayList<>()).add(channel);
            }
            bySlot.values().forEach(channels -> send(Command.SSUBSCRIBE, channels, null));
            if (!wanted.isEmpty()) {
                log.info("restoring {} subscriptions in {} slot batches", wanted.size(), bySlot.size());
            }
        }
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
        }
        waiting.forEach(p -> p.tryFail(Link.unavailable("subscriber connection lost", null)));
    }

    /** Every push of the subscriber connection: messages, and confirmations of our commands. */
    void onPush(RedisConnection from, Response push) {
        if (push == null || push.size() < 3 || push.get(0) == null || push.get(1) == null) {
            return;
        }
        String kind = push.get(0).toString();
        String channel = push.get(1).toString();
        switch (kind) {
            case "smessage" -> {
                boolean live;
                synchronized (this) {
                    live = wanted.contains(channel);
                }
                if (live && push.get(2) != null) {
                    onMessage.accept(channel, push.get(2).toString());
                }
            }
            case "ssubscribe" -> {
                Promise<Void> done = null;
                synchronized (this) {
                    if (from != current) {
                        return;
                    }
                    confirmed.add(channel);
                    Expect head = poll(channel);
                    if (head != null) {
                        done = head.promise();
                    }
                }
                if (done != null) {
                    done.tryComplete();
                }
            }
            case "sunsubscribe" -> {
                synchronized (this) {
                    if (from != current) {
                        return;
                    }
                    confirmed.remove(channel);
                    ArrayDeque<Expect> queue = expected.get(channel);
                    if (queue != null && !queue.isEmpty() && !queue.peek().subscribe()) {
                        poll(channel);
                    } else if (wanted.contains(channel)) {
                        // Nobody asked for this one (the slot moved): subscribe again.
                        log.info("channel {} was unsubscribed by the server; subscribing again", channel);
                        send(Command.SSUBSCRIBE, List.of(channel), null);
                    }
                }
            }
            default -> log.debug("ignoring push {}", kind);
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
        return head;
    }

    // Called with the lock held and a current connection, so that the order of the expectations is
    // the order on the wire.
    private void send(Command command, List<String> channels, Promise<Void> promise) {
        boolean subscribe = command == Command.SSUBSCRIBE;
        for (String channel : channels) {
            expected.computeIfAbsent(channel, c -> new ArrayDeque<>()).add(new Expect(subscribe, promise));
        }
        Request request = Request.cmd(command);
        channels.forEach(request::arg);
        // A failed write ends the connection, and lost() fails the waiting promises.
        current.send(request).onFailure(t -> log.debug("{} failed: {}", command, t.getMessage()));
    }
}
