package dev.drawbridge.web;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.ConsoleMessage;
import com.microsoft.playwright.Download;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app works under its own strict Content-Security-Policy and breaks none of it: a saved board
 * (service worker, IndexedDB, the board routes, sealing), drawing with every tool that touches the
 * DOM (text input, cursors, the swatch), two pages on a data channel, the PNG export.
 */
class ContentSecurityPolicyTest extends BrowserTest {
    /** Test-only: every CSP violation the page reports, as "directive blocked-uri". */
    private static final String RECORD_VIOLATIONS = """
            (() => {
              window.__cspViolations = [];
              document.addEventListener('securitypolicyviolation',
                (e) => window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`), true);
            })();
            """;

    private final Path dataDir = SavedBoard.tempDataDir();

    @Override
    protected String[] nodeFlags() {
        return new String[] {"--data-dir", dataDir.toString()};
    }

    @Test
    void aSavedBoardDrawnOnByTwoPagesWithEveryToolReportsNoPolicyViolation() {
        List<String> console = new CopyOnWriteArrayList<>();
        SavedBoard board = SavedBoard.create(node.baseUrl(), newRoom());
        BrowserContext adaContext = chromium.newContext(1280, 800, RECORD_VIOLATIONS);
        BrowserContext bobContext = chromium.newContext(1280, 800, RECORD_VIOLATIONS);
        adaContext.onConsoleMessage(message -> console.add(text(message)));
        bobContext.onConsoleMessage(message -> console.add(text(message)));
        BoardPage ada = BoardPage.openLink(adaContext, board.link("ada"), "ada");
        BoardPage bob = BoardPage.openLink(bobContext, board.link("bob"), "bob");
        ada.waitForPeers(1, "p2p");
        bob.waitForPeers(1, "p2p");
        assertThat(ada.page.evaluate("() => navigator.serviceWorker.ready.then((r) => r.active !== null)")).isEqualTo(true);

        ada.stroke(200, 200, 600, 400);
        bob.pointerMove(500, 500, 1);
        bob.pointerMove(520, 510, 4);
        ada.page.locator("#cursors .cursor").first().waitFor();
        bob.selectTool("rect");
        bob.stroke(900, 100, 1300, 400);
        ada.selectTool("text");
        ada.page.mouse().click(ada.toViewport(300, 700)[0], ada.toViewport(300, 700)[1]);
        ada.page.keyboard().type("under policy");
        ada.page.keyboard().press("Enter");
        ada.page.locator("#color").click();
        ada.page.locator("#color").click();
        awaitSamePicture(ada, bob);
        ada.waitUntilSaved();
        Download png = ada.page.waitForDownload(() -> ada.page.locator("#export").click());
        assertThat(png.suggestedFilename()).endsWith(".png");

        for (BoardPage page : new BoardPage[] {ada, bob}) {
            assertThat(page.page.evaluate("() => window.__cspViolations")).as("violations on %s", page).isEqualTo(List.of());
        }
        assertThat(console).noneSatisfy(line -> assertThat(line)
                .containsAnyOf("Content Security Policy", "Content-Security-Policy", "Permissions-Policy"));
    }

    @Test
    void anInlineScriptIsRefusedByThePolicySoTheTestWouldSeeAViolation() {
        BrowserContext context = chromium.newContext(1280, 800, RECORD_VIOLATIONS);
        BoardPage page = BoardPage.open(context, node.baseUrl(), newRoom(), "probe");

        Object ran = page.page.evaluate("""
                () => {
                  // An allowed inline script runs as it is inserted, before append returns.
                  window.__inlineRan = false;
                  const script = document.createElement('script');
                  script.textContent = 'window.__inlineRan = true';
                  document.head.append(script);
                  return window.__inlineRan;
                }""");

        assertThat(ran).isEqualTo(false);
        page.page.waitForFunction("() => window.__cspViolations.some((v) => v.startsWith('script-src'))");
    }

    private static String text(ConsoleMessage message) {
        return message.type() + ": " + message.text();
    }
}
