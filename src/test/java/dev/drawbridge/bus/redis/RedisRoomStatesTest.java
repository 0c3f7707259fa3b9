package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms;
import dev.drawbridge.bus.Rooms.Eviction;
import dev.drawbridge.bus.Rooms.Join;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The peers' room states (see {@link RedisRooms}) as a node that died between two steps, or two
 * operations that overlapped, leave them: written here directly into Redis. Whatever they say,
 * relays are authorized by the rooms' truth, and a reaper finds every room of a dead peer.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisRoomStatesTest {
    private static final RedisSettings FAST = RedisSettings.defaults()
            .withLease(Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofMillis(100))
            .withResumeGrace(Duration.ZERO);
    private static final Pattern ZMSCORE_CALLS = Pattern.compile("cmdstat_zmscore:calls=(\\d+)");

    @RegisterExtension
    static final RedisNodes cluster = new RedisNodes();

    @Test
    void a_join_settles_as_member_a_leave_and_a_refused_join_leave_no_entry() {
        Rooms rooms = node("here").rooms();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(rooms.join("den", ada, 1));
        quickly().until(() -> "member".equals(state(ada, "den")));

        assertThat(get(rooms.join("den", bob, 1))).isEqualTo(new Join.Full(1));
        quickly().until(() -> cluster.server().call("HEXISTS", Keys.peerRooms(bob.id()), "den").equals(0L));

        get(rooms.leave("den", ada.id()));
        quickly().until(() -> cluster.server().call("EXISTS", Keys.peerRooms(ada.id())).equals(0L));
    }

    @Test
    void two_settled_members_are_authorized_without_asking_the_room() {
        Rooms here = node("here").rooms();
        Rooms there = node("there").rooms();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(here.join("den", ada, 16));
        get(there.join("den", bob, 16));
        quickly().until(() -> "member".equals(state(ada, "den")) && "member".equals(state(bob, "den")));

        cluster.server().call("CONFIG", "RESETSTAT");
        assertThat(get(here.shareRoom(ada.id(), bob.id()))).isTrue();
        assertThat(get(there.shareRoom(bob.id(), ada.id()))).isTrue();
        assertThat(roomChecks()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"joining other-node#7", "leaving other-node#7", "leaving", "unsure", "member"})
    void an_entry_without_the_membership_behind_it_does_not_authorize_a_relay(String staleState) {
        Rooms rooms = node("here").rooms();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(rooms.join("den", ada, 16));
        // A node died between a mark and the room's script, or after the leave script: bob has an
        // entry for the room but is not in it. (A stale 'member' cannot arise, see RedisRooms; it
        // is here to show that one peer's entry alone never authorizes anything.)
        cluster.server().call("HSET", Keys.peerRooms(bob.id()), "den", staleState);
        cluster.server().call("HSET", Keys.peerRooms(ada.id()), "den", "joining other-node#8");

        cluster.server().call("CONFIG", "RESETSTAT");
        assertThat(get(rooms.shareRoom(ada.id(), bob.id()))).isFalse();
        assertThat(get(rooms.shareRoom(bob.id(), ada.id()))).isFalse();
        assertThat(roomChecks()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"joining other-node#7", "leaving other-node#7", "leaving", "unsure"})
    void a_membership_whose_entry_was_left_unsettled_still_authorizes_a_relay(String unsettled) {
        Rooms rooms = node("here").rooms();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(rooms.join("den", ada, 16));
        get(rooms.join("den", bob, 16));
        // A node died after the join script, before its settle; or a leave marked the room and
        // never ran its script.
        cluster.server().call("HSET", Keys.peerRooms(bob.id()), "den", unsettled);

        cluster.server().call("CONFIG", "RESETSTAT");
        assertThat(get(rooms.shareRoom(ada.id(), bob.id()))).isTrue();
        assertThat(get(rooms.shareRoom(bob.id(), ada.id()))).isTrue();
        assertThat(roomChecks()).isEqualTo(2);
    }

    @Test
    void a_membership_with_no_entry_at_all_is_not_a_room_in_common() {
        Rooms rooms = node("here").rooms();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(rooms.join("den", ada, 16));
        // The hash is a superset of the memberships, so a room missing from it is one the peer is
        // not in. Written here against the rule, it shows that only the hash is looked at first.
        cluster.server().call("ZADD", Keys.roomMembers("den"), "99", bob.id());

        assertThat(get(rooms.shareRoom(ada.id(), bob.id()))).isFalse();
    }

    @Test
    void a_join_that_overlaps_a_leave_elsewhere_never_settles_as_member() {
        Rooms rooms = node("here").rooms();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(rooms.join("den", ada, 16));
        get(rooms.join("den", bob, 16));
        // Another node's leave of bob marked the room, and has yet to run its leave script.
        cluster.server().call("HSET", Keys.peerRooms(bob.id()), "den", "leaving other-node#1");

        assertThat(get(rooms.join("den", bob, 16))).isEqualTo(new Join.AlreadyMember());
        // The other node's leave script runs now, after this join's script.
        cluster.server().call("ZREM", Keys.roomMembers("den"), bob.id());
        cluster.server().call("HDEL", Keys.roomNames("den"), bob.id());

        quickly().until(() -> "unsure".equals(state(bob, "den")));
        assertThat(get(rooms.shareRoom(ada.id(), bob.id()))).isFalse();
    }

    @Test
    void a_leave_that_overlaps_a_join_elsewhere_keeps_the_room_in_the_peer_s_hash() {
        RedisBackend doomed = node("doomed", FAST);
        RedisBackend survivor = node("survivor", FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        survivor.rooms().onEvicted(evictions::add);
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(survivor.rooms().register(ada, "s1"));
        get(doomed.rooms().register(bob, "s1"));
        get(survivor.rooms().join("den", ada, 16));
        // Another node's join of bob marked the room, and has yet to run its join script.
        cluster.server().call("HSET", Keys.peerRooms(bob.id()), "den", "joining other-node#1");

        assertThat(get(doomed.rooms().leave("den", bob.id()))).isEmpty();
        // The other node's join script runs now, after this leave's script.
        cluster.server().call("ZADD", Keys.roomMembers("den"), "99", bob.id());
        cluster.server().call("HSET", Keys.roomNames("den"), bob.id(), "bob");

        // Give the leave's settle (not waited for) time to land: it must leave the entry alone.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> "unsure".equals(state(bob, "den")));
        assertThat(get(survivor.rooms().shareRoom(ada.id(), bob.id()))).isTrue();

        // And when bob's node dies, the reaper finds the room.
        get(doomed.close());
        quickly().until(() -> !evictions.isEmpty());
        assertThat(evictions).containsExactly(new Eviction("den", bob, List.of(ada)));
    }

    @Test
    void the_reaper_finds_every_room_of_a_dead_node_s_peer_whatever_its_entries_say() {
        RedisBackend doomed = node("doomed", FAST);
        RedisBackend survivor = node("survivor", FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        survivor.rooms().onEvicted(evictions::add);
        Peer ghost = peer("ghost");
        Peer host = peer("host");
        get(doomed.rooms().register(ghost, "s1"));
        get(survivor.rooms().register(host, "s1"));
        Map<String, String> states = Map.of(
                "settled", "member",
                "joined-unsettled", "joining " + doomed.leaseId() + "#1",
                "leave-marked", "leaving " + doomed.leaseId() + "#2",
                "ending", "leaving",
                "overlapped", "unsure");
        for (Map.Entry<String, String> room : states.entrySet()) {
            get(survivor.rooms().join(room.getKey(), host, 16));
            assertThat(get(doomed.rooms().join(room.getKey(), ghost, 16))).isInstanceOf(Join.Joined.class);
        }
        quickly().until(() -> states.keySet().stream().allMatch(room -> "member".equals(state(ghost, room))));
        states.forEach((room, state) -> cluster.server().call("HSET", Keys.peerRooms(ghost.id()), room, state));
        // And one entry of a join that never ran its script: no membership behind it.
        cluster.server().call("HSET", Keys.peerRooms(ghost.id()), "never-joined", "joining " + doomed.leaseId() + "#3");

        get(doomed.close());

        quickly().until(() -> evictions.size() >= states.size());
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(3)).until(() -> evictions.size() == states.size());
        assertThat(evictions).extracting(Eviction::roomId).containsExactlyInAnyOrderElementsOf(states.keySet());
        assertThat(evictions).allSatisfy(e -> {
            assertThat(e.peer()).isEqualTo(ghost);
            assertThat(e.remaining()).containsExactly(host);
        });
        assertThat(cluster.server().call("EXISTS", Keys.peerRooms(ghost.id()))).isEqualTo(0L);
        assertThat(get(survivor.rooms().shareRoom(host.id(), ghost.id()))).isFalse();
    }

    @Test
    void unregistering_leaves_every_room_whatever_its_entries_say() {
        Rooms rooms = node("here").rooms();
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        get(rooms.register(ada, "s1"));
        for (String room : List.of("settled", "unsettled", "overlapped")) {
            get(rooms.join(room, bob, 16));
            get(rooms.join(room, ada, 16));
        }
        quickly().until(() -> "member".equals(state(ada, "settled")));
        cluster.server().call("HSET", Keys.peerRooms(ada.id()), "unsettled", "joining other-node#1");
        cluster.server().call("HSET", Keys.peerRooms(ada.id()), "overlapped", "unsure");
        cluster.server().call("HSET", Keys.peerRooms(ada.id()), "never-joined", "joining other-node#2");

        assertThat(get(rooms.unregister(ada.id(), "s1"))).isEqualTo(Map.of(
                "settled", List.of(bob), "unsettled", List.of(bob), "overlapped", List.of(bob)));
        assertThat(cluster.server().call("EXISTS", Keys.peerRooms(ada.id()))).isEqualTo(0L);
        assertThat(get(rooms.shareRoom(bob.id(), ada.id()))).isFalse();
    }

    private RedisBackend node(String name) {
        return node(name, RedisSettings.defaults());
    }

    private RedisBackend node(String name, RedisSettings settings) {
        return cluster.connect(name + "-" + UUID.randomUUID().toString().substring(0, 8), settings);
    }

    private static Peer peer(String username) {
        return new Peer(UUID.randomUUID().toString(), username);
    }

    private static String state(Peer peer, String roomId) {
        return (String) cluster.server().call("HGET", Keys.peerRooms(peer.id()), roomId);
    }

    /** How many times the room's truth was asked ({@code ZMSCORE}) since the last {@code CONFIG RESETSTAT}. */
    private static long roomChecks() {
        Matcher calls = ZMSCORE_CALLS.matcher((String) cluster.server().call("INFO", "commandstats"));
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }

    private static ConditionFactory quickly() {
        return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }
}
