package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A board over its storage cap: the server refuses with 413, and the app says what happened and what to do. */
class BoardFullTest extends BrowserTest {
    private static final int CAP = 3000;
    private final java.nio.file.Path dataDir = SavedBoard.tempDataDir();

    @Override
    protected String[] nodeFlags() {
        return new String[] {"--data-dir", dataDir.toString(), "--board-max-bytes", Integer.toString(CAP), "--board-max-record", "2048"};
    }

    @Test
    void aBoardOverItsStorageCapShowsStorageFullAndWhatToDoAndKeepsDrawingForThePeople() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = BoardPage.openLink(chromium.newContext(1280, 800), board.link("ada"), "ada");
        BoardPage bob = BoardPage.openLink(chromium.newContext(1280, 800), board.link("bob"), "bob");
        ada.waitForPeers(1, "p2p");
        ada.selectTool("rect");
        for (int i = 0; i < 60 && !"full".equals(ada.savedState()); i++) {
            ada.stroke(50 + 20 * i, 100 + 10 * i, 120 + 20 * i, 160 + 10 * i);
            int drawn = i + 1;
            eventually().until(() -> ada.entries() >= drawn && ("saved".equals(ada.savedState()) || "full".equals(ada.savedState())));
        }

        assertThat(ada.savedState()).isEqualTo("full");
        assertThat(ada.page.locator("#saved").textContent()).isEqualTo("storage full");
        assertThat(ada.notice()).contains("Storage for this board is full").contains("export").contains("Start a new board");
        var append = board.request("POST", "/board/records", board.proof(),
                "{\"records\":[{\"id\":\"one-more\",\"data\":\"" + "A".repeat(1600) + "\"}]}");
        assertThat(append.statusCode()).isEqualTo(413);
        assertThat(append.body()).contains("board_full");
        assertThat(board.read().getLong("bytes")).isLessThanOrEqualTo(CAP);
        // Drawing goes on with the people online.
        ada.selectTool("pencil");
        ada.stroke(100, 500, 1500, 500);
        eventually().until(() -> bob.inkAt(800, 500));
    }
}
