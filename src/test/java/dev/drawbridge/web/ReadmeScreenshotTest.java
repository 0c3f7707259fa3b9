package dev.drawbridge.web;

import com.microsoft.playwright.Page;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two browsers drawing together, photographed side by side for the README: pencil, rectangle,
 * ellipse, text, a sticky note, an arrow, lines and a pasted image, the image selected on one
 * page, each page's people list showing the other in sync. The picture lands in
 * {@code target/screenshot.png}; {@code scripts/screenshot} copies it to {@code docs/screenshot.png}.
 */
class ReadmeScreenshotTest extends BrowserTest {
    private final java.nio.file.Path dataDir = SavedBoard.tempDataDir();

    @Override
    protected String[] nodeFlags() {
        return new String[] {"--data-dir", dataDir.toString()};
    }
    static final Path PICTURE = Path.of("target", "screenshot.png");
    // Each page's window, a laptop's browser window (the toolbar takes two rows).
    private static final int WIDTH = 1200;
    private static final int HEIGHT = 700;

    // A small picture for the image tool, drawn on a canvas in the page (a sky, a sun, two
    // mountains), kept in window.__testImage as a PNG Blob, which ImageTest.PASTE pastes.
    private static final String MAKE_PICTURE = """
            async ([w, h]) => {
              const canvas = new OffscreenCanvas(w, h);
              const ctx = canvas.getContext('2d');
              const sky = ctx.createLinearGradient(0, 0, 0, h);
              sky.addColorStop(0, '#1e6fd9');
              sky.addColorStop(1, '#ffd38a');
              ctx.fillStyle = sky;
              ctx.fillRect(0, 0, w, h);
              ctx.fillStyle = '#fff4c2';
              ctx.beginPath();
              ctx.arc(w * 0.72, h * 0.38, h * 0.14, 0, 2 * Math.PI);
              ctx.fill();
              for (const [x, top, colour] of [[0.3, 0.25, '#4b5563'], [0.7, 0.45, '#374151']]) {
                ctx.fillStyle = colour;
                ctx.beginPath();
                ctx.moveTo(w * (x - 0.45), h);
                ctx.lineTo(w * x, h * top);
                ctx.lineTo(w * (x + 0.45), h);
                ctx.fill();
              }
              window.__testImage = await canvas.convertToBlob({ type: 'image/png' });
            }""";

    @Test
    void twoBrowsersDrawingTogetherMakeTheReadmePicture() throws IOException {
        // A saved board (end-to-end encrypted, stored by the node), as the app makes a new one.
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BoardPage ada = BoardPage.openLink(chromium.newContext(WIDTH, HEIGHT), board.link("Ada"), "Ada");
        BoardPage grace = BoardPage.openLink(chromium.newContext(WIDTH, HEIGHT), board.link("Grace"), "Grace");
        ada.waitForPeers(1, "p2p");
        grace.waitForPeers(1, "p2p");

        // Ada: a house (a rectangle and a pencil roof), a sun, a label, a sticky note and an arrow.
        choose(ada, 47, 8);
        ada.selectTool("rect");
        ada.stroke(250, 400, 650, 750);
        ada.selectTool("pencil");
        ada.stroke(220, 420, 450, 230, 680, 420);
        choose(ada, 42, 10);
        ada.selectTool("ellipse");
        ada.stroke(1250, 90, 1450, 290);
        ada.selectTool("text");
        click(ada, 300, 790);
        ada.page.locator(".text-entry").fill("our house");
        ada.press("Enter");
        choose(ada, 53, 8);
        ada.selectTool("note");
        click(ada, 830, 190);
        ada.page.waitForFunction("() => document.activeElement?.classList.contains('note-entry')");
        ada.page.keyboard().type("Picnic here on Sunday?");
        ada.press("Escape");
        eventually().until(() -> ada.page.locator(".note-entry").count() == 0);
        choose(ada, 30, 6);
        ada.selectTool("arrow");
        ada.stroke(790, 320, 690, 420);

        // Grace: green hills, a tree, a fence of lines, and a picture she pastes (it stays selected).
        choose(grace, 35, 10);
        grace.selectTool("pencil");
        grace.stroke(40, 820, 300, 760, 600, 800, 900, 740, 1200, 790, 1560, 730);
        choose(grace, 21, 14);
        grace.stroke(1050, 760, 1050, 560);
        choose(grace, 34, 40);
        grace.stroke(circle(1050, 500, 40));
        grace.stroke(circle(1050, 500, 12));
        choose(grace, 21, 6);
        grace.selectTool("line");
        grace.stroke(700, 660, 960, 660);
        grace.stroke(700, 710, 960, 710);
        for (int x : new int[] {720, 830, 940}) {
            grace.stroke(x, 630, x, 760);
        }
        grace.page.evaluate(MAKE_PICTURE, java.util.List.of(260, 170));
        grace.pointerMove(1330, 520, 3);
        grace.page.evaluate(ImageTest.PASTE);
        eventually().alias("the picture on ada's board").until(() -> ada.page.evaluate(
                "() => window.drawbridge.images().some((i) => i.decoded)").equals(true));
        assertThat(grace.page.evaluate("() => window.drawbridge.selected()")).as("the picture, selected").isEqualTo(1);
        awaitSamePicture(ada, grace);
        // Their pointers rest on the board, so each sees the other's cursor.
        restCursor(grace, ada, 1130, 380);
        restCursor(ada, grace, 760, 560);
        for (BoardPage page : new BoardPage[] {ada, grace}) {
            eventually().alias(page + " shows the other in sync").until(() -> "in sync".equals(page.page.evaluate(
                    "() => document.querySelector('#people .sync [aria-hidden=true]')?.textContent ?? null")));
        }
        ada.waitUntilSaved();
        grace.waitUntilSaved();
        assertThat(ada.inkAt(1050, 700)).as("grace's tree on ada's board").isTrue();
        assertThat(grace.inkAt(250, 600)).as("ada's house on grace's board").isTrue();

        BufferedImage left = shot(ada.page);
        BufferedImage right = shot(grace.page);
        int gap = 24;
        BufferedImage both = new BufferedImage(left.getWidth() + gap + right.getWidth(),
                Math.max(left.getHeight(), right.getHeight()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(new Color(0x9ca3af));
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth() + gap, 0, null);
        g.dispose();
        Files.createDirectories(PICTURE.getParent());
        ImageIO.write(both, "png", PICTURE.toFile());
        System.out.println("README picture: " + PICTURE.toAbsolutePath());
    }

    /**
     * Moves {@code mover}'s pointer to (x, y) until {@code watcher} shows its cursor there: a page
     * sends its cursor at most every 50 ms, so the end of one quick move may not be sent, and a
     * second small move (each look is 100 ms apart) sends it.
     */
    private static void restCursor(BoardPage mover, BoardPage watcher, double x, double y) {
        int[] moves = {0};
        eventually().alias(watcher + " shows " + mover + "'s cursor at " + x + ", " + y).until(() -> {
            mover.pointerMove(x + (moves[0]++ % 2) * 0.5, y, moves[0] == 1 ? 5 : 1);
            Object at = watcher.page.evaluate("() => { const c = document.querySelector('#cursors .cursor');"
                    + " return c ? [parseFloat(c.style.left), parseFloat(c.style.top)] : null; }");
            if (!(at instanceof java.util.List<?> percent)) {
                return false;
            }
            return Math.abs(((Number) percent.get(0)).doubleValue() - x / 16) < 0.2
                    && Math.abs(((Number) percent.get(1)).doubleValue() - y / 9) < 0.2;
        });
    }

    private static void click(BoardPage page, double x, double y) {
        double[] at = page.toViewport(x, y);
        page.page.mouse().click(at[0], at[1]);
    }

    /** Picks a colour from the swatch (index: row * 10 + column) and a width. */
    private static void choose(BoardPage page, int color, int width) {
        page.page.locator("#color").click();
        page.page.locator(".swatch-color[data-index='" + color + "']").click();
        page.setWidth(width);
    }

    /** Points around a circle, for a pencil stroke. */
    private static double[] circle(double cx, double cy, double r) {
        double[] points = new double[2 * 13];
        for (int i = 0; i <= 12; i++) {
            points[2 * i] = cx + r * Math.cos(Math.PI * i / 6);
            points[2 * i + 1] = cy + r * Math.sin(Math.PI * i / 6);
        }
        return points;
    }

    private static BufferedImage shot(Page page) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(page.screenshot()));
    }
}
