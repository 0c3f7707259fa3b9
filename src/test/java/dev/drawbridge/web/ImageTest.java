package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.FileChooser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.FilePayload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Images (docs/DATA-CHANNEL.md, "Images"): an image pasted, dropped or picked on one page is
 * brought within the documented bounds, travels in chunks to every page (on data channels, through
 * the relay, to a late joiner), is moved and undone like any element, is stored sealed with a
 * saved board, and goes into the SVG and the board file; malformed image entries change nothing;
 * Shift+I opens the picker, plain I picks the line tool.
 */
class ImageTest extends BrowserTest {
    private final Path dataDir = SavedBoard.tempDataDir();

    @Override
    protected String[] nodeFlags() {
        return new String[] {"--data-dir", dataDir.toString()};
    }

    // The test picture: four quadrants of solid colour, each pixel off by up to 12 at random (so
    // that it is not tiny once encoded, and takes several chunks), w x h pixels, as a PNG Blob
    // kept in window.__testImage.
    private static final String MAKE_PNG = """
            async ([w, h]) => {
              const canvas = new OffscreenCanvas(w, h);
              const ctx = canvas.getContext('2d');
              const image = ctx.createImageData(w, h);
              const colours = [[220, 30, 30], [30, 170, 30], [30, 30, 220], [230, 200, 30]];
              let seed = 12345;
              const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
              for (let y = 0; y < h; y++) {
                for (let x = 0; x < w; x++) {
                  const c = colours[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)];
                  const i = 4 * (y * w + x);
                  for (let k = 0; k < 3; k++) image.data[i + k] = c[k] + Math.floor(random() * 25) - 12;
                  image.data[i + 3] = 255;
                }
              }
              ctx.putImageData(image, 0, 0);
              window.__testImage = await canvas.convertToBlob({ type: 'image/png' });
              return window.__testImage.size;
            }""";

    /** Pastes window.__testImage (a PNG Blob) through the app's own paste path (it lands at the pointer). */
    static final String PASTE = """
            () => {
              const data = new DataTransfer();
              data.items.add(new File([window.__testImage], 'picture.png', { type: 'image/png' }));
              document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
            }""";

    private static final String DROP = """
            ([x, y]) => {
              const data = new DataTransfer();
              data.items.add(new File([window.__testImage], 'dropped.png', { type: 'image/png' }));
              const stage = document.querySelector('#stage');
              const box = document.querySelector('#overlay').getBoundingClientRect();
              const at = { clientX: box.left + (x / 1600) * box.width, clientY: box.top + (y / 900) * box.height };
              stage.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data, ...at }));
              stage.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data, ...at }));
            }""";

    private static final int[] RED = {220, 30, 30};
    private static final int[] GREEN = {30, 170, 30};
    private static final int[] BLUE = {30, 30, 220};
    private static final int[] YELLOW = {230, 200, 30};
    private static final int[] WHITE = {255, 255, 255};

    @Test
    void anImagePastedOnOnePageReachesTwoOthersOneBehindTheRelayAndALateJoinerAndMovesForAll() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        BoardPage cy = open(room, "cy", RelayFallbackTest.BLOCK_PEER_TO_PEER);
        waitForLinks(ada, Map.of(bob.id(), "p2p", cy.id(), "relay"));
        waitForLinks(bob, Map.of(ada.id(), "p2p", cy.id(), "relay"));
        cy.waitForPeers(2, "relay");

        // An 800 x 500 PNG, pasted with the pointer at the middle of the board: one world unit a
        // pixel, so the image covers (400, 200) to (1200, 700).
        long pngBytes = ((Number) ada.page.evaluate(MAKE_PNG, List.of(800, 500))).longValue();
        ada.pointerMove(800, 450, 1);
        ada.page.evaluate(PASTE);

        Map<String, Object> image = awaitImage(ada);
        assertThat(image.get("x1")).isEqualTo(400);
        assertThat(image.get("y2")).isEqualTo(700);
        long imageBytes = ((Number) image.get("bytes")).longValue();
        report("test PNG of " + pngBytes + " bytes, on the board as " + image.get("mime") + " of", imageBytes, "bytes");
        assertThat(imageBytes).as("within the documented bound").isLessThanOrEqualTo(400_000);
        assertThat(imageBytes).as("more than one chunk").isGreaterThan(2 * 15 * 1024);

        for (BoardPage page : List.of(ada, bob, cy)) {
            awaitImage(page);
            awaitQuadrants(page, 0);
        }
        String picture = awaitSamePicture(ada, bob, cy);
        assertThat(cy.peers()).allSatisfy(peer -> assertThat(peer.get("channelOpenedAt")).isNull());

        // A late joiner gets it with the rest of the board.
        BoardPage dan = open(room, "dan");
        waitForLinks(dan, Map.of(ada.id(), "p2p", bob.id(), "p2p", cy.id(), "relay"));
        awaitImage(dan);
        eventually().alias("the image on the late joiner's board").until(() -> dan.canvasHash().equals(picture));

        // Ada drags it 100 to the right (it is selected after the paste): everyone sees it moved.
        ada.pointerDown(800, 450);
        ada.pointerMove(900, 450, 5);
        ada.pointerUp();
        for (BoardPage page : List.of(bob, cy, dan)) {
            awaitQuadrants(page, 100);
            eventually().alias("the left edge is bare on " + page).until(() -> near(page.pixel(450, 325), WHITE, 10));
        }
        awaitSamePicture(ada, bob, cy, dan);

        // Undo puts it back where it was pasted; delete takes it off everyone's board.
        ada.press("Control+z");
        for (BoardPage page : List.of(bob, cy, dan)) {
            eventually().alias("the undone move on " + page).until(() -> page.canvasHash().equals(picture));
        }
        ada.selectTool("select");
        ada.page.mouse().click(ada.toViewport(800, 450)[0], ada.toViewport(800, 450)[1]);
        ada.press("Delete");
        for (BoardPage page : List.of(bob, cy, dan)) {
            eventually().alias("the deleted image gone from " + page).until(() -> near(page.pixel(600, 325), WHITE, 10)
                    && near(page.pixel(1000, 575), WHITE, 10));
        }
    }

    @Test
    void anImageDroppedOrPickedLandsWhereItWasDroppedOrAtTheViewsCentreAndIsDuplicatedAndResizedForEveryone() {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        BoardPage bob = open(room, "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");

        // Dropped: a small PNG (kept as it is), centred where it fell.
        ada.page.evaluate(MAKE_PNG, List.of(200, 100));
        ada.page.evaluate(DROP, List.of(300, 700));
        eventually().alias("the dropped image on bob's board").until(() -> near(bob.pixel(250, 675), RED, 40)
                && near(bob.pixel(350, 725), YELLOW, 40));

        // Duplicated (it is selected after the drop): a copy 20 down and right, (220, 670) to (420, 770).
        assertThat(near(bob.pixel(410, 760), WHITE, 10)).as("nothing there before the copy").isTrue();
        ada.press("Control+d");
        eventually().alias("the copy on bob's board").until(() -> near(bob.pixel(410, 760), YELLOW, 40));
        // Resized by its bottom right corner (the copy is selected), to half as big again about the other corner.
        ada.pointerDown(420, 770);
        ada.pointerMove(520, 820, 5);
        ada.pointerUp();
        eventually().alias("the resized copy on bob's board").until(() -> near(bob.pixel(510, 815), YELLOW, 40)
                && near(bob.pixel(230, 680), RED, 40));
        awaitSamePicture(ada, bob);

        // Picked with the file input (Shift+I opens it; the button is labelled), bytes made here.
        assertThat(bob.page.locator("#add-image").getAttribute("aria-label")).isEqualTo("Add image");
        bob.page.locator("#image-file").setInputFiles(new FilePayload("blue.png", "image/png", solidPng(120, 80, 0x1e1edc)));
        eventually().alias("the picked image at the centre of ada's view").until(() -> near(ada.pixel(800, 450), BLUE, 40)
                && near(ada.pixel(850, 450), BLUE, 40) && near(ada.pixel(880, 450), WHITE, 10));
        awaitSamePicture(ada, bob);
    }

    @Test
    void shiftIOpensTheImagePickerAndKeepsTheToolWhilePlainIPicksTheLineToolAndOpensNothing() {
        BoardPage ada = open(newRoom(), "ada");
        Page page = ada.page;
        AtomicInteger choosers = new AtomicInteger();
        page.onFileChooser(chooser -> choosers.incrementAndGet());
        assertThat(pressed(ada, "pencil")).as("the first tool").isTrue();

        FileChooser chooser = page.waitForFileChooser(() -> page.keyboard().press("Shift+I"));
        assertThat(chooser.element().getAttribute("id")).as("the image picker").isEqualTo("image-file");
        assertThat(pressed(ada, "line")).as("Shift+I does not pick the line tool").isFalse();
        assertThat(pressed(ada, "pencil")).as("the tool is kept").isTrue();
        chooser.setFiles(new FilePayload("blue.png", "image/png", solidPng(120, 80, 0x1e1edc)));
        eventually().alias("the picked image at the view's centre").until(() -> near(ada.pixel(800, 450), BLUE, 40)
                && near(ada.pixel(880, 450), WHITE, 10));

        page.keyboard().press("i");
        eventually().alias("plain i picks the line tool").until(() -> pressed(ada, "line"));
        // Keys are handled in order: a chooser opened by "i" would be reported before this one.
        page.waitForFileChooser(() -> page.keyboard().press("Shift+I"));
        eventually().until(() -> choosers.get() >= 2);
        assertThat(choosers.get()).as("file choosers opened: by the two Shift+I, none by i").isEqualTo(2);
        assertThat(pressed(ada, "line")).as("still the line tool").isTrue();

        // With Caps Lock on, Shift+I reads "i", the line tool's key: it opens the picker all the same, and only that.
        page.keyboard().press("p");
        eventually().until(() -> pressed(ada, "pencil"));
        CDPSession cdp = page.context().newCDPSession(page);
        page.waitForFileChooser(() -> {
            for (String type : List.of("keyDown", "keyUp")) {
                com.google.gson.JsonObject key = new com.google.gson.JsonObject();
                key.addProperty("type", type);
                key.addProperty("key", "i");
                key.addProperty("code", "KeyI");
                key.addProperty("modifiers", 8); // Shift
                key.addProperty("windowsVirtualKeyCode", 73);
                if ("keyDown".equals(type)) {
                    key.addProperty("text", "i");
                }
                cdp.send("Input.dispatchKeyEvent", key);
            }
        });
        assertThat(pressed(ada, "line")).as("Shift+I with Caps Lock does not pick the line tool").isFalse();
        assertThat(pressed(ada, "pencil")).isTrue();
        assertThat(choosers.get()).isEqualTo(3);
    }

    private static boolean pressed(BoardPage page, String tool) {
        return "true".equals(page.page.locator("[data-tool=" + tool + "]").getAttribute("aria-pressed"));
    }

    @Test
    void anImageOnASavedBoardGoesSealedThroughTheRelayIsStoredSealedAndShowsWhenTheBoardIsReopened() {
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BrowserContext first = chromium.newContext(1280, 800);
        BoardPage ada = BoardPage.openLink(first, board.link("ada"), "ada");
        ada.waitUntilJoined();
        // A page behind a network that blocks peer-to-peer: the image reaches it as sealed relay bodies.
        BoardPage bob = BoardPage.openLink(chromium.newContext(1280, 800, RelayFallbackTest.BLOCK_PEER_TO_PEER), board.link("bob"), "bob");
        bob.waitUntilJoined();
        ada.waitForPeers(1, "relay");
        bob.waitForPeers(1, "relay");
        ada.page.evaluate(MAKE_PNG, List.of(800, 500));
        ada.pointerMove(800, 450, 1);
        ada.page.evaluate(PASTE);
        awaitImage(ada);
        awaitQuadrants(ada, 0);
        awaitImage(bob);
        String picture = awaitSamePicture(ada, bob);
        ada.waitUntilSaved();
        // What the server holds is records of ciphertext only: no image bytes, no image entry in clear.
        List<String> stored = board.storedData();
        assertThat(stored).as("one record per entry: the image and its chunks").hasSizeGreaterThanOrEqualTo(ada.entries());
        for (String data : stored) {
            for (String secret : List.of("image-chunk", "image/", "\"hash\"")) {
                assertThat(SavedBoard.holds(SavedBoard.decode(data), secret)).as("a stored record holds " + secret).isFalse();
            }
        }
        chromium.closeContexts();

        BoardPage again = BoardPage.openLink(chromium.newContext(1280, 800), board.link("again"), "again");
        awaitImage(again);
        eventually().alias("the reopened board shows the image").until(() -> again.canvasHash().equals(picture));
        awaitQuadrants(again, 0);
    }

    @Test
    void theSvgAndTheBoardFileHoldTheImageAndTheFileImportsPixelForPixel() throws IOException {
        String room = newRoom();
        BoardPage ada = open(room, "ada");
        ada.page.evaluate(MAKE_PNG, List.of(800, 500));
        ada.pointerMove(800, 450, 1);
        ada.page.evaluate(PASTE);
        awaitImage(ada);
        awaitQuadrants(ada, 0);
        ada.press("Escape");
        ada.waitUntilRendered();
        String picture = ada.canvasHash();

        Download svg = ada.page.waitForDownload(() -> ada.page.locator("#export-svg").click());
        String svgText = Files.readString(svg.path());
        assertThat(svgText).contains("data-kind=\"image\"").containsPattern(
                "<image x=\"400\" y=\"200\" width=\"800\" height=\"500\" preserveAspectRatio=\"none\" href=\"data:image/(webp|jpeg);base64,");

        Download json = ada.page.waitForDownload(() -> ada.page.locator("#export-json").click());
        JsonArray elements = new JsonObject(Files.readString(json.path())).getJsonArray("elements");
        assertThat(elements).hasSize(1);
        assertThat(elements.getJsonObject(0).getString("kind")).isEqualTo("image");

        String fresh = newRoom();
        BoardPage carol = open(fresh, "carol");
        BoardPage dave = open(fresh, "dave");
        carol.waitForPeers(1, "p2p");
        carol.page.locator("#import-file").setInputFiles(json.path());
        awaitImage(dave);
        carol.press("Escape");
        eventually().alias("the imported image, as on the original board").until(() -> dave.canvasHash().equals(picture));
        awaitSamePicture(carol, dave);
    }

    @Test
    void malformedImageEntriesAreRefusedAndChangeNothing() {
        BoardPage page = open(newRoom(), "unit");
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) page.page.evaluate("""
                async () => {
                  const { DrawingModel } = await import('/assets/model.js');
                  const { chunkTexts, sha256Hex } = await import('/assets/images.js');
                  const bytes = crypto.getRandomValues(new Uint8Array(40000));
                  const ada = new DrawingModel('ada');
                  const image = ada.createChecked('image', { x1: 0, y1: 0, x2: 100, y2: 50, mime: 'image/png',
                    bytes: bytes.length, width: 10, height: 5, hash: sha256Hex(bytes) });
                  const chunks = chunkTexts(bytes).map((data, index) => ada.createChecked('image-chunk', { target: image.id, index, data }));
                  const out = { chunks: chunks.length };
                  const tried = (model, entry) => {
                    const before = model.digest.digest;
                    const taken = model.receive(entry);
                    return taken || model.digest.digest !== before ? 'taken' : 'refused';
                  };
                  const bob = new DrawingModel('bob');
                  bob.receive(image);
                  out.tooBig = tried(bob, { ...image, id: 'ada:90', seq: 90, bytes: 10 * 1024 * 1024 });
                  out.badType = tried(bob, { ...image, id: 'ada:91', seq: 91, mime: 'text/html' });
                  out.badHashText = tried(bob, { ...image, id: 'ada:92', seq: 92, hash: 'xyz' });
                  out.tooManyChunks = tried(bob, { ...chunks[0], id: 'ada:93', seq: 93, index: 1000 });
                  out.indexPastTheLast = tried(bob, { ...chunks[0], id: 'ada:94', seq: 94, index: chunks.length });
                  out.shortChunk = tried(bob, { ...chunks[0], data: chunks[0].data.slice(0, 400) });
                  out.notBase64 = tried(bob, { ...chunks[0], data: '!'.repeat(20480) });
                  out.someoneElsesImage = tried(bob, { ...chunks[0], peer: 'eve', id: 'eve:1', seq: 1 });
                  // Bytes that do not hash to the image's hash: the chunk that would complete it is refused.
                  const other = crypto.getRandomValues(new Uint8Array(40000));
                  const forged = chunkTexts(other);
                  for (let i = 0; i < chunks.length - 1; i++) bob.receive({ ...chunks[i], data: forged[i] });
                  out.wrongHash = tried(bob, { ...chunks.at(-1), data: forged.at(-1) });
                  out.neverComplete = bob.imageData(image.id) === null;
                  // The same image whole, in any order, is taken.
                  const cy = new DrawingModel('cy');
                  for (const chunk of [...chunks].reverse()) cy.receive(chunk);
                  out.whole = cy.receive(image) && cy.imageData(image.id) === ada.imageData(image.id);
                  return out;
                }""");
        assertThat(((Number) result.get("chunks")).intValue()).isEqualTo(3);
        for (String bad : List.of("tooBig", "badType", "badHashText", "tooManyChunks", "indexPastTheLast", "shortChunk",
                "notBase64", "someoneElsesImage", "wrongHash")) {
            assertThat(result.get(bad)).as(bad).isEqualTo("refused");
        }
        assertThat(result.get("neverComplete")).isEqualTo(true);
        assertThat(result.get("whole")).isEqualTo(true);
    }

    // --- helpers --------------------------------------------------------------------------------

    /** Waits until the page holds one image whose picture is drawn, and returns it (the app's `images()` hook). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> awaitImage(BoardPage page) {
        page.page.waitForFunction("() => window.drawbridge.images().some((i) => i.decoded)");
        return (Map<String, Object>) page.page.evaluate("() => window.drawbridge.images().find((i) => i.decoded)");
    }

    /** Waits until the test picture's four quadrants show at their places, moved `dx` to the right. */
    private static void awaitQuadrants(BoardPage page, int dx) {
        eventually().alias("the image's four colours on " + page + " (moved by " + dx + ")").until(() ->
                near(page.pixel(600 + dx, 325), RED, 40) && near(page.pixel(1000 + dx, 325), GREEN, 40)
                        && near(page.pixel(600 + dx, 575), BLUE, 40) && near(page.pixel(1000 + dx, 575), YELLOW, 40));
    }

    private static boolean near(int[] rgba, int[] rgb, int tolerance) {
        for (int k = 0; k < 3; k++) {
            if (Math.abs(rgba[k] - rgb[k]) > tolerance) {
                return false;
            }
        }
        return true;
    }

    /** Waits until the page's links are these: peer id -> transport. */
    private static void waitForLinks(BoardPage page, Map<String, String> transports) {
        page.page.waitForFunction("(want) => { const peers = window.drawbridge.peers();"
                + " return peers.length === Object.keys(want).length && peers.every((p) => want[p.id] === p.transport); }",
                transports);
    }

    /** A PNG of one colour, made here (not by the browser). */
    private static byte[] solidPng(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
