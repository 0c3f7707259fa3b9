package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A saved board survives the network: a page that lost it keeps drawing, shows its board after a
 * reload with no network at all, and what it drew reaches the others and storage once it is back.
 */
class OfflineBoardTest extends BrowserTest {
    private final java.nio.file.Path dataDir = SavedBoard.tempDataDir();

    @Override
    protected String[] nodeFlags() {
        return new String[] {"--data-dir", dataDir.toString()};
    }

    private BoardPage openSaved(SavedBoard board, String name) {
        return BoardPage.openLink(chromium.newContext(1280, 800), board.link(name), name);
    }

    @Test
    void aPageThatGoesOfflineDrawsReloadsAndShowsItsBoardAndTheOthersAndStorageGetItOnceBack() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = openSaved(board, "ada");
        BoardPage bob = openSaved(board, "bob");
        ada.waitForPeers(1, "p2p");
        ada.stroke(100, 100, 700, 150);
        awaitSamePicture(ada, bob);
        ada.waitUntilSaved();
        ada.page.waitForFunction("async () => !!(await navigator.serviceWorker.ready).active");

        BrowserContext offline = ada.page.context();
        offline.setOffline(true);
        ada.selectTool("rect");
        ada.stroke(900, 100, 1300, 400);
        ada.selectTool("pencil");
        ada.stroke(100, 700, 1500, 750);
        ada.page.waitForFunction("() => window.drawbridge.state().storage.state === 'offline'");
        assertThat(ada.page.locator("#saved").textContent()).isEqualTo("offline: saved on this device");
        String beforeReload = ada.canvasHash();
        int entries = ada.entries();

        ada.page.reload();
        ada.waitUntilStarted();
        eventually().alias("the reloaded offline page shows its board").until(() -> ada.canvasHash().equals(beforeReload));
        assertThat(ada.entries()).isEqualTo(entries);
        String drawnOffline;
        assertThat(ada.savedState()).isEqualTo("offline");
        // (An open data channel outlives the browser's offline mode; after the reload there is none.)
        ada.selectTool("ellipse");
        ada.stroke(200, 400, 700, 600);
        ada.page.waitForFunction("() => window.drawbridge.state().storage.pending > 0");
        eventually().alias("the ellipse is drawn").until(() -> ada.inkAt(450, 400));
        drawnOffline = ada.canvasHash();
        assertThat(drawnOffline).isNotEqualTo(bob.canvasHash());
        assertThat(bob.inkAt(450, 400)).as("the ellipse drawn offline has not reached bob").isFalse();

        offline.setOffline(false);
        ada.waitUntilJoined();
        ada.waitUntilSaved();
        assertThat(awaitSamePicture(ada, bob)).isEqualTo(drawnOffline);
        bob.waitUntilSaved();

        // Storage holds each entry once: as many records as entries, and a newcomer sees the same.
        List<String> stored = board.storedData();
        assertThat(stored).hasSize(bob.entries());
        assertThat(ada.entries()).isEqualTo(bob.entries());
        JsonObject page = board.read();
        assertThat(page.getInteger("head")).isEqualTo(stored.size());
        BoardPage late = openSaved(board, "late");
        late.waitUntilSaved();
        assertThat(awaitSamePicture(ada, bob, late)).isEqualTo(drawnOffline);
    }

    @Test
    void threePagesOneReloadingAndOneJoiningWhileTheOthersAreOfflineConvergeAndStorageHoldsEachEntryOnce() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = openSaved(board, "ada");
        BoardPage bob = openSaved(board, "bob");
        ada.waitForPeers(1, "p2p");
        ada.stroke(100, 100, 700, 150);
        bob.selectTool("ellipse");
        bob.stroke(900, 100, 1300, 400);

        bob.page.reload(); // mid-way
        bob.waitUntilJoined();
        ada.stroke(100, 300, 700, 350);
        bob.selectTool("pencil");
        bob.stroke(100, 500, 700, 550);
        awaitSamePicture(ada, bob);
        ada.waitUntilSaved();
        bob.waitUntilSaved();

        // Both go offline and draw more; a third page joins meanwhile and sees what storage holds.
        ada.page.context().setOffline(true);
        bob.page.context().setOffline(true);
        ada.stroke(900, 600, 1500, 650);
        bob.selectTool("rect");
        bob.stroke(900, 700, 1500, 850);
        BoardPage cat = openSaved(board, "cat");
        cat.waitUntilSaved();
        assertThat(cat.inkAt(400, 525)).as("bob's stroke after his reload, from storage").isTrue();
        assertThat(cat.inkAt(1200, 625)).as("drawn offline: not there yet").isFalse();
        cat.stroke(800, 450, 1500, 470);

        ada.page.context().setOffline(false);
        bob.page.context().setOffline(false);
        String picture = awaitSamePicture(ada, bob, cat);
        assertThat(cat.inkAt(1200, 625)).isTrue();
        for (BoardPage page : List.of(ada, bob, cat)) {
            page.waitUntilSaved();
        }
        int entries = ada.entries();
        assertThat(bob.entries()).isEqualTo(entries);
        assertThat(cat.entries()).isEqualTo(entries);
        assertThat(board.storedData()).as("each entry stored once").hasSize(entries);

        BoardPage late = openSaved(board, "late");
        late.waitUntilSaved();
        assertThat(late.entries()).isEqualTo(entries);
        eventually().until(() -> late.canvasHash().equals(picture));
    }
}
