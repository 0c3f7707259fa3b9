package dev.drawbridge.web;

import com.microsoft.playwright.Download;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sticky notes (docs/DATA-CHANNEL.md, `note` and `retext` entries): a note placed and written on
 * one page shows at the same world place on the other, whatever its view; the other page edits
 * its text and the first sees it; moves, resizes, deletes and undo reach both; the text is only
 * ever text; a late joiner gets the note; the SVG export holds it.
 */
class StickyNoteTest extends BrowserTest {
    @Test
    void aNoteTravelsIsEditedByTheOtherPageMovesUndoesAndExports() throws IOException {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        // Bob looks at the world zoomed in and panned: the note must land where it is in the world.
        bob.setView(8, 300, 100);

        // A light yellow of the swatch: the note's background (its text is then black).
        ada.page.locator("#color").click();
        var yellow = ada.page.locator(".swatch-color[data-index='53']");
        int rgb = Integer.parseInt(yellow.getAttribute("title").substring(1), 16);
        yellow.click();

        ada.press("n");
        assertThat(ada.page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sticky note"))
                .getAttribute("aria-pressed")).isEqualTo("true");

        // A note left empty is no note: nothing reaches the log.
        int before = ada.entries();
        click(ada, 300, 700);
        awaitEditor(ada);
        ada.press("Escape");
        eventually().until(() -> ada.page.locator(".note-entry").count() == 0);
        assertThat(ada.entries()).as("an empty new note, dropped").isEqualTo(before);

        // Placed at (800, 450): its box is 700..900 x 350..550. Enter makes a second line.
        click(ada, 800, 450);
        awaitEditor(ada);
        assertThat(ada.page.locator(".note-entry").getAttribute("maxlength")).isEqualTo("2000");
        ada.page.keyboard().type("Buy <b>milk</b>");
        ada.press("Enter");
        ada.page.keyboard().type("and bread");
        ada.press("Escape");
        eventually().alias("the note on bob's board, in its colour, at its world place")
                .until(() -> colorAt(bob, 710, 540) == rgb && colorAt(bob, 890, 360) == rgb);
        assertThat(colorAt(bob, 690, 540)).as("left of the note").isNotEqualTo(rgb);
        assertThat(colorAt(bob, 710, 560)).as("below the note").isNotEqualTo(rgb);
        eventually().until(() -> textsOf(bob).equals(List.of("Buy <b>milk</b>\nand bread")));
        assertThat(inkIn(bob, 705, 355, 895, 420)).as("the note's text, drawn on bob's board").isGreaterThan(40);
        assertThat((Boolean) bob.page.evaluate("() => document.querySelector('b') === null"))
                .as("the text is never markup").isTrue();
        Map<String, Object> note = notesOf(bob).get(0);
        assertThat(List.of("x1", "y1", "x2", "y2").stream().map(k -> ((Number) note.get(k)).doubleValue()).toList())
                .as("the note's world box on bob's page").containsExactly(700.0, 350.0, 900.0, 550.0);

        // Bob double-clicks the note with the select tool and writes it anew; a click outside commits.
        bob.press("v");
        double[] onNote = bob.toViewport(canvasX(bob, 800), canvasY(bob, 500));
        bob.page.mouse().dblclick(onNote[0], onNote[1]);
        awaitEditor(bob);
        assertThat(bob.page.locator(".note-entry").inputValue()).isEqualTo("Buy <b>milk</b>\nand bread");
        bob.press("Control+a");
        bob.page.keyboard().type("Eggs too");
        click(bob, 100, 100);
        eventually().alias("bob's edit on ada's page").until(() -> textsOf(ada).equals(List.of("Eggs too")));
        assertThat(textsOf(bob)).containsExactly("Eggs too");

        // Ada drags the note 300 right and 100 down; bob sees it there.
        ada.press("v");
        ada.pointerDown(800, 500);
        ada.pointerMove(1100, 600, 8);
        ada.pointerUp();
        eventually().alias("the note moved, on bob's board")
                .until(() -> colorAt(bob, 1010, 640) == rgb && colorAt(bob, 710, 540) != rgb);

        // Undo on ada takes the move back for both.
        ada.press("Control+z");
        eventually().alias("the move undone, on bob's board")
                .until(() -> colorAt(bob, 710, 540) == rgb && colorAt(bob, 1010, 640) != rgb);
        assertThat(textsOf(bob)).as("the text stays bob's").containsExactly("Eggs too");

        // Still selected on ada's page: its bottom-right handle (the box's corner, 901, 551) resizes it.
        ada.pointerDown(901, 551);
        ada.pointerMove(1101, 651, 8);
        ada.pointerUp();
        eventually().alias("the note resized, on bob's board").until(() -> colorAt(bob, 1080, 630) == rgb);
        ada.press("Delete");
        eventually().alias("the note deleted, on bob's board").until(() -> notesOf(bob).isEmpty() && colorAt(bob, 710, 540) != rgb);
        ada.press("Control+z");
        eventually().alias("the delete undone").until(() -> notesOf(bob).size() == 1 && colorAt(bob, 1080, 630) == rgb);

        // Both pages at one view: the same pixels; a late joiner gets the note with bob's text.
        bob.setView(0, 0, 0);
        String picture = awaitSamePicture(ada, bob);
        BoardPage late = open(room, "late");
        late.waitForPeers(2, "p2p");
        assertThat(awaitSamePicture(ada, late)).isEqualTo(picture);
        assertThat(notesOf(late)).isEqualTo(notesOf(ada));

        // The SVG export (the selection: the note) parses and holds the note with its text.
        Download download = ada.page.waitForDownload(() -> ada.page.locator("#export-svg").click());
        String svg = Files.readString(download.path());
        Page scratch = ada.page.context().newPage();
        Map<?, ?> parsed = (Map<?, ?>) scratch.evaluate("""
                (svg) => {
                  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
                  const note = doc.querySelector('g.element[data-kind=note]');
                  return { errors: doc.querySelectorAll('parsererror').length, notes: doc.querySelectorAll('g[data-kind=note]').length,
                    fill: note?.querySelector('rect')?.getAttribute('fill') ?? '', text: note?.querySelector('text')?.textContent ?? '' };
                }""", svg);
        assertThat(parsed).isEqualTo(Map.of("errors", 0, "notes", 1, "fill", String.format("#%06x", rgb), "text", "Eggs too"));
        scratch.close();
    }

    @Test
    void twoEditsOfOneNoteAtOnceEndTheSameOnBothPagesAndTheJsonExportHoldsIt() throws IOException {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        ada.press("n");
        click(ada, 400, 300);
        awaitEditor(ada);
        ada.page.keyboard().type("first");
        ada.press("Escape");
        eventually().until(() -> textsOf(bob).equals(List.of("first")));

        // Both open the note's editor (Enter on the selected note), write, and commit at one moment.
        for (BoardPage page : List.of(ada, bob)) {
            page.press("v");
            page.pointerDown(400, 300);
            page.pointerUp();
            page.press("Enter");
            awaitEditor(page);
            page.press("Control+a");
            page.page.keyboard().type("by " + page.name);
        }
        long at = System.currentTimeMillis() + 300;
        for (BoardPage page : List.of(ada, bob)) {
            page.page.evaluate("(at) => setTimeout(() => document.querySelector('.note-entry').blur(), Math.max(0, at - Date.now()))", (double) at);
        }
        eventually().alias("one text on both pages").until(() -> {
            List<String> a = textsOf(ada);
            return a.size() == 1 && !a.get(0).equals("first") && a.equals(textsOf(bob));
        });
        assertThat(textsOf(ada).get(0)).isIn("by ada", "by bob");
        awaitSamePicture(ada, bob);

        Download download = ada.page.waitForDownload(() -> ada.page.locator("#export-json").click());
        io.vertx.core.json.JsonObject element = new io.vertx.core.json.JsonObject(Files.readString(download.path()))
                .getJsonArray("elements").getJsonObject(0);
        assertThat(element.getString("kind")).isEqualTo("note");
        assertThat(element.getString("text")).isEqualTo(textsOf(ada).get(0));
        assertThat(element.getDouble("x1")).isEqualTo(300.0);
        assertThat(element.getDouble("y2")).isEqualTo(400.0);
    }

    private static void click(BoardPage page, double x, double y) {
        double[] at = page.toViewport(x, y);
        page.page.mouse().click(at[0], at[1]);
    }

    /** Waits until the note editor is open and has the focus. */
    private static void awaitEditor(BoardPage page) {
        page.page.waitForFunction("() => document.activeElement?.classList.contains('note-entry')");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> notesOf(BoardPage page) {
        return (List<Map<String, Object>>) page.page.evaluate("() => window.drawbridge.notes()");
    }

    private static List<String> textsOf(BoardPage page) {
        return notesOf(page).stream().map(note -> (String) note.get("text")).toList();
    }

    /** The canvas pixel of world x (or y) at the page's view. */
    private static double canvasX(BoardPage page, double x) {
        Map<String, Number> view = page.view();
        return x * view.get("zoom").doubleValue() - view.get("ox").doubleValue();
    }

    private static double canvasY(BoardPage page, double y) {
        Map<String, Number> view = page.view();
        return y * view.get("zoom").doubleValue() - view.get("oy").doubleValue();
    }

    /** The RGB of the board's pixel where world point (x, y) shows on this page. */
    private static int colorAt(BoardPage page, double x, double y) {
        int[] p = page.pixel((int) Math.round(canvasX(page, x)), (int) Math.round(canvasY(page, y)));
        return (p[0] << 16) | (p[1] << 8) | p[2];
    }

    /** How many dark pixels (text on a light note) the page shows in the world box. */
    private static int inkIn(BoardPage page, double x0, double y0, double x1, double y1) {
        int cx0 = (int) Math.round(canvasX(page, x0));
        int cy0 = (int) Math.round(canvasY(page, y0));
        int cx1 = (int) Math.round(canvasX(page, x1));
        int cy1 = (int) Math.round(canvasY(page, y1));
        return ((Number) page.page.evaluate("""
                ([x, y, w, h]) => {
                  const { data } = document.querySelector('#board').getContext('2d').getImageData(x, y, w, h);
                  let dark = 0;
                  for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 3 * 100) dark++;
                  return dark;
                }""", List.of(cx0, cy0, cx1 - cx0, cy1 - cy0))).intValue();
    }
}
