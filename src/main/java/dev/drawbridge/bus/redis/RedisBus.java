package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.Message;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Delivery through sharded pub/sub: one channel per peer ({@link Keys#channel}), published on the
 * command connection of the caller's lane and received on the subscriber connection of the lane
 * that holds the peer's stream ({@link Lanes}), whatever the number of peers. A message travels as
 * {@code event + "\n" + data}: data is one line, so the last newline separates them.
 *
 * <p>Order per caller holds because one thread publishes on one connection, Redis forwards in the
 * order it receives, and a peer's channel is read on one subscriber connection, in the order the
 * messages arrive.
 */
final class RedisBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);

    /**
     * A subscription's handler and the subscriber connection its channel is on; its identity tells
     * a replaced subscription from the current one.
     */
    private static final class Route {
        final Consumer<Message> handler;
        final Subscriber subscriber;

        Route(Consumer<Message> handler, Subscriber subscriber) {
            this.handler = handler;
            this.subscriber = subscriber;
        }
    }

    private final Lanes lanes;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Runnable onClosed;
    private volatile boolean closed;

    RedisBus(Lanes lanes, Runnable onClosed) {
        this.lanes = lanes;
        this.onClosed = onClosed;
    }

    @Override
    public Future<Void> deliver(String peerId, Message message) {
        if (closed) {
            return Future.failedFuture(new BusUnavailableException("bus closed"));
        }
        return lanes.send(Request.cmd(Command.SPUBLISH).arg(Keys.channel(peerId)).arg(encode(message))).mapEmpty();
    }

    @Override
    public Future<Subscription> subscribe(String peerId, Consumer<Message> handler) {
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
        Message message;
        try {
            message = decode(payload);
        } catch (RuntimeException e) {
            log.warn("dropping malformed message on {}: {}", channel, e.getMessage());
            return;
        }
        try {
            route.handler.accept(message);
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

    static String encode(Message message) {
        return message.event() + "\n" + message.data();
    }

    static Message decode(String payload) {
        int cut = payload.lastIndexOf('\n');
        if (cut < 0) {
            throw new IllegalArgumentException("no event separator");
        }
        return new Message(payload.substring(0, cut), payload.substring(cut + 1));
    }
}
