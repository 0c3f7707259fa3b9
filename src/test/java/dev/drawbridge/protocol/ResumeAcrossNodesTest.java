package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume across two nodes in this process on one real Redis: a stream cut on one node resumes on
 * the other; plus what only a shared store can do: lose the history (FLUSHALL), and let a grace
 * run out on one node while the room-mates are on another.
 */
class ResumeAcrossNodesTest extends ResumeContract {
    private static RedisServer redis;
    private static TestNode one;
    private static TestNode two;
    private static TestNode quick;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        String[] flags = {"--redis-url", redis.url(), "--resume-grace", GRACE, "--history-events", String.valueOf(HISTORY_EVENTS)};
        one = TestNode.start(flags);
        two = TestNode.start(flags);
        quick = TestNode.start("--redis-url", redis.url(), "--resume-grace", "300ms");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable node : new AutoCloseable[] {quick, two, one, redis}) {
            try {
                if (node != null) {
                    node.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    String first() {
        return one.baseUrl();
    }

    @Override
    String second() {
        return two.baseUrl();
    }

    @Test
    void whenTheGraceRunsOutOnTheNodeTheStreamLeftEveryRoomMateElsewhereGetsRemovePeerOnce() {
        Mates mates = inOneRoom(quick.baseUrl(), true, one.baseUrl());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        Client cy = Client.access(two.baseUrl(), "cy").connect();
        cy.join(room);

        ada.cut();

        for (Client mate : List.of(bob, cy)) {
            SseEvent removed = mate.awaitEvent("remove-peer");
            assertThat(removed.json().getJsonObject("peer").getString("id")).isEqualTo(ada.id());
        }
        // Another grace's worth later, still once.
        Client.await("a later relay").until(() -> bob.relay(cy.id(), "marker", "{}").statusCode() == 200);
        cy.awaitEvent("marker");
        assertThat(bob.events("remove-peer")).hasSize(1);
        assertThat(cy.events("remove-peer")).hasSize(1);
        assertThat(bob.relay(ada.id(), "offer", "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void aStreamThatResumesOnAnotherNodeIsNotRemovedWhenTheGraceOfTheNodeItLeftRunsOut() throws InterruptedException {
        Mates mates = inOneRoom(quick.baseUrl(), true, one.baseUrl());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        String lastSeen = ada.awaitEvent("add-peer").id();

        ada.cut();
        ada.resume(two.baseUrl(), lastSeen);
        Thread.sleep(600); // twice the grace of the node it left: its expiry must find the peer moved

        relay(bob, ada, 1, 1);
        awaitNotes(ada, 1);
        assertThat(bob.events("remove-peer")).isEmpty();
    }

    @Test
    void aHistoryRedisLostGetsResyncThenAWorkingStream() {
        Mates mates = inOneRoom(one.baseUrl(), true, two.baseUrl());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        String lastSeen = ada.awaitEvent("add-peer").id();
        ada.cut();
        // One stream on each node, to learn when that node noticed the flush (at its next
        // heartbeat, up to a second later) and resynced its streams: no test may run before.
        List<Client> sentinels = List.of(one, two, quick).stream()
                .map(node -> Client.access(node.baseUrl(), "sentinel").connect()).toList();

        redis.flushAll();
        sentinels.forEach(sentinel -> sentinel.awaitEvent("resync"));
        Client again = ada.sameTokenOn(two.baseUrl()).resume(lastSeen);

        assertThat(again.awaitEvent("resync").json().getString("reason")).isEqualTo("unknown-history");
        // The memberships went with the flush: the browser joins again, and the stream works.
        String fresh = room();
        Client.await("ada joins again").until(() -> again.join(fresh).statusCode() == 200);
        bob.join(fresh);
        relay(bob, again, 1, 1);
        again.awaitEvent("note");
        assertThat(again.events("note")).hasSize(1);
    }
}
