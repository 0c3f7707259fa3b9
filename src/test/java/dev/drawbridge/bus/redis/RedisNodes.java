package dev.drawbridge.bus.redis;

import dev.drawbridge.testing.RedisServer;
import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

import static dev.drawbridge.testing.Futures.get;

/**
 * One real Redis and one Vert.x per test class; every test starts on an empty, running Redis, and
 * the nodes (backends) it connected are closed after it.
 * {@code @RegisterExtension static final RedisNodes redis = new RedisNodes();}
 */
final class RedisNodes implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private RedisServer server;
    private Vertx vertx;
    private final List<RedisBackend> connected = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        server = RedisServer.start();
        vertx = Vertx.vertx();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!server.isRunning()) {
            server.restart();
        }
        server.flushAll();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        connected.forEach(node -> get(node.close()));
        connected.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (vertx != null) {
            get(vertx.close());
        }
        if (server != null) {
            server.close();
        }
    }

    RedisServer server() {
        return server;
    }

    Vertx vertx() {
        return vertx;
    }

    /** The event loops of {@link #vertx()}: a node holds a lane of two Redis connections on each. */
    List<EventLoop> eventLoops() {
        return RedisBackend.eventLoops(vertx);
    }

    /** A node of the cluster named {@code nodeId}, with the default settings. */
    RedisBackend connect(String nodeId) {
        return connect(nodeId, RedisSettings.defaults());
    }

    RedisBackend connect(String nodeId, RedisSettings settings) {
        RedisBackend node = get(RedisBackend.connect(vertx, server.url(), nodeId, settings));
        connected.add(node);
        return node;
    }
}
