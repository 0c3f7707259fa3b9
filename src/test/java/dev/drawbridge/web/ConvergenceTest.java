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
        // Three colours picked with the arrow keys (the swatch is 10 wide; row 4 holds the 50% shades).
        pickColor(ada, 4, 0); // red
        pickColor(bob, 4, 7); // blue
        pickColor(cy, 4, 4); // green
        all.forEach(page -> page.setWidth(12));

        // 1. Three strokes that cross each other, started at the same instant on all three pages,
        //    so each page applies its own first. Where they cross, the pixels agree only if every
        //    page applies the strokes in the same order.
        List<double[]> crossing = List.of(
                line(100, 300, 1500, 300, 40), line(800, 50, 800, 850, 40), line(300, 50, 1300, 850, 40));
        long startAt = System.currentTimeMillis() + 500;
        for (int p = 0; p < all.size(); p++) {
            all.get(p).startSyntheticPath(crossing.get(p), startAt, 10);
        }
        all.forEach(BoardPage::awaitSyntheticPath);
        awaitSamePicture(ada, bob, cy);
        assertInk(all, true, FIRST_STROKES);

        // ... and the same with real mouse input, in turns.
        drawTogether(all, List.of(line(100, 500, 700, 520, 4), line(900, 500, 1500, 520, 4), line(100, 880, 1500, 880, 4)));
        awaitSamePicture(ada, bob, cy);
        assertInk(all, true, new int[][] {{400, 510}, {1200, 510}, {800, 880}});

        // 2. Ada clears while Bob and Cy are in the middle of new strokes.
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
        assertInk(all, false, FIRST_STROKES);

        // 3. Cy draws a rectangle; Bob draws a stroke and takes it back; Ada undoes her clear.
        cy.selectTool("rect");
        cy.stroke(1000, 100, 1400, 250);
        bob.stroke(1350, 820, 1550, 820);
        eventually().until(() -> ada.inkAt(1450, 820));
        bob.press("Control+z");
        ada.press("Control+z");

        awaitSamePicture(ada, bob, cy);
        assertInk(all, true, FIRST_STROKES);
        for (BoardPage page : all) {
            assertThat(page.inkAt(1000, 180)).as("rectangle's left edge on %s", page).isTrue();
            assertThat(page.inkAt(1200, 180)).as("inside the rectangle on %s", page).isFalse();
            assertThat(page.inkAt(1450, 820)).as("bob's undone stroke on %s", page).isFalse();
        }
        assertThat(ada.pixel(200, 300)).as("ada's stroke is red").startsWith(236, 19, 19);
    }

    /** A straight line through n + 1 points. */
    private static double[] line(double x0, double y0, double x1, double y1, int n) {
        double[] points = new double[2 * (n + 1)];
        for (int i = 0; i <= n; i++) {
            points[2 * i] = x0 + (x1 - x0) * i / n;
            points[2 * i + 1] = y0 + (y1 - y0) * i / n;
        }
        return points;
    }

    /** Points on each of the three first strokes. */
    private static final int[][] FIRST_STROKES = {{200, 300}, {1400, 300}, {800, 100}, {800, 800}, {400, 130}, {1200, 770}};

    private static void pickColor(BoardPage page, int down, int right) {
        for (int i = 0; i < down; i++) {
            page.press("ArrowDown");
        }
        for (int i = 0; i < right; i++) {
            page.press("ArrowRight");
        }
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

    /** Asserts that the given points do (or do not) show ink on every page. */
    private static void assertInk(List<BoardPage> pages, boolean ink, int[][] points) {
        for (BoardPage page : pages) {
            for (int[] point : points) {
                assertThat(page.inkAt(point[0], point[1]))
                        .as("(%d, %d) %s on %s", point[0], point[1], ink ? "drawn" : "cleared", page).isEqualTo(ink);
            }
        }
    }
}
