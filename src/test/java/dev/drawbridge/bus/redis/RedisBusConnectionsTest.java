package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Bus.Subscription;
import dev.drawbridge.bus.Message;
import io.vertx.core.Future;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A node talks to Redis on two connections, whatever the number of peers it serves. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisBusConnectionsTest {
    @RegisterExtension
    static final RedisNodes cluster = new RedisNodes();

    @Test
    void a_node_keeps_two_redis_connections_while_a_thousand_peers_subscribe_and_receive() {
        RedisBackend here = cluster.connect("here");
        RedisBackend there = cluster.connect("there");
        try {
            List<String> before = cluster.server().clientNames();
            assertThat(before).filteredOn(n -> n.startsWith("drawbridge:there:"))
                    .containsExactlyInAnyOrder("drawbridge:there:cmd", "drawbridge:there:sub");

            int peers = 1_000;
            List<String> ids = new ArrayList<>();
            List<Future<Subscription>> subscribed = new ArrayList<>();
            AtomicInteger received = new AtomicInteger();
            for (int i = 0; i < peers; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                subscribed.add(there.bus().subscribe(id, m -> received.incrementAndGet()));
            }
            List<Subscription> subscriptions = get(Future.all(subscribed)).list();

            assertThat(cluster.server().clientNames()).hasSameSizeAs(before);
            assertThat((List<?>) cluster.server().call("PUBSUB", "SHARDCHANNELS")).hasSize(peers);

            List<Future<Void>> delivered = new ArrayList<>();
            for (String id : ids) {
                delivered.add(here.bus().deliver(id, new Message("relay", "{}")));
            }
            get(Future.all(delivered));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> received.get() == peers);
            assertThat(cluster.server().clientNames()).hasSameSizeAs(before);

            // Closing the subscriptions leaves no channel behind.
            get(Future.all(subscriptions.stream().map(Subscription::close).toList()));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> ((List<?>) cluster.server().call("PUBSUB", "SHARDCHANNELS")).isEmpty());
        } finally {
            get(here.close());
            get(there.close());
        }
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> cluster.server().clientNames().stream().noneMatch(n -> n.startsWith("drawbridge:")));
    }
}
