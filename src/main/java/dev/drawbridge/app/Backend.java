package dev.drawbridge.app;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Rooms;
import dev.drawbridge.bus.local.LocalBus;
import dev.drawbridge.bus.local.LocalRooms;
import dev.drawbridge.bus.redis.RedisBackend;
import dev.drawbridge.bus.redis.RedisSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The shared parts a node runs on: delivery, membership, whether they can serve, and word that the
 * shared store forgot this node's memberships. The one place that decides between running alone
 * and running as one of several nodes.
 */
record Backend(Bus bus, Rooms rooms, Supplier<Future<Void>> readiness, Supplier<Future<Void>> close,
               Consumer<Runnable> onMembershipLost) {
    private static final Logger log = LoggerFactory.getLogger(Backend.class);

    static Future<Backend> connect(Vertx vertx, Config config, String nodeId) {
        if (config.redisUrl().isPresent()) {
            String url = config.redisUrl().get();
            log.info("REDIS_URL is set: node {} routes through Redis at {}", nodeId, redacted(url));
            RedisSettings settings = RedisSettings.defaults().withResumeGrace(config.resumeGrace()).withHistory(config.history());
            return RedisBackend.connect(vertx, url, nodeId, settings).map(redis -> new Backend(
                    redis.bus(), redis.rooms(), redis::ping, redis::close, redis::onLeaseLost));
        }
        log.info("no REDIS_URL: running alone on the in-process bus");
        LocalBus bus = new LocalBus(config.history());
        // A session that ended for good takes its history with it, as with Redis.
        Rooms rooms = new LocalRooms(bus::forget);
        return Future.succeededFuture(new Backend(bus, rooms, Future::succeededFuture,
                () -> Future.all(rooms.close(), bus.close()).mapEmpty(), listener -> { }));
    }

    /** The URL without its password, for the log. */
    private static String redacted(String url) {
        return url.replaceAll("//([^:@/]*):[^@/]*@", "//$1:***@");
    }
}
