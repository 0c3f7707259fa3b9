package dev.drawbridge.web;

import com.microsoft.playwright.Download;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.ColorScheme;
import com.microsoft.playwright.options.Clip;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The eraser, undo and redo as the other page sees them, the PNG export, dark mode and the
 * keyboard shortcuts panel.
 */
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

    @Test
    void theLaserPointersTrailShowsOnTheOtherPageFadesAndLeavesNothingOnTheBoard() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        String before = bob.canvasHash();

        ada.press("l");
        ada.pointerDown(300, 450);
        ada.pointerMove(1300, 450, 40);
        // The trail fades within a second of each point, however busy the machine: each look
        // draws across the point again first.
        java.util.concurrent.atomic.AtomicInteger sweeps = new java.util.concurrent.atomic.AtomicInteger();
        eventually().alias("the trail, red on bob's laser canvas").until(() -> {
            ada.pointerMove(sweeps.getAndIncrement() % 2 == 0 ? 700 : 900, 450, 4);
            return redOnLaser(bob, 800, 450) && redOnLaser(ada, 800, 450);
        });
        ada.pointerUp();
        eventually().alias("the trail faded on both pages").until(() -> !redOnLaser(bob, 800, 450) && !redOnLaser(ada, 800, 450));
        assertThat(bob.canvasHash()).as("bob's board, untouched").isEqualTo(before);
        assertThat(ada.canvasHash()).as("ada's board, untouched").isEqualTo(before);
    }

    /** Whether the laser canvas holds red near a logical board point (within 3 pixels). */
    private static boolean redOnLaser(BoardPage board, int x, int y) {
        return (Boolean) board.page.evaluate("""
                ([x, y]) => {
                  const laser = document.querySelector('#laser');
                  const data = laser.getContext('2d').getImageData(x - 3, y - 3, 7, 7).data;
                  for (let i = 0; i < data.length; i += 4) {
                    if (data[i + 3] > 40 && data[i] > 150 && data[i + 1] < 120) return true;
                  }
                  return false;
                }""", java.util.List.of(x, y));
    }

    @Test
    void darkModeFollowsTheSystemUntilChosenAndShowsTheBoardMappedWhileItsPixelsStayAsDrawn() {
        BoardPage ada = open(newRoom(), "ada");
        ada.setWidth(12);
        ada.stroke(200, 450, 1400, 450);
        eventually().until(() -> ada.inkAt(800, 450));
        Page page = ada.page;
        page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.LIGHT));
        assertThat(shown(ada, 800, 450)).as("black ink, light mode").isLessThan(60);
        assertThat(shown(ada, 800, 700)).as("white paper, light mode").isGreaterThan(240);

        page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.DARK));
        eventually().alias("the theme button shows dark mode")
                .until(() -> "true".equals(page.locator("#theme").getAttribute("aria-pressed")));
        assertThat(shown(ada, 800, 450)).as("black ink, shown in dark mode").isGreaterThan(200);
        assertThat(shown(ada, 800, 700)).as("white paper, shown in dark mode").isLessThan(40);
        assertThat(ada.pixel(800, 450)).as("the board's own pixel: as drawn").startsWith(0, 0, 0);
        Download png = page.waitForDownload(() -> page.locator("#export").click());
        assertThat(exported(png).getRGB(800, 700) & 0xffffff).as("exported as drawn").isEqualTo(0xffffff);

        page.locator("#theme").click();
        assertThat(page.locator("#theme").getAttribute("aria-pressed")).isEqualTo("false");
        assertThat(shown(ada, 800, 450)).as("light mode chosen while the system is dark").isLessThan(60);
        page.reload(); // a plain room: the drawing is gone with the page, the choice is not
        ada.waitUntilJoined();
        assertThat(page.locator("#theme").getAttribute("aria-pressed")).as("the choice, kept on reload").isEqualTo("false");
        assertThat(shown(ada, 800, 700)).as("still light after a reload").isGreaterThan(240);
        page.keyboard().press("Shift+D");
        assertThat(page.locator("#theme").getAttribute("aria-pressed")).as("Shift+D").isEqualTo("true");
    }

    @Test
    void aQuestionMarkListsTheShortcutsOfEveryToolbarButtonAndEscapeClosesIt() {
        BoardPage ada = open(newRoom(), "ada");
        Page page = ada.page;
        page.keyboard().press("?");
        var help = page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName("Keyboard shortcuts"));
        eventually().until(help::isVisible);
        String rows = help.locator("tbody").innerText();
        assertThat(rows).contains("P\tPencil", "R\tRectangle", "H, or hold Space\tHand", "Ctrl+Z\tUndo",
                "Shift+1\tZoom to fit", "Shift+D\tDark mode", "V\tSelect", "L\tLaser pointer", "I\tLine", "A\tArrow", "N\tSticky note",
                "Enter, double-click\tEdit the selected note's text (Escape or a click outside ends it)", "Ctrl/⌘+D\tDuplicate the selection");
        page.keyboard().press("Escape");
        eventually().until(() -> !help.isVisible());
        page.locator("#help-button").click();
        eventually().until(help::isVisible);
        help.getByRole(AriaRole.BUTTON, new com.microsoft.playwright.Locator.GetByRoleOptions().setName("Close")).click();
        eventually().until(() -> !help.isVisible());
    }

    @Test
    void keysTypedBeforeTheTextEntryTakesTheFocusAreTheTextNotShortcuts() {
        BoardPage ada = open(newRoom(), "ada");
        ada.setWidth(10);
        ada.selectTool("text");
        // Hold the page's timers back, as a busy page does, so that the keys below arrive before the
        // entry's deferred focus; every letter of "varietal" is a tool's shortcut.
        ada.page.evaluate("""
                () => {
                  window.realSetTimeout = window.setTimeout;
                  window.setTimeout = (f, ms, ...rest) => window.realSetTimeout(f, Math.max(ms ?? 0, 1000), ...rest);
                }""");
        ada.page.mouse().click(ada.toViewport(300, 600)[0], ada.toViewport(300, 600)[1]);
        ada.page.keyboard().type("varietal");
        ada.page.keyboard().press("Enter");
        ada.page.evaluate("() => { window.setTimeout = window.realSetTimeout; }");
        eventually().alias("the text on the board").until(() -> ada.inkInColumn(305, 600, 640) + ada.inkInColumn(315, 600, 640) > 0);
        assertThat(ada.page.locator("[data-tool=text]").getAttribute("aria-pressed")).as("still the text tool").isEqualTo("true");
        assertThat(ada.page.evaluate("() => window.drawbridge.state().visible")).isEqualTo(1);
    }

    /** The brightness (0 to 255, mean of R, G and B) of what the screen shows at a logical board point. */
    private static int shown(BoardPage board, double x, double y) {
        double[] at = board.toViewport(x, y);
        byte[] shot = board.page.screenshot(new Page.ScreenshotOptions().setClip(new Clip(at[0], at[1], 1, 1)));
        try {
            int rgb = ImageIO.read(new ByteArrayInputStream(shot)).getRGB(0, 0);
            return (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff)) / 3;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedImage exported(Download download) {
        try {
            return ImageIO.read(download.path().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
