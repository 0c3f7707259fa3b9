package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusContract;
import dev.drawbridge.testing.RedisServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.UUID;

import static dev.drawbridge.testing.Futures.get;

/** The Redis bus passes the bus contract, across two nodes on one real Redis. */
class RedisBusTest extends BusContract {
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
        first = get(RedisBackend.connect(vertx, redis.url(), "bus-a-" + UUID.randomUUID()));
        second = get(RedisBackend.connect(vertx, redis.url(), "bus-b-" + UUID.randomUUID()));
        return new Nodes(first.bus(), second.bus());
    }

    @Override
    protected void stopNodes() {
        get(first.close());
        get(second.close());
    }
}
