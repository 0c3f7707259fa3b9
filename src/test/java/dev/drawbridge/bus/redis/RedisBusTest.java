package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusContract;

import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;


/** The Redis bus passes the bus contract, across two nodes on one real Redis. */
class RedisBusTest extends BusContract {
    @RegisterExtension
    static final RedisNodes cluster = new RedisNodes();
    @Override
    protected Nodes startNodes() {
        return new Nodes(cluster.connect("bus-a-" + UUID.randomUUID()).bus(),
                cluster.connect("bus-b-" + UUID.randomUUID()).bus());
    }

    @Override
    protected void stopNodes() {
        // The extension closes the nodes after each test.
    }
}
