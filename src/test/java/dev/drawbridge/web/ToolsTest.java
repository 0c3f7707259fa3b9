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
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The eraser, undo and redo as the other page sees them, the PNG export (of the board, and of a
 * selection), dark mode and the keyboard shortcuts panel.
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
    void withASelectionThePngHoldsItAloneCroppedToItsBoxAtOnePixelPerWorldUnitWhateverTheViewAndTheme() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        ada.setWidth(10);
        ada.selectTool("rect");
        ada.stroke(200, 200, 400, 350);
        ada.selectTool("pencil");
        ada.stroke(1100, 650, 1400, 750);
        // An eraser stroke across the rectangle's top edge: it is part of what the selection looks like.
        ada.selectTool("eraser");
        ada.setWidth(20);
        ada.stroke(300, 150, 300, 250);
        eventually().until(() -> ada.inkAt(250, 200) && !ada.inkAt(300, 200) && ada.inkAt(1250, 700));
        ada.waitUntilRendered();
        BufferedImage board = picture(ada); // the default view: a world unit is a canvas pixel

        ada.press("v");
        ada.pointerDown(200, 275);
        ada.pointerUp();
        eventually().until(() -> selected(ada) == 1);
        Download download = ada.page.waitForDownload(() -> ada.page.locator("#export").click());
        assertThat(download.suggestedFilename()).isEqualTo("drawbridge-" + room + "-selection.png");
        BufferedImage png = exported(download);
        // The rectangle's box (its corners, half its width of 10 and a unit around them) and the
        // margin of 10, to whole units: 232 x 182, a unit more where a corner fell on a tenth.
        assertThat(png.getWidth()).as("width").isBetween(231, 234);
        assertThat(png.getHeight()).as("height").isBetween(181, 184);
        // Its pixels are the board's at one offset, the box's corner: the rectangle and the erased
        // gap, nothing of the stroke far away.
        int[] best = bestOffset(png, board, 178, 190);
        report("pixels of the selection's PNG unlike the board's", best[2], "");
        assertThat(best[0]).as("left of the picture, in world units").isBetween(182, 185);
        assertThat(best[1]).as("top of the picture, in world units").isBetween(182, 185);
        assertThat(best[2]).as("pixels unlike the board's").isLessThanOrEqualTo(png.getWidth() * png.getHeight() / 1000);
        assertThat(ink(png.getRGB(200 - best[0], 275 - best[1]))).as("the rectangle's left side").isTrue();
        assertThat(ink(png.getRGB(250 - best[0], 200 - best[1]))).as("its top").isTrue();
        assertThat(png.getRGB(300 - best[0], 200 - best[1]) & 0xffffff).as("erased").isEqualTo(0xffffff);
        assertThat(png.getRGB(300 - best[0], 275 - best[1]) & 0xffffff).as("inside, white").isEqualTo(0xffffff);

        // Zoomed in, in dark mode: the same picture, at one pixel per world unit, as drawn.
        ada.page.locator("#zoom-in").click();
        ada.page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.DARK));
        eventually().until(() -> ((Number) ada.view().get("level")).intValue() > 0
                && "true".equals(ada.page.locator("#theme").getAttribute("aria-pressed")));
        BufferedImage again = exported(ada.page.waitForDownload(() -> ada.page.locator("#export").click()));
        assertThat(again.getWidth()).isEqualTo(png.getWidth());
        assertThat(again.getHeight()).isEqualTo(png.getHeight());
        assertThat(unlike(again, png, 0, 0)).as("pixels unlike the first export's").isZero();

        // With nothing selected: the board at this page's view, as before.
        ada.page.locator("#zoom-reset").click();
        ada.press("Escape");
        eventually().until(() -> selected(ada) == 0 && ((Number) ada.view().get("level")).intValue() == 0);
        ada.waitUntilRendered();
        BufferedImage shown = picture(ada);
        Download whole = ada.page.waitForDownload(() -> ada.page.locator("#export").click());
        assertThat(whole.suggestedFilename()).isEqualTo("drawbridge-" + room + ".png");
        BufferedImage all = exported(whole);
        assertThat(all.getWidth()).isEqualTo(BoardPage.WIDTH);
        assertThat(all.getHeight()).isEqualTo(BoardPage.HEIGHT);
        assertThat(unlike(all, shown, 0, 0)).as("pixels unlike the board's").isZero();
        assertThat(ink(all.getRGB(250, 200)) && ink(all.getRGB(1250, 700))).as("both drawings").isTrue();

        // A selection wider than 8192 units is scaled down to 8192 pixels (docs/FILE-FORMAT.md):
        // a rectangle 40,000 units wide and 400 high, drawn by the export itself.
        @SuppressWarnings("unchecked")
        java.util.List<Number> wide = (java.util.List<Number>) ada.page.evaluate("""
                async () => {
                  const { toPng } = await import('/assets/files.js');
                  const shape = { kind: 'rect', x1: 0, y1: 0, x2: 40000, y2: 400, color: '#000000', width: 40 };
                  const png = await toPng([{ kind: 'rect', shape, bounds: { x0: -21, y0: -21, x1: 40021, y1: 421 } }]);
                  const bitmap = await createImageBitmap(png);
                  const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
                  ctx.drawImage(bitmap, 0, 0);
                  const at = (x, y) => ctx.getImageData(x, y, 1, 1).data[0];
                  return [bitmap.width, bitmap.height, at(4096, 6), at(4096, Math.floor(bitmap.height / 2))];
                }""");
        assertThat(wide.get(0).intValue()).as("width").isEqualTo(8192);
        assertThat(wide.get(1).intValue()).as("height, scaled alike").isBetween(93, 95);
        assertThat(wide.get(2).intValue()).as("the top side, inked").isLessThan(100);
        assertThat(wide.get(3).intValue()).as("inside, white").isEqualTo(255);
    }

    private static int selected(BoardPage page) {
        return ((Number) page.page.evaluate("() => window.drawbridge.selected()")).intValue();
    }

    /** The board canvas's pixels. */
    private static BufferedImage picture(BoardPage page) {
        String url = (String) page.page.evaluate("() => document.querySelector('#board').toDataURL('image/png')");
        try {
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {x, y, n}: the offset (each from `from` to `to`) at which `part` is most like `whole`, and how many of its pixels differ there. */
    private static int[] bestOffset(BufferedImage part, BufferedImage whole, int from, int to) {
        int[] best = {0, 0, Integer.MAX_VALUE};
        for (int y = from; y <= to; y++) {
            for (int x = from; x <= to; x++) {
                int n = unlike(part, whole, x, y);
                if (n < best[2]) {
                    best = new int[] {x, y, n};
                }
            }
        }
        return best;
    }

    /** How many pixels of `part` differ (by more than 2 in a channel) from those of `whole` at offset (x, y). */
    private static int unlike(BufferedImage part, BufferedImage whole, int x, int y) {
        int n = 0;
        for (int py = 0; py < part.getHeight(); py++) {
            for (int px = 0; px < part.getWidth(); px++) {
                int a = part.getRGB(px, py);
                int b = whole.getRGB(px + x, py + y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    if (Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) > 2) {
                        n++;
                        break;
                    }
                }
            }
        }
        return n;
    }

    /** Clearly not the white background. */
    private static boolean ink(int rgb) {
        return ((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) < 3 * 200;
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
        // Buttons without a key are not listed, whatever their titles say in words.
        assertThat(rows).doesNotContain("\tExport PNG", "\tExport SVG", "\tExport board file", "\tImport board file");
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
