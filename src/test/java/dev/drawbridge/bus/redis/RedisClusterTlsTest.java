package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.Delivery;
import dev.drawbridge.bus.Message;
import dev.drawbridge.store.Boards;
import dev.drawbridge.store.Boards.Appended;
import dev.drawbridge.store.Boards.Board;
import dev.drawbridge.store.Boards.Record;
import dev.drawbridge.store.Boards.Stored;
import dev.drawbridge.store.redis.RedisBoards;
import dev.drawbridge.testing.RedisCluster;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

import static dev.drawbridge.testing.Futures.failure;
import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster spoken to over TLS only, as managed clusters are: {@code rediss://} to one node,
 * the certificates checked against a given authority, the topology read over TLS (which names the
 * nodes' TLS ports), and the cluster bus and replication over TLS too.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisClusterTlsTest {
    @TempDir
    static Path certificates;
    private static RedisCluster cluster;
    private static Vertx vertx;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.withTls(certificates);
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        if (vertx != null) {
            get(vertx.close());
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void relays_and_boards_work_over_rediss_on_every_primary() {
        RedisSettings settings = RedisSettings.defaults().withTrustedCa(cluster.caFile());
        RedisBackend a = get(RedisBackend.connect(vertx, cluster.tlsUrl(), "tls-a-" + UUID.randomUUID(), settings));
        RedisBackend b = get(RedisBackend.connect(vertx, cluster.tlsUrl(), "tls-b-" + UUID.randomUUID(), settings));
        try {
            // Peers and rooms in slots all over the cluster.
            List<String> peers = IntStream.range(0, 12).mapToObj(i -> "peer-" + i + "-" + UUID.randomUUID()).toList();
            assertThat(peers.stream().map(p -> cluster.ownerOf(Keys.slot(Keys.channel(p)))).distinct()).hasSize(3);
            Set<String> received = ConcurrentHashMap.newKeySet();
            for (String peer : peers) {
                get(b.bus().subscribe(peer, d -> {
                    if (d instanceof Delivery.Event event) {
                        received.add(event.message().data());
                    }
                }));
            }
            peers.forEach(peer -> get(a.bus().deliver(peer, new Message("relay", peer))));
            await().atMost(Duration.ofSeconds(5)).until(() -> received.containsAll(peers));

            Boards written = new RedisBoards(a.commands(), new Boards.Limits(4096, 512, Duration.ofDays(1)));
            Boards read = new RedisBoards(b.commands(), new Boards.Limits(4096, 512, Duration.ofDays(1)));
            byte[] proof = new byte[32];
            for (int i = 0; i < 6; i++) {
                String room = "room-" + i + "-" + UUID.randomUUID();
                byte[] data = ("stroke " + i).getBytes(StandardCharsets.UTF_8);
                assertThat(get(written.append(room, proof, List.of(new Record("r", data))))).isInstanceOf(Appended.class);
                Board board = (Board) get(read.read(room, proof, 0, 10));
                assertThat(board.records()).extracting(Stored::data).containsExactly(data);
            }
        } finally {
            get(a.close());
            get(b.close());
        }
    }

    @Test
    void rediss_refuses_a_cluster_whose_certificates_no_trusted_authority_signed() {
        assertThat(failure(RedisBackend.connect(vertx, cluster.tlsUrl(), "tls-" + UUID.randomUUID())))
                .isInstanceOf(BusUnavailableException.class);
    }
}
