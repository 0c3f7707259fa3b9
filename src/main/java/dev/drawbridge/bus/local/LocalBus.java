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
    private final Map<String, Consumer<Message>> handlers = new ConcurrentHashMap<>();

    @Override
    public Future<Void> deliver(String peerId, Message message) {
        Consumer<Message> handler = handlers.get(peerId);
        if (handler != null) {
            handler.accept(message);
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Subscription> subscribe(String peerId, Consumer<Message> handler) {
        handlers.put(peerId, handler);
        Subscription subscription = () -> {
            handlers.remove(peerId, handler);
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
