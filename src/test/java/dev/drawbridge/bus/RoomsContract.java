package dev.drawbridge.bus;

import dev.drawbridge.bus.Rooms.Join;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract of {@link Rooms}, run against every implementation. An implementation provides two
 * nodes of one cluster; an in-process one, which has no other node, is both.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class RoomsContract {

    /** Two nodes sharing one store. */
    public record Nodes(Rooms here, Rooms there) {}

    protected abstract Nodes startNodes() throws Exception;

    protected abstract void stopNodes() throws Exception;

    protected Rooms here;
    protected Rooms there;

    @BeforeEach
    void startRooms() throws Exception {
        Nodes nodes = startNodes();
        here = nodes.here();
        there = nodes.there();
    }

    @AfterEach
    void stopRooms() throws Exception {
        stopNodes();
    }

    @Test
    void joining_an_empty_room_finds_nobody_there() {
        assertThat(get(here.join(roomId(), peer("ada"), 16))).isEqualTo(new Join.Joined(List.of()));
    }

    @Test
    void a_joiner_learns_the_members_already_there_with_their_names_in_join_order() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Peer cy = peer("Zoë 🎨");
        Peer dan = peer("dan");
        get(here.join(room, ada, 16));
        get(there.join(room, bob, 16));
        get(here.join(room, cy, 16));

        assertThat(get(there.join(room, dan, 16))).isEqualTo(new Join.Joined(List.of(ada, bob, cy)));
    }

    @Test
    void a_member_reads_the_other_members_of_its_room_and_a_non_member_reads_nothing() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("Zoë 🎨");
        Peer cy = peer("cy");
        get(here.join(room, ada, 16));
        get(there.join(room, bob, 16));
        get(here.join(room, cy, 16));
        get(here.leave(room, cy.id()));

        assertThat(get(there.othersIn(room, ada.id()))).hasValueSatisfying(others ->
                assertThat(others).containsExactly(bob));
        assertThat(get(here.othersIn(room, bob.id()))).hasValueSatisfying(others ->
                assertThat(others).containsExactly(ada));
        assertThat(get(here.othersIn(room, cy.id()))).isEmpty();
        assertThat(get(there.othersIn(roomId(), ada.id()))).isEmpty();
    }

    @Test
    void joining_a_room_one_is_already_in_changes_nothing() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(here.join(room, ada, 16));
        get(here.join(room, bob, 16));

        assertThat(get(there.join(room, ada, 16))).isEqualTo(new Join.AlreadyMember());

        Peer cy = peer("cy");
        assertThat(get(here.join(room, cy, 16))).isEqualTo(new Join.Joined(List.of(ada, bob)));
        assertThat(get(there.leave(room, ada.id()))).contains(List.of(bob, cy));
    }

    @Test
    void joining_a_full_room_changes_nothing() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Peer cy = peer("cy");
        get(here.join(room, ada, 2));
        get(there.join(room, bob, 2));

        assertThat(get(here.join(room, cy, 2))).isEqualTo(new Join.Full(2));

        assertThat(get(there.shareRoom(cy.id(), ada.id()))).isFalse();
        assertThat(get(here.leave(room, cy.id()))).isEmpty();
        assertThat(get(here.leave(room, ada.id()))).contains(List.of(bob));
        assertThat(get(there.join(room, cy, 2))).isEqualTo(new Join.Joined(List.of(bob)));
    }

    @Test
    void two_peers_joining_one_room_at_the_same_instant_see_each_other_exactly_once() throws Exception {
        int rooms = 50;
        List<String> roomIds = new ArrayList<>();
        List<Peer[]> pairs = new ArrayList<>();
        List<Callable<Future<Join>>> joins = new ArrayList<>();
        for (int i = 0; i < rooms; i++) {
            String room = roomId();
            Peer first = peer("first-" + i);
            Peer second = peer("second-" + i);
            roomIds.add(room);
            pairs.add(new Peer[] {first, second});
            joins.add(() -> here.join(room, first, 16));
            joins.add(() -> there.join(room, second, 16));
        }

        List<Join> outcomes = allAtOnce(joins);

        for (int i = 0; i < rooms; i++) {
            Peer first = pairs.get(i)[0];
            Peer second = pairs.get(i)[1];
            Join.Joined a = (Join.Joined) outcomes.get(2 * i);
            Join.Joined b = (Join.Joined) outcomes.get(2 * i + 1);
            boolean firstSawSecond = a.others().equals(List.of(second));
            boolean secondSawFirst = b.others().equals(List.of(first));
            assertThat(firstSawSecond != secondSawFirst)
                    .as("room %s: exactly one of the two learns of the other (%s, %s)", roomIds.get(i), a, b)
                    .isTrue();
            assertThat(List.of(a.others().size(), b.others().size())).containsExactlyInAnyOrder(0, 1);
        }
    }

    @Test
    void peers_racing_into_a_room_never_overfill_it() throws Exception {
        String room = roomId();
        int maxSize = 5;
        List<Callable<Future<Join>>> joins = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Peer p = peer("racer-" + i);
            Rooms node = i % 2 == 0 ? here : there;
            joins.add(() -> node.join(room, p, maxSize));
        }

        List<Join> outcomes = allAtOnce(joins);

        List<Integer> seen = outcomes.stream()
                .filter(j -> j instanceof Join.Joined)
                .map(j -> ((Join.Joined) j).others().size())
                .toList();
        assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        assertThat(outcomes.stream().filter(j -> j instanceof Join.Full)).hasSize(12 - maxSize)
                .allMatch(j -> j.equals(new Join.Full(maxSize)));
    }

    @Test
    void leaving_answers_the_members_that_remain_in_join_order() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Peer cy = peer("cy");
        get(here.join(room, ada, 16));
        get(there.join(room, bob, 16));
        get(here.join(room, cy, 16));

        assertThat(get(there.leave(room, bob.id()))).contains(List.of(ada, cy));
        assertThat(get(here.leave(room, ada.id()))).contains(List.of(cy));
        assertThat(get(here.leave(room, cy.id()))).contains(List.of());
    }

    @Test
    void leaving_a_room_one_is_not_in_answers_nothing_and_changes_nothing() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(here.join(room, ada, 16));

        assertThat(get(there.leave(room, bob.id()))).isEqualTo(Optional.empty());
        assertThat(get(there.leave(roomId(), ada.id()))).isEqualTo(Optional.empty());
        assertThat(get(there.join(room, bob, 16))).isEqualTo(new Join.Joined(List.of(ada)));
    }

    @Test
    void leaving_twice_reports_the_departure_once() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(here.join(room, ada, 16));
        get(here.join(room, bob, 16));

        assertThat(get(here.leave(room, ada.id()))).contains(List.of(bob));
        assertThat(get(there.leave(room, ada.id()))).isEmpty();
    }

    @Test
    void a_room_emptied_by_its_last_member_starts_afresh() {
        String room = roomId();
        Peer ada = peer("ada");
        get(here.join(room, ada, 16));
        get(here.leave(room, ada.id()));

        Peer bob = peer("bob");
        assertThat(get(there.join(room, bob, 16))).isEqualTo(new Join.Joined(List.of()));
        assertThat(get(here.join(room, ada, 16))).isEqualTo(new Join.Joined(List.of(bob)));
    }

    @Test
    void unregistering_removes_the_peer_from_every_room_and_answers_who_remains() {
        String kitchen = roomId();
        String garden = roomId();
        String attic = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Peer cy = peer("cy");
        get(here.register(ada, "s1"));
        get(here.join(kitchen, ada, 16));
        get(there.join(kitchen, bob, 16));
        get(there.join(garden, cy, 16));
        get(here.join(garden, ada, 16));
        get(here.join(attic, ada, 16));

        Map<String, List<Peer>> remaining = get(here.unregister(ada.id(), "s1"));

        assertThat(remaining).isEqualTo(Map.of(kitchen, List.of(bob), garden, List.of(cy), attic, List.of()));
        assertThat(get(there.isRegistered(ada.id()))).isFalse();
        assertThat(get(there.shareRoom(ada.id(), bob.id()))).isFalse();
        assertThat(get(there.join(kitchen, cy, 16))).isEqualTo(new Join.Joined(List.of(bob)));
        assertThat(get(there.unregister(ada.id(), "s1"))).isEmpty();
    }

    @Test
    void a_registered_peer_is_registered_on_every_node_until_it_unregisters() {
        Peer ada = peer("ada");
        assertThat(get(there.isRegistered(ada.id()))).isFalse();

        get(here.register(ada, "s1"));
        assertThat(get(here.isRegistered(ada.id()))).isTrue();
        assertThat(get(there.isRegistered(ada.id()))).isTrue();

        get(here.unregister(ada.id(), "s1"));
        assertThat(get(here.isRegistered(ada.id()))).isFalse();
        assertThat(get(there.isRegistered(ada.id()))).isFalse();
    }

    @Test
    void unregistering_a_session_that_a_newer_one_took_over_leaves_the_peer_registered_and_in_its_rooms() {
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        String room = roomId();
        get(here.register(ada, "older"));
        get(here.join(room, ada, 16));
        get(there.join(room, bob, 16));
        get(there.register(ada, "newer")); // the stream resumed, elsewhere or here

        assertThat(get(here.unregister(ada.id(), "older"))).as("the older session's grace ran out").isEmpty();

        assertThat(get(there.isRegistered(ada.id()))).isTrue();
        assertThat(get(there.shareRoom(ada.id(), bob.id()))).isTrue();
        assertThat(get(there.unregister(ada.id(), "newer"))).isEqualTo(Map.of(room, List.of(bob)));
    }

    @Test
    void registering_again_is_harmless() {
        Peer ada = peer("ada");
        String room = roomId();
        get(here.register(ada, "s1"));
        get(here.join(room, ada, 16));

        get(here.register(ada, "s1"));

        assertThat(get(there.isRegistered(ada.id()))).isTrue();
        assertThat(get(there.join(room, peer("bob"), 16))).isEqualTo(new Join.Joined(List.of(ada)));
    }

    @Test
    void peers_share_a_room_only_while_both_are_members() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isFalse();

        get(here.join(room, ada, 16));
        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isFalse();

        get(there.join(room, bob, 16));
        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isTrue();
        assertThat(get(there.shareRoom(bob.id(), ada.id()))).isTrue();

        get(there.leave(room, bob.id()));
        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isFalse();
        assertThat(get(here.shareRoom(bob.id(), ada.id()))).isFalse();
    }

    @Test
    void peers_in_different_rooms_do_not_share_one() {
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Peer cy = peer("cy");
        String first = roomId();
        String second = roomId();
        get(here.join(first, ada, 16));
        get(here.join(first, cy, 16));
        get(there.join(second, bob, 16));
        get(there.join(second, cy, 16));

        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isFalse();
        assertThat(get(here.shareRoom(ada.id(), cy.id()))).isTrue();
        assertThat(get(there.shareRoom(bob.id(), cy.id()))).isTrue();
    }

    @Test
    void peers_who_joined_on_different_nodes_share_the_room_as_seen_from_either_node() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Peer cy = peer("cy");
        get(here.join(room, ada, 16));
        get(there.join(room, bob, 16));
        get(there.join(roomId(), cy, 16));

        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isTrue();
        assertThat(get(here.shareRoom(bob.id(), ada.id()))).isTrue();
        assertThat(get(there.shareRoom(ada.id(), bob.id()))).isTrue();
        assertThat(get(there.shareRoom(bob.id(), ada.id()))).isTrue();
        assertThat(get(here.shareRoom(ada.id(), cy.id()))).isFalse();
        assertThat(get(there.shareRoom(cy.id(), bob.id()))).isFalse();
    }

    @Test
    void peers_share_a_room_until_they_have_left_every_room_they_had_in_common() {
        String kitchen = roomId();
        String garden = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(here.join(kitchen, ada, 16));
        get(here.join(garden, ada, 16));
        get(there.join(kitchen, bob, 16));
        get(there.join(garden, bob, 16));

        get(here.leave(kitchen, bob.id()));
        assertThat(get(there.shareRoom(ada.id(), bob.id()))).isTrue();
        assertThat(get(here.shareRoom(bob.id(), ada.id()))).isTrue();

        get(there.leave(garden, ada.id()));
        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isFalse();
        assertThat(get(there.shareRoom(bob.id(), ada.id()))).isFalse();

        get(here.join(kitchen, bob, 16));
        assertThat(get(there.shareRoom(ada.id(), bob.id()))).isTrue();
    }

    @Test
    void joining_leaving_and_joining_again_on_alternate_nodes_is_seen_at_once_by_every_node() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(here.join(room, ada, 16));
        for (int i = 0; i < 5; i++) {
            Rooms joinOn = i % 2 == 0 ? here : there;
            Rooms leaveOn = i % 2 == 0 ? there : here;
            assertThat(get(joinOn.join(room, bob, 16))).isEqualTo(new Join.Joined(List.of(ada)));
            assertThat(get(leaveOn.shareRoom(bob.id(), ada.id()))).as("round %d, joined", i).isTrue();
            assertThat(get(leaveOn.leave(room, bob.id()))).contains(List.of(ada));
            assertThat(get(joinOn.shareRoom(ada.id(), bob.id()))).as("round %d, left", i).isFalse();
        }
    }

    @Test
    void a_peer_refused_by_a_full_room_shares_it_with_nobody_there() {
        String full = roomId();
        String other = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Peer cy = peer("cy");
        Peer dan = peer("dan");
        get(here.join(full, ada, 2));
        get(there.join(full, bob, 2));
        get(here.join(other, cy, 16));
        get(there.join(other, dan, 16));

        assertThat(get(there.join(full, cy, 2))).isEqualTo(new Join.Full(2));

        assertThat(get(here.shareRoom(cy.id(), ada.id()))).isFalse();
        assertThat(get(there.shareRoom(bob.id(), cy.id()))).isFalse();
        assertThat(get(here.shareRoom(cy.id(), dan.id()))).isTrue();

        get(here.leave(full, ada.id()));
        assertThat(get(here.join(full, cy, 2))).isEqualTo(new Join.Joined(List.of(bob)));
        assertThat(get(there.shareRoom(cy.id(), bob.id()))).isTrue();
    }

    @Test
    void an_unregistered_peer_shares_no_room_until_it_registers_and_joins_again() {
        String room = roomId();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(here.register(ada, "s1"));
        get(there.register(bob, "s1"));
        get(here.join(room, ada, 16));
        get(there.join(room, bob, 16));

        get(here.unregister(ada.id(), "s1"));
        assertThat(get(there.shareRoom(bob.id(), ada.id()))).isFalse();
        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isFalse();

        get(there.register(ada, "s1"));
        assertThat(get(there.shareRoom(bob.id(), ada.id()))).isFalse();
        assertThat(get(there.join(room, ada, 16))).isEqualTo(new Join.Joined(List.of(bob)));
        assertThat(get(here.shareRoom(bob.id(), ada.id()))).isTrue();
    }

    protected static Peer peer(String username) {
        return new Peer(UUID.randomUUID().toString(), username);
    }

    protected static String roomId() {
        return "room-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Starts every join from several threads released together, and answers their outcomes in
     * the order given.
     */
    protected static List<Join> allAtOnce(List<Callable<Future<Join>>> joins) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<java.util.concurrent.Future<Future<Join>>> started = new ArrayList<>();
            for (Callable<Future<Join>> join : joins) {
                started.add(threads.submit(() -> {
                    start.await();
                    return join.call();
                }));
            }
            start.countDown();
            List<Join> outcomes = new ArrayList<>();
            for (java.util.concurrent.Future<Future<Join>> s : started) {
                outcomes.add(get(s.get(10, TimeUnit.SECONDS)));
            }
            return outcomes;
        } finally {
            threads.shutdownNow();
        }
    }
}
