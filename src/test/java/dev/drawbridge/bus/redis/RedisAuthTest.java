package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.Delivery;
import dev.drawbridge.bus.Message;
import dev.drawbridge.testing.RedisCluster;
import dev.drawbridge.testing.RedisServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

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
 * Redis that asks for credentials and TLS, as managed services do: a password ({@code requirepass})
 * and an ACL user, on one server and on a cluster, given in the URL
 * ({@code redis://user:password@host:port}); {@code rediss://} to a server whose certificate the
 * node checks against a given authority.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisAuthTest {
    private static final String PASSWORD = "s3cret-" + UUID.randomUUID();
    private static RedisServer server;
    private static RedisServer tls;
    @org.junit.jupiter.api.io.TempDir
    static java.nio.file.Path certificates;
    private static RedisCluster cluster;
    private static Vertx vertx;

    @BeforeAll
    static void start() {
        server = RedisServer.withPassword(PASSWORD);
        server.call("ACL", "SETUSER", "drawbridge", "on", ">user-" + PASSWORD, "~db:*", "&db:*", "+@all");
        cluster = RedisCluster.withPassword(PASSWORD);
        tls = RedisServer.withTls(certificates);
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        if (vertx != null) {
            get(vertx.close());
        }
        if (server != null) {
            server.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void rediss_reaches_a_server_whose_certificate_the_given_authority_signed() {
        assertRelaysArrive(tls.tlsUrl(), RedisSettings.defaults().withTrustedCa(tls.caFile()));
    }

    @Test
    void rediss_refuses_a_server_whose_certificate_no_trusted_authority_signed() {
        assertThat(failure(RedisBackend.connect(vertx, tls.tlsUrl(), "tls-" + UUID.randomUUID())))
                .isInstanceOf(BusUnavailableException.class);
    }

    @Test
    void a_password_in_the_url_opens_a_standalone_redis() {
        assertRelaysArrive(withCredentials(server.url(), ":" + PASSWORD));
    }

    @Test
    void an_acl_user_and_its_password_open_a_standalone_redis() {
        assertRelaysArrive(withCredentials(server.url(), "drawbridge:user-" + PASSWORD));
    }

    @Test
    void a_password_in_the_url_opens_every_node_of_a_cluster() {
        assertRelaysArrive(withCredentials(cluster.url(), ":" + PASSWORD));
    }

    @Test
    void a_wrong_password_or_none_fails_the_start_as_unavailable() {
        assertThat(failure(RedisBackend.connect(vertx, withCredentials(server.url(), ":wrong"), "auth-" + UUID.randomUUID())))
                .isInstanceOf(BusUnavailableException.class);
        assertThat(failure(RedisBackend.connect(vertx, cluster.url(), "auth-" + UUID.randomUUID())))
                .isInstanceOf(BusUnavailableException.class);
    }

    /** Relays from one node reach peers (in slots all over a cluster) subscribed on another. */
    private static void assertRelaysArrive(String url) {
        assertRelaysArrive(url, RedisSettings.defaults());
    }

    private static void assertRelaysArrive(String url, RedisSettings settings) {
        RedisBackend a = get(RedisBackend.connect(vertx, url, "auth-a-" + UUID.randomUUID(), settings));
        RedisBackend b = get(RedisBackend.connect(vertx, url, "auth-b-" + UUID.randomUUID(), settings));
        try {
            List<String> peers = IntStream.range(0, 12).mapToObj(i -> "peer-" + i + "-" + UUID.randomUUID()).toList();
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
        } finally {
            get(a.close());
            get(b.close());
        }
    }

    private static String withCredentials(String url, String userInfo) {
        return url.replace("redis://", "redis://" + userInfo + "@");
    }
}
