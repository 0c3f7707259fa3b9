package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms.Eviction;
import dev.drawbridge.bus.Rooms.Join;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Leases and reaping: a node that dies (here: closed without unregistering its peers, which is
 * what Redis sees of a kill -9) has its peers removed from their rooms by exactly one survivor,
 * and a live node's peers are never removed.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisRoomsReapingTest {
    /**
     * Leases short enough for quick tests, long enough that a starved CPU (two cores shared with
     * other builds) does not lapse a live node's lease.
     */
    private static final RedisSettings FAST = RedisSettings.defaults()
            .withLease(Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofMillis(100))
            .withResumeGrace(Duration.ZERO);

    @RegisterExtension
    static final RedisNodes cluster = new RedisNodes();

    @Test
    void the_peers_of_a_dead_node_are_evicted_exactly_once_across_two_survivors() {
        RedisBackend doomed = node("doomed", FAST);
        RedisBackend bee = node("bee", FAST);
        RedisBackend sea = node("sea", FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        bee.rooms().onEvicted(evictions::add);
        sea.rooms().onEvicted(evictions::add);
        Peer a1 = register(doomed, "a1");
        Peer a2 = register(doomed, "a2");
        Peer b1 = register(bee, "b1");
        Peer c1 = register(sea, "c1");
        join(bee, "kitchen", b1);
        join(doomed, "kitchen", a1);
        join(sea, "garden", c1);
        join(doomed, "garden", a1);
        join(doomed, "garden", a2);
        join(doomed, "attic", a2);

        get(doomed.close());

        quickly().until(() -> evictions.size() >= 4);
        // Nothing more arrives in further lease periods: each membership was reported once.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4)).until(() -> evictions.size() == 4);
        assertThat(evictions.stream().map(e -> e.roomId() + "/" + e.peer().username()))
                .containsExactlyInAnyOrder("kitchen/a1", "garden/a1", "garden/a2", "attic/a2");
        assertThat(evictions).filteredOn(e -> e.roomId().equals("kitchen")).singleElement()
                .isEqualTo(new Eviction("kitchen", a1, List.of(b1)));
        assertThat(evictions).filteredOn(e -> e.roomId().equals("attic")).singleElement()
                .isEqualTo(new Eviction("attic", a2, List.of()));
        assertThat(evictions).filteredOn(e -> e.roomId().equals("garden")).last()
                .extracting(Eviction::remaining).isEqualTo(List.of(c1));

        // The rooms hold no ghost: a newcomer is offered only the living.
        Peer newcomer = new Peer(UUID.randomUUID().toString(), "newcomer");
        assertThat(get(bee.rooms().join("garden", newcomer, 16))).isEqualTo(new Join.Joined(List.of(c1)));
        assertThat(get(sea.rooms().isRegistered(a1.id()))).isFalse();
        assertThat(get(sea.rooms().isRegistered(a2.id()))).isFalse();
        assertThat(get(bee.rooms().shareRoom(a1.id(), b1.id()))).isFalse();
        assertThat(cluster.server().call("ZCARD", Keys.CLAIMS)).isEqualTo(0L);
        assertThat(cluster.server().call("EXISTS", Keys.nodePeers(doomed.leaseId()))).isEqualTo(0L);
    }

    @Test
    void a_live_node_s_peers_are_never_evicted() {
        RedisBackend alive = node("alive", FAST);
        RedisBackend watcher = node("watcher", FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        alive.rooms().onEvicted(evictions::add);
        watcher.rooms().onEvicted(evictions::add);
        Peer a = register(alive, "a");
        Peer w = register(watcher, "w");
        join(alive, "studio", a);
        join(watcher, "studio", w);

        // Three lease periods go by.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(evictions::isEmpty);

        assertThat(get(watcher.rooms().shareRoom(a.id(), w.id()))).isTrue();
        assertThat(get(watcher.rooms().isRegistered(a.id()))).isTrue();
    }

    @Test
    void a_redis_that_stalls_for_longer_than_a_lease_makes_nobody_reap_anybody() {
        RedisBackend first = node("first", FAST);
        RedisBackend second = node("second", FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        first.rooms().onEvicted(evictions::add);
        second.rooms().onEvicted(evictions::add);
        Peer a = register(first, "a");
        Peer b = register(second, "b");
        join(first, "deck", a);
        join(second, "deck", b);

        // Redis is blocked for two leases; the nodes' heartbeats and claims queue up behind it.
        cluster.server().call("DEBUG", "SLEEP", "2");

        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4)).until(evictions::isEmpty);
        assertThat(get(first.rooms().shareRoom(a.id(), b.id()))).isTrue();
    }

    @Test
    void a_restarted_process_that_kept_its_node_id_reaps_the_peers_of_its_previous_life() {
        RedisBackend before = node("phoenix", FAST);
        Peer ghost = register(before, "ghost");
        join(before, "nest", ghost);
        get(before.close());

        RedisBackend after = node("phoenix", FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        after.rooms().onEvicted(evictions::add);

        quickly().until(() -> !evictions.isEmpty());
        assertThat(evictions).containsExactly(new Eviction("nest", ghost, List.of()));
        assertThat(get(after.rooms().isRegistered(ghost.id()))).isFalse();
    }

    @Test
    void a_peer_that_resumed_on_another_node_is_not_evicted_with_its_old_node() {
        RedisBackend old = node("old", FAST);
        RedisBackend current = node("current", FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        current.rooms().onEvicted(evictions::add);
        Peer moved = register(old, "moved");
        Peer stayed = register(old, "stayed");
        Peer other = register(current, "other");
        join(old, "hall", moved);
        join(old, "hall", stayed);
        join(current, "hall", other);
        get(current.rooms().register(moved, "s1")); // its stream came back on the other node

        get(old.close());

        quickly().until(() -> !evictions.isEmpty());
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4)).until(() -> evictions.size() == 1);
        assertThat(evictions.getFirst().peer()).isEqualTo(stayed);
        assertThat(get(current.rooms().isRegistered(moved.id()))).isTrue();
        assertThat(get(current.rooms().shareRoom(moved.id(), other.id()))).isTrue();
    }

    @Test
    void the_peers_of_a_dead_node_wait_out_the_resume_grace_and_one_that_resumed_elsewhere_in_it_is_spared() {
        Duration grace = Duration.ofMillis(1500);
        RedisBackend doomed = node("doomed", FAST.withResumeGrace(grace));
        RedisBackend survivor = node("survivor", FAST.withResumeGrace(grace));
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        survivor.rooms().onEvicted(evictions::add);
        Peer resumes = register(doomed, "resumes");
        Peer gone = register(doomed, "gone");
        Peer other = register(survivor, "other");
        join(doomed, "hall", resumes);
        join(doomed, "hall", gone);
        join(survivor, "hall", other);

        long died = System.nanoTime();
        get(doomed.close()); // its lease lapses as a dead node's would
        get(survivor.rooms().register(resumes, "s2")); // its stream came back on the survivor at once

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> !evictions.isEmpty());
        // The lease ran from the last heartbeat before the close, up to one heartbeat earlier.
        assertThat(Duration.ofNanos(System.nanoTime() - died)).as("lease + grace")
                .isGreaterThan(FAST.leaseTtl().minus(FAST.heartbeatInterval()).plus(grace));
        assertThat(evictions).containsExactly(new Eviction("hall", gone, List.of(resumes, other)));
        assertThat(get(survivor.rooms().shareRoom(resumes.id(), other.id()))).isTrue();
    }

    @Test
    void unregistering_on_a_node_the_peer_has_moved_away_from_leaves_it_in_its_rooms() {
        RedisBackend old = node("old", FAST);
        RedisBackend current = node("current", FAST);
        Peer moved = register(old, "moved");
        Peer other = register(current, "other");
        join(old, "hall", moved);
        join(current, "hall", other);
        get(current.rooms().register(moved, "s1")); // its stream came back on the other node

        assertThat(get(old.rooms().unregister(moved.id(), "s1"))).isEmpty(); // the old node's grace ran out

        assertThat(get(current.rooms().isRegistered(moved.id()))).isTrue();
        assertThat(get(current.rooms().shareRoom(moved.id(), other.id()))).isTrue();
        assertThat(get(current.rooms().unregister(moved.id(), "s1"))).isEqualTo(java.util.Map.of("hall", List.of(other)));
    }

    @Test
    void a_dead_node_whose_reaper_died_midway_is_reaped_by_another_survivor() {
        RedisBackend doomed = node("doomed", FAST);
        Peer a = register(doomed, "a");
        join(doomed, "loft", a);
        get(doomed.close());
        // A survivor claimed the node and died before it finished: its claim ran out already.
        cluster.server().call("ZREM", Keys.LEASES, doomed.leaseId());
        cluster.server().call("ZADD", Keys.CLAIMS, "1", doomed.leaseId());

        RedisBackend survivor = node("survivor", FAST);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        survivor.rooms().onEvicted(evictions::add);

        quickly().until(() -> !evictions.isEmpty());
        assertThat(evictions).containsExactly(new Eviction("loft", a, List.of()));
    }

    @Test
    void a_node_presumed_dead_while_alive_is_told_and_registers_its_peers_again() {
        RedisBackend stalled = node("stalled", FAST);
        RedisBackend survivor = node("survivor", FAST);
        AtomicInteger told = new AtomicInteger();
        stalled.onLeaseLost(told::incrementAndGet);
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        survivor.rooms().onEvicted(evictions::add);
        Peer s = register(stalled, "s");
        Peer v = register(survivor, "v");
        join(stalled, "porch", s);
        join(survivor, "porch", v);

        // What a survivor sees of a node that could not reach Redis for a whole lease: its lease
        // lapsed. The live node keeps renewing it, so lapse it again at every poll until a
        // survivor has reaped it. (The claim itself lasts only as long as the reaping, a few
        // milliseconds: a poll cannot be relied on to see it.)
        String lapseUnlessClaimed = """
                if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 1 end
                redis.call('ZADD', KEYS[1], 0, ARGV[1])
                return 0""";
        quickly().until(() -> !evictions.isEmpty() || Long.valueOf(1).equals(
                cluster.server().call("EVAL", lapseUnlessClaimed, "2", Keys.LEASES, Keys.CLAIMS, stalled.leaseId())));

        quickly().until(() -> told.get() > 0);
        assertThat(evictions).containsExactly(new Eviction("porch", s, List.of(v)));
        quickly().until(() -> get(survivor.rooms().isRegistered(s.id())));
        assertThat(get(survivor.rooms().shareRoom(s.id(), v.id()))).isFalse();
    }

    @Test
    void dead_peers_are_evicted_within_ten_seconds_with_the_default_lease_and_no_grace() {
        RedisBackend doomed = node("doomed", RedisSettings.defaults().withResumeGrace(Duration.ZERO));
        RedisBackend survivor = node("survivor", RedisSettings.defaults().withResumeGrace(Duration.ZERO));
        List<Eviction> evictions = new CopyOnWriteArrayList<>();
        survivor.rooms().onEvicted(evictions::add);
        Peer living = register(survivor, "living");
        join(survivor, "room-0", living);
        List<Peer> dead = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Peer p = register(doomed, "dead-" + i);
            dead.add(p);
            join(doomed, "room-" + (i % 5), p);
        }

        long died = System.nanoTime();
        get(doomed.close());
        await().atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofMillis(20)).until(() -> evictions.size() >= 20);
        long elapsedMs = (System.nanoTime() - died) / 1_000_000;

        System.out.printf("reaping: last of 20 dead peers evicted %d ms after their node died (lease 5 s)%n", elapsedMs);
        assertThat(elapsedMs).isLessThan(10_000);
        assertThat(evictions).extracting(Eviction::peer).containsExactlyInAnyOrderElementsOf(dead);
    }

    private RedisBackend node(String name, RedisSettings settings) {
        return cluster.connect(name, settings);
    }

    private static Peer register(RedisBackend node, String username) {
        Peer peer = new Peer(UUID.randomUUID().toString(), username);
        get(node.rooms().register(peer, "s1"));
        return peer;
    }

    private static void join(RedisBackend node, String room, Peer peer) {
        assertThat(get(node.rooms().join(room, peer, 16))).isInstanceOf(Join.Joined.class);
    }

    private static ConditionFactory quickly() {
        return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }
}
