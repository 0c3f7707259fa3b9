package dev.drawbridge.http;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.RawHttp;
import dev.drawbridge.testing.RawHttp.Exchange;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.drawbridge.http.MalformedRequestTest.assertJsonError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/HARDENING.md, "Timeouts": headers, body and idle keep-alive each have a bound (short ones
 * here), a slow client is cut at it while a normal client is served meanwhile, and event streams
 * are exempt.
 */
class DeadlinesTest {
    private static final long BOUND = 1_000;
    /** What a cut may take past its bound: a timer tick, a loaded machine. */
    private static final long SLACK = 1_500;
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass("--header-timeout", BOUND + "ms",
            "--body-timeout", BOUND + "ms", "--idle-timeout", BOUND + "ms", "--ping-interval", "300ms");

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheHeadersBound() {
        try (Socket silent = RawHttp.open(port())) {
            Exchange cut = RawHttp.read(silent, BOUND + SLACK + 2_000, true);

            assertThat(cut.closed()).isTrue();
            assertThat(cut.status()).isEqualTo(-1);
            assertThat(cut.millis()).isBetween(BOUND - 100, BOUND + SLACK);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void headersSentOneByteAtATimeAreCutAtTheBoundWhileANormalClientIsServed() throws Exception {
        try (Socket slow = RawHttp.open(port())) {
            CompletableFuture<Void> dribbling = dribble(slow, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
                    + "a".repeat(200) + "\r\n\r\n", 100);

            Exchange normal = RawHttp.exchange(port(), get("/healthz"), 2_000, false);
            Exchange cut = RawHttp.read(slow, BOUND + SLACK + 2_000, true);

            assertThat(normal.status()).isEqualTo(200);
            assertThat(normal.millis()).isLessThan(BOUND + SLACK);
            assertThat(cut.closed()).as("the slow connection is closed").isTrue();
            assertThat(cut.status()).as("headers never completed: nothing to answer").isEqualTo(-1);
            assertThat(cut.millis()).isLessThan(BOUND + SLACK);
            dribbling.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBodyThatComesTooSlowlyIsAnswered408AndClosedWhileANormalClientIsServed() throws Exception {
        try (Socket slow = RawHttp.open(port())) {
            String head = "POST /access HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
            slow.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            CompletableFuture<Void> dribbling = dribble(slow, "{\"username\": \"" + "a".repeat(80), 100);

            Exchange normal = RawHttp.exchange(port(), get("/healthz"), 2_000, false);
            Exchange cut = RawHttp.read(slow, BOUND + SLACK + 2_000, true);

            assertThat(normal.status()).isEqualTo(200);
            assertJsonError(cut, 408, "request_timeout");
            assertThat(cut.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(cut.closed()).isTrue();
            assertThat(cut.millis()).isLessThan(BOUND + SLACK);
            dribbling.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAtTheIdleBoundAndServedUntilThen() throws IOException {
        try (Socket keepAlive = RawHttp.open(port())) {
            assertThat(RawHttp.exchange(keepAlive, get("/healthz"), 2_000, false).status()).isEqualTo(200);
            // A second request well within the bound is served on the same connection.
            assertThat(RawHttp.exchange(keepAlive, get("/healthz"), 2_000, false).status()).isEqualTo(200);

            Exchange cut = RawHttp.read(keepAlive, BOUND + SLACK + 2_000, true);

            assertThat(cut.closed()).isTrue();
            assertThat(cut.millis()).isBetween(BOUND - 100, BOUND + SLACK);
        }
    }

    @Test
    void anEventStreamOutlivesEveryBound() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        long start = System.nanoTime();
        int before = ada.events("ping").size();

        // Pings every 300 ms: ten more of them span nine periods, well past every bound.
        Client.await("ten more pings").atMost(Duration.ofSeconds(20))
                .until(() -> ada.events("ping").size() >= before + 10);

        assertThat(Duration.ofNanos(System.nanoTime() - start).toMillis()).isGreaterThan(2 * BOUND);
        assertThat(ada.streamEnded()).isFalse();
        ada.disconnect();
    }

    @Test
    void eachCutIsCountedByItsPhase() {
        try (Socket silent = RawHttp.open(port())) {
            RawHttp.read(silent, BOUND + SLACK + 2_000, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        String metrics = TestNode.metrics(node.baseUrl());

        assertThat(metrics).containsPattern("(?m)^drawbridge_timed_out_total\\{phase=\"headers\"} [1-9]");
        assertThat(metrics).contains("drawbridge_timed_out_total{phase=\"body\"}")
                .contains("drawbridge_timed_out_total{phase=\"idle\"}");
    }

    /** Writes {@code text} a byte every {@code everyMillis}, until done or the server closes. */
    private static CompletableFuture<Void> dribble(Socket socket, String text, long everyMillis) {
        return CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(everyMillis); // the pace of a slow-loris client, not a wait for an outcome
                }
            } catch (IOException e) {
                // the server closed the connection: the point of the test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int port() {
        return URI.create(node.baseUrl()).getPort();
    }
}
