package dev.drawbridge.web;

import dev.drawbridge.testing.Chromium;
import dev.drawbridge.testing.TestNode;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;

/**
 * A test class of the drawing app: one real node and one Chromium for the class, fresh browser
 * profiles for each test, and screenshots in {@code target/screenshots} when a test fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrowserTest {
    protected TestNode node;
    protected Chromium chromium;

    @RegisterExtension
    final AfterTestExecutionCallback screenshotOnFailure = context -> {
        // Runs before @AfterEach closes the pages, so they are still there to look at.
        if (context.getExecutionException().isPresent() && chromium != null) {
            chromium.screenshotAll(context.getRequiredTestClass().getSimpleName() + "-"
                    + context.getRequiredTestMethod().getName());
        }
    };

    /** Settings of this class's node, as command-line flags. */
    protected String[] nodeFlags() {
        return new String[0];
    }

    @BeforeAll
    void startNodeAndBrowser() {
        node = TestNode.start(nodeFlags());
        chromium = Chromium.launch();
    }

    @AfterEach
    void closePages() {
        chromium.closeContexts();
    }

    @AfterAll
    void stopNodeAndBrowser() {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    /** A room no other test uses. */
    static String newRoom() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Opens the room as {@code name} in a new browser profile of the default size. */
    BoardPage open(String room, String name, String... initScripts) {
        return open(room, name, 1280, 800, initScripts);
    }

    BoardPage open(String room, String name, int width, int height, String... initScripts) {
        return BoardPage.open(chromium.newContext(width, height, initScripts), node.baseUrl(), room, name);
    }

    /** Polls, never sleeps blindly: the condition is checked every 100 ms for up to 15 s. */
    static ConditionFactory eventually() {
        return Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100));
    }

    /** Waits until every page shows exactly the same pixels, and returns that picture's hash. */
    static String awaitSamePicture(BoardPage... pages) {
        String[] hash = new String[1];
        eventually().alias("the boards of " + Arrays.toString(pages) + " become pixel-identical").until(() -> {
            String first = pages[0].canvasHash();
            for (int i = 1; i < pages.length; i++) {
                if (!first.equals(pages[i].canvasHash())) {
                    return false;
                }
            }
            hash[0] = first;
            return true;
        });
        return hash[0];
    }

    /** Reports a measured figure in a form that is easy to find in the build output. */
    static void report(String what, double value, String unit) {
        System.out.println(String.format(Locale.ROOT, "[measure] %s: %.0f %s", what, value, unit));
    }
}
