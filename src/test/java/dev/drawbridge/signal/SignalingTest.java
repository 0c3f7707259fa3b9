package dev.drawbridge.signal;

import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.local.LocalBus;
import dev.drawbridge.bus.local.LocalRooms;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The domain's rules, reached without HTTP: streams here are recorders. */
class SignalingTest {
    private final LocalRooms rooms = new LocalRooms();
    private final Signaling signaling = new Signaling(new LocalBus(), rooms, 16, new SimpleMeterRegistry());

    @Test
    void aPeerWhoseStreamClosesAndReopensAtOnceIsConnectedAgainAndCanJoin() {
        Peer ada = peer("ada");
        Recorder first = new Recorder();
        signaling.open(ada, first).await();
        signaling.join(ada, "room").await();

        first.close();
        Recorder second = new Recorder();
        signaling.open(ada, second).await();

        assertThat(second.names()).containsExactly("connected");
        assertThat(signaling.join(ada, "room").await()).isInstanceOf(JoinResult.Joined.class);
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
        assertThat(first.ids).containsExactly(-1L, 1L, -1L);
        assertThat(second.names()).containsExactly("connected", "note");
        assertThat(second.ids).containsExactly(-1L, 2L);
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

    private static Peer peer(String name) {
        return new Peer(UUID.randomUUID().toString(), name);
    }

    /** A stream that records what it was sent. */
    private static final class Recorder implements Stream {
        final List<Message> messages = new ArrayList<>();
        final List<Long> ids = new ArrayList<>();
        final List<Runnable> onClose = new ArrayList<>();
        boolean closed;

        @Override
        public synchronized void send(long id, Message message) {
            ids.add(id);
            messages.add(message);
        }

        @Override
        public void send(Message message) {
            send(-1, message);
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
