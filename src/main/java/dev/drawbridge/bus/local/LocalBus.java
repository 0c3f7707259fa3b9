package dev.drawbridge.bus.local;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Message;
import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The in-process bus of a node that runs alone: delivery is a direct call of the peer's handler,
 * on the caller's thread, so order per caller holds trivially.
 */
public final class LocalBus implements Bus {
    /** A subscription's handler; its identity, not the handler's, tells a replaced subscription from the current one. */
    private static final class Route {
        final Consumer<Message> handler;

        Route(Consumer<Message> handler) {
            this.handler = handler;
        }
    }

    private final Map<String, Route> handlers = new ConcurrentHashMap<>();

    @Override
    public Future<Void> deliver(String peerId, Message message) {
        Route route = handlers.get(peerId);
        if (route != null) {
            route.handler.accept(message);
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Subscription> subscribe(String peerId, Consumer<Message> handler) {
        Route route = new Route(handler);
        handlers.put(peerId, route);
        Subscription subscription = () -> {
            handlers.remove(peerId, route);
            return Future.succeededFuture();
        };
        return Future.succeededFuture(subscription);
    }

    @Override
    public Future<Void> close() {
        handlers.clear();
        return Future.succeededFuture();
    }
}
