package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When a network blocks peer-to-peer, drawings go through the server's relay, and nothing is lost. */
class RelayFallbackTest extends BrowserTest {

    /**
     * Test-only: this page's peer connections gather no candidates at all (relay-only ICE with no
     * TURN server), so none of them can ever connect, as behind a firewall that blocks UDP.
     */
    static final String BLOCK_PEER_TO_PEER = """
            (() => {
              const Native = window.RTCPeerConnection;
              window.RTCPeerConnection = class extends Native {
                constructor(config) {
                  super({ ...(config ?? {}), iceServers: [], iceTransportPolicy: 'relay' });
                }
              };
            })();
            """;

    /** Test-only: counts the room broadcasts and the relays this page sends on its WebSocket. */
    static final String COUNT_SOCKET_MESSAGES = """
            (() => {
              window.__sent = { broadcast: 0, relay: 0 };
              const send = WebSocket.prototype.send;
              WebSocket.prototype.send = function (data) {
                const op = typeof data === 'string' ? JSON.parse(data).op : null;
                if (op in window.__sent) window.__sent[op]++;
                return send.call(this, data);
              };
            })();
            """;

    @Test
    void inARoomWherePeerToPeerIsBlockedAStrokeGoesToEveryPageAsOneRoomBroadcast() {
        String room = newRoom();
        BoardPage ada = open(room, "ada", BLOCK_PEER_TO_PEER, COUNT_SOCKET_MESSAGES);
        ada.waitUntilJoined();
        BoardPage bob = open(room, "bob", BLOCK_PEER_TO_PEER, COUNT_SOCKET_MESSAGES);
        bob.waitUntilJoined();
        BoardPage cy = open(room, "cy", BLOCK_PEER_TO_PEER, COUNT_SOCKET_MESSAGES);
        for (BoardPage page : new BoardPage[] {ada, bob, cy}) {
            page.waitForPeers(2, "relay");
        }
        Map<?, ?> before = (Map<?, ?>) ada.page.evaluate("() => ({ ...window.__sent })");

        ada.stroke(200, 200, 600, 400);

        eventually().alias("ada's stroke reaches both pages").until(() -> bob.inkAt(400, 300) && cy.inkAt(400, 300));
        awaitSamePicture(ada, bob);
        awaitSamePicture(ada, cy);
        Map<?, ?> after = (Map<?, ?>) ada.page.evaluate("() => ({ ...window.__sent })");
        assertThat(((Number) after.get("broadcast")).intValue()).as("room broadcasts sent for the stroke")
                .isGreaterThan(((Number) before.get("broadcast")).intValue());
    }

    @Test
    void drawingReachesAPageWhoseNetworkBlocksPeerToPeerThroughTheServerRelay() {
        String room = newRoom();
        BoardPage open = open(room, "open");
        // Before the blocked page arrives: a long scribble, so that catching up takes several
        // relay bodies (each at most 64 KiB).
        open.stroke(800, 60, 1000, 60);
        double[] scribble = new double[2 * 12_000];
        for (int i = 0; i < 12_000; i++) {
            scribble[2 * i] = 80 + 1440 * (i % 200) / 199.0;
            scribble[2 * i + 1] = 90 + 720 * i / 12_000.0;
        }
        open.startSyntheticPath(scribble, 0, 0);
        open.awaitSyntheticPath();

        BoardPage blocked = open(room, "blocked", BLOCK_PEER_TO_PEER);
        open.waitForPeers(1, "relay");
        blocked.waitForPeers(1, "relay");
        long relayAt = System.nanoTime();
        String blockedItem = "#people li[data-peer='" + blocked.id() + "']";
        assertThat(open.page.locator(blockedItem).getAttribute("data-transport")).isEqualTo("relay");
        assertThat(open.page.locator(blockedItem + " .transport").textContent()).isEqualTo("via server relay");

        // The scribble caught up through the relay.
        awaitSamePicture(open, blocked);
        assertThat(blocked.inkAt(800, 100)).as("the start of the scribble").isTrue();
        long logBytes = ((Number) open.page.evaluate("() => window.drawbridge.logBytes()")).longValue();
        assertThat(logBytes).as("the log needs several relay bodies").isGreaterThan(2 * 64 * 1024);
        report("catch-up of " + logBytes + " bytes of log through the relay", (System.nanoTime() - relayAt) / 1e6, "ms");

        // Both ways, live.
        open.stroke(200, 820, 700, 820);
        blocked.selectTool("ellipse");
        blocked.stroke(900, 750, 1500, 880);
        eventually().alias("the open page's stroke reaches the blocked page").until(() -> blocked.inkAt(450, 820));
        eventually().alias("the blocked page's ellipse reaches the open page").until(() -> open.inkAt(900, 815));
        awaitSamePicture(open, blocked);

        // And it really was the relay: no data channel ever opened.
        for (Map<String, Object> peer : blocked.peers()) {
            assertThat(peer.get("channelOpenedAt")).isNull();
        }
        for (Map<String, Object> peer : open.peers()) {
            assertThat(peer.get("channelOpenedAt")).isNull();
        }
    }
}
