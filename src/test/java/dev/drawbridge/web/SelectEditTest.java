package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The select tool (docs/DATA-CHANNEL.md, "Editing"): selecting by click, Shift+click and box;
 * moving by drag and arrow keys, resizing by a handle, deleting, duplicating, copying and
 * pasting, undo and redo of each edit, as both pages of a room and a late joiner see them.
 */
class SelectEditTest extends BrowserTest {

    @Test
    void editsShowTheSameOnBothPagesUndoAsOneStepAndReachALateJoiner() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        ada.setWidth(10);
        ada.stroke(200, 200, 400, 200); // A
        ada.stroke(200, 400, 400, 400); // B
        ada.selectTool("rect");
        ada.stroke(600, 200, 800, 350); // C
        eventually().until(() -> bob.inkAt(600, 275) && bob.inkAt(300, 400) && bob.inkAt(300, 200));

        // Click A and drag it 100 right, 60 down.
        ada.press("v");
        ada.pointerDown(300, 200);
        ada.pointerMove(400, 260, 8);
        ada.pointerUp();
        eventually().alias("A moved by a drag, on bob's board")
                .until(() -> bob.inkAt(450, 260) && !bob.inkAt(250, 200));
        assertThat(bob.inkAt(300, 400)).as("B stays").isTrue();

        // The arrow keys move it on: 10 right, then 100 down with Shift.
        ada.press("ArrowRight");
        ada.press("Shift+ArrowDown");
        eventually().alias("A moved by the arrows").until(() -> bob.inkAt(505, 360) && !bob.inkAt(450, 260));

        // Undo and redo take back and bring back one move each.
        ada.press("Control+z");
        eventually().alias("the last move undone").until(() -> bob.inkAt(505, 260) && !bob.inkAt(505, 360));
        ada.press("Control+Shift+z");
        eventually().alias("the move redone").until(() -> bob.inkAt(505, 360) && !bob.inkAt(505, 260));
        assertThat(ada.inkAt(505, 360)).isTrue();

        // A box around A and B selects both (it starts on empty ground); Delete deletes both.
        ada.pointerDown(150, 330);
        ada.pointerMove(560, 440, 6);
        ada.pointerUp();
        ada.press("Delete");
        eventually().alias("A and B deleted").until(() -> !bob.inkAt(450, 360) && !bob.inkAt(300, 400));
        assertThat(bob.inkAt(600, 275)).as("C stays").isTrue();
        ada.press("Control+z");
        eventually().alias("both back with one undo").until(() -> bob.inkAt(450, 360) && bob.inkAt(300, 400));

        // Shift+click toggles: C added, then A removed, so only B and C move with the arrows.
        ada.pointerDown(300, 400); // B alone
        ada.pointerUp();
        ada.page.keyboard().down("Shift");
        ada.pointerDown(600, 275);
        ada.pointerUp();
        ada.page.keyboard().up("Shift");
        ada.press("ArrowUp");
        eventually().alias("B and C moved up together")
                .until(() -> bob.inkAt(300, 388) && !bob.inkAt(300, 402) && bob.inkAt(700, 188) && !bob.inkAt(700, 203));
        assertThat(bob.inkAt(450, 360)).as("A did not move").isTrue();
        ada.press("Control+z");
        eventually().until(() -> bob.inkAt(300, 402) && bob.inkAt(700, 203));

        // Select C alone and drag its bottom-right handle: it grows from its top-left corner.
        ada.pointerDown(600, 275);
        ada.pointerUp();
        // C's box (its outline and half its width around it): 594..806 x 194..356.
        ada.pointerDown(806, 356);
        ada.pointerMove(1006, 506, 8);
        ada.pointerUp();
        eventually().alias("C resized").until(() -> bob.inkAt(994, 400) && bob.inkAt(800, 494) && !bob.inkAt(800, 300));

        // Duplicate it: a copy 20 down and right, selected; the arrows move the copy only.
        ada.press("Control+d");
        eventually().alias("C duplicated").until(() -> bob.inkAt(1014, 450) && bob.inkAt(994, 400));
        ada.press("ArrowRight");
        eventually().until(() -> bob.inkAt(1024, 450) && !bob.inkAt(1014, 450));
        assertThat(bob.inkAt(994, 400)).as("the original stays").isTrue();

        String picture = awaitSamePicture(ada, bob);
        assertThat(stateOf(ada)).isEqualTo(stateOf(bob));

        BoardPage late = open(room, "late");
        late.waitForPeers(2, "p2p");
        assertThat(awaitSamePicture(ada, bob, late)).as("the late joiner's picture").isEqualTo(picture);
        assertThat(stateOf(late)).isEqualTo(stateOf(ada));
    }

    @Test
    void concurrentMovesOfOneShapeComposeTheSameOnBothPages() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        ada.setWidth(10);
        ada.stroke(200, 200, 400, 200);
        eventually().until(() -> bob.inkAt(300, 200));
        for (BoardPage page : List.of(ada, bob)) {
            page.press("v");
            page.pointerDown(300, 200);
            page.pointerUp();
        }
        // At the same instant: ada moves it right, bob moves it down, each before seeing the other's.
        long startAt = System.currentTimeMillis() + 400;
        pressAt(ada, startAt, "ArrowRight", true);
        pressAt(bob, startAt, "ArrowDown", true);
        eventually().alias("both moves, on both pages").until(() -> ada.inkAt(450, 300) && bob.inkAt(450, 300)
                && !ada.inkAt(300, 200) && !bob.inkAt(300, 200) && !ada.inkAt(450, 200) && !bob.inkAt(250, 300));
        // And the same shape moved by both at once, both to the right.
        startAt = System.currentTimeMillis() + 400;
        pressAt(ada, startAt, "ArrowRight", true);
        pressAt(bob, startAt, "ArrowRight", true);
        eventually().alias("the two moves add up").until(() -> ada.inkAt(650, 300) && bob.inkAt(650, 300)
                && !ada.inkAt(450, 300) && !bob.inkAt(450, 300));
        awaitSamePicture(ada, bob);
        assertThat(stateOf(ada)).isEqualTo(stateOf(bob));
        // Bob undoes his last move only.
        bob.press("Control+z");
        eventually().until(() -> ada.inkAt(550, 300) && !ada.inkAt(650, 300));
        awaitSamePicture(ada, bob);
    }

    @Test
    void copiedElementsPasteIntoAnotherBoard() {
        String first = newRoom();
        String second = newRoom();
        BoardPage ada = open(first, "ada");
        ada.setWidth(10);
        ada.stroke(200, 200, 400, 200);
        ada.selectTool("ellipse");
        ada.stroke(200, 300, 400, 500);
        ada.waitUntilRendered();
        ada.press("Control+a");
        ada.press("Control+c");

        // The other board, in another tab of the same browser, with bob looking on.
        BoardPage other = BoardPage.open(ada.page.context(), node.baseUrl(), second, "ada2");
        BoardPage bob = open(second, "bob");
        other.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        // Pasted centred under the pointer: the copy's box (200..400 x 200..500) around (900, 450).
        other.page.bringToFront();
        other.pointerMove(900, 450, 1);
        other.press("Control+v");
        eventually().alias("the pasted stroke and ellipse on bob's board")
                .until(() -> bob.inkAt(900, 300) && bob.inkAt(800, 500) && bob.inkAt(1000, 500));
        assertThat(bob.inkAt(300, 200)).as("not at the original place").isFalse();
        awaitSamePicture(other, bob);
        // One undo takes back the whole paste.
        other.press("Control+z");
        eventually().until(() -> !bob.inkAt(900, 300) && !bob.inkAt(800, 500));
    }

    /** Presses a key (Shift held) at {@code atEpochMs} on the machine's clock, from inside the page. */
    private static void pressAt(BoardPage page, long atEpochMs, String key, boolean shift) {
        page.page.evaluate("""
                ({ at, key, shift }) => setTimeout(() => document.body.dispatchEvent(
                  new KeyboardEvent('keydown', { key, shiftKey: shift, bubbles: true, cancelable: true })),
                  Math.max(0, at - Date.now()))""", Map.of("at", (double) atEpochMs, "key", key, "shift", shift));
    }

    /** The page's log as its counts: the same entries applied give the same state. */
    private static Map<?, ?> stateOf(BoardPage page) {
        page.waitUntilRendered();
        return (Map<?, ?>) page.page.evaluate("() => { const s = window.drawbridge.state();"
                + " return { entries: s.entries, visible: s.visible, clock: s.clock, log: window.drawbridge.logBytes() }; }");
    }
}
