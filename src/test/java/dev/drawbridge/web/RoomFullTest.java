package dev.drawbridge.web;

import com.microsoft.playwright.Page;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A room at its size limit turns the next page away with a clear message, not a blank board. */
class RoomFullTest extends BrowserTest {
    @Override
    protected String[] nodeFlags() {
        return new String[] {"--max-room-size", "2"};
    }

    @Test
    void aPageThatFindsTheRoomFullSaysSoAndTheOthersDoNotSeeIt() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");

        Page third = chromium.newContext(1280, 800).newPage();
        third.navigate(node.baseUrl() + "/" + room + "?name=third");
        third.locator("#notice").waitFor();
        assertThat(third.locator("#notice").textContent()).contains("This room is full (at most 2 people)");

        // The two members keep drawing together, and nobody else appears in their lists.
        ada.stroke(200, 200, 800, 200);
        eventually().until(() -> bob.inkAt(500, 200));
        assertThat(ada.page.locator("#people li").count()).isEqualTo(2);
        assertThat(bob.page.locator("#people li").count()).isEqualTo(2);
    }
}
