package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.BoundingBox;
import dev.drawbridge.testing.Chromium;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Not a test: the frame-time benchmark of docs/BENCHMARKS.md ("Frame times at 2,000 and 20,000
 * elements"). For each board size it stores a saved board of that many strokes (one entry each,
 * spread over the default view, so every one of them is on screen), opens it, and records the
 * page's {@code requestAnimationFrame} deltas while a mouse stroke is drawn, while the view is
 * panned (space + drag, then the wheel) and while it is zoomed (ctrl + wheel); then a second page
 * joins the room with storage blocked, so that the whole board reaches it at once from the first
 * page over the data channel, and it prints how long that page took from its channel opening to
 * the frame that shows every entry; and, with the select tool, it selects about a twentieth of the
 * strokes with a box and drags them, and prints how long the moved picture took to complete after
 * the drag. It asserts nothing about time. Pan and zoom are skipped on an
 * app that has no view ({@code window.drawbridge.view} missing: the app before issue 12).
 * Run: {@code mvn -B -ntp -q test -Dtest=FrameTimeBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dframes.sizes=2000} for one size only, {@code -Dframes.skipGestures=true} for the opening and
 * the late joiner only).
 */
class FrameTimeBenchmark {

    private static final String FILL = """
            async ({ roomId, key, count }) => {
              const { RoomKey } = await import('/assets/room-key.js');
              const room = await RoomKey.derive(roomId, key);
              const colors = ['#1f2937', '#dc2626', '#2563eb', '#059669', '#d97706'];
              const entries = [];
              for (let s = 1; s <= count; s++) {
                const x = 20 + (s * 37) % 1540, y = 20 + (s * 53) % 840;
                const points = [];
                for (let i = 0; i < 12; i++) points.push(Math.round((x + i * 4) * 10) / 10, Math.round((y + Math.sin(i + s) * 8) * 10) / 10, 0.5);
                entries.push({ id: `bench:${s}`, peer: 'bench', seq: s, clock: s, kind: 'stroke', tool: 'pencil',
                  color: colors[s % colors.length], width: 2 + (s % 4), points });
              }
              for (let i = 0; i < entries.length; i += 1000) {
                const batch = entries.slice(i, i + 1000);
                const records = await Promise.all(batch.map(async (e) => ({ id: await room.recordId(e.id), data: await room.seal('record', e) })));
                const response = await fetch(`/${roomId}/board/records`, { method: 'POST',
                  headers: { 'Content-Type': 'application/json', 'Board-Proof': room.proof }, body: JSON.stringify({ records }) });
                if (!response.ok) throw new Error(`append: ${response.status} ${await response.text()}`);
              }
              return entries.length;
            }""";

    private static final String RENDERED = """
            async (count) => {
              while (!(window.drawbridge?.rendered().entries >= count)) await new Promise((r) => setTimeout(r, 20));
              return window.drawbridge.rendered().at;
            }""";

    /**
     * Starts recording the deltas between animation frames, and how long the page's own frame
     * callbacks (the app's rendering) take in each frame: the deltas also hold the waits of a
     * machine whose cores are busy with other work, the callbacks' time much less so.
     */
    private static final String START_FRAMES = """
            () => {
              window.benchFrames = [];
              window.benchWork = [];
              window.benchRecording = true;
              if (!window.benchWrapped) {
                window.benchWrapped = true;
                const raf = window.requestAnimationFrame.bind(window);
                window.requestAnimationFrame = (callback) => raf((now) => {
                  const start = performance.now();
                  try { callback(now); } finally { if (window.benchRecording) window.benchWork.push(performance.now() - start); }
                });
              }
              let last = performance.now();
              const tick = (now) => {
                if (!window.benchRecording) return;
                window.benchFrames.push(now - last);
                last = now;
                requestAnimationFrame(tick);
              };
              requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
            }""";

    /** Stops recording; returns [frames, p50, p95, max] of the deltas and p50, p95, max of the app's work, in ms. */
    private static final String STOP_FRAMES = """
            async (untilSettled) => {
              // The last gesture's work lands in the next frames: let two pass before stopping, or,
              // for a gesture whose drawing waits until it rests (a zoom), every frame until the
              // picture is complete again.
              window.benchGestureEnded = performance.now();
              await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
              while (untilSettled && !window.drawbridge.settled()) await new Promise((r) => requestAnimationFrame(r));
              window.benchSettledAfter = performance.now() - window.benchGestureEnded;
              window.benchRecording = false;
              const stats = (values) => {
                const d = values.slice().sort((a, b) => a - b);
                const at = (q) => d[Math.min(d.length - 1, Math.floor(q * d.length))] ?? 0;
                return [at(0.5), at(0.95), d[d.length - 1] ?? 0];
              };
              // The recorder's own callbacks are in benchWork too, and take next to nothing.
              return [window.benchFrames.length, ...stats(window.benchFrames), ...stats(window.benchWork)];
            }""";

    /** Waits for the picture after a drag to complete; returns ms from the pointer up (benchDropped). */
    private static final String LANDED = """
            async () => {
              while (!window.drawbridge.settled()) await new Promise((r) => setTimeout(r, 5));
              return window.drawbridge.rendered().at - window.benchDropped;
            }""";

    @Test
    void frameTimesOnBoardsOf2000And20000Elements() {
        String sizes = System.getProperty("frames.sizes", "2000,20000");
        for (String size : sizes.split(",")) {
            measure(Integer.parseInt(size.trim()));
        }
    }

    private void measure(int count) {
        try (TestNode node = TestNode.start("--data-dir", SavedBoard.tempDataDir().toString());
             Chromium chromium = Chromium.launch()) {
            SavedBoard board = SavedBoard.create(node.baseUrl(), BrowserTest.newRoom());
            BrowserContext filler = chromium.newContext(1280, 800);
            Page fill = filler.newPage();
            fill.setDefaultTimeout(300_000);
            fill.navigate(node.baseUrl() + "/" + board.roomId() + "?name=filler");
            fill.evaluate(FILL, Map.of("roomId", board.roomId(), "key", board.key(), "count", count));
            filler.close();

            BrowserContext context = chromium.newContext(1280, 800);
            Page page = context.newPage();
            page.setDefaultTimeout(120_000);
            page.navigate(board.link("bench"));
            double loadedAt = ((Number) page.evaluate(RENDERED, count)).doubleValue();
            page.waitForFunction("() => window.drawbridge.state().joined && window.drawbridge.state().storage.state === 'saved'");
            System.out.printf(Locale.ROOT, "[measure] %d elements: opened in %.0f ms (navigation start to the full picture)%n", count, loadedAt);
            BoundingBox box = page.locator("#overlay").boundingBox();
            double cx = box.x + box.width / 2;
            double cy = box.y + box.height / 2;
            boolean hasView = (Boolean) page.evaluate("() => typeof window.drawbridge.view === 'function'");
            if (!Boolean.getBoolean("frames.skipGestures")) {

            frames(page, count, "drawing a stroke", () -> {
                page.mouse().move(cx - 300, cy - 100);
                page.mouse().down();
                for (int i = 1; i <= 120; i++) {
                    page.mouse().move(cx - 300 + 5 * i, cy - 100 + 80 * Math.sin(i / 8.0));
                }
                page.mouse().up();
            });
            if (hasView) {
                frames(page, count, "panning (space + drag)", () -> {
                    page.mouse().move(cx, cy);
                    page.keyboard().down("Space");
                    page.mouse().down();
                    for (int i = 1; i <= 120; i++) {
                        page.mouse().move(cx + 3 * i * Math.cos(i / 20.0), cy + 2 * i * Math.sin(i / 20.0));
                    }
                    page.mouse().up();
                    page.keyboard().up("Space");
                });
                frames(page, count, "panning (wheel)", () -> {
                    page.mouse().move(cx, cy);
                    for (int i = 0; i < 120; i++) {
                        page.mouse().wheel(i < 60 ? 12 : -12, i % 2 == 0 ? 10 : -6);
                    }
                });
                frames(page, count, "zooming (ctrl + wheel)", () -> {
                    page.mouse().move(cx, cy);
                    page.keyboard().down("Control");
                    for (int i = 0; i < 120; i++) {
                        page.mouse().wheel(0, i < 60 ? -20 : 20);
                    }
                    page.keyboard().up("Control");
                });
                // A zoom that rests at a new level: its tiles are drawn once it rests, and those
                // frames count too.
                frames(page, count, "zooming in by 3 wheel steps, until the picture is complete", true, () -> {
                    page.mouse().move(cx, cy);
                    page.keyboard().down("Control");
                    for (int i = 0; i < 3; i++) {
                        page.mouse().wheel(0, -20);
                    }
                    page.keyboard().up("Control");
                });
                frames(page, count, "zooming out by 40 wheel steps, until the picture is complete", true, () -> {
                    page.mouse().move(cx, cy);
                    page.keyboard().down("Control");
                    for (int i = 0; i < 40; i++) {
                        page.mouse().wheel(0, 20);
                    }
                    page.keyboard().up("Control");
                });
                // The select tool: a box holding about a twentieth of the strokes, dragged about.
                page.keyboard().press("0");
                page.keyboard().press("v");
                page.waitForFunction("() => window.drawbridge.settled()");
                double sx = box.width / 1600;
                double sy = box.height / 900;
                // The box starts in the margin, where no stroke is (a press on one would drag it).
                page.mouse().move(box.x + 5 * sx, box.y + 5 * sy);
                page.mouse().down();
                page.mouse().move(box.x + 430 * sx, box.y + 215 * sy, new com.microsoft.playwright.Mouse.MoveOptions().setSteps(5));
                page.mouse().up();
                int selected = ((Number) page.evaluate("() => window.drawbridge.selected()")).intValue();
                frames(page, count, "dragging a selection of " + selected + " strokes", () -> {
                    page.mouse().move(box.x + 200 * sx, box.y + 100 * sy); // inside the selection's box
                    page.mouse().down();
                    for (int i = 1; i <= 120; i++) {
                        page.mouse().move(box.x + (200 + 5 * i) * sx, box.y + (100 + 200 * Math.sin(i / 20.0)) * sy);
                    }
                    page.evaluate("() => { window.benchDropped = performance.now(); }");
                    page.mouse().up();
                });
                double landed = ((Number) page.evaluate(LANDED)).doubleValue();
                System.out.printf(Locale.ROOT, "[measure] %d elements: %d strokes moved (one transform) drawn in place in %.0f ms"
                        + " (pointer up to the full picture)%n", count, selected, landed);
            } else {
                System.out.printf(Locale.ROOT, "[measure] %d elements: this app has no pan or zoom%n", count);
            }

            }
            // A late joiner that cannot reach storage gets the whole board at once from the page above.
            BrowserContext lateContext = chromium.newContext(1280, 800);
            lateContext.route(java.util.regex.Pattern.compile(".*/" + board.roomId() + "/board.*"), route -> route.abort());
            Page late = lateContext.newPage();
            late.setDefaultTimeout(120_000);
            late.navigate(board.link("late"));
            double renderedAt = ((Number) late.evaluate(RENDERED, count)).doubleValue();
            double openedAt = ((Number) late.evaluate("() => window.drawbridge.peers()[0].channelOpenedAt")).doubleValue();
            System.out.printf(Locale.ROOT, "[measure] %d elements: %d entries arriving at once over the data channel applied and drawn"
                    + " in %.0f ms (channel open to the full picture)%n", count, count, renderedAt - openedAt);
            System.out.println("[measure]   late page (ms from navigation start): channel open " + Math.round(openedAt) + ", rendered "
                    + Math.round(renderedAt) + ", " + late.evaluate("() => performance.getEntries().filter((m) => m.entryType === 'mark' || m.entryType === 'measure')"
                    + ".map((m) => `${m.name} ${Math.round(m.startTime)}+${Math.round(m.duration)}`).join(', ')"));
        }
    }

    private static void frames(Page page, int count, String what, Runnable gesture) {
        frames(page, count, what, false, gesture);
    }

    /** With {@code untilSettled}, the frames until the picture is complete again count too (and how long that took). */
    private static void frames(Page page, int count, String what, boolean untilSettled, Runnable gesture) {
        page.evaluate(START_FRAMES);
        gesture.run();
        @SuppressWarnings("unchecked")
        List<Number> result = (List<Number>) page.evaluate(STOP_FRAMES, untilSettled);
        System.out.printf(Locale.ROOT, "[measure] %d elements, %s: %d frames, p50 %.1f ms, p95 %.1f ms, max %.1f ms;"
                + " the app's frame work p50 %.1f ms, p95 %.1f ms, max %.1f ms%s%n",
                count, what, result.get(0).intValue(), result.get(1).doubleValue(), result.get(2).doubleValue(), result.get(3).doubleValue(),
                result.get(4).doubleValue(), result.get(5).doubleValue(), result.get(6).doubleValue(),
                untilSettled ? String.format(Locale.ROOT, "; the full picture %.0f ms after the last event",
                        ((Number) page.evaluate("() => window.benchSettledAfter")).doubleValue()) : "");
    }
}
