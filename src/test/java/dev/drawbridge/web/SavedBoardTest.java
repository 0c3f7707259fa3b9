package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Route;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Saved boards: a board whose link carries its key is kept, sealed, on the node's disk, and the
 * link shows it again with nobody else online, after the node restarted; without the key, or with
 * another one, nothing of it is shown, sent or stored.
 */
class SavedBoardTest extends BrowserTest {
    private static final String BLANK = "blank";
    private final Path dataDir = SavedBoard.tempDataDir();

    @Override
    protected String[] nodeFlags() {
        return new String[] {"--data-dir", dataDir.toString()};
    }

    private BoardPage openSaved(SavedBoard board, String name, String... initScripts) {
        return BoardPage.openLink(chromium.newContext(1280, 800, initScripts), board.link(name), name);
    }

    @Test
    void theRootMakesANewSavedBoardWhoseLinkCarriesAFreshKey() {
        BrowserContext context = chromium.newContext(1280, 800);
        var first = context.newPage();
        first.navigate(node.baseUrl() + "/");
        first.waitForFunction("() => window.drawbridge?.state().joined === true");
        var second = context.newPage();
        second.navigate(node.baseUrl() + "/");
        second.waitForFunction("() => window.drawbridge?.state().joined === true");

        String pattern = "^" + java.util.regex.Pattern.quote(node.baseUrl()) + "/[A-Za-z0-9_-]{1,64}#[A-Za-z0-9_-]{43}$";
        assertThat(first.url()).matches(pattern);
        assertThat(second.url()).matches(pattern);
        assertThat(first.url().split("#")[1]).isNotEqualTo(second.url().split("#")[1]);
        assertThat(first.evaluate("() => window.drawbridge.state().sealed")).isEqualTo(true);
        assertThat(first.locator("#saved").textContent()).isEqualTo("saved");
    }

    @Test
    void theLinkShowsTheSamePicturePixelForPixelAfterEveryPageClosedAndTheNodeRestarted() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = openSaved(board, "ada");
        BoardPage bob = openSaved(board, "bob");
        ada.waitForPeers(1, "p2p");
        ada.stroke(100, 100, 700, 150, 900, 400);
        bob.selectTool("rect");
        bob.stroke(900, 100, 1300, 400);
        ada.selectTool("text");
        String picture = awaitSamePicture(ada, bob);
        ada.waitUntilSaved();
        bob.waitUntilSaved();
        assertThat(ada.page.locator("#saved").textContent()).isEqualTo("saved");
        chromium.closeContexts();

        node.close();
        node = TestNode.start(nodeFlags());

        BoardPage alone = openSaved(board.on(node.baseUrl()), "alone");
        alone.waitUntilSaved();
        eventually().alias("the stored board is drawn").until(() -> alone.canvasHash().equals(picture));
        assertThat(alone.peers()).isEmpty();
        assertThat(alone.inkAt(900, 250)).as("bob's rectangle").isTrue();
    }

    @Test
    void noPlaintextOfTheDrawingLeavesTheBrowserOnTheRelayOrToTheDataFolder() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        List<String> relayBodies = new CopyOnWriteArrayList<>();
        BoardPage open = openSaved(board, "open");
        // On SSE + POST (no WebSocket), so that every relayed body of this page is a request seen here.
        BrowserContext blockedContext = chromium.newContext(1280, 800, RelayFallbackTest.BLOCK_PEER_TO_PEER,
                DrawingTogetherTest.BLOCK_WEBSOCKETS);
        // Every relay and broadcast body the page sends, as the server receives it.
        for (String path : List.of("**/relay/**", "**/broadcast/**")) {
            blockedContext.route(path, (Route route) -> {
                relayBodies.add(route.request().postData());
                route.resume();
            });
        }
        BoardPage blocked = BoardPage.openLink(blockedContext, board.link("blocked"), "blocked");
        blocked.waitForPeers(1, "relay");

        String marker = "MARKER-" + java.util.UUID.randomUUID();
        blocked.selectTool("text");
        blocked.page.mouse().click(blocked.toViewport(300, 300)[0], blocked.toViewport(300, 300)[1]);
        blocked.page.keyboard().type(marker);
        blocked.press("Enter");
        blocked.selectTool("pencil");
        blocked.stroke(100, 600, 800, 650, 1400, 700);
        open.stroke(100, 800, 1500, 820);
        awaitSamePicture(open, blocked);
        assertThat(open.inkAt(800, 650)).isTrue();
        open.waitUntilSaved();
        blocked.waitUntilSaved();

        // The relay carried drawing (several bodies with mesh messages), all of them sealed.
        List<String> meshBodies = relayBodies.stream().filter(body -> body.startsWith("[")).toList();
        assertThat(meshBodies).hasSizeGreaterThan(2);
        for (String body : meshBodies) {
            JsonArray messages = new JsonArray(body);
            for (Object message : messages) {
                assertThat(message).as("a relayed mesh message is sealed text").isInstanceOf(String.class);
            }
        }
        for (String secret : List.of(marker, "\"points\"", "\"kind\"", "\"text\"", "\"ops\"")) {
            for (String body : relayBodies) {
                assertThat(SavedBoard.holds(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), secret))
                        .as("relay body holds " + secret).isFalse();
            }
            assertThat(SavedBoard.filesHolding(dataDir, secret)).as("data folder files holding " + secret).isEmpty();
        }
        // Storage holds what was drawn, as ciphertext the test can not read either.
        List<String> stored = board.storedData();
        assertThat(stored).hasSizeGreaterThanOrEqualTo(open.entries());
        for (String data : stored) {
            assertThat(SavedBoard.holds(SavedBoard.decode(data), marker)).isFalse();
        }
        // And the test can fail: the marker is there, in the clear, on a page that holds the key.
        assertThat((String) open.page.evaluate("() => document.body.innerHTML + ''")).doesNotContain("MARKER");
        assertThat(SavedBoard.holds(("x" + marker + "y").getBytes(java.nio.charset.StandardCharsets.UTF_8), marker)).isTrue();
    }

    @Test
    void aPageWithAnotherKeyOrNoKeySaysSoAndShowsAndStoresNothing() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = openSaved(board, "ada");
        ada.stroke(100, 100, 700, 150);
        ada.waitUntilSaved();
        int head = board.read().getInteger("head");

        SavedBoard wrong = new SavedBoard(board.baseUrl(), board.roomId(), SavedBoard.create(node.baseUrl(), "x").key());
        BoardPage intruder = openSaved(wrong, "intruder");
        intruder.page.waitForFunction("() => window.drawbridge.state().locked");
        assertThat(intruder.notice()).contains("key does not open this board");
        intruder.stroke(200, 400, 900, 450);
        intruder.press("Backspace");

        BoardPage keyless = BoardPage.openLink(chromium.newContext(1280, 800), node.baseUrl() + "/" + board.roomId() + "?name=keyless", "keyless");
        keyless.page.waitForFunction("() => window.drawbridge.state().locked");
        assertThat(keyless.notice()).contains("lacks its key");
        keyless.stroke(200, 400, 900, 450);

        String blank = blankHash();
        for (BoardPage page : List.of(intruder, keyless)) {
            assertThat(page.canvasHash()).as(page + " shows nothing").isEqualTo(blank);
            assertThat(page.entries()).isZero();
            assertThat(page.page.evaluate("() => window.drawbridge.state().joined")).isEqualTo(false);
        }
        assertThat(ada.peers()).isEmpty();
        assertThat(board.read().getInteger("head")).as("nothing stored").isEqualTo(head);
        assertThat(ada.inkAt(400, 400)).isFalse();
    }

    @Test
    void readingAppendingAndDeletingWithoutTheKeysProofIsRefusedAndChangesNothing() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = openSaved(board, "ada");
        ada.stroke(100, 100, 700, 150);
        ada.waitUntilSaved();
        JsonObject before = board.read();
        String wrongProof = SavedBoard.create(node.baseUrl(), board.roomId()).proof();
        String append = new JsonObject().put("records", new JsonArray().add(new JsonObject().put("id", "forged").put("data", "AAAA"))).encode();

        for (String proof : new String[] {null, wrongProof}) {
            int expected = proof == null ? 401 : 403;
            assertThat(board.request("GET", "/board", proof, null).statusCode()).isEqualTo(expected);
            assertThat(board.request("POST", "/board/records", proof, append).statusCode()).isEqualTo(expected);
            assertThat(board.request("PUT", "/board/snapshot", proof, "{\"upTo\":1,\"data\":\"AAAA\"}").statusCode()).isEqualTo(expected);
            HttpResponse<String> delete = board.request("DELETE", "/board", proof, null);
            assertThat(delete.statusCode()).isEqualTo(expected);
            assertThat(new JsonObject(delete.body()).getString("error")).isEqualTo(proof == null ? "missing_proof" : "wrong_proof");
        }
        assertThat(board.read()).isEqualTo(before);
    }

    @Test
    void deletingTheBoardFromTheAppRemovesItFromTheServer() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = openSaved(board, "ada");
        ada.stroke(100, 100, 700, 150);
        ada.waitUntilSaved();
        assertThat(board.request("GET", "/board", board.proof(), null).statusCode()).isEqualTo(200);

        ada.page.onDialog(dialog -> dialog.accept());
        ada.page.locator("#delete-board").click();
        ada.page.waitForFunction("() => window.drawbridge.state().storage.state === 'deleted'");

        assertThat(board.request("GET", "/board", board.proof(), null).statusCode()).isEqualTo(404);
        assertThat(ada.page.locator("#saved").textContent()).isEqualTo("deleted from the server");
        // This device forgot it too: the link opens an empty board.
        ada.page.reload();
        ada.waitUntilJoined();
        assertThat(ada.entries()).isZero();
    }

    @Test
    void aPageCompactsALongLogIntoOneSnapshotAndTheBoardStillOpensTheSame() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = BoardPage.openLink(chromium.newContext(1280, 800),
                node.baseUrl() + "/" + board.roomId() + "?name=ada&compact-after=20#" + board.key(), "ada");
        for (int i = 0; i < 30; i++) {
            ada.selectTool(i % 2 == 0 ? "rect" : "ellipse");
            ada.stroke(50 + 40 * i, 100 + 20 * i, 120 + 40 * i, 160 + 20 * i);
        }
        eventually().alias("a snapshot replaced the first records")
                .until(() -> board.read().getJsonObject("snapshot") != null);
        ada.waitUntilSaved();
        String picture = ada.canvasHash();
        JsonObject stored = board.read();
        assertThat(stored.getJsonArray("records").size()).isLessThan(30);

        BoardPage later = openSaved(board, "later");
        ada.page.context().close();
        later.waitUntilSaved();
        eventually().until(() -> later.canvasHash().equals(picture));
    }

    @Test
    void aSnapshotCarriesItsPictureAndAPageOpenedFromItShowsAndDrawsOnTheSamePixels() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = BoardPage.openLink(chromium.newContext(1280, 800),
                node.baseUrl() + "/" + board.roomId() + "?name=ada&compact-after=12#" + board.key(), "ada");
        // One entry per shape: the 13th append makes the page compact, holding exactly what it stored.
        for (int i = 0; i < 13; i++) {
            ada.selectTool(i % 2 == 0 ? "rect" : "ellipse");
            ada.stroke(60 + 97 * i, 80 + 41 * i, 190 + 89 * i, 160 + 53 * i);
        }
        eventually().alias("a snapshot stands for every record")
                .until(() -> board.read().getJsonObject("snapshot") != null && board.read().getJsonArray("records").isEmpty());
        ada.waitUntilRendered();
        String picture = ada.canvasHash();

        BoardPage later = openSaved(board, "later");
        later.waitUntilSaved();
        later.waitUntilRendered();
        assertThat(later.page.evaluate("() => window.drawbridge.state().storage.pictureUsed"))
                .as("the page showed the snapshot's picture instead of drawing it").isEqualTo(true);
        assertThat(later.canvasHash()).isEqualTo(picture);
        // What is drawn over the picture lands as it does on the page that drew everything itself.
        later.waitUntilJoined();
        later.selectTool("pencil");
        later.stroke(100, 700, 400, 200, 800, 650, 1200, 300);
        eventually().until(() -> ada.entries() == later.entries());
        eventually().until(() -> ada.canvasHash().equals(later.canvasHash()));
        assertThat(later.canvasHash()).isNotEqualTo(picture);
    }

    /** Seals the board's records as a snapshot of the first format (the JSON array of its entries, docs/FILE-FORMAT.md). */
    private static final String FORMAT_1_SNAPSHOT = """
            async ({ roomId, key }) => {
              const { RoomKey } = await import('/assets/room-key.js');
              const room = await RoomKey.derive(roomId, key);
              const headers = { 'Board-Proof': room.proof, 'Content-Type': 'application/json' };
              const page = await (await fetch(`/${roomId}/board`, { headers })).json();
              const entries = await Promise.all(page.records.map((r) => room.open('record', r.data)));
              const data = await room.seal('snapshot', entries);
              const put = await fetch(`/${roomId}/board/snapshot`, { method: 'PUT', headers, body: JSON.stringify({ upTo: page.head, data }) });
              return put.status;
            }""";

    @Test
    void aSnapshotOfTheFirstFormatStillOpens() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = openSaved(board, "ada");
        for (int i = 0; i < 3; i++) {
            ada.selectTool(i % 2 == 0 ? "rect" : "ellipse");
            ada.stroke(80 + 200 * i, 120 + 60 * i, 240 + 200 * i, 260 + 60 * i);
        }
        ada.waitUntilSaved();
        ada.waitUntilRendered();
        String picture = ada.canvasHash();
        assertThat(ada.page.evaluate(FORMAT_1_SNAPSHOT, java.util.Map.of("roomId", board.roomId(), "key", board.key())))
                .isEqualTo(200);
        ada.page.context().close();
        JsonObject stored = board.read();
        assertThat(stored.getJsonObject("snapshot")).isNotNull();
        assertThat(stored.getJsonArray("records")).isEmpty();

        BoardPage later = openSaved(board, "later");
        later.waitUntilSaved();
        assertThat(later.entries()).isEqualTo(3);
        eventually().until(() -> later.canvasHash().equals(picture));
    }

    private String blankHash() {
        BoardPage empty = open(newRoom(), "empty");
        return empty.canvasHash();
    }
}
