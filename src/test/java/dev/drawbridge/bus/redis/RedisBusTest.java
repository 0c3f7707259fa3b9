package dev.drawbridge.bus.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis bus passes the bus contract, across two nodes on one real Redis. */
class RedisBusTest extends RedisBusContract {
    @RegisterExtension
    static final RedisNodes redis = new RedisNodes();

    @Override
    protected RedisNodes redis() {
        return redis;
    }
}
