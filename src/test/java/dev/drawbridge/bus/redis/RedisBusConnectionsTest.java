package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Bus.Subscription;
import dev.drawbridge.bus.Message;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node talks to Redis on two connections per event loop (its lanes), whatever the number of peers
 * it serves, and a peer's messages are read on the event loop that subscribed it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisBusConnectionsTest {
    @RegisterExtension
    static final RedisNodes cluster = new RedisNodes();

    @Test
    void a_node_keeps_two_redis_connections_per_event_loop_while_a_thousand_peers_subscribe_and_receive() {
        RedisBackend here = cluster.connect("here");
        RedisBackend there = cluster.connect("there");
        try {
            List<String> before = cluster.server().clientNames();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < cluster.eventLoops().size(); i++) {
                expected.add("drawbridge:there:cmd:" + i);
                expected.add("drawbridge:there:sub:" + i);
            }
            assertThat(before).filteredOn(n -> n.startsWith("drawbridge:there:"))
                    .containsExactlyInAnyOrderElementsOf(expected);

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

    @Test
    void a_peer_s_messages_are_read_on_the_event_loop_that_subscribed_it() {
        RedisBackend here = cluster.connect("here");
        RedisBackend there = cluster.connect("there");
        try {
            List<EventLoop> loops = cluster.eventLoops();
            assertThat(loops).hasSizeGreaterThan(1);
            Map<String, Thread> subscribedOn = new ConcurrentHashMap<>();
            Map<String, CompletableFuture<Thread>> readOn = new ConcurrentHashMap<>();
            List<Future<Subscription>> subscribed = new ArrayList<>();
            for (EventLoop loop : loops) {
                String id = UUID.randomUUID().toString();
                readOn.put(id, new CompletableFuture<>());
                Promise<Subscription> done = Promise.promise();
                ContextInternal context = ((VertxInternal) cluster.vertx()).contextBuilder().withEventLoop(loop).build();
                context.runOnContext(v -> {
                    subscribedOn.put(id, Thread.currentThread());
                    there.bus().subscribe(id, m -> readOn.get(id).complete(Thread.currentThread())).onComplete(done);
                });
                subscribed.add(done.future());
            }
            get(Future.all(subscribed));

            // Published from the test's thread on the other node: only Redis connects the two.
            for (String id : readOn.keySet()) {
                get(here.bus().deliver(id, new Message("relay", "{}")));
            }
            for (Map.Entry<String, CompletableFuture<Thread>> read : readOn.entrySet()) {
                assertThat(read.getValue()).succeedsWithin(Duration.ofSeconds(5))
                        .isSameAs(subscribedOn.get(read.getKey()));
            }
            assertThat(new HashSet<>(subscribedOn.values())).hasSize(loops.size());
        } finally {
            get(here.close());
            get(there.close());
        }
    }
}
