package dev.drawbridge.web;

import com.microsoft.playwright.Locator;
import dev.drawbridge.testing.Chromium;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deploy as browsers live it: two pages whose streams are on two nodes of one Redis, and the node
 * of one page restarted (SIGTERM, drain, start again). The page resumes its stream; the WebRTC link
 * between the two is never rebuilt, nobody leaves the people list, and both keep drawing.
 */
class NodeRestartIT {
    /**
     * Test-only: counts the page's peer connections and the remote descriptions they were given,
     * and notes every person that left the people list and every status the page showed.
     */
    private static final String WATCH = """
            (() => {
              const seen = window.__watch = { connections: 0, remoteDescriptions: 0, dropped: [], states: [] };
              const Native = window.RTCPeerConnection;
              window.RTCPeerConnection = class extends Native {
                constructor(...args) { super(...args); seen.connections++; }
                setRemoteDescription(...args) { seen.remoteDescriptions++; return super.setRemoteDescription(...args); }
              };
              new MutationObserver((records) => {
                for (const record of records) {
                  for (const node of record.removedNodes) {
                    if (node.tagName === 'LI' && node.dataset.peer) seen.dropped.push(node.dataset.peer);
                  }
                  if (record.type === 'attributes' && record.target.id === 'status') seen.states.push(record.target.dataset.state);
                }
              }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
            })();
            """;

    private static RedisServer redis;
    private static NodeProcess one;
    private static NodeProcess two;
    private static Chromium chromium;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        one = NodeProcess.start("restart-node-1", flags(0));
        two = NodeProcess.start("restart-node-2", flags(0));
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        for (NodeProcess node : new NodeProcess[] {one, two}) {
            if (node != null) {
                node.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPageWhoseNodeRestartsKeepsItsDataChannelItsPeopleAndItsDrawing() {
        String room = BrowserTest.newRoom();
        BoardPage ada = BoardPage.open(chromium.newContext(1280, 800, WATCH), one.baseUrl(), room, "ada");
        BoardPage bob = BoardPage.open(chromium.newContext(1280, 800, WATCH), two.baseUrl(), room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        String adaId = ada.id();
        ada.stroke(100, 100, 700, 100);
        BrowserTest.awaitSamePicture(ada, bob);
        Map<String, Object> adaBefore = watch(ada);
        Map<String, Object> bobBefore = watch(bob);

        int port = one.port();
        one.signal("TERM");
        ada.page.locator("#status[data-state='reconnecting']").waitFor();
        bob.stroke(900, 300, 1500, 300);
        assertThat(one.awaitExit(Duration.ofSeconds(20))).as("the drained node's exit status").isZero();
        one = NodeProcess.start("restart-node-1-again", flags(port));
        ada.page.locator("#status[data-state='open']").waitFor(new Locator.WaitForOptions().setTimeout(30_000));
        ada.stroke(100, 600, 700, 600);

        BrowserTest.awaitSamePicture(ada, bob);
        for (BoardPage page : new BoardPage[] {ada, bob}) {
            assertThat(page.inkAt(400, 100)).as("ada's stroke before the restart, on %s", page).isTrue();
            assertThat(page.inkAt(1200, 300)).as("bob's stroke while ada's node was down, on %s", page).isTrue();
            assertThat(page.inkAt(400, 600)).as("ada's stroke after the restart, on %s", page).isTrue();
        }
        assertThat(ada.id()).as("ada resumed as herself").isEqualTo(adaId);
        assertThat(ada.peers()).hasSize(1);
        assertThat(bob.peers()).hasSize(1);
        for (var pair : List.of(Map.entry(ada, adaBefore), Map.entry(bob, bobBefore))) {
            Map<String, Object> after = watch(pair.getKey());
            assertThat(after.get("connections")).as("peer connections made by %s", pair.getKey())
                    .isEqualTo(pair.getValue().get("connections"));
            assertThat(after.get("remoteDescriptions")).as("session descriptions taken by %s", pair.getKey())
                    .isEqualTo(pair.getValue().get("remoteDescriptions"));
            // (the page's own provisional entry, from before it first connected, is replaced at start)
            assertThat((List<Object>) after.get("dropped")).as("people who left the list of %s since the restart", pair.getKey())
                    .isEqualTo(pair.getValue().get("dropped"));
        }
        assertThat((List<Object>) watch(ada).get("states")).as("ada's statuses").contains("reconnecting", "open");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> watch(BoardPage page) {
        return (Map<String, Object>) page.page.evaluate("() => structuredClone(window.__watch)");
    }

    /** A node on the shared Redis; port 0 for any free one. A short drain keeps the test quick. */
    private static String[] flags(int port) {
        return new String[] {"--redis-url", redis.url(), "--port", Integer.toString(port), "--drain-spread", "1s",
                "--drain-timeout", "10s"};
    }
}
