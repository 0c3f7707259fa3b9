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
 * Two browsers drawing together, photographed side by side for the README. The picture lands in
 * {@code target/screenshot.png}; {@code scripts/screenshot} copies it to {@code docs/screenshot.png}.
 */
class ReadmeScreenshotTest extends BrowserTest {
    static final Path PICTURE = Path.of("target", "screenshot.png");

    @Test
    void twoBrowsersDrawingTogetherMakeTheReadmePicture() throws IOException {
        String room = newRoom();
        BoardPage ada = open(room, "Ada", 960, 620);
        BoardPage grace = open(room, "Grace", 960, 620);
        ada.waitForPeers(1, "p2p");
        grace.waitForPeers(1, "p2p");

        // Ada: a house in blue and a red sun, with a label.
        choose(ada, 47, 8);
        ada.selectTool("rect");
        ada.stroke(250, 400, 650, 750);
        ada.selectTool("pencil");
        ada.stroke(220, 420, 450, 230, 680, 420);
        choose(ada, 42, 10);
        ada.selectTool("ellipse");
        ada.stroke(1250, 90, 1450, 290);
        ada.selectTool("text");
        ada.page.mouse().click(ada.toViewport(300, 790)[0], ada.toViewport(300, 790)[1]);
        ada.page.locator(".text-entry").fill("our house");
        ada.press("Enter");

        // Grace: green hills and a tree, in a few strokes.
        choose(grace, 35, 10);
        grace.stroke(40, 820, 300, 760, 600, 800, 900, 740, 1200, 790, 1560, 730);
        choose(grace, 21, 14);
        grace.stroke(1050, 760, 1050, 560);
        choose(grace, 34, 40);
        grace.stroke(circle(1050, 500, 40));
        grace.stroke(circle(1050, 500, 12));
        // Her pointer rests on the board, so Ada sees her cursor.
        grace.pointerMove(1180, 470, 3);
        ada.pointerMove(760, 560, 3);

        awaitSamePicture(ada, grace);
        ada.page.locator("#cursors .cursor").waitFor();
        grace.page.locator("#cursors .cursor").waitFor();
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
