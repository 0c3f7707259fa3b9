package dev.drawbridge.bus.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MembershipsContract} on a real Redis Cluster of three primaries. */
class RedisClusterMembershipsTest extends MembershipsContract {
    @RegisterExtension
    static final RedisNodes redis = RedisNodes.onCluster();

    @Override
    protected RedisNodes redis() {
        return redis;
    }
}
