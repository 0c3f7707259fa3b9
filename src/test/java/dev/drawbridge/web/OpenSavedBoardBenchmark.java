package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.drawbridge.testing.Chromium;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * Not a test: the benchmark of docs/BENCHMARKS.md ("Opening a saved board"). Stores a board of
 * 50,000 entries (5,000 strokes, each a stroke entry and 9 `points` entries, as a pen drawn over
 * 40 ms flushes makes them), then opens its link in a fresh browser profile twice: first from the
 * records alone (that page then compacts them into a snapshot), then from the snapshot. Prints the
 * time from navigation start to the full picture on screen, and the stored bytes per entry.
 * Run: {@code mvn -B -ntp -q test -Dtest=OpenSavedBoardBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 */
class OpenSavedBoardBenchmark {
    private static final int STROKES = 5_000;
    private static final int POINTS_PER_STROKE = 9;

    private static final String FILL = """
            async ({ roomId, key, strokes, pointsPerStroke }) => {
              const { RoomKey } = await import('/assets/room-key.js');
              const room = await RoomKey.derive(roomId, key);
              const entries = [];
              let seq = 0;
              for (let s = 0; s < strokes; s++) {
                const x = 20 + (s * 37) % 1500, y = 20 + (s * 53) % 800;
                const at = (i) => [x + i * 3.1, y + Math.sin(i) * 6, 0.5];
                const strokeSeq = ++seq;
                entries.push({ id: `bench:${strokeSeq}`, peer: 'bench', seq: strokeSeq, clock: strokeSeq, kind: 'stroke',
                  tool: 'pencil', color: '#1f2937', width: 3, points: [...at(0), ...at(1)] });
                for (let p = 0; p < pointsPerStroke; p++) {
                  const n = ++seq;
                  entries.push({ id: `bench:${n}`, peer: 'bench', seq: n, clock: n, kind: 'points', target: `bench:${strokeSeq}`,
                    points: [...at(2 + 5 * p), ...at(3 + 5 * p), ...at(4 + 5 * p), ...at(5 + 5 * p), ...at(6 + 5 * p)].map((v) => Math.round(v * 10) / 10) });
                }
              }
              let plainBytes = 0;
              for (let i = 0; i < entries.length; i += 1000) {
                const batch = entries.slice(i, i + 1000);
                plainBytes += batch.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
                const records = await Promise.all(batch.map(async (e) => ({ id: await room.recordId(e.id), data: await room.seal('record', e) })));
                const response = await fetch(`/${roomId}/board/records`, { method: 'POST',
                  headers: { 'Content-Type': 'application/json', 'Board-Proof': room.proof }, body: JSON.stringify({ records }) });
                if (!response.ok) throw new Error(`append: ${response.status} ${await response.text()}`);
              }
              return { entries: entries.length, plainBytes };
            }""";

    /** Resolves with the time (ms since navigation start) the first frame holding every entry was drawn. */
    private static final String LOADED = """
            async (count) => {
              while (!(window.drawbridge?.rendered().entries >= count)) await new Promise((r) => setTimeout(r, 20));
              return window.drawbridge.rendered().at;
            }""";

    @Test
    void openAStoredBoardOf50000Entries() {
        try (TestNode node = TestNode.start("--data-dir", SavedBoard.tempDataDir().toString());
             Chromium chromium = Chromium.launch()) {
            SavedBoard board = SavedBoard.create(node.baseUrl(), BrowserTest.newRoom());
            BrowserContext filler = chromium.newContext(1280, 800);
            Page page = filler.newPage();
            page.navigate(node.baseUrl() + "/" + board.roomId() + "?name=filler");
            page.setDefaultTimeout(300_000);
            @SuppressWarnings("unchecked")
            Map<String, Object> filled = (Map<String, Object>) page.evaluate(FILL, Map.of("roomId", board.roomId(), "key", board.key(),
                    "strokes", STROKES, "pointsPerStroke", POINTS_PER_STROKE));
            filler.close();
            int entries = ((Number) filled.get("entries")).intValue();
            long plainBytes = ((Number) filled.get("plainBytes")).longValue();
            JsonObject stored = board.read();
            long storedBytes = stored.getLong("bytes");
            System.out.printf("[measure] stored board: %d entries, %d bytes of JSON, %d bytes stored: %.1f bytes/entry"
                    + " (%.1f of JSON; sealing adds %.1f)%n", entries, plainBytes, storedBytes, storedBytes / (double) entries,
                    plainBytes / (double) entries, (storedBytes - plainBytes) / (double) entries);

            for (String run : new String[] {"records only", "snapshot"}) {
                BrowserContext context = chromium.newContext(1280, 800);
                Page reader = context.newPage();
                reader.setDefaultTimeout(120_000);
                // -Dopen.profile=<file>: a CPU profile of the page opening the snapshot (DevTools' format).
                String profile = System.getProperty("open.profile");
                com.microsoft.playwright.CDPSession cdp = null;
                if (profile != null && run.equals("snapshot")) {
                    reader.navigate(node.baseUrl() + "/healthz");
                    cdp = context.newCDPSession(reader);
                    cdp.send("Profiler.enable");
                    cdp.send("Profiler.setSamplingInterval", com.google.gson.JsonParser.parseString("{\"interval\": 200}").getAsJsonObject());
                    cdp.send("Profiler.start");
                }
                reader.navigate(board.link("reader"));
                double loadedAt = ((Number) reader.evaluate(LOADED, entries)).doubleValue();
                if (cdp != null) {
                    try {
                        java.nio.file.Files.writeString(java.nio.file.Path.of(profile), cdp.send("Profiler.stop").get("profile").toString());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
                System.out.printf("[measure] open a board of %d entries (%s): %.0f ms from navigation start to the full picture%n",
                        entries, run, loadedAt);
                System.out.println("[measure]   where it went (ms from navigation start): " + reader.evaluate(
                        "() => performance.getEntriesByType('mark').filter((m) => m.name.startsWith('board:'))"
                        + ".map((m) => `${m.name.slice(7)} ${Math.round(m.startTime)}`).join(', ')"
                        + " + `, modules run ${Math.round(performance.getEntriesByType('navigation')[0].domInteractive)}`"));
                System.out.println("[measure]   requests (start, request sent, first byte, last byte; ms): " + reader.evaluate(
                        "() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]"
                        + ".map((r) => `${new URL(r.name).pathname.split('/').pop()}${new URL(r.name).search} ${[r.startTime, r.requestStart,"
                        + " r.responseStart, r.responseEnd].map(Math.round).join('/')}${r.encodedBodySize > 100000"
                        + " ? ` (${Math.round(r.encodedBodySize / 1000)} kB)` : ''}`).join(', ')"));
                // Let it settle (its copy on this device, and the compaction on the first run).
                reader.waitForFunction("() => window.drawbridge.state().storage.state === 'saved'");
                if (run.equals("records only")) {
                    BrowserTest.eventually().atMost(java.time.Duration.ofSeconds(120))
                            .until(() -> board.read().getJsonObject("snapshot") != null);
                    JsonObject compacted = board.read();
                    System.out.printf("[measure] after compaction: %d bytes stored (%.1f bytes/entry)%n",
                            compacted.getLong("bytes"), compacted.getLong("bytes") / (double) entries);
                }
                context.close();
            }
        }
    }
}
