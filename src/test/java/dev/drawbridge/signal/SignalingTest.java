package dev.drawbridge.signal;

import dev.drawbridge.bus.EventId;
import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms;
import dev.drawbridge.bus.local.LocalBus;
import dev.drawbridge.bus.local.LocalRooms;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import dev.drawbridge.testing.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The domain's rules, reached without HTTP: streams here are recorders. */
class SignalingTest {
    private static final Duration GRACE = Duration.ofSeconds(20);
    private static Vertx vertx;
    private final LocalRooms rooms = new LocalRooms();
    private final Signaling signaling = node(new LocalBus(), rooms, GRACE);

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().await();
    }

    private static Signaling node(LocalBus bus, Rooms rooms, Duration grace) {
        return new Signaling(bus, rooms, vertx, 16, grace, new SimpleMeterRegistry());
    }

    @Test
    void aPeerWhoseStreamClosesAndReopensWithinTheGraceIsConnectedAgainAndStillInItsRooms() {
        Peer ada = peer("ada");
        Recorder first = new Recorder();
        signaling.open(ada, first).await();
        signaling.join(ada, "room").await();

        first.close();
        Recorder second = new Recorder();
        signaling.open(ada, second).await();

        assertThat(second.names()).containsExactly("connected");
        assertThat(signaling.join(ada, "room").await()).isInstanceOf(JoinResult.AlreadyMember.class);
    }

    @Test
    void aResumedStreamGetsWhatWasRelayedDuringTheGapThenTheLiveEventsWithTheirIds() {
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        signaling.open(bob, new Recorder()).await();
        Recorder first = new Recorder();
        signaling.open(ada, first).await();
        signaling.join(ada, "gap").await();
        signaling.join(bob, "gap").await();
        String lastSeen = first.ids.getLast();

        first.close();
        signaling.relay(bob, ada.id(), "during", "{}").await();
        Recorder second = new Recorder();
        signaling.open(ada, second, EventId.parse(lastSeen)).await();
        signaling.relay(bob, ada.id(), "after", "{}").await();

        assertThat(second.names()).containsExactly("connected", "during", "after");
        EventId seen = EventId.parse(lastSeen).orElseThrow();
        assertThat(second.ids).containsExactly(null, seen.epoch() + "-" + (seen.n() + 1), seen.epoch() + "-" + (seen.n() + 2));
    }

    @Test
    void aStreamClosedByTheNodeLeavesItsSessionInTheGraceAndItsRoomIsToldNothing() {
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Recorder bobStream = new Recorder();
        signaling.open(bob, bobStream).await();
        Recorder adaStream = new Recorder();
        signaling.open(ada, adaStream).await();
        signaling.join(ada, "drained").await();
        signaling.join(bob, "drained").await();

        signaling.liveStreams().stream().filter(stream -> stream == adaStream).forEach(Stream::close);

        assertThat(signaling.sessionsInGrace()).isEqualTo(1);
        assertThat(signaling.liveStreams()).containsExactly(bobStream);
        assertThat(signaling.relay(bob, ada.id(), "kept", "{}").await()).isEqualTo(RelayResult.ACCEPTED);
        assertThat(bobStream.names()).doesNotContain("remove-peer");
    }

    @Test
    void aPeerWhoseGraceRunsOutIsRemovedFromItsRoomsAndItsRoomMatesAreToldOnce() {
        Signaling quick = node(new LocalBus(), new LocalRooms(), Duration.ofMillis(50));
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Recorder bobStream = new Recorder();
        quick.open(bob, bobStream).await();
        Recorder adaStream = new Recorder();
        quick.open(ada, adaStream).await();
        quick.join(bob, "short").await();
        quick.join(ada, "short").await();

        adaStream.close();

        // The session is dropped right after its room-mates are told: wait for both.
        Client.await("bob is told and ada's session is gone")
                .until(() -> bobStream.names().contains("remove-peer") && quick.sessionCount() == 1);
        assertThat(bobStream.names().stream().filter("remove-peer"::equals)).hasSize(1);
    }

    @Test
    void theSequenceOfAPeerGoesOnWhenANewerStreamTakesOver() {
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        Recorder bobStream = new Recorder();
        signaling.open(bob, bobStream).await();
        Recorder first = new Recorder();
        signaling.open(ada, first).await();
        signaling.join(ada, "room").await();
        signaling.join(bob, "room").await();

        Recorder second = new Recorder();
        signaling.open(ada, second).await();
        signaling.relay(bob, ada.id(), "note", "{}").await();

        assertThat(first.names()).containsExactly("connected", "add-peer", "replaced");
        assertThat(first.closed).isTrue();
        String epoch = EventId.parse(first.ids.get(1)).orElseThrow().epoch();
        assertThat(first.ids).containsExactly(null, epoch + "-1", null);
        assertThat(second.names()).containsExactly("connected", "note");
        assertThat(second.ids).containsExactly(null, epoch + "-2");
        assertThat(bobStream.names()).doesNotContain("remove-peer");
    }

    @Test
    void aRelayBetweenPeersWithNoCommonRoomIsRefused() {
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        signaling.open(ada, new Recorder()).await();
        signaling.open(bob, new Recorder()).await();
        signaling.join(ada, "one").await();
        signaling.join(bob, "two").await();

        assertThat(signaling.relay(ada, bob.id(), "offer", "{}").await()).isEqualTo(RelayResult.UNKNOWN_PEER);
    }

    @Test
    void aJoinOfAPeerWhoseSessionIsOpenHereDoesNotAskTheRegistry() {
        CountingRooms counted = new CountingRooms();
        Signaling node = node(new LocalBus(), counted, GRACE);
        Peer ada = peer("ada");
        Peer bob = peer("bob");
        node.open(ada, new Recorder()).await();
        node.open(bob, new Recorder()).await();

        assertThat(node.join(ada, "room").await()).isEqualTo(new JoinResult.Joined(List.of()));
        assertThat(node.join(bob, "room").await()).isEqualTo(new JoinResult.Joined(List.of(ada)));
        assertThat(node.join(bob, "room").await()).isEqualTo(new JoinResult.AlreadyMember());

        assertThat(counted.registryLookups).isZero();
    }

    @Test
    void aJoinOfAPeerWithNoSessionHereAsksTheRegistry() {
        CountingRooms counted = new CountingRooms();
        Signaling node = node(new LocalBus(), counted, GRACE);
        Peer nobody = peer("nobody");
        Peer elsewhere = peer("elsewhere");
        counted.register(elsewhere, "elsewhere").await(); // its stream is on another node

        assertThat(node.join(nobody, "room").await()).isEqualTo(new JoinResult.NotConnected());
        assertThat(node.join(elsewhere, "room").await()).isEqualTo(new JoinResult.Joined(List.of()));

        assertThat(counted.registryLookups).isEqualTo(2);
    }

    @Test
    void aJoinOfAPeerWhoseSessionHereEndedAsksTheRegistryAndIsRefused() {
        CountingRooms counted = new CountingRooms();
        Signaling node = node(new LocalBus(), counted, Duration.ofMillis(20));
        Peer ada = peer("ada");
        Recorder stream = new Recorder();
        node.open(ada, stream).await();
        stream.close();
        Client.await("the grace runs out").until(() -> node.sessionCount() == 0);

        assertThat(node.join(ada, "room").await()).isEqualTo(new JoinResult.NotConnected());
        assertThat(counted.registryLookups).isEqualTo(1);
    }

    @Test
    void aJoinOfAPeerWhoseSessionHereIsStillOpeningAsksTheRegistry() {
        CountingRooms counted = new CountingRooms();
        Promise<Void> registration = Promise.promise();
        counted.registration = registration.future();
        Signaling node = node(new LocalBus(), counted, GRACE);
        Peer ada = peer("ada");
        Recorder stream = new Recorder();
        Future<Void> opening = node.open(ada, stream);

        assertThat(node.join(ada, "room").await()).isEqualTo(new JoinResult.NotConnected());
        assertThat(counted.registryLookups).isEqualTo(1);

        registration.complete();
        opening.await();
        assertThat(stream.names()).containsExactly("connected");
        assertThat(node.join(ada, "room").await()).isEqualTo(new JoinResult.Joined(List.of()));
        assertThat(counted.registryLookups).isEqualTo(1);
    }

    private static Peer peer(String name) {
        return new Peer(UUID.randomUUID().toString(), name);
    }

    /**
     * The in-process rooms, counting the registry look-ups ({@code isRegistered}: a round trip on a
     * shared registry), and registering only once {@code registration} completes.
     */
    private static final class CountingRooms implements Rooms {
        final LocalRooms rooms = new LocalRooms();
        volatile int registryLookups;
        volatile Future<Void> registration = Future.succeededFuture();

        @Override
        public Future<Void> register(Peer peer, String session) {
            return registration.compose(v -> rooms.register(peer, session));
        }

        @Override
        public Future<Boolean> isRegistered(String peerId) {
            registryLookups++;
            return rooms.isRegistered(peerId);
        }

        @Override
        public Future<Join> join(String roomId, Peer peer, int maxSize) {
            return rooms.join(roomId, peer, maxSize);
        }

        @Override
        public Future<Optional<List<Peer>>> leave(String roomId, String peerId) {
            return rooms.leave(roomId, peerId);
        }

        @Override
        public Future<Map<String, List<Peer>>> unregister(String peerId, String session) {
            return rooms.unregister(peerId, session);
        }

        @Override
        public Future<Boolean> shareRoom(String peerId, String otherPeerId) {
            return rooms.shareRoom(peerId, otherPeerId);
        }

        @Override
        public Future<Optional<List<Peer>>> othersIn(String roomId, String peerId) {
            return rooms.othersIn(roomId, peerId);
        }

        @Override
        public void onEvicted(Consumer<Eviction> listener) {
            rooms.onEvicted(listener);
        }

        @Override
        public Future<Void> close() {
            return rooms.close();
        }
    }

    /** A stream that records what it was sent. */
    private static final class Recorder implements Stream {
        final List<Message> messages = new ArrayList<>();
        final List<String> ids = new ArrayList<>();
        final List<Runnable> onClose = new ArrayList<>();
        boolean closed;

        @Override
        public synchronized void send(String id, Message message) {
            ids.add(id);
            messages.add(message);
        }

        @Override
        public void send(Message message) {
            send(null, message);
        }

        @Override
        public void close() {
            closed = true;
            onClose.forEach(Runnable::run);
        }

        @Override
        public void onClose(Runnable handler) {
            onClose.add(handler);
        }

        synchronized List<String> names() {
            return messages.stream().map(Message::event).toList();
        }
    }
}
