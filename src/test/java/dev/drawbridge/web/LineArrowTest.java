package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The line and arrow tools (docs/DATA-CHANNEL.md, `line` and `arrow` entries): drawn by a drag,
 * snapped to 15° with Shift, seen alike on the other page, undone, and moved by the select tool.
 */
class LineArrowTest extends BrowserTest {

    @Test
    void linesAndArrowsShowAlikeOnBothPagesUndoAndMoveWithTheSelectTool() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        ada.setWidth(6);

        // A line (key I) from (200, 200) to (600, 600): ink along it, none beside it.
        ada.press("i");
        ada.stroke(200, 200, 600, 600);
        eventually().alias("the line on bob's board").until(() -> bob.inkAt(400, 400) && bob.inkAt(250, 250) && bob.inkAt(595, 595));
        assertThat(bob.inkAt(400, 330)).as("beside the line").isFalse();
        assertThat(bob.inkAt(640, 640)).as("beyond its end").isFalse();

        // With Shift, a drag 20 down over 400 right snaps to level.
        ada.page.keyboard().down("Shift");
        ada.stroke(200, 750, 600, 770);
        ada.page.keyboard().up("Shift");
        eventually().alias("the snapped line on bob's board").until(() -> bob.inkAt(500, 750) && bob.inkAt(595, 750));
        assertThat(bob.inkAt(500, 765)).as("where the line would be without snapping").isFalse();

        // An arrow (key A) from (800, 450) to (1300, 450), its head's barbs 26 long (3 x 6 + 8),
        // 30° to each side: they end at about (1277.5, 437) and (1277.5, 463).
        ada.press("a");
        ada.stroke(800, 450, 1300, 450);
        eventually().alias("the arrow on bob's board")
                .until(() -> bob.inkAt(1050, 450) && bob.inkAt(1289, 444) && bob.inkAt(1289, 456) && bob.inkAt(1281, 439));
        assertThat(bob.inkAt(1289, 430)).as("above the barbs").isFalse();
        assertThat(bob.inkAt(1289, 470)).as("below the barbs").isFalse();
        assertThat(bob.inkAt(1050, 430)).as("above the shaft").isFalse();
        assertThat(bob.inkAt(1320, 450)).as("beyond the tip").isFalse();
        awaitSamePicture(ada, bob);

        // Undo takes the arrow back on both pages; the lines stay.
        ada.press("Control+z");
        eventually().alias("the arrow undone on bob's board").until(() -> !bob.inkAt(1050, 450) && !bob.inkAt(1289, 444));
        assertThat(ada.inkAt(1289, 444)).as("the arrow undone on ada's board").isFalse();
        assertThat(bob.inkAt(400, 400)).as("the line stays").isTrue();
        awaitSamePicture(ada, bob);

        // The select tool picks the line up where it is drawn and drags it 100 right.
        ada.press("v");
        ada.pointerDown(400, 400);
        ada.pointerMove(500, 400, 8);
        ada.pointerUp();
        for (BoardPage page : new BoardPage[] {ada, bob}) {
            eventually().alias("the line moved on " + page)
                    .until(() -> page.inkAt(500, 400) && page.inkAt(350, 250) && !page.inkAt(300, 300) && !page.inkAt(250, 250));
        }
        assertThat(bob.inkAt(500, 750)).as("the other line did not move").isTrue();
        awaitSamePicture(ada, bob);
    }

    @Test
    void anArrowIsSelectedByItsHeadAndResizedByAHandle() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        ada.setWidth(6);
        ada.selectTool("arrow");
        ada.stroke(400, 300, 800, 300);
        eventually().until(() -> bob.inkAt(600, 300) && bob.inkAt(789, 294));

        // A click on a barb selects the arrow; Delete deletes it on both pages.
        ada.press("v");
        ada.pointerDown(789, 294);
        ada.pointerUp();
        assertThat(ada.page.evaluate("() => window.drawbridge.selected()")).isEqualTo(1);
        // Its box reaches the head's length (26) and half the width and a pixel (4) past the
        // ends: the bottom-right handle is at (830, 330). Dragging it 200 right stretches the
        // arrow about its top-left corner (370): the tip goes to 370 + 430 x 660 / 460 = 987.
        ada.pointerDown(830, 330);
        ada.pointerMove(1030, 330, 8);
        ada.pointerUp();
        eventually().alias("the arrow stretched on bob's board")
                .until(() -> bob.inkAt(950, 300) && bob.inkAt(980, 300) && !bob.inkAt(1000, 300) && !bob.inkAt(789, 294));
        awaitSamePicture(ada, bob);

        // Ctrl+D duplicates it 20 down and right, head and all.
        ada.press("Control+d");
        eventually().alias("the copy on bob's board").until(() -> bob.inkAt(950, 320) && bob.inkAt(1004, 320));
        assertThat(bob.inkAt(950, 310)).as("between the arrow and its copy").isFalse();
        awaitSamePicture(ada, bob);
    }
}
