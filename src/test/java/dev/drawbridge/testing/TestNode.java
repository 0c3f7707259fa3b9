package dev.drawbridge.testing;

import dev.drawbridge.app.Config;
import dev.drawbridge.app.Drawbridge;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real node in this process, on the embedded bus, listening on a free loopback port. Either
 * started by hand ({@link #start}), or one per test class as an extension:
 * {@code @RegisterExtension static final TestNode.PerClass node = TestNode.perClass("--max-room-size", "3");}
 */
public final class TestNode implements AutoCloseable {
    /** A fixed secret, so that tests can also make tokens of their own (expired, forged). */
    public static final String SECRET = "drawbridge-test-secret-of-at-least-32-bytes";
    /** The bearer token of {@code GET /metrics} on every test node (in-process and process). */
    public static final String METRICS_TOKEN = "drawbridge-test-metrics-token";

    private final Drawbridge node;
    private final Path ownDataDir;

    private TestNode(Drawbridge node, Path ownDataDir) {
        this.node = node;
        this.ownDataDir = ownDataDir;
    }

    /**
     * Starts a node; {@code flags} are command-line settings such as {@code "--max-room-size", "3"}.
     * Without {@code --data-dir} its boards go to a fresh temporary folder.
     */
    public static TestNode start(String... flags) {
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--token-secret", SECRET,
                "--metrics-token", METRICS_TOKEN));
        Path ownDataDir = List.of(flags).contains("--data-dir") ? null : freshDataDir();
        if (ownDataDir != null) {
            args.addAll(List.of("--data-dir", ownDataDir.toString()));
        }
        args.addAll(List.of(flags));
        Config config = Config.parse(args.toArray(String[]::new), Map.of());
        return new TestNode(Drawbridge.start(config).await(), ownDataDir);
    }

    /** {@link #start} without one of the settings it gives every test node (e.g. {@code --metrics-token}). */
    public static TestNode startWithout(String flag, String... flags) {
        Path ownDataDir = freshDataDir();
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--token-secret", SECRET,
                "--metrics-token", METRICS_TOKEN, "--data-dir", ownDataDir.toString()));
        int at = args.indexOf(flag);
        if (at < 0) {
            throw new IllegalArgumentException(flag + " is not a setting every test node gets");
        }
        args.subList(at, at + 2).clear();
        args.addAll(List.of(flags));
        return new TestNode(Drawbridge.start(Config.parse(args.toArray(String[]::new), Map.of())).await(), ownDataDir);
    }

    /** A new empty folder for a node's boards, under the system's temporary folder. */
    public static Path freshDataDir() {
        try {
            return Files.createTempDirectory("drawbridge-data-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + node.port();
    }

    /** The Prometheus text of the node at {@code baseUrl}, read with the test nodes' metrics token. */
    public static String metrics(String baseUrl) {
        java.net.http.HttpResponse<String> answer = Client.send(baseUrl, "GET", "/metrics", METRICS_TOKEN, null);
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET /metrics answered " + answer.statusCode() + ": " + answer.body());
        }
        return answer.body();
    }

    /** One unlabelled sample of the node at {@code baseUrl}; fails when the node does not have it. */
    public static double metric(String baseUrl, String name) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern
                .compile("(?m)^" + java.util.regex.Pattern.quote(name) + " (\\S+)$").matcher(metrics(baseUrl));
        if (!matcher.find()) {
            throw new AssertionError("no metric " + name + " at " + baseUrl);
        }
        return Double.parseDouble(matcher.group(1));
    }

    public Drawbridge node() {
        return node;
    }

    @Override
    public void close() {
        node.stop().await();
        if (ownDataDir != null) {
            deleteTree(ownDataDir);
        }
    }

    /** Deletes a folder and everything in it. */
    public static void deleteTree(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A node started before a test class's first test and stopped after its last. */
    public static PerClass perClass(String... flags) {
        return new PerClass(flags);
    }

    /** See {@link #perClass}. */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private final String[] flags;
        private TestNode node;

        private PerClass(String[] flags) {
            this.flags = flags;
        }

        @Override
        public void beforeAll(ExtensionContext context) {
            node = start(flags);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            if (node != null) {
                node.close();
            }
        }

        public String baseUrl() {
            return node.baseUrl();
        }

        public Drawbridge node() {
            return node.node();
        }
    }
}
