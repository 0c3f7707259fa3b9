package dev.drawbridge.testing;

import dev.drawbridge.app.Config;
import dev.drawbridge.app.Drawbridge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real node in this process, on the embedded bus, listening on a free loopback port. */
public final class TestNode implements AutoCloseable {
    /** A fixed secret, so that tests can also make tokens of their own (expired, forged). */
    public static final String SECRET = "drawbridge-test-secret-of-at-least-32-bytes";

    private final Drawbridge node;

    private TestNode(Drawbridge node) {
        this.node = node;
    }

    /** Starts a node; {@code flags} are command-line settings such as {@code "--max-room-size", "3"}. */
    public static TestNode start(String... flags) {
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--token-secret", SECRET));
        args.addAll(List.of(flags));
        Config config = Config.parse(args.toArray(String[]::new), Map.of());
        return new TestNode(Drawbridge.start(config).await());
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + node.port();
    }

    public Drawbridge node() {
        return node;
    }

    @Override
    public void close() {
        node.stop().await();
    }
}
