package dev.drawbridge.web;

import com.microsoft.playwright.Page;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/LIMITS.md: the app's busiest real scenario, a full room of 16 all drawing with their cursors
 * at once through the server's relay (no data channel can open), meets no limit at the defaults.
 */
class BusyRoomLimitsTest extends BrowserTest {
    private static final int PAGES = 16;

    /**
     * Test-only: records the time of each relay or room broadcast of this page, over its WebSocket
     * or as a POST, to find its busiest second.
     */
    private static final String COUNT_RELAYS = """
            (() => {
              const native = window.fetch.bind(window);
              window.relayTimes = [];
              window.fetch = (input, init) => {
                if (['/relay/', '/broadcast/'].some((path) => String(input).includes(path))) window.relayTimes.push(performance.now());
                return native(input, init);
              };
              const send = WebSocket.prototype.send;
              WebSocket.prototype.send = function (data) {
                const op = typeof data === 'string' ? JSON.parse(data).op : null;
                if (op === 'relay' || op === 'broadcast') window.relayTimes.push(performance.now());
                return send.call(this, data);
              };
            })();
            """;
    /** The most relays and broadcasts of this page within any {@code span} ms. */
    private static final String BUSIEST = """
            (span) => {
              const t = globalThis.relayTimes ?? [];
              let most = 0;
              for (let i = 0, j = 0; i < t.length; i++) {
                while (t[i] - t[j] >= span) j++;
                most = Math.max(most, i - j + 1);
              }
              return most;
            }""";

    @Test
    void sixteenPagesDrawingWithCursorsThroughTheRelayAllConvergeAndNoneMeetsALimit() {
        String room = newRoom();
        List<BoardPage> pages = new ArrayList<>();
        for (int i = 0; i < PAGES; i++) {
            pages.add(open(room, "p" + i, 480, 300, RelayFallbackTest.BLOCK_PEER_TO_PEER, COUNT_RELAYS));
        }
        for (BoardPage page : pages) {
            slowly(page, "([count]) => { const peers = window.drawbridge.peers();"
                    + " return peers.length === count && peers.every((p) => p.transport === 'relay'); }", List.of(PAGES - 1));
        }

        // Every page draws its own line for 2 s at once, a point every 10 ms: 25 stroke flushes and
        // 20 cursors a second, each relayed to 15 room-mates.
        long startAt = System.currentTimeMillis() + 1_000;
        for (int i = 0; i < PAGES; i++) {
            double y = 40 + i * 52;
            double[] line = new double[2 * 201];
            for (int p = 0; p <= 200; p++) {
                line[2 * p] = 100 + 1400.0 * p / 200;
                line[2 * p + 1] = y;
            }
            pages.get(i).startSyntheticPath(line, startAt, 10);
        }
        for (BoardPage page : pages) {
            slowly(page, "() => window.syntheticPathDone === true", null);
        }

        // Sixteen pages on a shared 2-core machine: longer than the other browser tests wait.
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .alias("the 16 boards become pixel-identical").until(() -> {
                    String first = pages.getFirst().canvasHash();
                    return pages.stream().allMatch(page -> page.canvasHash().equals(first));
                });
        for (int i = 0; i < PAGES; i++) {
            assertThat(pages.getFirst().inkAt(800, 40 + i * 52)).as("p%d's line", i).isTrue();
        }
        assertThat(limitedTotal()).as("requests and streams refused by a limit").isZero();
        int busiestSecond = 0;
        int busiestTwo = 0;
        for (BoardPage page : pages) {
            busiestSecond = Math.max(busiestSecond, ((Number) page.page.evaluate(BUSIEST, 1000)).intValue());
            busiestTwo = Math.max(busiestTwo, ((Number) page.page.evaluate(BUSIEST, 2000)).intValue());
        }
        report("most relays of one page in 1 s (16 drawing through the relay)", busiestSecond, "relays");
        report("most relays of one page in 2 s (16 drawing through the relay)", busiestTwo, "relays");
        // Each stroke flush and cursor goes as one room broadcast (not one relay per room-mate):
        // at least half the flushes of one second.
        assertThat(busiestSecond).as("the pages really drew through the relay").isGreaterThanOrEqualTo(12);
    }

    /** Waits for {@code condition} on the page, as long as a loaded machine may need. */
    private static void slowly(BoardPage page, String condition, Object arg) {
        page.page.waitForFunction(condition, arg, new Page.WaitForFunctionOptions().setTimeout(120_000));
    }

    private double limitedTotal() {
        String text = dev.drawbridge.testing.TestNode.metrics(node.baseUrl());
        Matcher matcher = Pattern.compile("(?m)^drawbridge_limited_total\\{[^}]*} (\\S+)$").matcher(text);
        double total = 0;
        int series = 0;
        while (matcher.find()) {
            total += Double.parseDouble(matcher.group(1));
            series++;
        }
        assertThat(series).as("limited series in /metrics").isEqualTo(7);
        return total;
    }
}
