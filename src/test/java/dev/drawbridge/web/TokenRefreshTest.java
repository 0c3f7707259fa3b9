package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The app refreshes its token before it expires, so a long session keeps working. */
class TokenRefreshTest extends BrowserTest {
    @Override
    protected String[] nodeFlags() {
        return new String[] {"--token-ttl", "6s"};
    }

    @Test
    void drawingThroughTheRelayKeepsWorkingAfterTheFirstTokenExpired() {
        String room = newRoom();
        BoardPage open = open(room, "open");
        // Peer-to-peer blocked, so every drawing needs an authenticated relay post.
        BoardPage blocked = open(room, "blocked", RelayFallbackTest.BLOCK_PEER_TO_PEER);
        open.waitForPeers(1, "relay");
        blocked.waitForPeers(1, "relay");
        String openId = open.id();
        String blockedId = blocked.id();
        double firstExpiry = tokenExpiresAt(blocked);

        // Wait for the first tokens to be over (the server refuses them from then on).
        for (BoardPage page : List.of(open, blocked)) {
            page.page.waitForFunction("(expiry) => Date.now() > expiry + 1000", tokenExpiresAt(page));
        }

        blocked.stroke(200, 200, 1400, 200);
        open.stroke(200, 700, 1400, 700);
        eventually().alias("the blocked page's stroke reaches the open page").until(() -> open.inkAt(800, 200));
        eventually().alias("the open page's stroke reaches the blocked page").until(() -> blocked.inkAt(800, 700));
        awaitSamePicture(open, blocked);

        assertThat(tokenExpiresAt(blocked)).as("a refreshed token").isGreaterThan(firstExpiry);
        assertThat(open.id()).as("the same peer after a refresh").isEqualTo(openId);
        assertThat(blocked.id()).isEqualTo(blockedId);
    }

    private static double tokenExpiresAt(BoardPage page) {
        return ((Number) page.page.evaluate("() => window.drawbridge.state().tokenExpiresAt")).doubleValue();
    }
}
