package dev.drawbridge.web;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Following a person's view (docs/DATA-CHANNEL.md, `view`): the people list's Follow button makes
 * this page show what the other one looks at, live, as they pan and zoom, until this page moves
 * its own view, Escape is pressed, or the button is pressed again.
 */
class FollowTest extends BrowserTest {

    @Test
    void aFollowerSeesWhatTheFollowedOneSeesUntilItMovesItsOwnView() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        String adaId = ada.id();

        // Ada looks elsewhere before bob follows: following takes her view at once.
        ada.setView(-6, 150, -80);
        button(bob, "Follow ada").click();
        eventually().alias("bob follows ada").until(() -> adaId.equals(following(bob)));
        awaitSameView(ada, bob);
        assertThat(bob.page.locator("#following").isVisible()).isTrue();
        assertThat(bob.page.locator("#following").textContent()).contains("Following ada");
        assertThat(button(bob, "Stop following ada").getAttribute("aria-pressed")).isEqualTo("true");

        // Ada pans with the hand, zooms with the button and a key: bob's view goes along each time.
        ada.selectTool("hand");
        ada.pointerDown(1200, 700);
        ada.pointerMove(900, 500, 10);
        ada.pointerUp();
        awaitSameView(ada, bob);
        ada.page.locator("#zoom-in").click();
        ada.page.locator("#zoom-in").click();
        awaitSameView(ada, bob);
        ada.page.locator("#overlay").focus();
        ada.press("Minus");
        awaitSameView(ada, bob);
        assertThat(ada.view().get("level").intValue()).as("ada zoomed: -6 + 2 x 4 - 4").isEqualTo(-2);

        // A stroke of ada's lands at the same screen place on both pages: one picture.
        ada.selectTool("pencil");
        ada.setWidth(8);
        ada.stroke(500, 300, 900, 300);
        eventually().alias("ada's stroke at the same canvas place on bob's board").until(() -> bob.inkAt(700, 300));
        assertThat(ada.inkAt(700, 300)).isTrue();
        awaitSamePicture(ada, bob);

        // Bob scrolls his own board: he follows no more, and ada's next zoom leaves his view alone.
        double[] centre = bob.toViewport(800, 450);
        bob.page.mouse().move(centre[0], centre[1]);
        bob.page.mouse().wheel(0, 120);
        eventually().alias("bob's own pan stops the following").until(() -> following(bob) == null);
        assertThat(bob.page.locator("#following").isVisible()).isFalse();
        assertThat(button(bob, "Follow ada").getAttribute("aria-pressed")).isEqualTo("false");
        eventually().until(() -> !bob.view().equals(ada.view()));
        Map<String, Number> own = bob.view();
        ada.page.locator("#zoom-out").click();
        eventually().alias("ada's new view reaches bob's page").until(() -> ada.view().get("level").intValue() == -6
                && sameView(viewOf(bob, adaId), ada.view()));
        assertThat(bob.view()).as("bob's view, his own").isEqualTo(own);

        // Following again snaps to ada's view; Escape stops it, and so does the button.
        button(bob, "Follow ada").click();
        awaitSameView(ada, bob);
        bob.press("Escape");
        eventually().until(() -> following(bob) == null);
        button(bob, "Follow ada").click();
        eventually().until(() -> adaId.equals(following(bob)));
        button(bob, "Stop following ada").click();
        eventually().until(() -> following(bob) == null);
        assertThat(bob.page.locator("#following").isVisible()).isFalse();
    }

    private static Locator button(BoardPage page, String name) {
        return page.page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    private static String following(BoardPage page) {
        return (String) page.page.evaluate("() => window.drawbridge.following()");
    }

    /** The last view the page was sent by the peer {@code id}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Number> viewOf(BoardPage page, String id) {
        return (Map<String, Number>) page.page.evaluate("(id) => window.drawbridge.peerViews()[id] ?? null", id);
    }

    /** The same zoom level, and offsets within a pixel. */
    private static boolean sameView(Map<String, Number> a, Map<String, Number> b) {
        return a != null && b != null && a.get("level").intValue() == b.get("level").intValue()
                && Math.abs(a.get("ox").doubleValue() - b.get("ox").doubleValue()) <= 1
                && Math.abs(a.get("oy").doubleValue() - b.get("oy").doubleValue()) <= 1;
    }

    private static void awaitSameView(BoardPage leader, BoardPage follower) {
        eventually().alias(follower + "'s view follows " + leader + "'s")
                .until(() -> sameView(leader.view(), follower.view()));
    }
}
