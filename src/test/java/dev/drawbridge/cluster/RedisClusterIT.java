package dev.drawbridge.cluster;

import dev.drawbridge.testing.RedisCluster;
import dev.drawbridge.testing.RedisServer;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every scenario of {@link ClusterIT}, with its three node processes on a Redis Cluster of three
 * primaries (and three replicas) instead of one Redis: each node finds the cluster from one seed,
 * and a thousand browsers add no connection to any primary.
 */
class RedisClusterIT extends ClusterIT {

    // Hides ClusterIT.start, so that only this one runs.
    @BeforeAll
    static void start() {
        RedisCluster cluster = RedisCluster.start();
        startNodes(cluster, cluster.url(), () -> cluster.primaries().stream().map(RedisServer::clientNames).toList());
    }
}
