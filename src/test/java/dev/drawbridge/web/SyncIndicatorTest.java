package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The people list says, per person, whether they see exactly the same board, or what is still on its way. */
class SyncIndicatorTest extends BrowserTest {

    /** Test-only: gives the app's {@code window.drawbridgeTest.holdOps} hook (main.js) to this page. */
    static final String TEST_HOOKS = "window.drawbridgeTest = {};";

    @Test
    void pagesSayInSyncOnceTheyConvergeAndCountTheOperationsStillOnTheirWay() {
        String room = newRoom();
        BoardPage ada = open(room, "ada", TEST_HOOKS);
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        String adaId = ada.id();
        String bobId = bob.id();

        // Connected, with nothing drawn: both see the same (empty) board.
        awaitSyncText(bob, adaId, "in sync");
        awaitSyncText(ada, bobId, "in sync");

        ada.stroke(200, 200, 600, 400, 1000, 200);
        ada.stroke(200, 700, 1400, 700);
        awaitSamePicture(ada, bob);
        awaitSyncText(bob, adaId, "in sync");
        awaitSyncText(ada, bobId, "in sync");
        assertThat(bob.page.locator(row(adaId) + " .sync").getAttribute("data-sync")).isEqualTo("in-sync");

        // Ada's entries are held back (a transport far behind) while her digests still go out.
        ada.page.evaluate("() => window.drawbridgeTest.holdOps(true)");
        int strokes = 3;
        for (int i = 0; i < strokes; i++) {
            ada.stroke(300 + 400 * i, 450, 500 + 400 * i, 550);
        }
        eventually().alias("ada's entries are all made").until(() -> ada.entries() >= bob.entries() + strokes);
        int[] onTheirWay = new int[1];
        eventually().alias("bob's list counts what ada holds that bob lacks").until(() -> {
            onTheirWay[0] = ada.entries() - bob.entries();
            return (onTheirWay[0] + " on their way to you").equals(syncText(bob, adaId));
        });
        int n = onTheirWay[0];
        assertThat(n).as("at least one operation per held stroke").isGreaterThanOrEqualTo(strokes);
        awaitSyncText(ada, bobId, n + " on their way to them");
        assertThat(bob.page.locator(row(adaId) + " .sync").getAttribute("data-sync")).isEqualTo("incoming");
        // Screen readers read the whole sentence, not the short text.
        assertThat(bob.page.locator(row(adaId)).ariaSnapshot())
                .contains("ada has " + n + " operations that have not reached you yet")
                .doesNotContain("on their way");
        // ... and it is true: the held strokes are not on bob's board.
        for (int i = 0; i < strokes; i++) {
            assertThat(bob.inkAt(400 + 400 * i, 500)).as("held stroke %d on bob's board", i).isFalse();
            assertThat(ada.inkAt(400 + 400 * i, 500)).as("held stroke %d on ada's board", i).isTrue();
        }

        // Released: everything arrives, and both say so.
        ada.page.evaluate("() => window.drawbridgeTest.holdOps(false)");
        awaitSyncText(bob, adaId, "in sync");
        awaitSyncText(ada, bobId, "in sync");
        awaitSamePicture(ada, bob);
        for (int i = 0; i < strokes; i++) {
            assertThat(bob.inkAt(400 + 400 * i, 500)).as("released stroke %d on bob's board", i).isTrue();
        }
        assertThat(bob.entries()).isEqualTo(ada.entries());
        assertThat(bob.page.evaluate("() => window.drawbridge.state().digest"))
                .isEqualTo(ada.page.evaluate("() => window.drawbridge.state().digest"));
        assertThat(bob.page.locator(row(adaId)).ariaSnapshot()).contains("ada sees exactly the same board as you");
    }

    @Test
    void theIndicatorWorksThroughTheServerRelayToo() {
        String room = newRoom();
        BoardPage ada = open(room, "ada", RelayFallbackTest.BLOCK_PEER_TO_PEER);
        BoardPage bob = open(room, "bob", RelayFallbackTest.BLOCK_PEER_TO_PEER);
        ada.waitForPeers(1, "relay");
        bob.waitForPeers(1, "relay");

        bob.stroke(200, 200, 900, 600);
        awaitSamePicture(ada, bob);
        awaitSyncText(ada, bob.id(), "in sync");
        awaitSyncText(bob, ada.id(), "in sync");
    }

    @Test
    void theDigestDependsOnTheSetOfEntriesOnlyNotOnTheirArrivalOrder() {
        BoardPage page = open(newRoom(), "unit");
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) page.page.evaluate("""
                async () => {
                  const { DrawingModel } = await import('/assets/model.js');
                  const { compare, parseSync } = await import('/assets/sync.js');
                  const ada = new DrawingModel('ada');
                  const bob = new DrawingModel('bob');
                  const entries = [];
                  for (let i = 0; i < 20; i++) {
                    const author = i % 3 ? ada : bob;
                    const entry = author.create('stroke', { tool: 'pencil', color: '#000000', width: 2, points: [i, i, 0.5] });
                    (author === ada ? bob : ada).receive(entry);
                    entries.push(entry);
                  }
                  entries.push(ada.create('undo', { target: entries[1].id }));
                  const inOrder = new DrawingModel('x');
                  inOrder.receiveAll(entries);
                  const reversed = new DrawingModel('y');
                  reversed.receiveAll(entries.toReversed());
                  // One by one, shuffled, with duplicates.
                  const shuffled = new DrawingModel('z');
                  const order = entries.map((e, i) => [(i * 7919) % entries.length, e]).sort((a, b) => a[0] - b[0]);
                  for (const [, e] of [...order, ...order.slice(0, 5)]) shuffled.receive(e);
                  const lacking = new DrawingModel('w');
                  lacking.receiveAll(entries.slice(0, -2));
                  const other = new DrawingModel('v');
                  other.receiveAll([...entries.slice(0, -1), bob.create('clear', {})]);
                  return {
                    digests: [inOrder, reversed, shuffled].map((m) => m.digest),
                    lacking: lacking.digest,
                    other: other.digest,
                    empty: new DrawingModel('e').digest,
                    incoming: compare(lacking.digest, inOrder.digest),
                    outgoing: compare(inOrder.digest, lacking.digest),
                    differs: compare(inOrder.digest, other.digest),
                    same: compare(reversed.digest, shuffled.digest),
                    malformed: [{ count: -1, digest: '0123456789abcdef' }, { count: 2, digest: 'xyz' }, { count: 1.5 }, null]
                      .map(parseSync),
                  };
                }""");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> digests = (List<Map<String, Object>>) result.get("digests");
        assertThat(digests.get(0).get("count")).isEqualTo(21);
        assertThat(digests).as("the same set in three arrival orders").allSatisfy(d -> assertThat(d).isEqualTo(digests.get(0)));
        assertThat((String) digests.get(0).get("digest")).matches("[0-9a-f]{16}");
        assertThat(result.get("lacking")).isNotEqualTo(digests.get(0));
        assertThat(((Map<?, ?>) result.get("other")).get("count")).as("as many entries, not the same").isEqualTo(21);
        assertThat(((Map<?, ?>) result.get("other")).get("digest")).isNotEqualTo(digests.get(0).get("digest"));
        assertThat(result.get("empty")).isEqualTo(Map.of("count", 0, "digest", "0000000000000000"));
        assertThat(result.get("incoming")).isEqualTo(Map.of("state", "incoming", "n", 2));
        assertThat(result.get("outgoing")).isEqualTo(Map.of("state", "outgoing", "n", 2));
        assertThat(result.get("differs")).isEqualTo(Map.of("state", "out-of-sync", "n", 0));
        assertThat(result.get("same")).isEqualTo(Map.of("state", "in-sync", "n", 0));
        assertThat((List<?>) result.get("malformed")).as("malformed reports are refused").containsOnlyNulls();
    }

    private static String row(String peerId) {
        return "#people li[data-peer='" + peerId + "']";
    }

    /** What {@code page}'s people list shows (to the eye) of how {@code peerId}'s board compares, or null. */
    private static String syncText(BoardPage page, String peerId) {
        return (String) page.page.evaluate("(selector) => document.querySelector(selector)?.textContent ?? null",
                row(peerId) + " .sync [aria-hidden=true]");
    }

    private static void awaitSyncText(BoardPage page, String peerId, String text) {
        eventually().alias(page + "'s list shows '" + text + "' for " + peerId)
                .until(() -> text.equals(syncText(page, peerId)));
    }
}
