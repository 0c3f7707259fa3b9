package dev.drawbridge.bus.redis;

import dev.drawbridge.testing.RedisCluster;
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
    private final boolean onCluster;
    private final boolean onePrimary;
    private RedisServer server;
    private RedisCluster redisCluster;
    private Vertx vertx;
    private final List<RedisBackend> connected = new ArrayList<>();

    /** Nodes on one standalone Redis. */
    RedisNodes() {
        this(false, false);
    }

    private RedisNodes(boolean onCluster, boolean onePrimary) {
        this.onCluster = onCluster;
        this.onePrimary = onePrimary;
    }

    /** Nodes on a Redis Cluster of three primaries and three replicas ({@link RedisCluster}). */
    static RedisNodes onCluster() {
        return new RedisNodes(true, false);
    }

    /** Nodes on a Redis Cluster of one primary that serves every slot ({@link RedisCluster#onePrimary}). */
    static RedisNodes onOnePrimaryCluster() {
        return new RedisNodes(true, true);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (onCluster) {
            redisCluster = onePrimary ? RedisCluster.onePrimary() : RedisCluster.start();
        } else {
            server = RedisServer.start();
        }
        vertx = Vertx.vertx();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (onCluster) {
            redisCluster.flushAll();
            return;
        }
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
        if (redisCluster != null) {
            redisCluster.close();
        }
    }

    /** The standalone server (null on a cluster). */
    RedisServer server() {
        return server;
    }

    /** The cluster (null on a standalone server). */
    RedisCluster redisCluster() {
        return redisCluster;
    }

    String url() {
        return onCluster ? redisCluster.url() : server.url();
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
        RedisBackend node = get(RedisBackend.connect(vertx, url(), nodeId, settings));
        connected.add(node);
        return node;
    }
}
