package dev.drawbridge.bus.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MembershipsContract} on one real Redis. */
class RedisMembershipsTest extends MembershipsContract {
    @RegisterExtension
    static final RedisNodes redis = new RedisNodes();

    @Override
    protected RedisNodes redis() {
        return redis;
    }
}
