package dev.drawbridge.bus.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis bus passes the bus contract across two nodes on a real Redis Cluster of three primaries. */
class RedisClusterBusTest extends RedisBusContract {
    @RegisterExtension
    static final RedisNodes redis = RedisNodes.onCluster();

    @Override
    protected RedisNodes redis() {
        return redis;
    }
}
