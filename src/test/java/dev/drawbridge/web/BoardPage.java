package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.BoundingBox;

import java.util.List;
import java.util.Map;

/**
 * One browser tab with the drawing app open, seen the way a person uses it: pointer input on the
 * board, and the pixels on the canvas. State is read through the app's read-only
 * {@code window.drawbridge} hook only to know when to look; the assertions are on pixels and DOM.
 */
final class BoardPage {
    /** The logical board of the app (render.js): every canvas holds this many pixels. */
    static final int WIDTH = 1600;
    static final int HEIGHT = 900;

    private static final String HASH_SCRIPT = """
            async () => {
              const canvas = document.querySelector('#board');
              const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
              const digest = await crypto.subtle.digest('SHA-256', data);
              return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
            }""";

    private static final String PIXEL_SCRIPT = """
            ([x, y]) => [...document.querySelector('#board').getContext('2d').getImageData(x, y, 1, 1).data]""";

    /** Counts the non-white pixels of the board's column x between y0 and y1. */
    private static final String INK_IN_COLUMN_SCRIPT = """
            ([x, y0, y1]) => {
              const { data } = document.querySelector('#board').getContext('2d').getImageData(x, y0, 1, y1 - y0);
              let ink = 0;
              for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 3 * 200) ink++;
              return ink;
            }""";

    final Page page;
    final String name;

    private BoardPage(Page page, String name) {
        this.page = page;
        this.name = name;
    }

    /** Opens the room in a new tab of {@code context} and waits until the app has joined it. */
    static BoardPage open(BrowserContext context, String baseUrl, String room, String name) {
        Page page = context.newPage();
        page.onConsoleMessage(message -> {
            if ("error".equals(message.type()) || "warning".equals(message.type())) {
                System.err.println("[" + name + " console " + message.type() + "] " + message.text());
            }
        });
        page.onPageError(error -> System.err.println("[" + name + " page error] " + error));
        page.navigate(baseUrl + "/" + room + "?name=" + name);
        BoardPage board = new BoardPage(page, name);
        board.waitUntilJoined();
        return board;
    }

    /**
     * Opens a full link (e.g. a saved board's {@code /<roomId>?name=..#<key>}) and waits until the
     * app has started: joined, or stopped on a message (a page that cannot open the board never joins).
     */
    static BoardPage openLink(BrowserContext context, String url, String name) {
        Page page = context.newPage();
        page.onConsoleMessage(message -> {
            if ("error".equals(message.type()) || "warning".equals(message.type())) {
                System.err.println("[" + name + " console " + message.type() + "] " + message.text());
            }
        });
        page.onPageError(error -> System.err.println("[" + name + " page error] " + error));
        page.navigate(url);
        BoardPage board = new BoardPage(page, name);
        board.waitUntilStarted();
        return board;
    }

    void waitUntilStarted() {
        page.waitForFunction("() => window.drawbridge !== undefined");
    }

    /** The saved-board status shown in the toolbar: saved, saving, offline, full, ... */
    String savedState() {
        return page.locator("#saved").getAttribute("data-state");
    }

    /** Waits until storage holds everything this page holds ("saved"). */
    void waitUntilSaved() {
        page.waitForFunction("() => { const s = window.drawbridge?.state().storage;"
                + " return s && s.state === 'saved' && s.pending === 0; }");
    }

    /** How many entries this page's log holds. */
    int entries() {
        return ((Number) page.evaluate("() => window.drawbridge.state().entries")).intValue();
    }

    /** The text of the app's notice, or null when none is shown. */
    String notice() {
        return page.locator("#notice").isVisible() ? page.locator("#notice").textContent() : null;
    }

    void waitUntilJoined() {
        page.waitForFunction("() => window.drawbridge?.state().joined === true");
    }

    /** Our peer id. */
    String id() {
        return (String) page.evaluate("() => window.drawbridge.state().me.id");
    }

    /** Waits until this page has exactly {@code count} peers, all reached over {@code transport}. */
    void waitForPeers(int count, String transport) {
        page.waitForFunction("([count, transport]) => {"
                + " const peers = window.drawbridge.peers();"
                + " return peers.length === count && peers.every((p) => p.transport === transport); }",
                List.of(count, transport));
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> peers() {
        return (List<Map<String, Object>>) page.evaluate("() => window.drawbridge.peers()");
    }

    /** Milliseconds from this page's navigation start to the first open data channel of its first peer. */
    double channelOpenedAtMs() {
        return ((Number) page.evaluate("() => window.drawbridge.peers()[0].channelOpenedAt")).doubleValue();
    }

    /** Milliseconds from learning of the first peer ({@code add-peer}) to its data channel opening. */
    double addPeerToChannelOpenMs() {
        return ((Number) page.evaluate("() => { const p = window.drawbridge.peers()[0];"
                + " return p.channelOpenedAt - p.addedAt; }")).doubleValue();
    }

    // --- input, in logical board coordinates ------------------------------------------------

    /** The viewport position of a logical board point, from where the board is on screen. */
    double[] toViewport(double x, double y) {
        BoundingBox box = page.locator("#overlay").boundingBox();
        return new double[] {box.x + x / WIDTH * box.width, box.y + y / HEIGHT * box.height};
    }

    /** A mouse stroke through the given logical points (x0, y0, x1, y1, ...). */
    void stroke(double... points) {
        pointerDown(points[0], points[1]);
        for (int i = 2; i < points.length; i += 2) {
            pointerMove(points[i], points[i + 1], 8);
        }
        pointerUp();
    }

    void pointerDown(double x, double y) {
        double[] at = toViewport(x, y);
        page.mouse().move(at[0], at[1]);
        page.mouse().down();
    }

    void pointerMove(double x, double y, int steps) {
        double[] at = toViewport(x, y);
        page.mouse().move(at[0], at[1], new com.microsoft.playwright.Mouse.MoveOptions().setSteps(steps));
    }

    void pointerUp() {
        page.mouse().up();
    }

    /**
     * Starts a pointer path of synthetic PointerEvents dispatched by the page itself, beginning
     * at {@code startAtEpochMs} on the machine's clock and moving every {@code intervalMs} (0: all
     * at once). Returns at once; {@link #awaitSyntheticPath} waits for its end.
     *
     * <p>Real input goes through the driver one event at a time, tens of milliseconds apart, so
     * pages can never draw at truly the same moment that way, nor draw thousands of points
     * quickly. This is for those two cases only; other tests use real input.
     */
    void startSyntheticPath(double[] points, long startAtEpochMs, int intervalMs) {
        page.evaluate("""
                ({ points, startAt, interval }) => {
                  window.syntheticPathDone = false;
                  const surface = document.querySelector('#overlay');
                  const box = surface.getBoundingClientRect();
                  const fire = (type, i) => surface.dispatchEvent(new PointerEvent(type, {
                    bubbles: true, cancelable: true, pointerId: 99, pointerType: 'mouse', isPrimary: true,
                    clientX: box.left + (points[i] / 1600) * box.width,
                    clientY: box.top + (points[i + 1] / 900) * box.height,
                    button: 0, buttons: type === 'pointerup' ? 0 : 1, pressure: type === 'pointerup' ? 0 : 0.5,
                  }));
                  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
                  (async () => {
                    await wait(Math.max(0, startAt - Date.now()));
                    fire('pointerdown', 0);
                    for (let i = 2; i < points.length; i += 2) {
                      if (interval) await wait(interval);
                      fire('pointermove', i);
                    }
                    fire('pointerup', points.length - 2);
                    window.syntheticPathDone = true;
                  })();
                }""", Map.of("points", java.util.Arrays.stream(points).boxed().toList(), "startAt", (double) startAtEpochMs, "interval", intervalMs));
    }

    void awaitSyntheticPath() {
        page.waitForFunction("() => window.syntheticPathDone === true");
    }

    /** This page's view: level, zoom, ox, oy (the app's view.js). */
    @SuppressWarnings("unchecked")
    Map<String, Number> view() {
        return (Map<String, Number>) page.evaluate("() => window.drawbridge.view()");
    }

    /** Moves this page's view through the app's hook, e.g. to look at two pages at one view. */
    void setView(int level, int ox, int oy) {
        page.evaluate("(v) => window.drawbridge.setView(v)", Map.of("level", level, "ox", ox, "oy", oy));
    }

    /** Waits until the canvas shows the whole picture of every entry this page holds at its view. */
    void waitUntilRendered() {
        page.waitForFunction("() => window.drawbridge.settled()");
    }

    void selectTool(String tool) {
        page.locator("[data-tool=" + tool + "]").click();
    }

    void setWidth(int width) {
        page.locator("#width").fill(Integer.toString(width));
    }

    void press(String key) {
        page.keyboard().press(key);
    }

    // --- what is on the board ----------------------------------------------------------------

    String canvasHash() {
        return (String) page.evaluate(HASH_SCRIPT);
    }

    /** RGBA of a logical board pixel. */
    int[] pixel(int x, int y) {
        @SuppressWarnings("unchecked")
        List<Number> rgba = (List<Number>) page.evaluate(PIXEL_SCRIPT, List.of(x, y));
        return rgba.stream().mapToInt(Number::intValue).toArray();
    }

    /** True when the pixel is clearly not the white background. */
    boolean inkAt(int x, int y) {
        int[] p = pixel(x, y);
        return p[0] + p[1] + p[2] < 3 * 200;
    }

    int inkInColumn(int x, int y0, int y1) {
        return ((Number) page.evaluate(INK_IN_COLUMN_SCRIPT, List.of(x, y0, y1))).intValue();
    }

    @Override
    public String toString() {
        return name;
    }
}
