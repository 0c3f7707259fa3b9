package dev.drawbridge.bus.redis;

import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * A node's connections to Redis: one lane per event loop, each a command connection and a
 * subscriber connection that live on that loop. A command sent from an event loop goes out on its
 * lane's connection, is written at once by the calling thread and answered on it; a peer's channel
 * is subscribed on the lane of the loop that holds the peer's stream, so its messages are read on
 * the thread that writes them to the browser. A relay thus crosses no thread inside the node: on
 * a machine of two cores, handing work from one event loop to another cost more CPU than the relay
 * itself (a wake-up and a system call each way).
 *
 * <p>Order: commands sent from one thread go out on one connection, in the order sent. Callers on
 * other threads than the event loops (timers of a non-Vert.x thread, tests) use the first lane.
 */
final class Lanes implements Commands {

    /** One event loop's connections. */
    record Lane(EventLoop loop, LaneCommands commands, Subscriptions subscriber) {}

    private final Lane[] lanes;

    Lanes(List<Lane> lanes) {
        if (lanes.isEmpty()) {
            throw new IllegalArgumentException("no event loop to connect from");
        }
        this.lanes = lanes.toArray(Lane[]::new);
    }

    /** The lane of the calling thread's event loop, or the first one when the caller is not on one. */
    Lane current() {
        for (Lane lane : lanes) {
            if (lane.loop().inEventLoop()) {
                return lane;
            }
        }
        return lanes[0];
    }

    List<Lane> all() {
        return List.of(lanes);
    }

    @Override
    public Future<Response> send(Request request) {
        return current().commands().send(request);
    }

    @Override
    public Future<Response> sendRaw(Request request) {
        return current().commands().sendRaw(request);
    }

    @Override
    public Future<List<Response>> readTogether(List<Request> reads) {
        return current().commands().readTogether(reads);
    }

    @Override
    public boolean ordersAcrossSlots() {
        return lanes[0].commands().ordersAcrossSlots();
    }
}
