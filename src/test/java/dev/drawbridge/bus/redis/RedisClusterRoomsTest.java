package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.RoomsContract;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;

/** The Redis rooms pass the rooms contract across two nodes on a real Redis Cluster of three primaries. */
class RedisClusterRoomsTest extends RoomsContract {
    @RegisterExtension
    static final RedisNodes cluster = RedisNodes.onCluster();

    @Override
    protected Nodes startNodes() {
        return new Nodes(cluster.connect("rooms-a-" + UUID.randomUUID()).rooms(),
                cluster.connect("rooms-b-" + UUID.randomUUID()).rooms());
    }

    @Override
    protected void stopNodes() {
        // The extension closes the nodes after each test.
    }
}
