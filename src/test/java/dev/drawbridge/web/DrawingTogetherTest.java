package dev.drawbridge.web;

import com.microsoft.playwright.CDPSession;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Two people in one room, each in their own browser. */
class DrawingTogetherTest extends BrowserTest {

    /**
     * Test-only: this page's WebSockets never open, as behind a proxy that passes plain HTTP only
     * (the attempt fails the way a refused upgrade does: an error, then a close, never an open).
     */
    static final String BLOCK_WEBSOCKETS = """
            (() => {
              window.WebSocket = class BlockedWebSocket extends EventTarget {
                static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
                readyState = 0;
                constructor(url) {
                  super();
                  window.__blockedWebSockets = (window.__blockedWebSockets ?? 0) + 1;
                  setTimeout(() => {
                    this.readyState = 3;
                    this.onerror?.(new Event('error'));
                    this.onclose?.(new CloseEvent('close', { code: 1006 }));
                  }, 20);
                }
                send() { throw new DOMException('the socket is not open', 'InvalidStateError'); }
                close() {}
              };
            })();
            """;

    @Test
    void aMouseStrokeOnOnePageAppearsOnTheOtherPixelForPixel() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        report("page load to data channel open (the joiner)", bob.channelOpenedAtMs(), "ms");
        report("add-peer to data channel open (the joiner)", bob.addPeerToChannelOpenMs(), "ms");
        report("add-peer to data channel open (the member it joined)", ada.addPeerToChannelOpenMs(), "ms");

        String blank = bob.canvasHash();
        ada.stroke(200, 200, 600, 400, 1000, 200);

        eventually().alias("ada's stroke shows on bob's board").until(() -> bob.inkAt(400, 300) && bob.inkAt(800, 300));
        String picture = awaitSamePicture(ada, bob);
        assertThat(picture).isNotEqualTo(blank);
        for (BoardPage page : new BoardPage[] {ada, bob}) {
            assertThat(page.inkAt(600, 400)).as("on the stroke, on %s", page).isTrue();
            assertThat(page.inkAt(600, 250)).as("off the stroke, on %s", page).isFalse();
            assertThat(page.inkAt(1400, 800)).as("far away, on %s", page).isFalse();
        }
        // The people list says who is there and how they are reached.
        assertThat(bob.page.locator("#people li[data-peer='" + ada.id() + "']").getAttribute("data-transport"))
                .isEqualTo("p2p");
        assertThat(bob.page.locator("#people li[data-peer='" + ada.id() + "'] .name").textContent()).isEqualTo("ada");
        // Both signalled over the WebSocket.
        assertThat(ada.page.evaluate("() => window.drawbridge.state().transport")).isEqualTo("ws");
        assertThat(bob.page.evaluate("() => window.drawbridge.state().transport")).isEqualTo("ws");
    }

    @Test
    void aPageWhoseWebSocketCannotOpenFallsBackToTheEventStreamAndPostsAndDrawsWithAPageOnTheWebSocket() {
        String room = newRoom();
        BoardPage plain = open(room, "plain", BLOCK_WEBSOCKETS);
        BoardPage ws = open(room, "ws");
        plain.waitForPeers(1, "p2p");
        ws.waitForPeers(1, "p2p");

        plain.stroke(200, 200, 600, 400);
        ws.stroke(900, 600, 1300, 700);

        eventually().alias("each stroke shows on the other page").until(() -> ws.inkAt(400, 300) && plain.inkAt(1100, 650));
        awaitSamePicture(plain, ws);
        assertThat(plain.page.evaluate("() => window.drawbridge.state().transport")).isEqualTo("sse");
        assertThat(((Number) plain.page.evaluate("() => window.__blockedWebSockets")).intValue())
                .as("the socket was tried once, then the stream took over for good").isEqualTo(1);
        assertThat(ws.page.evaluate("() => window.drawbridge.state().transport")).isEqualTo("ws");
    }

    @Test
    void pagesOfDifferentSizesDrawAtTheSameLogicalPlaces() {
        String room = newRoom();
        BoardPage small = open(room, "small", 700, 500);
        BoardPage large = open(room, "large", 1600, 1100);
        small.waitForPeers(1, "p2p");
        large.waitForPeers(1, "p2p");
        double smallWidth = small.page.locator("#overlay").boundingBox().width;
        double largeWidth = large.page.locator("#overlay").boundingBox().width;
        assertThat(largeWidth).as("the boards really are shown at different sizes").isGreaterThan(smallWidth * 1.5);

        small.stroke(100, 100, 400, 100);
        large.stroke(1200, 700, 1500, 700);

        awaitSamePicture(small, large);
        for (BoardPage page : new BoardPage[] {small, large}) {
            assertThat(page.inkAt(250, 100)).as("small's stroke at its logical place on %s", page).isTrue();
            assertThat(page.inkAt(1350, 700)).as("large's stroke at its logical place on %s", page).isTrue();
            assertThat(page.inkAt(250, 700)).as("nothing elsewhere on %s", page).isFalse();
            assertThat(page.inkAt(1350, 100)).as("nothing elsewhere on %s", page).isFalse();
        }
    }

    @Test
    void penPressureChangesTheStrokeWidthOnTheOtherPage() {
        String room = newRoom();
        BoardPage pen = open(room, "pen");
        BoardPage viewer = open(room, "viewer");
        pen.waitForPeers(1, "p2p");
        viewer.waitForPeers(1, "p2p");
        pen.setWidth(20);

        CDPSession cdp = pen.page.context().newCDPSession(pen.page);
        penStroke(cdp, pen, 0.15, 200, 300, 1400, 300);
        penStroke(cdp, pen, 0.95, 200, 600, 1400, 600);

        eventually().alias("both pen strokes reach the viewer")
                .until(() -> viewer.inkAt(800, 300) && viewer.inkAt(800, 600));
        awaitSamePicture(pen, viewer);
        int light = viewer.inkInColumn(800, 150, 450);
        int heavy = viewer.inkInColumn(800, 450, 750);
        assertThat(light).as("a light stroke leaves a thin line").isBetween(4, 20);
        assertThat(heavy).as("a heavy stroke leaves a line at least twice as wide").isGreaterThanOrEqualTo(2 * light);
    }

    @Test
    void aClosedPageDisappearsFromTheOthersListAndCursors() {
        String room = newRoom();
        BoardPage stays = open(room, "stays");
        BoardPage leaves = open(room, "leaves");
        stays.waitForPeers(1, "p2p");
        leaves.waitForPeers(1, "p2p");
        String leaverId = leaves.id();
        String item = "#people li[data-peer='" + leaverId + "']";
        String cursor = "#cursors .cursor[data-peer='" + leaverId + "']";

        // The leaver's pointer hovers over the board: its cursor shows on the other page.
        leaves.pointerMove(500, 500, 1);
        leaves.pointerMove(520, 510, 4);
        stays.page.locator(cursor).waitFor();
        assertThat(stays.page.locator(item + " .name").textContent()).isEqualTo("leaves");

        leaves.page.close();

        stays.page.locator(item).waitFor(new com.microsoft.playwright.Locator.WaitForOptions()
                .setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED));
        assertThat(stays.page.locator(cursor).count()).isZero();
        assertThat(stays.peers()).isEmpty();
    }

    @Test
    void aCursorThatComesToRestShowsWhereItRestsOnTheOtherPage() {
        String room = newRoom();
        BoardPage mover = open(room, "mover");
        BoardPage watcher = open(room, "watcher");
        mover.waitForPeers(1, "p2p");
        watcher.waitForPeers(1, "p2p");
        String cursor = "#cursors .cursor[data-peer='" + mover.id() + "']";

        // Two moves at once (well within the 50 ms between two cursor sends), then rest: the
        // mouse's own events, as the page gets them, dispatched in one task.
        double[] first = mover.toViewport(300, 300);
        double[] last = mover.toViewport(1100, 700);
        mover.page.evaluate("""
                ([x0, y0, x1, y1]) => {
                  const surface = document.querySelector('#overlay');
                  for (const [x, y] of [[x0, y0], [x1, y1]]) {
                    surface.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, pointerType: 'mouse', bubbles: true }));
                  }
                }""", List.of(first[0], first[1], last[0], last[1]));
        watcher.page.locator(cursor).waitFor();
        eventually().alias("the cursor at the place it came to rest").until(() -> {
            Object at = watcher.page.evaluate("(selector) => { const c = document.querySelector(selector);"
                    + " return [parseFloat(c.style.left), parseFloat(c.style.top)]; }", cursor);
            List<?> percent = (List<?>) at;
            return Math.abs(((Number) percent.get(0)).doubleValue() - 1100 / 16.0) < 0.1
                    && Math.abs(((Number) percent.get(1)).doubleValue() - 700 / 9.0) < 0.1;
        });
    }

    /** A pen stroke through CDP, whose PointerEvent.pressure is {@code force}. */
    private static void penStroke(CDPSession cdp, BoardPage page, double force, double x0, double y0, double x1, double y1) {
        double[] from = page.toViewport(x0, y0);
        double[] to = page.toViewport(x1, y1);
        cdp.send("Input.dispatchMouseEvent", penEvent("mousePressed", from, force));
        int steps = 20;
        for (int i = 1; i <= steps; i++) {
            double[] at = {from[0] + (to[0] - from[0]) * i / steps, from[1] + (to[1] - from[1]) * i / steps};
            cdp.send("Input.dispatchMouseEvent", penEvent("mouseMoved", at, force));
        }
        cdp.send("Input.dispatchMouseEvent", penEvent("mouseReleased", to, force));
    }

    private static JsonObject penEvent(String type, double[] at, double force) {
        JsonObject event = new JsonObject();
        event.addProperty("type", type);
        event.addProperty("x", at[0]);
        event.addProperty("y", at[1]);
        event.addProperty("button", "left");
        event.addProperty("buttons", "mouseReleased".equals(type) ? 0 : 1);
        event.addProperty("clickCount", 1);
        event.addProperty("pointerType", "pen");
        event.addProperty("force", force);
        return event;
    }
}
