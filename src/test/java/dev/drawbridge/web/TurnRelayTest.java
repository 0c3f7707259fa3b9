package dev.drawbridge.web;

import dev.drawbridge.testing.Coturn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two pages that may only use TURN relays ({@code ICE_TRANSPORT_POLICY=relay}) reach each other
 * through a real coturn that checks the node's TURN REST credentials ({@code use-auth-secret}), and
 * draw together.
 */
class TurnRelayTest extends BrowserTest {
    private static final String TURN_SECRET = "turn-test-secret-" + Long.toHexString(System.nanoTime());

    /** Test-only: keeps every peer connection the app makes, to ask it how it is connected. */
    private static final String KEEP_PEER_CONNECTIONS = """
            (() => {
              const Native = window.RTCPeerConnection;
              window.__peerConnections = [];
              window.RTCPeerConnection = class extends Native {
                constructor(...args) { super(...args); window.__peerConnections.push(this); }
              };
            })();
            """;

    /** The candidate types of the pair a connected peer connection uses, and the policy it was made with. */
    private static final String SELECTED_PAIR = """
            async () => {
              for (const pc of window.__peerConnections) {
                if (pc.connectionState !== 'connected') continue;
                const stats = await pc.getStats();
                let pair = null;
                stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
                if (!pair) continue;
                return [pc.getConfiguration().iceTransportPolicy, stats.get(pair.localCandidateId).candidateType,
                  stats.get(pair.remoteCandidateId).candidateType].join(' ');
              }
              return null;
            }""";

    private Coturn coturn;

    @Override
    protected String[] nodeFlags() {
        coturn = Coturn.start(TURN_SECRET);
        return new String[] {"--turn-urls", coturn.url(), "--turn-secret", TURN_SECRET, "--turn-ttl", "600s",
                "--ice-transport-policy", "relay"};
    }

    @AfterAll
    void stopCoturn() {
        if (coturn != null) {
            coturn.close();
        }
    }

    @Test
    void pagesLimitedToRelaysConnectThroughCoturnWithTheNodesCredentialsAndDrawTogether() {
        String room = newRoom();
        BoardPage ada = open(room, "ada", KEEP_PEER_CONNECTIONS);
        BoardPage bob = open(room, "bob", KEEP_PEER_CONNECTIONS);

        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        ada.stroke(300, 300, 900, 500);

        eventually().alias("ada's stroke shows on bob's board").until(() -> bob.inkAt(600, 400));
        awaitSamePicture(ada, bob);
        eventually().alias("both pages on a relayed pair").until(() -> "relay relay relay".equals(ada.page.evaluate(SELECTED_PAIR))
                && "relay relay relay".equals(bob.page.evaluate(SELECTED_PAIR)));
        assertThat(coturn.allocations()).as("allocations in coturn's log:\n%s", coturn.logText()).isGreaterThanOrEqualTo(2);
        // coturn names each allocation's user: the node's '<expiry>:<peer id>' of each page.
        assertThat(coturn.logText()).containsPattern("user <[0-9]+:" + ada.id() + ">")
                .containsPattern("user <[0-9]+:" + bob.id() + ">");
    }
}
