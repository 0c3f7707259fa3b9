package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Route;
import dev.drawbridge.testing.Chromium;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Saved boards on Redis with two node processes: a board drawn through a node that is then killed
 * with SIGKILL opens whole through the other; and neither Redis nor the nodes' logs (at DEBUG)
 * ever hold a drawing's plaintext.
 */
class SavedBoardClusterIT {
    private static final List<String> DEBUG = List.of("-DDRAWBRIDGE_LOG_LEVEL=DEBUG");
    private static RedisServer redis;
    private static final List<NodeProcess> nodes = new ArrayList<>();
    private static Chromium chromium;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        for (int i = 1; i <= 2; i++) {
            nodes.add(NodeProcess.start("saved-node-" + i, DEBUG, "--redis-url", redis.url()));
        }
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        nodes.forEach(NodeProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    private static BoardPage open(SavedBoard board, String name, String... initScripts) {
        return BoardPage.openLink(chromium.newContext(1280, 800, initScripts), board.link(name), name);
    }

    @Test
    void aBoardDrawnThroughANodeKilledWithSigkillOpensWholeThroughTheOtherNode() {
        NodeProcess doomed = NodeProcess.start("saved-doomed", DEBUG, "--redis-url", redis.url());
        SavedBoard board = SavedBoard.create(doomed.baseUrl(), BrowserTest.newRoom());
        BoardPage ada = open(board, "ada");
        BoardPage bob = open(board, "bob");
        ada.waitForPeers(1, "p2p");
        ada.stroke(100, 100, 700, 150, 900, 500);
        bob.selectTool("ellipse");
        bob.stroke(900, 100, 1300, 400);
        String picture = BrowserTest.awaitSamePicture(ada, bob);
        ada.waitUntilSaved();
        bob.waitUntilSaved();
        chromium.closeContexts();

        doomed.kill();

        BoardPage alone = open(board.on(nodes.get(1).baseUrl()), "alone");
        alone.waitUntilSaved();
        BrowserTest.eventually().alias("the board drawn through the dead node")
                .until(() -> alone.canvasHash().equals(picture));
        // Ada and bob may still be listed: the peers of a killed node keep their place in the room
        // for the resume grace (then a survivor reaps them). They are gone, so nothing came from them:
        // the picture came from storage.
        assertThat(alone.peers()).allSatisfy(peer -> assertThat(peer.get("channelOpenedAt"))
                .as("a data channel to %s", peer.get("username")).isNull());
        chromium.closeContexts();
    }

    @Test
    void neitherRedisNorTheNodesLogsNorTheRelayEverHoldTheDrawingsPlaintext() throws IOException {
        SavedBoard board = SavedBoard.create(nodes.get(0).baseUrl(), BrowserTest.newRoom());
        List<String> relayBodies = new CopyOnWriteArrayList<>();
        BoardPage open = open(board, "open");
        // On SSE + POST (no WebSocket), so that every relayed body of this page is a request seen here.
        BrowserContext blockedContext = chromium.newContext(1280, 800, RelayFallbackTest.BLOCK_PEER_TO_PEER,
                DrawingTogetherTest.BLOCK_WEBSOCKETS);
        for (String path : List.of("**/relay/**", "**/broadcast/**")) {
            blockedContext.route(path, (Route route) -> {
                relayBodies.add(route.request().postData());
                route.resume();
            });
        }
        BoardPage blocked = BoardPage.openLink(blockedContext, board.on(nodes.get(1).baseUrl()).link("blocked"), "blocked");
        blocked.waitForPeers(1, "relay");

        String marker = "MARKER-" + UUID.randomUUID();
        blocked.selectTool("text");
        double[] at = blocked.toViewport(300, 300);
        blocked.page.mouse().click(at[0], at[1]);
        blocked.page.keyboard().type(marker);
        blocked.press("Enter");
        blocked.selectTool("pencil");
        blocked.stroke(100, 600, 800, 650, 1400, 700);
        open.stroke(100, 800, 1500, 820);
        BrowserTest.awaitSamePicture(open, blocked);
        open.waitUntilSaved();
        blocked.waitUntilSaved();
        assertThat(relayBodies.stream().filter(body -> body.startsWith("["))).hasSizeGreaterThan(2);

        String redisContent = everyRedisValue();
        assertThat(redisContent).as("Redis holds the board").contains(board.roomId());
        List<byte[]> logs = new ArrayList<>();
        for (NodeProcess node : nodes) {
            logs.add(Files.readAllBytes(Path.of("target", "nodes", node.name() + ".log")));
        }
        for (String secret : List.of(marker, "\"points\"", "\"kind\"", "\"text\"", "\"ops\"")) {
            assertThat(SavedBoard.holds(redisContent.getBytes(StandardCharsets.UTF_8), secret)).as("Redis holds " + secret).isFalse();
            for (byte[] log : logs) {
                assertThat(SavedBoard.holds(log, secret)).as("a node's log holds " + secret).isFalse();
            }
            for (String body : relayBodies) {
                assertThat(SavedBoard.holds(body.getBytes(StandardCharsets.UTF_8), secret)).as("a relay body holds " + secret).isFalse();
            }
        }
        chromium.closeContexts();
    }

    /** Every key of Redis with its value, whatever its type, as text. */
    private static String everyRedisValue() {
        StringBuilder all = new StringBuilder();
        String cursor = "0";
        do {
            List<?> reply = (List<?>) redis.call("SCAN", cursor, "COUNT", "1000");
            cursor = (String) reply.get(0);
            for (Object key : (List<?>) reply.get(1)) {
                String name = (String) key;
                String type = (String) redis.call("TYPE", name);
                Object value = switch (type) {
                    case "string" -> redis.call("GET", name);
                    case "hash" -> redis.call("HGETALL", name);
                    case "list" -> redis.call("LRANGE", name, "0", "-1");
                    case "set" -> redis.call("SMEMBERS", name);
                    case "zset" -> redis.call("ZRANGE", name, "0", "-1", "WITHSCORES");
                    case "stream" -> redis.call("XRANGE", name, "-", "+");
                    default -> type;
                };
                all.append(name).append(" = ").append(value).append('\n');
            }
        } while (!cursor.equals("0"));
        return all.toString();
    }
}
