package dev.drawbridge.http;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RawHttp;
import dev.drawbridge.testing.TestNode;
import dev.drawbridge.testing.RawHttp.Exchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.drawbridge.http.MalformedRequestTest.assertJsonError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/HARDENING.md, "Near the open-file limit": a node process whose limit is lowered (prlimit on
 * the running process, as an operator's systemd LimitNOFILE would set it) refuses new connections
 * cleanly past it (503 with the JSON body, or a reset, never a hang), its streams keep relaying,
 * and it serves new clients again once the flood is gone.
 */
class FileDescriptorLimitIT {
    private static final int STREAMS = 40;
    /** Descriptors the node gets beyond what it uses with its streams open. */
    private static final int SPARE = 200;
    private static final int RESERVE = 64;
    private static final int FLOOD = 600;
    private static final long BOUND_MILLIS = 5_000;

    private static NodeProcess node;

    @BeforeAll
    static void start() {
        node = NodeProcess.start("fd-limit", "--fd-reserve", Integer.toString(RESERVE), "--idle-timeout", "60s");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void pastItsOpenFileLimitANodeRefusesNewConnectionsCleanlyKeepsItsStreamsAndRecovers() throws Exception {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        ada.join("fd");
        List<Client> streams = IntStream.range(0, STREAMS)
                .mapToObj(i -> Client.access(node.baseUrl(), "peer" + i).connect()).toList();
        streams.forEach(peer -> peer.join("fd-" + peer.username()));
        Client bob = streams.get(0);
        bob.join("fd");
        // A keep-alive connection opened before the flood: how ada keeps posting.
        Socket posting = RawHttp.open(node.port());
        assertThat(RawHttp.exchange(posting, get("/healthz"), BOUND_MILLIS, false).status()).isEqualTo(200);
        int limit = openDescriptors() + SPARE;
        prlimit(limit);
        // The node reads its limit every 200 ms: the flood comes once it has read the lowered one.
        Client.await("the node has read its lowered limit").atMost(Duration.ofSeconds(10)).until(() ->
                TestNode.metrics(node.baseUrl()).contains("drawbridge_file_descriptors_limit " + (double) limit));

        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        List<Socket> flood = new ArrayList<>();
        List<CompletableFuture<Exchange>> outcomes = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            Socket socket = RawHttp.open(node.port());
            flood.add(socket);
            outcomes.add(CompletableFuture.supplyAsync(
                    () -> RawHttp.exchange(socket, get("/config"), BOUND_MILLIS, false), threads));
        }
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).get(BOUND_MILLIS * 3, TimeUnit.MILLISECONDS);
        List<Exchange> answers = outcomes.stream().map(CompletableFuture::join).toList();
        Map<String, Long> seen = answers.stream().collect(Collectors.groupingBy(FileDescriptorLimitIT::outcome,
                Collectors.counting()));
        System.out.println("flood of " + FLOOD + " connections under a limit of " + limit + ": " + seen);

        assertThat(answers).as("no new connection hangs").allMatch(Exchange::ended);
        assertThat(seen.keySet()).as("every one is served, refused with 503 or reset").isSubsetOf("200", "503", "reset");
        assertThat(seen.getOrDefault("503", 0L) + seen.getOrDefault("reset", 0L)).isGreaterThan(0);
        assertThat(seen.getOrDefault("200", 0L)).as("served connections never eat into the reserve")
                .isLessThanOrEqualTo(limit - RESERVE);
        answers.stream().filter(answer -> answer.status() == 503).forEach(refused -> {
            assertJsonError(refused, 503, "unavailable");
            assertThat(refused.header("Retry-After")).isEqualTo("1");
        });

        // While the flood holds every descriptor it was given, the streams opened before it relay.
        Exchange relayed = RawHttp.exchange(posting, post("/relay/" + bob.id() + "/offer", ada.token(), "{\"n\":1}"),
                BOUND_MILLIS, false);
        assertThat(relayed.status()).isEqualTo(200);
        assertThat(bob.awaitEvent("offer").json().getJsonObject("data").getInteger("n")).isEqualTo(1);
        assertThat(streams).noneMatch(Client::streamEnded);
        String metrics = RawHttp.exchange(posting, get("/metrics", TestNode.METRICS_TOKEN), BOUND_MILLIS, false).body();
        assertThat(metrics).containsPattern("(?m)^drawbridge_refused_total\\{reason=\"file_descriptors\"} [1-9]");

        for (Socket socket : flood) {
            socket.close();
        }
        Client.await("the node serves new clients again").atMost(Duration.ofSeconds(10)).until(() ->
                RawHttp.exchange(node.port(), get("/healthz"), BOUND_MILLIS, false).status() == 200);
        Client carol = Client.access(node.baseUrl(), "carol").connect();
        carol.join("fd");
        assertThat(carol.relay(ada.id(), "offer", "{\"n\":2}").statusCode()).isEqualTo(200);
        assertThat(ada.awaitEvent("offer", e -> e.json().getJsonObject("data").getInteger("n") == 2)).isNotNull();
        assertThat(node.isAlive()).isTrue();
        assertThat(node.output()).noneMatch(line -> line.contains("Too many open files"));
        posting.close();
        threads.shutdown();
    }

    private static String outcome(Exchange exchange) {
        if (exchange.status() > 0) {
            return Integer.toString(exchange.status());
        }
        return exchange.closed() ? "reset" : "hung";
    }

    private static int openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(node.pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    private static void prlimit(int limit) throws Exception {
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(node.pid()), "--nofile=" + limit + ":" + limit)
                .inheritIO().start();
        assertThat(prlimit.waitFor()).as("prlimit's status").isZero();
    }

    private static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] get(String path, String token) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] post(String path, String token, String body) {
        return ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
