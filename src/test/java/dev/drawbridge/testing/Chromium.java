package dev.drawbridge.testing;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * Debian's Chromium driven by Playwright, set up as {@code shared/BROWSER_TESTS.md} says: WebRTC over
 * loopback without a STUN server, and no traffic that leaves the machine.
 *
 * <p>One instance per test class; {@link #newContext} gives each test fresh, isolated browser
 * profiles. A missing Chromium is an error, never a skipped test.
 */
public final class Chromium implements AutoCloseable {
    public static final Path EXECUTABLE = Path.of("/usr/bin/chromium");

    /** How long any Playwright call may wait: a broken ICE setup fails fast instead of hanging. */
    public static final double TIMEOUT_MS = 15_000;

    private static final List<String> ARGS = List.of(
            // Offer loopback host candidates, unhidden by mDNS: the only ones that work here.
            "--allow-loopback-in-peer-connection",
            "--use-fake-ui-for-media-stream",
            // No host name is ever looked up, so nothing (a STUN server, a font) leaves the machine.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1");

    /**
     * Test-only: drops remote ICE candidates that are not on loopback, so the peer connections
     * never try the machine's other interfaces. The app itself has no such filter.
     */
    private static final String LOOPBACK_CANDIDATES_ONLY = """
            (() => {
              const addIceCandidate = RTCPeerConnection.prototype.addIceCandidate;
              RTCPeerConnection.prototype.addIceCandidate = function (candidate, ...rest) {
                const line = candidate?.candidate ?? '';
                const address = line.split(' ')[4];
                if (line && address !== '127.0.0.1' && address !== '::1') return Promise.resolve();
                return addIceCandidate.call(this, candidate, ...rest);
              };
            })();
            """;

    /** Any http(s) or ws(s) URL whose host is not loopback. */
    private static final Pattern NOT_LOOPBACK =
            Pattern.compile("^(https?|wss?)://(?!(127\\.0\\.0\\.1|localhost|\\[::1\\])([:/]|$)).*");

    private final Playwright playwright;
    private final Browser browser;
    private final List<BrowserContext> contexts = new CopyOnWriteArrayList<>();

    private Chromium(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    /** Starts a headless Chromium; throws if {@code /usr/bin/chromium} is not there. */
    public static Chromium launch() {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new IllegalStateException("The browser tests need Chromium at " + EXECUTABLE
                    + ", which is missing: install it (as root: apt-get install -y chromium)");
        }
        Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(EXECUTABLE)
                    .setHeadless(true)
                    .setArgs(ARGS)
                    .setTimeout(60_000));
            return new Chromium(playwright, browser);
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
    }

    /**
     * A fresh browser profile (its own storage, its own peer identity) with a viewport of the
     * given size. {@code initScripts} run in every page before the app, after the loopback filter.
     */
    public BrowserContext newContext(int width, int height, String... initScripts) {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(width, height)
                .setAcceptDownloads(true));
        contexts.add(context);
        context.setDefaultTimeout(TIMEOUT_MS);
        context.setDefaultNavigationTimeout(TIMEOUT_MS);
        context.addInitScript(LOOPBACK_CANDIDATES_ONLY);
        for (String script : initScripts) {
            context.addInitScript(script);
        }
        context.route(NOT_LOOPBACK, route -> route.abort());
        return context;
    }

    /** Saves a screenshot of every open page to {@code target/screenshots/<name>-<n>.png}. */
    public void screenshotAll(String name) {
        int n = 0;
        for (BrowserContext context : contexts) {
            for (Page page : context.pages()) {
                Path file = Path.of("target", "screenshots", name + "-" + (++n) + ".png");
                try {
                    page.screenshot(new Page.ScreenshotOptions().setPath(file).setTimeout(5_000));
                    System.err.println("screenshot of " + page.url() + ": " + file.toAbsolutePath());
                } catch (RuntimeException e) {
                    System.err.println("no screenshot of " + page.url() + ": " + e.getMessage());
                }
            }
        }
    }

    /** Closes every context made so far (the browser stays up for the next test). */
    public void closeContexts() {
        for (BrowserContext context : contexts) {
            try {
                context.close();
            } catch (RuntimeException e) {
                // already gone with its pages; nothing left to release
            }
        }
        contexts.clear();
    }

    @Override
    public void close() {
        closeContexts();
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }
}
