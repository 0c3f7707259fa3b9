package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import dev.drawbridge.testing.Chromium;
import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import dev.drawbridge.testing.Nginx;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment of docs/DEPLOYMENT.md, for real: two nodes on one Redis behind nginx configured
 * with the project's deploy/nginx/drawbridge.conf, and two Chromium pages whose streams are on
 * different nodes drawing together.
 */
class ThroughNginxIT {
    private static final int TRIES = 20;
    private static RedisServer redis;
    private static List<NodeProcess> nodes;
    private static Nginx nginx;
    private static Chromium chromium;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        // A page closed to try again leaves its peer in the room for the resume grace: a short one.
        nodes = List.of(
                NodeProcess.start("nginx-node-1", "--redis-url", redis.url(), "--resume-grace", "1s"),
                NodeProcess.start("nginx-node-2", "--redis-url", redis.url(), "--resume-grace", "1s"));
        nginx = Nginx.start(nodes.stream().map(NodeProcess::port).toList());
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (nginx != null) {
            nginx.close();
        }
        if (nodes != null) {
            nodes.forEach(NodeProcess::close);
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void twoPagesWhoseStreamsAreOnDifferentNodesDrawTogetherThroughNginx() {
        String room = BrowserTest.newRoom();
        BoardPage ada = BoardPage.open(chromium.newContext(1280, 800), nginx.baseUrl(), room, "ada");
        int adaNode = nodeHoldingStreams(1);

        BoardPage bob = null;
        for (int attempt = 0; attempt < TRIES && bob == null; attempt++) {
            BrowserContext context = chromium.newContext(1280, 800);
            BoardPage candidate = BoardPage.open(context, nginx.baseUrl(), room, "bob");
            Client.await("bob's stream is counted").until(() -> openStreams(0) + openStreams(1) == 2);
            if (openStreams(adaNode) == 1) {
                bob = candidate;
            } else {
                // nginx put bob's stream beside ada's: leave, and come in again.
                context.close();
                Client.await("bob's stream is gone").until(() -> openStreams(adaNode) == 1);
            }
        }
        assertThat(bob).as("within %d tries, nginx puts bob's stream on the other node", TRIES).isNotNull();
        assertThat(openStreams(0)).isEqualTo(1);
        assertThat(openStreams(1)).isEqualTo(1);
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");

        ada.stroke(200, 200, 800, 500);
        bob.stroke(1000, 200, 1400, 600);

        BrowserTest.awaitSamePicture(ada, bob);
        for (BoardPage page : new BoardPage[] {ada, bob}) {
            assertThat(page.inkAt(500, 350)).as("ada's stroke on %s", page).isTrue();
            assertThat(page.inkAt(1200, 400)).as("bob's stroke on %s", page).isTrue();
            assertThat(page.inkAt(300, 800)).as("nothing elsewhere on %s", page).isFalse();
        }
    }

    /** The index of the node holding exactly {@code count} streams, waiting until one does. */
    private static int nodeHoldingStreams(int count) {
        int[] found = {-1};
        Client.await("a node holds " + count + " stream").until(() -> {
            for (int i = 0; i < nodes.size(); i++) {
                if (openStreams(i) == count) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static int openStreams(int node) {
        String metrics = TestNode.metrics(nodes.get(node).baseUrl());
        Matcher matcher = Pattern.compile("(?m)^drawbridge_streams_open (\\S+)$").matcher(metrics);
        return matcher.find() ? (int) Double.parseDouble(matcher.group(1)) : -1;
    }
}
