package dev.drawbridge.web;

import com.microsoft.playwright.Route;
import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** A page whose connection to the server drops comes back by itself, and nothing drawn is lost. */
class ReconnectTest extends BrowserTest {

    /** The page stays away longer than the resume grace: its room is told it left. */
    @Override
    protected String[] nodeFlags() {
        return new String[] {"--resume-grace", "2s"};
    }

    /** Test-only: keeps the page's EventSources, and can break the latest one as a network would. */
    static final String BREAKABLE_STREAM = """
            (() => {
              const Native = window.EventSource;
              const sources = [];
              window.EventSource = class extends Native {
                constructor(...args) {
                  super(...args);
                  sources.push(this);
                }
              };
              window.breakEventStream = () => {
                const source = sources.at(-1);
                source.close();
                source.dispatchEvent(new Event('error'));
              };
            })();
            """;

    /** Bob's page is on the event stream (its WebSockets cannot open), whose drop this breaks. */
    @Test
    void aPageWhoseEventStreamDroppedRejoinsAndCatchesUp() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob", DrawingTogetherTest.BLOCK_WEBSOCKETS, BREAKABLE_STREAM);
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        String bobId = bob.id();
        ada.stroke(100, 100, 700, 100);
        eventually().until(() -> bob.inkAt(400, 100));

        // Bob's event stream breaks, and the server cannot be reached for a while: it tells the
        // room he left.
        Pattern connect = Pattern.compile(".*/connect\\?.*");
        bob.page.context().route(connect, Route::abort);
        bob.page.evaluate("() => window.breakEventStream()");
        bob.page.locator("#status[data-state='reconnecting']").waitFor();
        ada.page.locator("#people li[data-peer='" + bobId + "']").waitFor(
                new com.microsoft.playwright.Locator.WaitForOptions()
                        .setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED));
        // Both keep drawing meanwhile.
        ada.stroke(100, 400, 700, 400);
        bob.stroke(900, 400, 1500, 400);

        bob.page.context().unroute(connect);
        bob.page.locator("#status[data-state='open']").waitFor();
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");

        awaitSamePicture(ada, bob);
        for (BoardPage page : new BoardPage[] {ada, bob}) {
            assertThat(page.inkAt(400, 100)).as("before the drop, on %s", page).isTrue();
            assertThat(page.inkAt(400, 400)).as("ada's stroke while bob was away, on %s", page).isTrue();
            assertThat(page.inkAt(1200, 400)).as("bob's stroke while he was away, on %s", page).isTrue();
        }
        assertThat(bob.id()).as("bob came back as himself").isEqualTo(bobId);
    }
}
