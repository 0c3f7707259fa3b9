package dev.drawbridge.bus.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Redis bus passes the bus contract across two nodes on a Redis Cluster of one primary: a node
 * that never met another names itself with an empty ip in {@code CLUSTER SLOTS}, which means the
 * host the node asked.
 */
class RedisOnePrimaryClusterBusTest extends RedisBusContract {
    @RegisterExtension
    static final RedisNodes redis = RedisNodes.onOnePrimaryCluster();

    @Override
    protected RedisNodes redis() {
        return redis;
    }
}
