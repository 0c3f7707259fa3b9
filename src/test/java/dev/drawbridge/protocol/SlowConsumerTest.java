package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.RawStreams;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.drawbridge.bus.Peer;
import dev.drawbridge.signal.RelayResult;
import io.vertx.core.Future;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A slow browser must not hurt the others: its buffer is bounded, and it is closed when full. */
class SlowConsumerTest {
    private static final int BUFFER = 64 * 1024;
    private static final int MAX_RELAYS = 500;
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass("--stream-buffer", String.valueOf(BUFFER));

    @Test
    void aStreamThatStopsReadingIsClosedOnceItsBufferIsFullAndItsRoomIsTold() throws Exception {
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        Client sloth = Client.access(node.baseUrl(), "sloth");
        double sessionsBefore = metric("drawbridge_sessions");
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            URI base = URI.create(node.baseUrl());
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            OutputStream out = socket.getOutputStream();
            out.write(("GET /connect?token=" + sloth.token() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawStreams.readUntil(socket.getInputStream(), "event: connected");
            assertThat(sloth.join("slow").statusCode()).isEqualTo(200);
            assertThat(bob.join("slow").statusCode()).isEqualTo(200);

            // The sloth reads nothing more; bob keeps relaying 60 KB events to it.
            String body = "{\"pad\": \"" + "x".repeat(60 * 1024) + "\"}";
            int relayed = 0;
            while (relayed < MAX_RELAYS && bob.relay(sloth.id(), "stroke", body).statusCode() == 200) {
                relayed++;
            }

            assertThat(relayed).as("relays accepted before the sloth was dropped").isLessThan(MAX_RELAYS);
            bob.awaitEvent("remove-peer", e -> e.json().getJsonObject("peer").getString("id").equals(sloth.id()));
            assertThat(metric("drawbridge_streams_slow_closed_total")).isEqualTo(1.0);
            assertThat(metric("drawbridge_sessions")).as("the sloth's session is gone").isEqualTo(sessionsBefore);
            assertThat(bob.relay(sloth.id(), "stroke", "{}").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aReadingStreamIsNeverClosedForSlownessHoweverMuchItGets() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join("fast");
        bob.join("fast");
        String body = "{\"pad\": \"" + "x".repeat(60 * 1024) + "\"}";

        for (int i = 0; i < 100; i++) {
            assertThat(bob.relay(ada.id(), "stroke", body).statusCode()).isEqualTo(200);
        }

        Client.await("100 strokes").until(() -> ada.events("stroke").size() == 100);
        assertThat(ada.streamEnded()).isFalse();
    }

    @Test
    void aBurstOfSmallEventsFromAnotherThreadIsNotTakenForASlowReader() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join("burst");
        bob.join("burst");
        double slowBefore = metric("drawbridge_streams_slow_closed_total");
        Peer sender = new Peer(bob.id(), "bob");

        // From this test thread, not the stream's event loop, as fast as the domain takes them.
        List<Future<RelayResult>> relays = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            relays.add(node.node().signaling().relay(sender, ada.id(), "dot", "{\"n\":" + i + "}"));
        }

        assertThat(Future.all(relays).await().list()).containsOnly(RelayResult.ACCEPTED);
        Client.await("2,000 dots").until(() -> ada.events("dot").size() == 2_000);
        assertThat(ada.events("dot")).extracting(e -> e.json().getJsonObject("data").getInteger("n"))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 2_000).boxed().toList());
        assertThat(ada.streamEnded()).isFalse();
        assertThat(metric("drawbridge_streams_slow_closed_total")).isEqualTo(slowBefore);
    }

    private static double metric(String name) {
        return TestNode.metric(node.baseUrl(), name);
    }
}
