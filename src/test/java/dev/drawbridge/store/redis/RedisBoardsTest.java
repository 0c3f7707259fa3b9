package dev.drawbridge.store.redis;

import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.redis.RedisBackend;
import dev.drawbridge.store.Boards;
import dev.drawbridge.store.Boards.Limits;
import dev.drawbridge.store.BoardsContract;
import dev.drawbridge.testing.RedisServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.drawbridge.testing.Futures.failure;
import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis boards pass the boards contract, on a real redis-server emptied before each test. */
class RedisBoardsTest extends BoardsContract {
    private static RedisServer redis;
    private static Vertx vertx;
    private final List<RedisBackend> backends = new ArrayList<>();

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
    protected Boards open(Limits limits) {
        if (!redis.isRunning()) {
            redis.restart();
        }
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

    @Test
    void every_key_of_a_board_shares_one_hash_tag_slot() {
        assertThat(RedisBoards.keys(room)).allSatisfy(key -> assertThat(key).startsWith("db:{board:" + room + "}:"));
    }

    @Test
    void an_expired_board_leaves_no_key_in_redis() {
        closeAll();
        boards = open(new Limits(MAX_BOARD, MAX_RECORD, Duration.ofMillis(500)));
        append("a", 10, "b", 10);
        get(boards.snapshot(room, proof, 1, bytes(3)));
        assertThat(boardKeys()).hasSize(4);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> boardKeys().isEmpty());
    }

    @Test
    void every_key_of_a_board_expires_after_the_retention_and_zero_keeps_them() {
        append("a", 10);
        get(boards.snapshot(room, proof, 1, bytes(3)));
        append("b", 10);
        for (String key : boardKeys()) {
            assertThat((Long) redis.call("PTTL", key)).as(key).isBetween(1L, Duration.ofDays(30).toMillis());
        }
        closeAll();
        boards = open(new Limits(MAX_BOARD, MAX_RECORD, Duration.ZERO));
        append("c", 1);
        for (String key : boardKeys()) {
            assertThat((Long) redis.call("PTTL", key)).as(key).isEqualTo(-1L);
        }
    }

    @Test
    void while_redis_is_down_every_operation_fails_as_unavailable() {
        append("a", 10);
        redis.kill();

        assertThat(failure(boards.append(room, proof, List.of(new Boards.Record("b", bytes(1))))))
                .isInstanceOf(BusUnavailableException.class);
        assertThat(failure(boards.read(room, proof, 0, 10))).isInstanceOf(BusUnavailableException.class);
        assertThat(failure(boards.snapshot(room, proof, 1, bytes(1)))).isInstanceOf(BusUnavailableException.class);
        assertThat(failure(boards.delete(room, proof))).isInstanceOf(BusUnavailableException.class);
    }

    @SuppressWarnings("unchecked")
    private List<String> boardKeys() {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<Object> reply = (List<Object>) redis.call("SCAN", cursor, "MATCH", "db:{board:*", "COUNT", "1000");
            cursor = (String) reply.get(0);
            ((List<Object>) reply.get(1)).forEach(key -> keys.add((String) key));
        } while (!cursor.equals("0"));
        return keys;
    }
}
