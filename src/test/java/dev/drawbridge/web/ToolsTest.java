package dev.drawbridge.web;

import com.microsoft.playwright.Download;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The eraser, undo and redo as the other page sees them, and the PNG export. */
class ToolsTest extends BrowserTest {

    @Test
    void erasingUndoingAndRedoingShowOnTheOtherPageAndTheExportIsThePicture() throws IOException {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");

        ada.setWidth(10);
        ada.stroke(200, 300, 1400, 300);
        eventually().until(() -> bob.inkAt(800, 300));

        ada.selectTool("eraser");
        ada.setWidth(30);
        ada.stroke(800, 200, 800, 400);
        eventually().alias("erased on bob's board").until(() -> !bob.inkAt(800, 300) && bob.inkAt(400, 300));

        ada.press("Control+z");
        eventually().alias("the erasing undone on bob's board").until(() -> bob.inkAt(800, 300));
        ada.press("Control+Shift+z");
        eventually().alias("the erasing redone on bob's board").until(() -> !bob.inkAt(800, 300));

        // Bob's undo only takes back his own drawing: he has none, so nothing changes.
        bob.press("Control+z");
        bob.stroke(700, 700, 900, 700);
        eventually().until(() -> ada.inkAt(800, 700));
        String picture = awaitSamePicture(ada, bob);
        assertThat(bob.inkAt(400, 300)).as("ada's stroke survives bob's undo").isTrue();

        Download download = ada.page.waitForDownload(() -> ada.page.locator("#export").click());
        assertThat(download.suggestedFilename()).isEqualTo("drawbridge-" + room + ".png");
        BufferedImage png = ImageIO.read(download.path().toFile());
        assertThat(png.getWidth()).isEqualTo(BoardPage.WIDTH);
        assertThat(png.getHeight()).isEqualTo(BoardPage.HEIGHT);
        assertThat(png.getRGB(400, 300) & 0xffffff).as("the stroke, exported").isEqualTo(0x000000);
        assertThat(png.getRGB(800, 300) & 0xffffff).as("the erased part, exported").isEqualTo(0xffffff);
        assertThat(png.getRGB(800, 700) & 0xffffff).as("bob's stroke, exported").isEqualTo(0x000000);
        assertThat(ada.canvasHash()).isEqualTo(picture);
    }
}
