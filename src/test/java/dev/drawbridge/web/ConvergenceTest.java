package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Several people drawing at the same moment end up with the same picture. */
class ConvergenceTest extends BrowserTest {

    @Test
    void threePagesDrawingAtOnceWithAClearAndUndosConvergeToTheSamePixels() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        BoardPage cy = open(room, "cy");
        for (BoardPage page : List.of(ada, bob, cy)) {
            page.waitForPeers(2, "p2p");
        }
        List<BoardPage> all = List.of(ada, bob, cy);

        // 1. Three strokes drawn at the same time, point by point in turn.
        drawTogether(all, List.of(row(150), row(300), row(450)));
        awaitSamePicture(ada, bob, cy);
        assertInk(all, true, 150, 300, 450);

        // 2. Ada clears while Bob and Cy are in the middle of their strokes.
        bob.pointerDown(100, 600);
        cy.pointerDown(100, 750);
        bob.pointerMove(500, 600, 5);
        ada.press("Backspace");
        cy.pointerMove(500, 750, 5);
        bob.pointerMove(900, 600, 5);
        cy.pointerMove(900, 750, 5);
        bob.pointerUp();
        cy.pointerUp();
        awaitSamePicture(ada, bob, cy);
        assertInk(all, false, 150, 300, 450);

        // 3. Cy draws a rectangle; Bob draws and takes it back; Ada undoes her clear.
        cy.selectTool("rect");
        cy.stroke(1000, 100, 1400, 300);
        bob.stroke(1000, 820, 1500, 820);
        eventually().until(() -> ada.inkAt(1250, 820));
        bob.press("Control+z");
        ada.press("Control+z");

        String picture = awaitSamePicture(ada, bob, cy);
        assertInk(all, true, 150, 300, 450);
        for (BoardPage page : all) {
            assertThat(page.inkAt(1000, 200)).as("rectangle's left edge on %s", page).isTrue();
            assertThat(page.inkAt(1200, 200)).as("inside the rectangle on %s", page).isFalse();
            assertThat(page.inkAt(1250, 820)).as("bob's undone stroke on %s", page).isFalse();
        }
        assertThat(picture).isEqualTo(ada.canvasHash());
    }

    /** A left-to-right stroke across the board at height y. */
    private static double[] row(double y) {
        return new double[] {100, y, 300, y + 20, 500, y, 700, y + 20, 900, y};
    }

    /** Each page draws its path; the pages take turns point by point, so the strokes overlap in time. */
    private static void drawTogether(List<BoardPage> pages, List<double[]> paths) {
        for (int p = 0; p < pages.size(); p++) {
            pages.get(p).pointerDown(paths.get(p)[0], paths.get(p)[1]);
        }
        for (int i = 2; i < paths.get(0).length; i += 2) {
            for (int p = 0; p < pages.size(); p++) {
                pages.get(p).pointerMove(paths.get(p)[i], paths.get(p)[i + 1], 4);
            }
        }
        pages.forEach(BoardPage::pointerUp);
    }

    /** Asserts that the rows drawn by {@link #row} do (or do not) show ink on every page. */
    private static void assertInk(List<BoardPage> pages, boolean ink, int... rows) {
        for (BoardPage page : pages) {
            for (int y : rows) {
                assertThat(page.inkAt(100, y) && page.inkAt(900, y))
                        .as("row %d %s on %s", y, ink ? "drawn" : "cleared", page).isEqualTo(ink);
            }
        }
    }
}
