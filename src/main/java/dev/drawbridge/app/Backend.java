package dev.drawbridge.app;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Rooms;
import dev.drawbridge.bus.local.LocalBus;
import dev.drawbridge.bus.local.LocalRooms;
import dev.drawbridge.bus.redis.RedisBackend;
import dev.drawbridge.store.Boards;
import dev.drawbridge.store.redis.RedisBoards;
import dev.drawbridge.store.sqlite.SqliteBoards;
import dev.drawbridge.bus.redis.RedisSettings;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The shared parts a node runs on: delivery, membership, the stored boards, whether they can
 * serve, and word that the shared store forgot this node's memberships. The one place that decides
 * between running alone (in-process bus, boards on local disk) and running as one of several nodes
 * (everything in Redis).
 */
record Backend(Bus bus, Rooms rooms, Boards boards, Supplier<Future<Void>> readiness, Supplier<Future<Void>> close,
               Consumer<Runnable> onMembershipLost) {
    private static final Logger log = LoggerFactory.getLogger(Backend.class);

    /** Connects the node's shared parts; their own metrics (Redis probes) go to {@code metrics}. */
    static Future<Backend> connect(Vertx vertx, Config config, String nodeId, MeterRegistry metrics) {
        if (config.redisUrl().isPresent()) {
            String url = config.redisUrl().get();
            log.info("REDIS_URL is set: node {} routes through Redis at {}, boards in Redis too", nodeId, redacted(url));
            RedisSettings settings = RedisSettings.defaults().withResumeGrace(config.resumeGrace()).withHistory(config.history())
                    .withTopologyCheck(config.redisTopologyCheck())
                    .withProbeInterval(config.redisProbeInterval())
                    .withTrustedCa(config.redisCaFile().map(java.nio.file.Path::of).orElse(null));
            return RedisBackend.connect(vertx, url, nodeId, settings).map(redis -> {
                FunctionCounter.builder("drawbridge.redis.probe.failures", redis, RedisBackend::probeFailures)
                        .description("probes of a Redis subscriber connection missed, each of which reconnected it")
                        .register(metrics);
                return new Backend(redis.bus(), redis.rooms(), new RedisBoards(redis.commands(), limits(config)),
                        redis::ping, redis::close, redis::onLeaseLost);
            });
        }
        log.info("no REDIS_URL: running alone on the in-process bus, boards in {}", config.dataDir().toAbsolutePath());
        LocalBus bus = new LocalBus(config.history());
        // A session that ended for good takes its history with it, as with Redis.
        Rooms rooms = new LocalRooms(bus::forget);
        return SqliteBoards.open(vertx, config.dataDir(), limits(config)).map(boards -> new Backend(
                bus, rooms, boards, Future::succeededFuture,
                () -> Future.all(rooms.close(), bus.close(), boards.close()).mapEmpty(), listener -> { }));
    }

    private static Boards.Limits limits(Config config) {
        return new Boards.Limits(config.boardMaxBytes(), config.boardMaxRecord(), config.boardRetention());
    }

    /** The URL without its password, for the log. */
    private static String redacted(String url) {
        return url.replaceAll("//([^:@/]*):[^@/]*@", "//$1:***@");
    }
}
