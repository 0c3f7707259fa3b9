package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Delivery;
import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms.Eviction;
import dev.drawbridge.bus.Rooms.Join;
import dev.drawbridge.testing.RedisServer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node's copy of the memberships of the peers it holds ({@link Memberships}), and the delivery
 * that checks the target's side ({@code deliver.lua} with the target's room states): on one real
 * Redis ({@link RedisMembershipsTest}) and on a real Redis Cluster ({@link RedisClusterMembershipsTest}).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
abstract class MembershipsContract {
    private static final RedisSettings FAST = RedisSettings.defaults()
            .withLease(Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofMillis(100))
            .withResumeGrace(Duration.ZERO);

    /** The extension of the subclass: its Redis and its nodes. */
    protected abstract RedisNodes redis();

    @Test
    void the_rooms_of_a_peer_subscribed_here_are_known_as_they_change_and_nowhere_else() {
        RedisBackend here = redis().connect("here-" + UUID.randomUUID());
        RedisBackend there = redis().connect("there-" + UUID.randomUUID());
        Peer ada = register(here, "ada");
        subscribe(here, ada);

        join(here, "kitchen", ada);
        join(there, "garden", ada);
        quickly().until(() -> here.rooms().knownRooms(ada.id()).equals(Set.of("kitchen", "garden")));
        assertThat(there.rooms().knownRooms(ada.id())).isEmpty();

        assertThat(get(here.rooms().leave("kitchen", ada.id()))).isPresent();
        // A leave through this node is known as soon as it answered.
        assertThat(here.rooms().knownRooms(ada.id())).doesNotContain("kitchen");
        assertThat(get(there.rooms().leave("garden", ada.id()))).isPresent();
        quickly().until(() -> here.rooms().knownRooms(ada.id()).isEmpty());
        join(here, "kitchen", ada);
        quickly().until(() -> here.rooms().knownRooms(ada.id()).equals(Set.of("kitchen")));
    }

    @Test
    void a_peer_that_joined_before_its_stream_came_here_is_known_from_the_snapshot_on_its_channel() {
        RedisBackend here = redis().connect("here-" + UUID.randomUUID());
        RedisBackend there = redis().connect("there-" + UUID.randomUUID());
        Peer ada = register(there, "ada");
        join(there, "kitchen", ada);
        join(there, "attic", ada);

        subscribe(here, ada);
        quickly().until(() -> here.rooms().knownRooms(ada.id()).equals(Set.of("kitchen", "attic")));
    }

    @Test
    void a_delivery_if_member_goes_only_to_a_settled_member_of_one_of_the_rooms() {
        RedisBackend here = redis().connect("here-" + UUID.randomUUID());
        Peer bob = register(here, "bob");
        List<Delivery> received = new CopyOnWriteArrayList<>();
        get(here.bus().subscribe(bob.id(), received::add));
        join(here, "kitchen", bob);

        assertThat(get(here.bus().deliverIfMember(bob.id(), Set.of("attic"), new Message("dot", "{\"n\":0}")))).isFalse();
        assertThat(get(here.bus().deliverIfMember(bob.id(), Set.of("attic", "kitchen"), new Message("dot", "{\"n\":1}")))).isTrue();
        assertThat(get(here.rooms().leave("kitchen", bob.id()))).isPresent();
        assertThat(get(here.bus().deliverIfMember(bob.id(), Set.of("kitchen"), new Message("dot", "{\"n\":2}")))).isFalse();

        quickly().until(() -> received.stream().anyMatch(d -> d instanceof Delivery.Event));
        assertThat(get(here.bus().deliverIfMember(bob.id(), Set.of("kitchen"), new Message("dot", "{\"n\":3}")))).isFalse();
        get(here.bus().deliver(bob.id(), new Message("marker", "{}")));
        quickly().until(() -> received.stream().anyMatch(d -> d instanceof Delivery.Event e && e.message().event().equals("marker")));
        // Numbered consecutively: the refused deliveries took no number.
        List<Delivery.Event> events = received.stream().filter(d -> d instanceof Delivery.Event).map(d -> (Delivery.Event) d).toList();
        assertThat(events).extracting(e -> e.message().data()).containsExactly("{\"n\":1}", "{}");
        assertThat(events.get(1).id().n()).isEqualTo(events.get(0).id().n() + 1);
    }

    @Test
    void a_reaped_target_is_refused_and_a_reaped_peer_s_copy_forgets_its_rooms() {
        RedisBackend doomed = redis().connect("doomed-" + UUID.randomUUID(), FAST);
        RedisBackend survivor = redis().connect("survivor-" + UUID.randomUUID(), FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        survivor.rooms().onEvicted(evictions::add);
        Peer ada = register(survivor, "ada");
        Peer bob = register(doomed, "bob");
        // A peer of the dead node whose new stream is subscribed here but not registered yet.
        Peer cy = register(doomed, "cy");
        subscribe(survivor, ada);
        subscribe(survivor, cy);
        join(survivor, "kitchen", ada);
        join(doomed, "kitchen", bob);
        join(doomed, "kitchen", cy);
        quickly().until(() -> survivor.rooms().knownRooms(cy.id()).equals(Set.of("kitchen")));
        assertThat(get(survivor.bus().deliverIfMember(bob.id(), Set.of("kitchen"), new Message("dot", "{}")))).isTrue();

        get(doomed.close());
        await().atMost(Duration.ofSeconds(10)).until(() -> evictions.size() == 2);
        assertThat(get(survivor.bus().deliverIfMember(bob.id(), Set.of("kitchen"), new Message("dot", "{}")))).isFalse();
        assertThat(get(survivor.rooms().shareRoom(ada.id(), bob.id()))).isFalse();
        quickly().until(() -> survivor.rooms().knownRooms(cy.id()).isEmpty());
        assertThat(survivor.rooms().knownRooms(ada.id())).containsExactly("kitchen");
    }

    @Test
    void a_leave_missed_while_the_subscriber_connection_was_down_is_never_taken_for_a_membership() {
        RedisBackend here = redis().connect("here-" + UUID.randomUUID());
        RedisBackend there = redis().connect("there-" + UUID.randomUUID());
        Peer ada = register(here, "ada");
        subscribe(here, ada);
        join(here, "kitchen", ada);
        join(here, "attic", ada);
        quickly().until(() -> here.rooms().knownRooms(ada.id()).equals(Set.of("kitchen", "attic")));

        Subscriptions subscriber = ((Lanes) here.commands()).current().subscriber();
        long losses = subscriber.losses();
        killSubscribers();
        quickly().until(() -> subscriber.losses() > losses);
        // Whatever the channel says now may be missed: nothing is known until the copy restarts.
        assertThat(get(there.rooms().leave("kitchen", ada.id()))).isPresent();
        quickly().until(() -> here.rooms().knownRooms(ada.id()).equals(Set.of("attic")));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> here.rooms().knownRooms(ada.id()).equals(Set.of("attic")));
    }

    private void killSubscribers() {
        List<RedisServer> servers = redis().server() != null ? List.of(redis().server()) : redis().redisCluster().primaries();
        for (RedisServer server : servers) {
            server.call("CLIENT", "KILL", "TYPE", "pubsub");
        }
    }

    private static Peer register(RedisBackend node, String username) {
        Peer peer = new Peer(UUID.randomUUID().toString(), username);
        get(node.rooms().register(peer, "s1"));
        return peer;
    }

    private static void subscribe(RedisBackend node, Peer peer) {
        get(node.bus().subscribe(peer.id(), delivery -> { }));
    }

    private static void join(RedisBackend node, String room, Peer peer) {
        assertThat(get(node.rooms().join(room, peer, 16))).isInstanceOf(Join.Joined.class);
    }

    private static ConditionFactory quickly() {
        return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5));
    }
}
