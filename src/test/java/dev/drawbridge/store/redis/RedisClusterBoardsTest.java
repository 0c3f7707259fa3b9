package dev.drawbridge.store.redis;

import dev.drawbridge.bus.redis.RedisBackend;
import dev.drawbridge.store.Boards;
import dev.drawbridge.store.Boards.Limits;
import dev.drawbridge.store.BoardsContract;
import dev.drawbridge.testing.RedisCluster;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.drawbridge.testing.Futures.get;

/** Redis boards pass the boards contract on a real Redis Cluster of three primaries, emptied before each test. */
class RedisClusterBoardsTest extends BoardsContract {
    private static RedisCluster redis;
    private static Vertx vertx;
    private final List<RedisBackend> backends = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisCluster.start();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopRedis() {
        get(vertx.close());
        redis.close();
    }

    @Override
    protected Boards open(Limits limits) {
        if (backends.isEmpty()) {
            redis.flushAll();
        }
        RedisBackend backend = get(RedisBackend.connect(vertx, redis.url(), "boards-" + UUID.randomUUID()));
        backends.add(backend);
        return new RedisBoards(backend.commands(), limits);
    }

    @Override
    protected void closeAll() {
        backends.forEach(backend -> get(backend.close()));
        backends.clear();
    }
}
