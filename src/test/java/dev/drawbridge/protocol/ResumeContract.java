package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.SseEvent;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PROTOCOL.md, "Resume", over real HTTP and SSE: a stream cut as a network cuts it (a reset) and
 * reopened with {@code Last-Event-ID}, on the node it was on or on another one. Run against one
 * node alone and against two nodes on one Redis.
 */
abstract class ResumeContract {
    /** The history bound of the nodes under test, in events. */
    static final int HISTORY_EVENTS = 16;
    /** Their resume grace: longer than the longest gap below. */
    static final String GRACE = "12s";

    /** Where the streams start. */
    abstract String first();

    /** Where they resume: another node of the cluster (the same node when there is only one). */
    abstract String second();

    @ParameterizedTest(name = "after {0} ms")
    @ValueSource(ints = {0, 500, 2_000, 10_000})
    void aCutStreamResumedWithLastEventIdGetsEveryRelayOfTheGapOnceAndInOrderAndTheRoomIsToldNothing(int gapMillis)
            throws InterruptedException {
        Mates mates = inOneRoom(first(), true, second());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        relay(bob, ada, 1, 3);
        awaitNotes(ada, 3);

        ada.cut();
        relay(bob, ada, 4, 8);
        Thread.sleep(gapMillis); // the gap itself: how long the browser is away
        ada.resume(second(), ada.lastEventId());
        relay(bob, ada, 9, 10);

        awaitNotes(ada, 10);
        assertThat(notes(ada)).containsExactlyElementsOf(IntStream.rangeClosed(1, 10).boxed().toList());
        assertThat(ada.events("resync")).isEmpty();
        assertThat(ada.events("connected")).hasSize(2);
        assertThat(bob.events("remove-peer")).as("the room is told nothing").isEmpty();
        // Still a member: it relays, and joining again changes nothing.
        assertThat(ada.relay(bob.id(), "back", "{}").statusCode()).isEqualTo(200);
        bob.awaitEvent("back");
        assertThat(new JsonObject(ada.join(room).body()).getBoolean("alreadyMember")).isTrue();
    }

    @Test
    void aResumedStreamGetsConnectedFirstThenTheReplayWithTheIdsTheEventsFirstHad() {
        Mates mates = inOneRoom(first(), true, second());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        String lastSeen = ada.awaitEvent("add-peer").id();

        ada.cut();
        relay(bob, ada, 1, 2);
        Client again = ada.sameTokenOn(second()).resume(lastSeen);

        again.awaitEvent("note", e -> e.json().getJsonObject("data").getInteger("n") == 2);
        List<SseEvent> events = again.events().stream().filter(e -> !e.event().equals("ping")).toList();
        assertThat(events).extracting(SseEvent::event).containsExactly("connected", "note", "note");
        String epoch = lastSeen.substring(0, lastSeen.lastIndexOf('-'));
        long n = Long.parseLong(lastSeen.substring(lastSeen.lastIndexOf('-') + 1));
        assertThat(events).extracting(SseEvent::id).containsExactly(null, epoch + "-" + (n + 1), epoch + "-" + (n + 2));
    }

    @Test
    void theIdCanComeAsTheLastEventIdQueryParameter() {
        Mates mates = inOneRoom(first(), false, second());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        String lastSeen = ada.awaitEvent("add-peer").id();
        relay(bob, ada, 1, 1);
        awaitNotes(ada, 1);

        Client again = ada.sameTokenOn(second());
        again.openStream("&lastEventId=" + lastSeen);

        again.awaitEvent("note");
        assertThat(again.events("note")).hasSize(1);
        assertThat(again.events("resync")).isEmpty();
    }

    @Test
    void aGapTrimmedFromTheHistoryGetsResyncNotAPartialReplayThenALiveStream() {
        Mates mates = inOneRoom(first(), true, second());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        String lastSeen = ada.awaitEvent("add-peer").id();

        ada.cut();
        relay(bob, ada, 1, HISTORY_EVENTS + 4);
        Client again = ada.sameTokenOn(second()).resume(lastSeen);

        SseEvent resync = again.awaitEvent("resync");
        assertThat(resync.json().getString("reason")).isEqualTo("trimmed");
        assertThat(again.events("note")).as("no partial replay").isEmpty();
        relay(bob, ada, 100, 100);
        assertThat(notes(again.awaitEvent("note"))).isEqualTo(100);
        assertThat(again.events().get(0).event()).isEqualTo("connected");
    }

    @Test
    void anIdFromAnotherHistoryGetsResyncThenALiveStream() {
        Mates mates = inOneRoom(first(), false, second());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();

        Client again = ada.sameTokenOn(second()).resume("0ther7-3");

        assertThat(again.awaitEvent("resync").json().getString("reason")).isEqualTo("unknown-history");
        relay(bob, ada, 1, 1);
        again.awaitEvent("note");
        assertThat(again.events("note")).hasSize(1);
    }

    @Test
    void aStreamWithoutLastEventIdOpensAsAFreshOneAndReplaysNothing() {
        Mates mates = inOneRoom(first(), true, second());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        ada.cut();
        relay(bob, ada, 1, 2);

        Client again = ada.sameTokenOn(second()).resume(null);
        relay(bob, ada, 3, 3);

        again.awaitEvent("note");
        assertThat(notes(again)).containsExactly(3);
        assertThat(again.events("resync")).isEmpty();
        assertThat(bob.events("remove-peer")).isEmpty();
    }

    @Test
    void aNewerStreamOnAnotherNodeTakesOverTheOldOneGetsReplacedAndNothingAfterIt() {
        Mates mates = inOneRoom(first(), false, first());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        relay(bob, ada, 1, 1);
        awaitNotes(ada, 1);

        Client newer = ada.sameTokenOn(second()).resume(ada.lastEventId());

        ada.awaitEvent("replaced");
        ada.awaitStreamEnd();
        relay(bob, ada, 2, 3);
        newer.awaitEvent("note", e -> e.json().getJsonObject("data").getInteger("n") == 3);
        assertThat(notes(newer)).containsExactly(2, 3);
        assertThat(notes(ada)).containsExactly(1);
        List<String> afterReplaced = ada.events().stream().map(SseEvent::event)
                .dropWhile(name -> !name.equals("replaced")).skip(1).toList();
        assertThat(afterReplaced).as("nothing after replaced").isEmpty();
        assertThat(bob.events("remove-peer")).isEmpty();
    }

    @Test
    void leavingStaysImmediate() {
        Mates mates = inOneRoom(first(), true, second());
        Client ada = mates.ada();
        Client bob = mates.bob();
        String room = mates.room();
        ada.cut();

        ada.leave(room);

        bob.awaitEvent("remove-peer");
        assertError(bob.relay(ada.id(), "offer", "{}"), 404, "unknown_peer");
    }

    /** Ada (on a socket of her own when she is to be {@link Client#cut}) and bob, both in a new room. */
    record Mates(Client ada, Client bob, String room) {}

    static Mates inOneRoom(String adaNode, boolean cuttable, String bobNode) {
        String room = room();
        Client ada = Client.access(adaNode, "ada");
        if (cuttable) {
            ada.resume(null);
        } else {
            ada.connect();
        }
        Client bob = Client.access(bobNode, "bob").connect();
        ada.join(room);
        bob.join(room);
        return new Mates(ada, bob, room);
    }

    static void relay(Client from, Client to, int first, int last) {
        for (int n = first; n <= last; n++) {
            assertThat(from.relay(to.id(), "note", "{\"n\":" + n + "}").statusCode()).as("relay %d accepted", n).isEqualTo(200);
        }
    }

    static void awaitNotes(Client client, int count) {
        Client.await(client.username() + " gets " + count + " notes").until(() -> client.events("note").size() >= count);
    }

    static List<Integer> notes(Client client) {
        return client.events("note").stream().map(ResumeContract::notes).toList();
    }

    static int notes(SseEvent note) {
        return note.json().getJsonObject("data").getInteger("n");
    }

    static String room() {
        return "resume-" + UUID.randomUUID();
    }
}
