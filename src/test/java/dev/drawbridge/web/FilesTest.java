package dev.drawbridge.web;

import com.microsoft.playwright.Download;
import com.microsoft.playwright.Page;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files (docs/FILE-FORMAT.md): the board exported as a JSON board file lands in another room as
 * entries everyone there gets, with the same picture, and one undo takes it back; a bad file
 * changes nothing and says why; the SVG export draws where the board has ink.
 */
class FilesTest extends BrowserTest {

    @Test
    void anExportedBoardImportsIntoAFreshRoomPixelForPixelForEveryoneThere() throws IOException {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        drawSomething(ada);
        ada.waitUntilRendered();

        Download download = ada.page.waitForDownload(() -> ada.page.locator("#export-json").click());
        assertThat(download.suggestedFilename()).isEqualTo(room + ".drawbridge.json");
        String text = Files.readString(download.path());
        JsonObject file = new JsonObject(text);
        assertThat(file.getString("type")).isEqualTo("drawbridge/board");
        assertThat(file.getInteger("version")).isEqualTo(1);
        JsonArray elements = file.getJsonArray("elements");
        assertThat(elements.stream().map(e -> ((JsonObject) e).getString("kind")))
                .containsExactly("stroke", "stroke", "rect", "text", "stroke");
        assertThat(text).as("no peer ids, no entry ids").doesNotContain("\"peer\"").doesNotContain("\"id\"");

        String fresh = newRoom();
        BoardPage carol = open(fresh, "carol");
        BoardPage dave = open(fresh, "dave");
        carol.waitForPeers(1, "p2p");
        dave.waitForPeers(1, "p2p");
        carol.page.locator("#import-file").setInputFiles(download.path());
        eventually().alias("the imported board on dave's page").until(() -> visible(dave) == 5);
        awaitSamePicture(carol, dave);
        // The same places inked; the pixels themselves differ only in the antialiasing where a
        // stroke's parts met (the original stroke was sent in parts, each drawn as its own paths,
        // so an edge pixel there is covered twice; the imported stroke is one entry): at most a
        // few hundred pixels, none by much (a half-covered pixel covered twice: 64 of 255).
        for (int[] at : new int[][] {{300, 250}, {380, 210}, {300, 400}, {600, 275}, {700, 350}}) {
            assertThat(dave.inkAt(at[0], at[1])).as("ink at %d, %d", at[0], at[1]).isEqualTo(ada.inkAt(at[0], at[1]));
        }
        assertThat(dave.inkAt(250, 225)).as("the erased place").isFalse();
        List<?> differ = differingPixels(ada, dave);
        report("pixels that differ from the original board", ((Number) differ.get(0)).doubleValue(), "");
        report("pixels that differ by more than 96 of 255", ((Number) differ.get(1)).doubleValue(), "");
        report("largest difference of a channel", ((Number) differ.get(2)).doubleValue(), "");
        assertThat(((Number) differ.get(0)).intValue()).as("pixels that differ from the original").isLessThan(1000);
        assertThat(((Number) differ.get(1)).intValue()).as("pixels that differ by more than 96 of 255").isZero();

        // One undo takes the whole import back, on both pages.
        carol.page.locator("#undo").click();
        eventually().alias("the import undone").until(() -> visible(dave) == 0 && visible(carol) == 0);
        assertThat(dave.inkAt(300, 200)).isFalse();
    }

    @Test
    void aBadFileShowsWhyAndChangesNothing() throws IOException {
        String room = newRoom();
        BoardPage carol = open(room, "carol");
        BoardPage dave = open(room, "dave");
        carol.waitForPeers(1, "p2p");
        dave.waitForPeers(1, "p2p");
        carol.setWidth(10);
        carol.stroke(200, 200, 400, 200);
        eventually().until(() -> dave.inkAt(300, 200));
        int entries = carol.entries();
        String picture = awaitSamePicture(carol, dave);

        // Through the picker: valid JSON, one element the model refuses (a colour by name).
        Path bad = Files.createTempFile("bad", ".drawbridge.json");
        Files.writeString(bad, """
                {"type": "drawbridge/board", "version": 1, "elements": [
                  {"kind": "rect", "color": "#000000", "width": 4, "x1": 10, "y1": 10, "x2": 90, "y2": 90},
                  {"kind": "rect", "color": "red", "width": 4, "x1": 100, "y1": 100, "x2": 200, "y2": 200}]}""");
        carol.page.locator("#import-file").setInputFiles(bad);
        eventually().until(() -> carol.notice() != null);
        assertThat(carol.notice()).contains("Element 2").contains("nothing was imported");

        // Dropped on the board: not JSON at all.
        drop(carol, "broken.json", "{\"type\": \"drawbridge/board\", ");
        eventually().until(() -> carol.notice() != null && carol.notice().contains("not JSON"));
        assertThat(carol.entries()).as("carol's log").isEqualTo(entries);
        assertThat(dave.entries()).as("dave's log").isEqualTo(entries);
        assertThat(awaitSamePicture(carol, dave)).isEqualTo(picture);
    }

    @Test
    void theSvgExportHasOneShapePerElementAndInkWhereTheBoardHasInk() throws IOException {
        BoardPage ada = open(newRoom(), "ada");
        drawSomething(ada);
        ada.waitUntilRendered();

        Download download = ada.page.waitForDownload(() -> ada.page.locator("#export-svg").click());
        assertThat(download.suggestedFilename()).endsWith(".svg");
        String svg = Files.readString(download.path());
        Page scratch = ada.page.context().newPage();
        Map<?, ?> shapes = (Map<?, ?>) scratch.evaluate("""
                (svg) => {
                  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
                  const count = (selector) => doc.querySelectorAll(selector).length;
                  return { errors: count('parsererror'), elements: count('g.element'), strokes: count('g[data-kind=stroke]'),
                    erasers: count('g[data-tool=eraser]'), rects: count('g[data-kind=rect] rect'), texts: count('g[data-kind=text] text') };
                }""", svg);
        assertThat(shapes).isEqualTo(Map.of("errors", 0, "elements", 5, "strokes", 3, "erasers", 1, "rects", 1, "texts", 1));

        Map<?, ?> ink = compareWithSvg(ada, scratch, svg);
        report("board ink pixels also inked by the SVG, per mille", ((Number) ink.get("boardInSvg")).doubleValue() * 1000, "");
        report("SVG ink pixels also inked on the board, per mille", ((Number) ink.get("svgInBoard")).doubleValue() * 1000, "");
        assertThat(((Number) ink.get("board")).intValue()).as("ink on the board").isGreaterThan(3000);
        assertThat(((Number) ink.get("boardInSvg")).doubleValue()).isGreaterThan(0.95);
        assertThat(((Number) ink.get("svgInBoard")).doubleValue()).isGreaterThan(0.95);
        assertThat(ink.get("erasedInSvg")).as("the erased place is white in the SVG").isEqualTo(false);

        // With a selection, the SVG holds it alone (and the eraser stroke across it).
        ada.press("v");
        ada.pointerDown(350, 225);
        ada.pointerUp();
        eventually().until(() -> ((Number) ada.page.evaluate("() => window.drawbridge.selected()")).intValue() == 1);
        Download selection = ada.page.waitForDownload(() -> ada.page.locator("#export-svg").click());
        Map<?, ?> selected = (Map<?, ?>) scratch.evaluate("""
                (svg) => {
                  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
                  return { elements: doc.querySelectorAll('g.element').length, erasers: doc.querySelectorAll('g[data-tool=eraser]').length };
                }""", Files.readString(selection.path()));
        assertThat(selected).isEqualTo(Map.of("elements", 2, "erasers", 1));
    }

    /** Two pencil strokes, a rectangle, a text, and an eraser stroke across the first stroke. */
    private static void drawSomething(BoardPage page) {
        page.setWidth(10);
        page.stroke(200, 200, 300, 250, 400, 200);
        page.stroke(200, 400, 400, 400);
        page.selectTool("rect");
        page.stroke(600, 200, 800, 350);
        page.selectTool("text");
        page.page.mouse().click(page.toViewport(300, 600)[0], page.toViewport(300, 600)[1]);
        page.page.keyboard().type("Files travel");
        page.page.keyboard().press("Enter");
        page.selectTool("eraser");
        page.setWidth(20);
        page.stroke(250, 150, 250, 300);
        eventually().until(() -> page.inkAt(300, 250) && !page.inkAt(250, 225) 
                && page.inkInColumn(303, 600, 640) + page.inkInColumn(310, 600, 640) + page.inkInColumn(320, 600, 640) > 0);
    }

    private static int visible(BoardPage page) {
        return ((Number) page.page.evaluate("() => window.drawbridge.state().visible")).intValue();
    }

    /** Drops a file with this name and text on the board, as a drag from the desktop does. */
    private static void drop(BoardPage page, String name, String text) {
        page.page.evaluate("""
                ([name, text]) => {
                  const data = new DataTransfer();
                  data.items.add(new File([text], name, { type: 'application/json' }));
                  const stage = document.querySelector('#stage');
                  stage.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
                  stage.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
                }""", List.of(name, text));
    }

    /** The board's picture as a PNG data URL. */
    private static String pictureOf(BoardPage page) {
        return (String) page.page.evaluate("() => document.querySelector('#board').toDataURL('image/png')");
    }

    /**
     * How many pixels of the two boards differ, how many by more than 96 in a channel, and the
     * largest difference, compared in a page of their own (no app, no policy).
     */
    private static List<?> differingPixels(BoardPage a, BoardPage b) {
        Page scratch = a.page.context().newPage();
        try {
            return (List<?>) scratch.evaluate("""
                    async ([a, b]) => {
                      const pixels = async (url) => {
                        const image = new Image();
                        image.src = url;
                        await image.decode();
                        const canvas = new OffscreenCanvas(image.width, image.height);
                        const ctx = canvas.getContext('2d');
                        ctx.drawImage(image, 0, 0);
                        return ctx.getImageData(0, 0, image.width, image.height).data;
                      };
                      const [pa, pb] = [await pixels(a), await pixels(b)];
                      if (pa.length !== pb.length) return [-1, -1, -1];
                      let differ = 0, much = 0, most = 0;
                      for (let i = 0; i < pa.length; i += 4) {
                        const d = Math.max(Math.abs(pa[i] - pb[i]), Math.abs(pa[i + 1] - pb[i + 1]), Math.abs(pa[i + 2] - pb[i + 2]));
                        if (d > 0) differ++;
                        if (d > 96) much++;
                        most = Math.max(most, d);
                      }
                      return [differ, much, most];
                    }""", List.of(pictureOf(a), pictureOf(b)));
        } finally {
            scratch.close();
        }
    }

    /**
     * The SVG drawn at its world place on a board-sized canvas (the board is at the default view,
     * where world units are canvas pixels) against the board: how much of each one's ink the
     * other has, and whether the erased place (250, 225) has ink in the SVG.
     */
    private static Map<?, ?> compareWithSvg(BoardPage page, Page scratch, String svg) {
        return (Map<?, ?>) scratch.evaluate("""
                async ([boardUrl, svg]) => {
                  const load = async (url) => { const image = new Image(); image.src = url; await image.decode(); return image; };
                  const canvas = (draw) => {
                    const c = new OffscreenCanvas(1600, 900);
                    const ctx = c.getContext('2d');
                    ctx.fillStyle = '#ffffff';
                    ctx.fillRect(0, 0, 1600, 900);
                    draw(ctx);
                    return ctx.getImageData(0, 0, 1600, 900).data;
                  };
                  const [x, y, w, h] = new DOMParser().parseFromString(svg, 'image/svg+xml')
                    .documentElement.getAttribute('viewBox').split(' ').map(Number);
                  const boardImage = await load(boardUrl);
                  const svgImage = await load('data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg));
                  const pb = canvas((ctx) => ctx.drawImage(boardImage, 0, 0));
                  const ps = canvas((ctx) => ctx.drawImage(svgImage, x, y, w, h));
                  const inkAt = (p, i) => p[i] + p[i + 1] + p[i + 2] < 3 * 200;
                  // Near: within 2 pixels, for antialiased edges and text placed a pixel apart.
                  const near = (p, i) => {
                    const px = (i / 4) % 1600;
                    const py = Math.floor(i / 4 / 1600);
                    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
                      const qx = px + dx;
                      const qy = py + dy;
                      if (qx >= 0 && qx < 1600 && qy >= 0 && qy < 900 && inkAt(p, 4 * (qy * 1600 + qx))) return true;
                    }
                    return false;
                  };
                  let board = 0, boardInSvg = 0, svgInk = 0, svgInBoard = 0;
                  for (let i = 0; i < pb.length; i += 4) {
                    if (inkAt(pb, i)) { board++; if (near(ps, i)) boardInSvg++; }
                    if (inkAt(ps, i)) { svgInk++; if (near(pb, i)) svgInBoard++; }
                  }
                  return { board, boardInSvg: boardInSvg / board, svgInBoard: svgInBoard / svgInk,
                    erasedInSvg: inkAt(ps, 4 * (225 * 1600 + 250)) };
                }""", List.of(pictureOf(page), svg));
    }
}
