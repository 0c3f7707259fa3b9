package dev.drawbridge.app;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Rooms;
import dev.drawbridge.bus.local.LocalBus;
import dev.drawbridge.bus.local.LocalRooms;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * The shared parts a node runs on: delivery, membership, and whether they can serve. The one place
 * that decides between running alone and running as one of several nodes.
 */
record Backend(Bus bus, Rooms rooms, Supplier<Future<Void>> readiness, Supplier<Future<Void>> close) {
    private static final Logger log = LoggerFactory.getLogger(Backend.class);

    static Future<Backend> connect(Vertx vertx, Config config, String nodeId) {
        if (config.redisUrl().isPresent()) {
            return Future.failedFuture(new IllegalArgumentException(
                    "REDIS_URL is set, but this build runs on the in-process bus only"));
        }
        log.info("no REDIS_URL: running alone on the in-process bus");
        Bus bus = new LocalBus();
        Rooms rooms = new LocalRooms();
        return Future.succeededFuture(new Backend(bus, rooms, Future::succeededFuture,
                () -> Future.all(rooms.close(), bus.close()).mapEmpty()));
    }
}
