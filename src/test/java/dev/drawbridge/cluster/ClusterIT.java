package dev.drawbridge.cluster;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.SseEvent;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three node processes on one Redis: every protocol scenario holds when a browser's stream is on one
 * node and its requests, and its room-mates, are on others.
 */
class ClusterIT {
    private static AutoCloseable redis;
    // The names of the connections of each Redis server the nodes use (one, or each primary).
    private static Supplier<List<List<String>>> clientNames;
    private static final List<NodeProcess> nodes = new ArrayList<>();
    private static int rooms;

    @BeforeAll
    static void start() {
        RedisServer server = RedisServer.start();
        startNodes(server, server.url(), () -> List.of(server.clientNames()));
    }

    /** Three nodes on the Redis at {@code url}; {@code names} lists the connections of each of its servers. */
    static void startNodes(AutoCloseable redisServers, String url, Supplier<List<List<String>>> names) {
        redis = redisServers;
        clientNames = names;
        for (int i = 1; i <= 3; i++) {
            // A thousand browsers here come from one address: the per-address limits
            // (docs/LIMITS.md, tested in AddressLimitsTest) are off, the rest at their defaults.
            nodes.add(NodeProcess.start("cluster-node-" + i, "--redis-url", url, "--max-room-size", "4",
                    "--resume-grace", "500ms", "--max-address-streams", "0", "--stream-limit", "0", "--token-limit", "0"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.forEach(NodeProcess::close);
        nodes.clear();
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void peersOnThreeNodesJoiningOneRoomAreOfferedToEachOther() {
        String room = room();
        Client ada = on(0, "ada").postingTo(url(1));
        Client bob = on(1, "bob").postingTo(url(2));
        Client cy = on(2, "cy").postingTo(url(0));

        assertThat(ada.join(room).statusCode()).isEqualTo(200);
        assertThat(bob.join(room).statusCode()).isEqualTo(200);
        assertThat(cy.join(room).statusCode()).isEqualTo(200);

        assertAddPeer(cy, ada, true);
        assertAddPeer(cy, bob, true);
        assertAddPeer(bob, ada, true);
        assertAddPeer(bob, cy, false);
        assertAddPeer(ada, bob, false);
        assertAddPeer(ada, cy, false);
    }

    @Test
    void aRelayReachesAPeerOnAnotherNodeInOrder() {
        String room = room();
        Client ada = on(0, "ada");
        Client bob = on(1, "bob").postingTo(url(2));
        ada.join(room);
        bob.join(room);

        IntStream.range(0, 100).forEach(i ->
                assertThat(bob.relay(ada.id(), "ice-candidate", "{\"n\":" + i + "}").statusCode()).isEqualTo(200));

        Client.await("100 candidates").until(() -> ada.events("ice-candidate").size() == 100);
        assertThat(ada.events("ice-candidate")).extracting(e -> e.json().getJsonObject("data").getInteger("n"))
                .containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
        assertThat(ada.events("ice-candidate").get(0).json().getJsonObject("peer").getString("id")).isEqualTo(bob.id());
    }

    @Test
    void onlyRoomMatesMaySignalEachOtherAcrossNodes() {
        Client ada = on(0, "ada");
        Client stranger = on(1, "stranger").postingTo(url(2));
        ada.join(room());
        stranger.join(room());

        HttpResponse<String> refused = stranger.relay(ada.id(), "offer", "{}");

        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("unknown_peer");
    }

    @Test
    void joiningWithAStreamOnAnotherNodeCountsAsConnected() {
        Client ada = on(2, "ada").postingTo(url(0));

        assertThat(ada.join(room()).statusCode()).isEqualTo(200);
        Client noStream = Client.access(url(1), "nostream");
        assertThat(noStream.join(room()).statusCode()).isEqualTo(409);
    }

    @Test
    void leavingAndDisconnectingAreToldAcrossNodes() {
        String room = room();
        Client ada = on(0, "ada");
        Client bob = on(1, "bob").postingTo(url(2));
        Client cy = on(2, "cy");
        ada.join(room);
        bob.join(room);
        cy.join(room);

        bob.leave(room);
        SseEvent left = ada.awaitEvent("remove-peer", e -> peerId(e).equals(bob.id()));
        cy.disconnect();

        ada.awaitEvent("remove-peer", e -> peerId(e).equals(cy.id()));
        assertThat(left.json().getString("roomId")).isEqualTo(room);
        Client dan = on(1, "dan");
        assertThat(new JsonObject(dan.join(room).body()).getJsonArray("peers").size()).isEqualTo(1);
    }

    @Test
    void fiftyPairsOnDifferentNodesJoiningAtOnceLearnOfEachOtherExactlyOnce() throws Exception {
        int pairs = 50;
        List<Client[]> peers = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            peers.add(new Client[] {on(i % 3, "l" + i).postingTo(url((i + 1) % 3)), on((i + 1) % 3, "r" + i)});
        }
        CyclicBarrier start = new CyclicBarrier(pairs * 2);
        List<CompletableFuture<HttpResponse<String>>> joins = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(pairs * 2)) {
            for (int i = 0; i < pairs; i++) {
                String room = "race-" + i + "-" + System.nanoTime();
                for (Client peer : peers.get(i)) {
                    joins.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            start.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return peer.join(room);
                    }, threads));
                }
            }
            joins.forEach(join -> assertThat(join.join().statusCode()).isEqualTo(200));
        }
        for (Client[] pair : peers) {
            Client.await("the pair " + pair[0].username() + " meets")
                    .until(() -> pair[0].events("add-peer").size() == 1 && pair[1].events("add-peer").size() == 1);
            assertThat(pair[0].events("add-peer").get(0).json().getBoolean("offer"))
                    .isNotEqualTo(pair[1].events("add-peer").get(0).json().getBoolean("offer"));
            pair[1].relay(pair[0].id(), "marker", "{}");
            pair[0].awaitEvent("marker");
            assertThat(pair[0].events("add-peer")).hasSize(1);
        }
    }

    @Test
    void aThousandBrowsersAddNoRedisConnections() {
        List<List<String>> before = clientNames.get();
        List<Integer> sessionsBefore = nodes.stream().map(ClusterIT::sessions).toList();
        List<Client> browsers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Client browser = Client.access(url(i % 3), "b" + i);
            browser.openStream();
            browsers.add(browser);
        }
        browsers.forEach(browser -> browser.awaitEvent("connected"));

        List<List<String>> during = clientNames.get();
        browsers.forEach(Client::disconnect);

        Client.await("every node ends the sessions of the thousand").atMost(java.time.Duration.ofSeconds(30))
                .until(() -> nodes.stream().map(ClusterIT::sessions).toList().equals(sessionsBefore));

        for (int server = 0; server < during.size(); server++) {
            assertThat(during.get(server)).containsExactlyInAnyOrderElementsOf(before.get(server));
            assertFixedPairsPerLane(during.get(server));
        }
    }

    /** On each Redis server: a command and a subscriber connection per event loop of each node, a fixed pair each. */
    private static void assertFixedPairsPerLane(List<String> during) {
        for (NodeProcess node : nodes) {
            List<String> own = during.stream().filter(name -> name.startsWith("drawbridge:" + node.name() + ":")).toList();
            List<String> lanes = own.stream().filter(name -> name.contains(":cmd:"))
                    .map(name -> name.substring(name.lastIndexOf(':') + 1)).toList();
            assertThat(lanes).isNotEmpty().doesNotHaveDuplicates();
            assertThat(own).containsExactlyInAnyOrderElementsOf(lanes.stream()
                    .flatMap(i -> Stream.of("drawbridge:" + node.name() + ":cmd:" + i,
                            "drawbridge:" + node.name() + ":sub:" + i))
                    .toList());
        }
    }

    private static int sessions(NodeProcess node) {
        String metrics = TestNode.metrics(node.baseUrl());
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(?m)^drawbridge_sessions (\\S+)$").matcher(metrics);
        return matcher.find() ? (int) Double.parseDouble(matcher.group(1)) : -1;
    }

    private static Client on(int node, String name) {
        return Client.access(url(node), name).connect();
    }

    private static String url(int node) {
        return nodes.get(node).baseUrl();
    }

    private static synchronized String room() {
        return "cluster-" + rooms++;
    }

    private static String peerId(SseEvent event) {
        return event.json().getJsonObject("peer").getString("id");
    }

    private static void assertAddPeer(Client receiver, Client about, boolean offer) {
        SseEvent event = receiver.awaitEvent("add-peer", e -> peerId(e).equals(about.id()));
        assertThat(event.json().getBoolean("offer")).as("%s told of %s", receiver.username(), about.username())
                .isEqualTo(offer);
        assertThat(event.json().getJsonObject("peer").getString("username")).isEqualTo(about.username());
    }
}
