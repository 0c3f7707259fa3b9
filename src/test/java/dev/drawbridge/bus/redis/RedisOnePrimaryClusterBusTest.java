package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusContract;
import dev.drawbridge.bus.HistoryLimits;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.UUID;

/**
 * The Redis bus passes the bus contract across two nodes on a Redis Cluster of one primary: a node
 * that never met another names itself with an empty ip in {@code CLUSTER SLOTS}, which means the
 * host the node asked.
 */
class RedisOnePrimaryClusterBusTest extends BusContract {
    @RegisterExtension
    static final RedisNodes cluster = RedisNodes.onOnePrimaryCluster();
    private static final RedisSettings SETTINGS = RedisSettings.defaults()
            .withHistory(new HistoryLimits(32, 1 << 20, Duration.ofSeconds(60)));

    @Override
    protected int historyLimit() {
        return SETTINGS.history().events();
    }

    @Override
    protected Nodes startNodes() {
        return new Nodes(cluster.connect("bus-a-" + UUID.randomUUID(), SETTINGS).bus(),
                cluster.connect("bus-b-" + UUID.randomUUID(), SETTINGS).bus());
    }

    @Override
    protected void stopNodes() {
        // The extension closes the nodes after each test.
    }
}
