package dev.drawbridge.cluster;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.SseEvent;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM drains a node process: real signals to {@code java -jar target/drawbridge.jar}. Each test
 * starts its own node, since each ends it.
 */
class DrainIT {
    private final List<NodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(NodeProcess::close);
    }

    @Test
    void onSigtermTheNodeIsUnreadyAtOnceRefusesNewStreamsAndMovesEveryStreamAwayAtMostABatchAStep() {
        NodeProcess node = start("drain-streams", "--drain-spread", "3s", "--drain-batch", "2", "--drain-timeout", "10s");
        List<Client> clients = IntStream.range(0, 6)
                .mapToObj(i -> Client.access(node.baseUrl(), "peer" + i).connect())
                .toList();
        Client late = Client.access(node.baseUrl(), "late");

        long signalled = System.nanoTime();
        node.signal("TERM");

        Client.await("/readyz answers 503").atMost(Duration.ofSeconds(1))
                .until(() -> get(node, "/readyz").statusCode() == 503);
        assertDraining(get(node, "/readyz"));
        HttpResponse<String> refused = Client.send(node.baseUrl(), "GET", "/connect?token=" + late.token(), null, null);
        assertDraining(refused);
        assertThat(access(node).statusCode()).as("other requests are served during the window").isEqualTo(200);

        for (Client client : clients) {
            Client.await(client.username() + "'s stream is moved").atMost(Duration.ofSeconds(8)).until(client::streamEnded);
            SseEvent reconnect = client.awaitEvent("reconnect");
            long afterMillis = reconnect.json().getLong("after_ms");
            assertThat(afterMillis).as("after_ms within the window").isBetween(0L, 2999L);
            assertThat(client.retries()).as("the retry: the stream set last").last().isEqualTo(afterMillis);
            assertThat(reconnect.id()).as("reconnect takes no place in the sequence").isNull();
            assertThat(client.events()).last().isEqualTo(reconnect);
        }
        List<Long> closes = clients.stream().map(Client::streamEndedNanos).sorted().toList();
        for (int i = 0; i + 2 < closes.size(); i++) {
            assertThat(TimeUnit.NANOSECONDS.toMillis(closes.get(i + 2) - closes.get(i)))
                    .as("three closes are never within 400 ms (steps are 1 s apart, or half that when late)")
                    .isGreaterThanOrEqualTo(400);
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(closes.getLast() - signalled)).as("the last step within the window")
                .isLessThan(3000);

        // Requests keep coming (every 50 ms): the node refuses them once the window is over, and
        // keeps its listener open while they come, so that a load balancer learns to go elsewhere.
        HttpResponse<String> closing = Client.await("requests are refused after the window").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50)).until(() -> access(node), response -> response.statusCode() != 200);
        assertDraining(closing);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled)).isGreaterThanOrEqualTo(2900);

        assertThat(node.awaitExit(Duration.ofSeconds(10))).as("a drained node exits 0").isZero();
        long exited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        assertThat(exited).as("the node serves until the window ends, then exits").isBetween(2900L, 10_000L);
        assertThat(node.output()).anySatisfy(line -> assertThat(line)
                .contains("draining: 6 streams to move over 3000 ms, at most 2 a step"));
        assertThat(node.output()).anySatisfy(line -> assertThat(line)
                .contains("6 streams moved in 3 steps (at most 2 in one)"));
    }

    @Test
    void aRequestInFlightWhenSigtermArrivesIsAnsweredBeforeTheNodeExits() throws IOException {
        NodeProcess node = start("drain-in-flight", "--drain-spread", "1s", "--drain-timeout", "10s");
        byte[] body = "{\"username\":\"in-flight\"}".getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 2000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /access HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Expect: 100-continue\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readAnswer(socket.getInputStream())).as("the node has taken the request").startsWith("HTTP/1.1 100");
            out.write(body, 0, 5);
            out.flush();

            node.signal("TERM");
            Client.await("the listener closes at the end of the window").atMost(Duration.ofSeconds(5))
                    .until(() -> !accepts(node));
            out.write(body, 5, body.length - 5);
            out.flush();
            String answer = readAnswer(socket.getInputStream());

            assertThat(answer).startsWith("HTTP/1.1 200");
            assertThat(answer).contains("\"token\"");
        }
        assertThat(node.awaitExit(Duration.ofSeconds(10))).isZero();
    }

    @Test
    void theNodeExitsByTheDrainDeadlineEvenWithARequestThatNeverEnds() throws IOException {
        NodeProcess node = start("drain-deadline", "--drain-spread", "1s", "--drain-timeout", "3s");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 2000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /access HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertThat(readAnswer(socket.getInputStream())).as("the node has taken the request").startsWith("HTTP/1.1 100");
            socket.getOutputStream().write('{');
            socket.getOutputStream().flush();

            long signalled = System.nanoTime();
            node.signal("TERM");
            int status = node.awaitExit(Duration.ofSeconds(8));

            long exited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            assertThat(exited).as("exits within the 3 s deadline (and a little for the JVM to end)").isLessThan(4500);
            assertThat(status).isZero();
        }
        assertThat(node.output()).as("a request cut short is no error of the node's")
                .noneSatisfy(line -> assertThat(line).contains("ERROR"));
    }

    @Test
    void aSecondSigtermStopsTheNodeAtOnce() {
        assertASecondSignalStopsAtOnce("TERM", "TERM", 143);
    }

    @Test
    void aSigintDuringTheDrainStopsTheNodeAtOnce() {
        assertASecondSignalStopsAtOnce("TERM", "INT", 130);
    }

    private void assertASecondSignalStopsAtOnce(String first, String second, int status) {
        assertThat(ignoredHere(second)).as("SIG%s is ignored by this test's process, and so by the node it starts "
                + "(a shell's background job ignores SIGINT): run the tests in the foreground", second).isFalse();
        NodeProcess node = start("drain-twice-" + second.toLowerCase(), "--drain-spread", "20s", "--drain-timeout", "30s", "--resume-grace", "60s");
        Client ada = Client.access(node.baseUrl(), "ada").connect();

        node.signal(first);
        Client.await("the drain has begun").until(() -> get(node, "/readyz").statusCode() == 503);
        long signalled = System.nanoTime();
        node.signal(second);

        assertThat(node.awaitExit(Duration.ofSeconds(5))).isEqualTo(status);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled)).isLessThan(2000);
        Client.await("ada's stream is cut").until(ada::streamEnded);
    }

    /** Whether this process ignores the signal ({@code SigIgn} of /proc/self/status), which its children inherit. */
    private static boolean ignoredHere(String signal) {
        int number = switch (signal) {
            case "INT" -> 2;
            case "TERM" -> 15;
            default -> throw new IllegalArgumentException(signal);
        };
        try {
            String mask = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).trim();
            return new java.math.BigInteger(mask, 16).testBit(number - 1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private NodeProcess start(String name, String... flags) {
        NodeProcess node = NodeProcess.start(name, flags);
        nodes.add(node);
        return node;
    }

    private static HttpResponse<String> access(NodeProcess node) {
        return Client.send(node.baseUrl(), "POST", "/access", null, "{\"username\":\"someone\"}");
    }

    private static HttpResponse<String> get(NodeProcess node, String path) {
        return Client.send(node.baseUrl(), "GET", path, null, null);
    }

    private static void assertDraining(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("draining");
        assertThat(new JsonObject(response.body()).getString("message")).isNotBlank();
    }

    private static boolean accepts(NodeProcess node) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", node.port()), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** An HTTP/1.1 answer (or a 100 Continue) with a Content-Length, head and body. */
    private static String readAnswer(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString();
            }
            head.append((char) b);
        }
        int length = Integer.parseInt(head.toString().lines()
                .filter(line -> line.toLowerCase().startsWith("content-length:"))
                .findFirst().orElse("content-length: 0").substring("content-length:".length()).strip());
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
