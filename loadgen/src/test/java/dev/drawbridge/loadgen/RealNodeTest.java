package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Small runs of every mode against a real node: the server jar that the root build produced,
 * started as its own process on a free loopback port.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RealNodeTest {
    private static final Path JAR = Path.of("..", "target", "drawbridge.jar");
    private static Process node;
    private static int port;
    private static Path log;
    private static Path data;

    @BeforeAll
    static void startNode() throws Exception {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException("the server jar " + JAR.toAbsolutePath().normalize() + " is missing: "
                    + "build the server first (mvn -DskipTests package in the project root), then run these tests");
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        log = Files.createTempFile("drawbridge-node", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Its boards in a folder of its own, not in the working directory.
        data = Files.createTempDirectory("drawbridge-loadgen-data");
        node = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx256m", "-jar", JAR.toString(),
                "--port", Integer.toString(port), "--host", "127.0.0.1", "--data-dir", data.toString(),
                // Stopped when the class ends: no load balancer to wait for.
                "--drain-spread", "1s", "--drain-timeout", "5s")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url() + "/healthz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            if (!node.isAlive() || System.nanoTime() > until) {
                throw new IllegalStateException("the node did not start; its output:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (node != null) {
            node.destroy();
            if (!node.waitFor(20, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
        if (data != null) {
            try (var files = Files.walk(data)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void relaysArriveOnceEachInOrderAndTheTrivialPostIsMeasuredBeside() {
        JsonObject summary = run("--mode", "relay", "--clients", "24", "--room-size", "4", "--messages", "30",
                "--in-flight", "16", "--source-addresses", "3", "--compare-post", "true");

        JsonObject relay = summary.getJsonObject("relay");
        assertThat(relay.getLong("accepted")).isEqualTo(24 * 30);
        assertThat(relay.getLong("delivered")).isEqualTo(24 * 30);
        assertThat(relay.getLong("lost")).isZero();
        assertThat(relay.getLong("duplicated")).isZero();
        assertThat(relay.getLong("reordered")).isZero();
        assertThat(relay.getJsonObject("latencyMs").getLong("count")).isEqualTo(24 * 30);
        assertThat(relay.getJsonObject("latencyMs").getDouble("p50")).isPositive();
        assertThat(relay.getDouble("cpuMicrosPerRelay")).isPositive();
        assertThat(summary.getJsonObject("join").getLong("addPeerReceived")).isEqualTo(6 * 4 * 3);
        assertThat(summary.getJsonObject("join").getLong("addPeerMissing")).isZero();
        assertThat(summary.getJsonObject("join").getLong("peersWithWrongOfferCounts")).isZero();
        assertThat(summary.getJsonObject("leave").getLong("removePeerMissing")).isZero();
        assertThat(summary.getJsonObject("leave").getLong("removePeerReceived")).isEqualTo(6 * 6);
        assertThat(summary.getJsonObject("post").getLong("accepted")).isEqualTo(24 * 30);
        assertThat(summary.getDouble("relayToPostThroughput")).isPositive();
        JsonObject events = summary.getJsonObject("events");
        assertThat(events.getLong("deliveredWithoutId")).isZero();
        assertThat(events.getLong("idGaps")).isZero();
        assertThat(events.getLong("connectedOrPingWithId")).isZero();
        assertThat(events.getLong("wrongSender")).isZero();
        assertThat(summary.getJsonObject("httpErrors").getMap()).as("non-200 answers and failed requests, by phase").isEmpty();
    }

    @Test
    void overTheNodesWebSocketRelaysArriveOnceEachInOrderAndMembershipIsAnnounced() {
        JsonObject summary = run("--server", "drawbridge-ws", "--mode", "relay", "--clients", "12", "--room-size", "4",
                "--messages", "20", "--in-flight", "8");

        JsonObject relay = summary.getJsonObject("relay");
        assertThat(relay.getLong("accepted")).isEqualTo(12 * 20);
        assertThat(relay.getLong("delivered")).isEqualTo(12 * 20);
        assertThat(relay.getLong("duplicated")).isZero();
        assertThat(relay.getLong("reordered")).isZero();
        assertThat(summary.getJsonObject("join").getLong("addPeerReceived")).isEqualTo(3 * 4 * 3);
        assertThat(summary.getJsonObject("leave").getLong("removePeerReceived")).isEqualTo(3 * 6);
        assertThat(summary.getJsonObject("events").getLong("idGaps")).isZero();
        assertThat(summary.getJsonObject("httpErrors").getMap()).as("non-200 answers and failed requests, by phase").isEmpty();
    }

    @Test
    void aFixedRateIsHeldAndNothingIsLost() {
        JsonObject summary = run("--mode", "relay", "--clients", "8", "--room-size", "2", "--messages", "25",
                "--rate", "100", "--leave", "false");

        JsonObject relay = summary.getJsonObject("relay");
        assertThat(relay.getLong("lost")).isZero();
        // 200 relays at 100/s take about two seconds, never less (more on a loaded machine).
        assertThat(relay.getDouble("seconds")).isBetween(1.8, 15.0);
    }

    @Test
    void aJoinStormDeliversEveryAddPeer() {
        JsonObject summary = run("--mode", "join-storm", "--clients", "40", "--room-size", "4", "--warmup", "1");

        assertThat(summary.getJsonObject("warmupJoinStorm").getLong("addPeerMissing")).isZero();
        assertThat(summary.getJsonObject("warmupLeave").getLong("removePeerMissing")).isZero();
        JsonObject storm = summary.getJsonObject("joinStorm");
        assertThat(storm.getLong("peersWithWrongOfferCounts")).isZero();
        assertThat(storm.getLong("addPeerExpected")).isEqualTo(10 * 4 * 3);
        assertThat(storm.getLong("addPeerMissing")).isZero();
        assertThat(storm.getDouble("secondsToAllAddPeers")).isPositive();
        assertThat(summary.getJsonObject("leave").getLong("removePeerMissing")).isZero();
    }

    @Test
    void idleStreamsAreHeldAndTheNodesMemoryIsRead() {
        JsonObject summary = run("--mode", "idle", "--clients", "50", "--settle", "0.5",
                "--server-pid", Long.toString(node.pid()));

        JsonObject idle = summary.getJsonObject("idle");
        assertThat(idle.getLong("streams")).isEqualTo(50);
        assertThat(idle.getJsonObject("serverAfter").getLong("rssKb")).isPositive();
        assertThat(idle.getJsonObject("serverAfter").getLong("openFiles"))
                .isGreaterThanOrEqualTo(idle.getJsonObject("serverBefore").getLong("openFiles") + 50);
        assertThat(idle.containsKey("rssKbPerStream")).isTrue();
    }

    private static JsonObject run(String... args) {
        String[] all = new String[args.length + 6];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = url();
        all[args.length + 2] = "--duration";
        all[args.length + 3] = "90";
        all[args.length + 4] = "--server-pid";
        all[args.length + 5] = Long.toString(node.pid());
        // A later --server-pid wins over the one a test gave; both name the same process.
        try (LoadGenerator run = new LoadGenerator(Options.parse(all))) {
            JsonObject summary = run.run();
            assertThat(summary.getBoolean("truncatedByDuration")).as("finished before its cap").isFalse();
            return summary;
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\nthe end of the node's output:\n" + nodeLogTail(), e);
        }
    }

    private static String nodeLogTail() {
        try {
            java.util.List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String url() {
        return "http://127.0.0.1:" + port;
    }
}
