package dev.drawbridge.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.microsoft.playwright.CDPSession;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The infinite canvas: every page looks at the shared world through a view of its own (pan and
 * zoom), and what is drawn lands at the same place of the world for everyone.
 */
class PanZoomTest extends BrowserTest {

    @Test
    void strokesDrawnAtDifferentViewsLandAtTheSameWorldPlaceOnBothPages() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");

        // Ada scrolls with the wheel: the view pans by what the wheel says, in canvas pixels.
        double[] centre = ada.toViewport(800, 450);
        ada.page.mouse().move(centre[0], centre[1]);
        double scale = BoardPage.WIDTH / ada.page.locator("#overlay").boundingBox().width;
        ada.page.mouse().wheel(0, 100);
        eventually().until(() -> ada.view().get("oy").intValue() == (int) Math.round(100 * scale));
        ada.page.mouse().wheel(200, 0);
        eventually().until(() -> ada.view().get("ox").intValue() == (int) Math.round(200 * scale));
        Map<String, Number> adaView = ada.view();
        assertThat(adaView.get("level").intValue()).as("the wheel alone does not zoom").isZero();

        // Bob zooms in twice with the + button: about the canvas centre, to 2^(8/16).
        bob.page.locator("#zoom-in").click();
        bob.page.locator("#zoom-in").click();
        eventually().until(() -> bob.view().get("level").intValue() == 8);
        Map<String, Number> bobView = bob.view();
        assertThat(bob.page.locator("#zoom-reset").textContent()).isEqualTo("141%");

        // Each draws a horizontal stroke at the same place of their own canvas.
        ada.stroke(300, 200, 700, 200);
        bob.stroke(300, 600, 700, 600);
        eventually().until(() -> ada.entries() == bob.entries() && ada.entries() >= 4);

        // Both look at the world through the default view: one picture, each stroke where its author put it.
        ada.press("0");
        bob.setView(0, 0, 0);
        assertThat(ada.view()).containsEntry("level", 0).containsEntry("ox", 0).containsEntry("oy", 0);
        awaitSamePicture(ada, bob);
        double[] adaStart = world(adaView, 300, 200);
        double[] adaEnd = world(adaView, 700, 200);
        double[] bobStart = world(bobView, 300, 600);
        double[] bobEnd = world(bobView, 700, 600);
        for (BoardPage page : new BoardPage[] {ada, bob}) {
            assertThat(page.inkAt(mid(adaStart[0], adaEnd[0]), (int) Math.round(adaStart[1]))).as("ada's stroke on %s", page).isTrue();
            assertThat(page.inkAt(mid(bobStart[0], bobEnd[0]), (int) Math.round(bobStart[1]))).as("bob's stroke on %s", page).isTrue();
            // Not where it was drawn on the author's canvas (the views really differed).
            assertThat(page.inkAt(500, 200)).as("ada's canvas place on %s", page).isFalse();
            assertThat(page.inkAt(500, 600)).as("bob's canvas place on %s", page).isFalse();
        }
        // Bob's stroke was drawn zoomed in: it is shorter in the world than on his canvas.
        assertThat(bobEnd[0] - bobStart[0]).isLessThan(300);
        assertThat(bob.inkAt((int) Math.round(bobEnd[0] + 30), (int) Math.round(bobStart[1]))).isFalse();

        // And at another common view (zoomed out, panned) the two pages agree too.
        ada.setView(-8, -100, -50);
        bob.setView(-8, -100, -50);
        awaitSamePicture(ada, bob);
    }

    @Test
    void zoomToFitShowsTheWholeDrawingAndResetGoesBackToTheDefaultView() {
        BoardPage ada = open(newRoom(), "ada");
        ada.stroke(100, 100, 400, 100);
        eventually().until(() -> ada.inkAt(250, 100));
        int drawn = ada.entries();
        // The hand tool drags the view: the world moves with the pointer.
        ada.selectTool("hand");
        ada.pointerDown(1500, 800);
        ada.pointerMove(300, 800, 10);
        ada.pointerUp();
        Map<String, Number> panned = ada.view();
        assertThat(panned.get("ox").intValue()).as("dragged 1200 canvas pixels to the left").isBetween(1190, 1210);
        assertThat(panned.get("oy").intValue()).isBetween(-5, 5);
        assertThat(ada.entries()).as("the hand draws nothing").isEqualTo(drawn);
        ada.selectTool("pencil");
        ada.stroke(1200, 800, 1500, 800);
        double[] far = world(panned, 1350, 800);
        assertThat(far[0]).as("the second stroke lies beyond the default view").isGreaterThan(BoardPage.WIDTH);

        ada.page.locator("#zoom-fit").click();
        eventually().until(() -> ada.view().get("level").intValue() < 0);
        ada.waitUntilRendered();
        Map<String, Number> fit = ada.view();
        for (double[] point : new double[][] {{250, 100}, far}) {
            double[] at = canvas(fit, point[0], point[1]);
            assertThat(at[0]).isBetween(0.0, (double) BoardPage.WIDTH);
            assertThat(at[1]).isBetween(0.0, (double) BoardPage.HEIGHT);
            assertThat(inkNear(ada, at[0], at[1])).as("stroke at world (%.0f, %.0f) shows once fit", point[0], point[1]).isTrue();
        }

        ada.page.locator("#zoom-reset").click();
        eventually().until(() -> ada.view().get("level").intValue() == 0 && ada.view().get("ox").intValue() == 0);
        assertThat(ada.view().get("oy").intValue()).isZero();
        ada.waitUntilRendered();
        assertThat(ada.inkAt(250, 100)).isTrue();
        assertThat(ada.page.locator("#zoom-reset").textContent()).isEqualTo("100%");
    }

    @Test
    void aPinchThroughTouchEventsZoomsAndPansTheViewAndDrawsNothingWhileOneFingerDraws() {
        BoardPage ada = open(newRoom(), "ada");
        CDPSession cdp = ada.page.context().newCDPSession(ada.page);
        JsonObject emulation = new JsonObject();
        emulation.addProperty("enabled", true);
        emulation.addProperty("maxTouchPoints", 5);
        cdp.send("Emulation.setTouchEmulationEnabled", emulation);
        String blank = ada.canvasHash();

        // Two fingers around the board's centre spread from 200 to 400 canvas pixels apart.
        double[][] from = {ada.toViewport(700, 450), ada.toViewport(900, 450)};
        double[][] to = {ada.toViewport(600, 450), ada.toViewport(1000, 450)};
        double[] anchor = world(ada.view(), 800, 450);
        touch(cdp, "touchStart", from);
        for (int i = 1; i <= 10; i++) {
            double t = i / 10.0;
            touch(cdp, "touchMove", new double[][] {lerp(from[0], to[0], t), lerp(from[1], to[1], t)});
        }
        touch(cdp, "touchEnd", new double[0][]);
        eventually().until(() -> ada.view().get("level").intValue() == 16);
        double[] stillUnder = canvas(ada.view(), anchor[0], anchor[1]);
        assertThat(stillUnder[0]).as("the point between the fingers stays between them").isCloseTo(800, org.assertj.core.data.Offset.offset(2.0));
        assertThat(stillUnder[1]).isCloseTo(450, org.assertj.core.data.Offset.offset(2.0));

        // Two fingers moving together pan.
        Map<String, Number> before = ada.view();
        double[][] start = {ada.toViewport(600, 300), ada.toViewport(800, 300)};
        touch(cdp, "touchStart", start);
        for (int i = 1; i <= 10; i++) {
            touch(cdp, "touchMove", new double[][] {
                    ada.toViewport(600 + 20 * i, 300 + 10 * i), ada.toViewport(800 + 20 * i, 300 + 10 * i)});
        }
        touch(cdp, "touchEnd", new double[0][]);
        eventually().until(() -> ada.view().get("ox").intValue() <= before.get("ox").intValue() - 195);
        assertThat(ada.view().get("level").intValue()).as("moving together does not zoom").isEqualTo(16);
        assertThat(ada.view().get("oy").intValue()).isBetween(before.get("oy").intValue() - 102, before.get("oy").intValue() - 98);
        assertThat(ada.entries()).as("pinching and panning draw nothing").isZero();
        ada.waitUntilRendered();
        assertThat(ada.canvasHash()).isEqualTo(blank);

        // One finger draws.
        touch(cdp, "touchStart", new double[][] {ada.toViewport(400, 600)});
        for (int i = 1; i <= 10; i++) {
            touch(cdp, "touchMove", new double[][] {ada.toViewport(400 + 50 * i, 600)});
        }
        touch(cdp, "touchEnd", new double[0][]);
        eventually().until(() -> ada.entries() >= 2);
        ada.waitUntilRendered();
        assertThat(ada.inkAt(650, 600)).as("a one-finger stroke under the finger").isTrue();
    }

    private static void touch(CDPSession cdp, String type, double[][] points) {
        JsonObject event = new JsonObject();
        event.addProperty("type", type);
        JsonArray touchPoints = new JsonArray();
        for (int i = 0; i < points.length; i++) {
            JsonObject point = new JsonObject();
            point.addProperty("x", points[i][0]);
            point.addProperty("y", points[i][1]);
            point.addProperty("id", i);
            touchPoints.add(point);
        }
        event.add("touchPoints", touchPoints);
        cdp.send("Input.dispatchTouchEvent", event);
    }

    /** The world point shown at canvas pixel (cx, cy) by a view (as view.js maps it). */
    private static double[] world(Map<String, Number> view, double cx, double cy) {
        double z = view.get("zoom").doubleValue();
        return new double[] {(cx + view.get("ox").doubleValue()) / z, (cy + view.get("oy").doubleValue()) / z};
    }

    private static double[] canvas(Map<String, Number> view, double x, double y) {
        double z = view.get("zoom").doubleValue();
        return new double[] {x * z - view.get("ox").doubleValue(), y * z - view.get("oy").doubleValue()};
    }

    private static double[] lerp(double[] a, double[] b, double t) {
        return new double[] {a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t};
    }

    private static int mid(double a, double b) {
        return (int) Math.round((a + b) / 2);
    }

    /** Ink within a pixel or two of a canvas point (a thin stroke seen zoomed out). */
    private static boolean inkNear(BoardPage page, double x, double y) {
        for (int dy = -2; dy <= 2; dy++) {
            for (int dx = -2; dx <= 2; dx++) {
                if (page.inkAt((int) Math.round(x) + dx, (int) Math.round(y) + dy)) {
                    return true;
                }
            }
        }
        return false;
    }
}
