package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A page that arrives in the middle of a session is shown everything drawn before it. */
class CatchUpTest extends BrowserTest {

    /**
     * A reloading page says it leaves (a keepalive POST as it unloads); should that POST be lost, as
     * it can be on a loaded machine, its old self stays for the resume grace: a short one here.
     */
    @Override
    protected String[] nodeFlags() {
        return new String[] {"--resume-grace", "2s"};
    }

    @Test
    void aPageThatJoinsLateShowsEverythingDrawnBeforeIt() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        drawASession(ada, bob);
        String picture = awaitSamePicture(ada, bob);

        BoardPage late = open(room, "late");
        late.waitForPeers(2, "p2p");

        assertThat(awaitSamePicture(ada, bob, late)).isEqualTo(picture);
        assertSessionShows(late);
        // It took the log from two peers at once, and holds each entry once.
        assertThat(entries(late)).isEqualTo(entries(ada)).isEqualTo(entries(bob));
    }

    @Test
    void aReloadedPageShowsEverythingAgainAndReplacesItsOldSelf() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        String oldBob = bob.id();
        drawASession(ada, bob);
        String picture = awaitSamePicture(ada, bob);

        bob.page.reload();
        bob.waitUntilJoined();
        bob.waitForPeers(1, "p2p");
        String newBob = bob.id();
        assertThat(newBob).isNotEqualTo(oldBob);

        assertThat(awaitSamePicture(ada, bob)).isEqualTo(picture);
        assertSessionShows(bob);
        ada.page.locator("#people li[data-peer='" + oldBob + "']").waitFor(
                new com.microsoft.playwright.Locator.WaitForOptions()
                        .setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED));
        assertThat(ada.page.locator("#people li[data-peer='" + newBob + "'] .name").textContent()).isEqualTo("bob");
        assertThat(ada.peers()).hasSize(1);
    }

    /** Strokes, a rectangle, a clear, a stroke after it, and the clear undone: a log with some history. */
    private static void drawASession(BoardPage ada, BoardPage bob) {
        ada.stroke(100, 100, 700, 150);
        bob.selectTool("rect");
        bob.stroke(900, 100, 1300, 400);
        eventually().until(() -> ada.inkAt(900, 250));
        ada.press("Backspace");
        eventually().until(() -> !bob.inkAt(900, 250));
        bob.selectTool("pencil");
        bob.stroke(100, 700, 1500, 700);
        eventually().until(() -> ada.inkAt(800, 700));
        ada.press("Control+z");
        eventually().until(() -> bob.inkAt(900, 250));
    }

    private static void assertSessionShows(BoardPage page) {
        assertThat(page.inkAt(400, 125)).as("ada's first stroke").isTrue();
        assertThat(page.inkAt(900, 250)).as("bob's rectangle").isTrue();
        assertThat(page.inkAt(800, 700)).as("bob's stroke after the clear").isTrue();
        assertThat(page.inkAt(1100, 250)).as("inside the rectangle").isFalse();
    }

    private static Object entries(BoardPage page) {
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) page.page.evaluate("() => window.drawbridge.state()");
        return List.of(state.get("entries"), state.get("visible"));
    }
}
