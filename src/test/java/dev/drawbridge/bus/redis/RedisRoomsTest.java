package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.RoomsContract;
import dev.drawbridge.testing.RedisServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.UUID;

import static dev.drawbridge.testing.Futures.get;

/** The Redis rooms pass the rooms contract, across two nodes on one real Redis. */
class RedisRoomsTest extends RoomsContract {
    private static RedisServer redis;
    private static Vertx vertx;
    private RedisBackend first;
    private RedisBackend second;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopRedis() {
        get(vertx.close());
        redis.close();
    }

    @Override
    protected Nodes startNodes() {
        redis.flushAll();
        first = get(RedisBackend.connect(vertx, redis.url(), "rooms-a-" + UUID.randomUUID()));
        second = get(RedisBackend.connect(vertx, redis.url(), "rooms-b-" + UUID.randomUUID()));
        return new Nodes(first.rooms(), second.rooms());
    }

    @Override
    protected void stopNodes() {
        get(first.close());
        get(second.close());
    }
}
