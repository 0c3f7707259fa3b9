package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms.Join;
import io.vertx.core.Future;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static dev.drawbridge.testing.Futures.failure;
import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis going away and coming back: failures are visible, and service resumes by itself. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisBusOutageTest {
    @RegisterExtension
    static final RedisNodes cluster = new RedisNodes();
    private RedisBackend here;
    private RedisBackend there;

    @BeforeEach
    void connect() {
        here = cluster.connect("here-" + UUID.randomUUID());
        there = cluster.connect("there-" + UUID.randomUUID());
    }

    @Test
    void while_redis_is_down_every_operation_fails_as_unavailable_and_the_node_is_not_ready() {
        Peer ada = new Peer(UUID.randomUUID().toString(), "ada");
        assertThat(here.isReady()).isTrue();
        get(here.ping());

        cluster.server().stop();
        quickly().until(() -> !here.isReady());

        assertUnavailable(here.ping());
        assertUnavailable(here.bus().deliver(ada.id(), new Message("offer", "{}")));
        assertUnavailable(here.bus().subscribe(ada.id(), m -> { }));
        assertUnavailable(here.rooms().register(ada, "s1"));
        assertUnavailable(here.rooms().isRegistered(ada.id()));
        assertUnavailable(here.rooms().join("room", ada, 16));
        assertUnavailable(here.rooms().leave("room", ada.id()));
        assertUnavailable(here.rooms().unregister(ada.id(), "s1"));
        assertUnavailable(here.rooms().shareRoom(ada.id(), UUID.randomUUID().toString()));
    }

    @Test
    void when_redis_comes_back_the_nodes_recover_by_themselves_and_an_earlier_subscription_receives_again() {
        String peer = UUID.randomUUID().toString();
        List<Message> received = new CopyOnWriteArrayList<>();
        get(there.bus().subscribe(peer, delivery -> { if (delivery instanceof dev.drawbridge.bus.Delivery.Event event) { received.add(event.message()); } }));

        cluster.server().stop();
        quickly().until(() -> !here.isReady() && !there.isReady());
        cluster.server().restart();
        quickly().until(() -> here.isReady() && there.isReady());
        get(here.ping());

        // The restored subscription is confirmed a moment after the connection is back: probe
        // until one message gets through, then every message delivered after it must.
        Message probe = new Message("probe", "0");
        quickly().until(() -> {
            here.bus().deliver(peer, probe);
            return received.contains(probe);
        });
        List<Message> sent = IntStream.range(0, 100).mapToObj(i -> new Message("after-outage", Integer.toString(i))).toList();
        for (Message m : sent) {
            get(here.bus().deliver(peer, m));
        }
        quickly().until(() -> received.stream().filter(m -> !m.equals(probe)).count() >= sent.size());
        assertThat(received).filteredOn(m -> !m.equals(probe)).containsExactlyElementsOf(sent);

        // The rooms work again too.
        Peer ada = new Peer(UUID.randomUUID().toString(), "ada");
        get(here.rooms().register(ada, "s1"));
        assertThat(get(there.rooms().join("after", ada, 16))).isEqualTo(new Join.Joined(List.of()));
    }

    @Test
    void a_subscription_survives_the_loss_of_its_connection() {
        String peer = UUID.randomUUID().toString();
        List<Message> received = new CopyOnWriteArrayList<>();
        get(there.bus().subscribe(peer, delivery -> { if (delivery instanceof dev.drawbridge.bus.Delivery.Event event) { received.add(event.message()); } }));

        cluster.server().call("CLIENT", "KILL", "TYPE", "pubsub");

        Message probe = new Message("probe", "0");
        quickly().until(() -> {
            here.bus().deliver(peer, probe);
            return received.contains(probe) && there.isReady();
        });
        assertThat(cluster.server().clientNames()).filteredOn(n -> n.startsWith("drawbridge:" + there.nodeId() + ":"))
                .hasSize(2 * cluster.eventLoops().size());
    }

    @Test
    void what_was_delivered_while_a_subscription_was_being_restored_arrives_from_the_history_in_order() {
        String peer = UUID.randomUUID().toString();
        List<Message> received = new CopyOnWriteArrayList<>();
        get(there.bus().subscribe(peer, delivery -> { if (delivery instanceof dev.drawbridge.bus.Delivery.Event event) { received.add(event.message()); } }));
        Message first = new Message("before", "0");
        get(here.bus().deliver(peer, first));
        quickly().until(() -> received.contains(first));

        cluster.server().call("CLIENT", "KILL", "TYPE", "pubsub");
        quickly().until(() -> !there.isReady());
        // Published while nobody is subscribed: kept in the history only.
        List<Message> meanwhile = IntStream.range(0, 20).mapToObj(i -> new Message("meanwhile", Integer.toString(i))).toList();
        for (Message m : meanwhile) {
            get(here.bus().deliver(peer, m));
        }
        quickly().until(there::isReady);
        Message after = new Message("after", "0");
        get(here.bus().deliver(peer, after));

        List<Message> expected = new java.util.ArrayList<>(List.of(first));
        expected.addAll(meanwhile);
        expected.add(after);
        quickly().until(() -> received.size() >= expected.size());
        assertThat(received).containsExactlyElementsOf(expected);
    }

    @Test
    void when_redis_lost_its_data_the_node_registers_its_peers_again_and_says_so() {
        AtomicInteger told = new AtomicInteger();
        here.onLeaseLost(told::incrementAndGet);
        Peer ada = new Peer(UUID.randomUUID().toString(), "ada");
        get(here.rooms().register(ada, "s1"));

        cluster.server().kill();
        cluster.server().restart();

        quickly().until(() -> told.get() > 0);
        // The other node's connections come back by themselves meanwhile; until then it says unavailable.
        quickly().ignoreException(BusUnavailableException.class)
                .until(() -> get(there.rooms().isRegistered(ada.id())));
    }

    @Test
    void connecting_to_a_redis_that_cannot_be_reached_fails_as_unavailable() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        assertUnavailable(RedisBackend.connect(cluster.vertx(), "redis://127.0.0.1:" + closedPort, "nowhere"));
    }

    private static void assertUnavailable(Future<?> future) {
        assertThat(failure(future)).isInstanceOf(BusUnavailableException.class);
    }

    private static ConditionFactory quickly() {
        return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
    }
}
