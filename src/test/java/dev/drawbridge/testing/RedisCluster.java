package dev.drawbridge.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster for tests: six {@code redis-server} processes on free loopback ports, three
 * primaries with a replica each ({@code redis-cli --cluster create ... --cluster-replicas 1}), a
 * short {@code cluster-node-timeout} so that a dead primary is replaced within seconds. Start one
 * per test class; {@link #close()} kills every process and removes their files.
 *
 * <p>Helpers change the topology as an operator or a crash would: {@link #failover} (a replica
 * takes over cleanly), {@link #kill} ({@code kill -9}), {@link #migrateSlot}. Each returns once the
 * cluster agrees on the new topology.
 */
public final class RedisCluster implements AutoCloseable {
    /** How long a node may be silent before the others count it as failing. */
    public static final Duration NODE_TIMEOUT = Duration.ofMillis(1000);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final Path dir;
    private final List<RedisServer> servers;
    private final int primaryCount;

    private RedisCluster(Path dir, List<RedisServer> servers, int primaryCount) {
        this.dir = dir;
        this.servers = servers;
        this.primaryCount = primaryCount;
    }

    /** Starts six nodes, makes them one cluster and returns once every node reports it healthy. */
    public static RedisCluster start() {
        return start(null);
    }

    /**
     * The same with every node asking for {@code password} ({@code requirepass}, and
     * {@code masterauth} for the replicas); {@link #url()} stays without it.
     */
    public static RedisCluster withPassword(String password) {
        return start(password, null);
    }

    /**
     * The same with every node also listening with TLS ({@code --tls-port}), the cluster bus and
     * replication over TLS too ({@code --tls-cluster}, {@code --tls-replication}), the certificates
     * made in {@code dir} by a throwaway authority ({@link #caFile()}). A client on a TLS port is
     * told the nodes' TLS ports ({@code CLUSTER SLOTS}); the plain ports stay open for the helpers.
     */
    public static RedisCluster withTls(Path dir) {
        RedisServer.certificates(dir);
        return start(null, dir);
    }

    private static RedisCluster start(String password) {
        return start(password, null);
    }

    /**
     * A cluster of one node that serves every slot ({@code CLUSTER ADDSLOTSRANGE 0 16383}), no
     * replica: the smallest deployment in cluster mode. Having never met another node, it does not
     * know its own address and names itself with an empty ip in {@code CLUSTER SLOTS}.
     */
    public static RedisCluster onePrimary() {
        Path dir = tempDir();
        List<RedisServer> servers = new ArrayList<>();
        RedisCluster cluster = new RedisCluster(dir, servers, 1);
        try {
            servers.add(RedisServer.start(nodeOptions(dir, 0, null)));
            servers.getFirst().call("CLUSTER", "ADDSLOTSRANGE", "0", Integer.toString(16_383));
            cluster.awaitHealthy();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("redis-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> nodeOptions(Path dir, int i, String password) {
        List<String> options = new ArrayList<>(List.of(
                "--cluster-enabled", "yes",
                "--cluster-config-file", dir.resolve("nodes-" + i + ".conf").toString(),
                "--cluster-node-timeout", Long.toString(NODE_TIMEOUT.toMillis()),
                // The bus port is free too (by default it is the port + 10000: taken at times,
                // or past 65535 for a high ephemeral port).
                "--cluster-port", Integer.toString(RedisServer.freePort()),
                "--dir", dir.toString(),
                // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
                "--repl-diskless-sync-delay", "0"));
        if (password != null) {
            options.addAll(List.of("--requirepass", password, "--masterauth", password));
        }
        return options;
    }

    private static RedisCluster start(String password, Path tls) {
        Path dir = tempDir();
        List<RedisServer> servers = new ArrayList<>();
        RedisCluster cluster = new RedisCluster(dir, servers, 3);
        try {
            for (int i = 0; i < 6; i++) {
                List<String> options = nodeOptions(dir, i, password);
                if (tls != null) {
                    options.addAll(List.of("--tls-cluster", "yes", "--tls-replication", "yes"));
                    servers.add(RedisServer.startTls(options, tls));
                } else {
                    servers.add(RedisServer.start(options, password));
                }
            }
            List<String> create = new ArrayList<>(List.of(cli(), "--cluster", "create"));
            if (password != null) {
                create.addAll(List.of("-a", password, "--no-auth-warning"));
            }
            servers.forEach(s -> create.add("127.0.0.1:" + s.port()));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            run(create);
            cluster.awaitHealthy();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis://127.0.0.1:<port>} of the first node: any node is a seed. */
    public String url() {
        return servers.getFirst().url();
    }

    /** {@code rediss://127.0.0.1:<tls port>} of the first node, for a cluster started {@link #withTls}. */
    public String tlsUrl() {
        return servers.getFirst().tlsUrl();
    }

    /** The authority that signed the nodes' certificates, for a cluster started {@link #withTls}. */
    public Path caFile() {
        return servers.getFirst().caFile();
    }

    /** Every node, dead or alive, in the order started. */
    public List<RedisServer> nodes() {
        return List.copyOf(servers);
    }

    /** The nodes that are primaries now (each holding slots), as the cluster sees it. */
    public List<RedisServer> primaries() {
        return servers.stream().filter(RedisServer::isRunning).filter(this::isPrimary).toList();
    }

    /** The live replica of {@code primary}. */
    public RedisServer replicaOf(RedisServer primary) {
        String id = nodeId(primary);
        return servers.stream().filter(RedisServer::isRunning)
                .filter(s -> nodesLine(s, s).contains("slave " + id))
                .findFirst().orElseThrow(() -> new IllegalStateException("no replica of " + primary.port()));
    }

    /** The primary that serves {@code slot} now. */
    public RedisServer ownerOf(int slot) {
        return primaries().stream().filter(p -> ownsSlot(p, slot)).findFirst()
                .orElseThrow(() -> new IllegalStateException("nobody owns slot " + slot));
    }

    /** Empties every primary (between tests); replicas follow. */
    public void flushAll() {
        primaries().forEach(p -> p.call("FLUSHALL"));
    }

    /** Runs {@code args} on the primary of {@code slot} (for assertions on keys). */
    public Object callOnSlot(int slot, String... args) {
        return ownerOf(slot).call(args);
    }

    /**
     * {@code CLUSTER FAILOVER} on the replica of {@code primary}: the two swap roles without loss.
     * Returns the new primary once every live node agrees.
     */
    public RedisServer failover(RedisServer primary) {
        RedisServer replica = replicaOf(primary);
        replica.call("CLUSTER", "FAILOVER");
        awaitCluster(() -> isPrimary(replica) && !isPrimary(primary), "failover to " + replica.port());
        return replica;
    }

    /**
     * {@code kill -9} of a primary: its replica is elected after the node timeout. Returns the new
     * primary once every live node agrees. The dead node stays down ({@link #restart} brings it back as a replica).
     */
    public RedisServer kill(RedisServer primary) {
        RedisServer replica = replicaOf(primary);
        primary.kill();
        awaitCluster(() -> isPrimary(replica), "election of " + replica.port());
        return replica;
    }


    /** {@code kill -CONT} of a node paused ({@link RedisServer#pause}); returns once the cluster is healthy again. */
    public void resume(RedisServer node) {
        node.resume();
        awaitHealthy();
    }

    /** Starts a killed node again (it rejoins as a replica) and returns once the cluster is healthy. */
    public void restart(RedisServer node) {
        node.restart();
        awaitHealthy();
    }

    /**
     * Moves {@code slot} from its owner to {@code target} as {@code redis-cli --cluster reshard} does:
     * importing / migrating, every key {@code MIGRATE}d, then the slot given to the target on every
     * primary. Returns once every live node agrees.
     */
    @SuppressWarnings("unchecked")
    public void migrateSlot(int slot, RedisServer target) {
        RedisServer source = ownerOf(slot);
        if (source == target) {
            return;
        }
        String slotText = Integer.toString(slot);
        target.call("CLUSTER", "SETSLOT", slotText, "IMPORTING", nodeId(source));
        source.call("CLUSTER", "SETSLOT", slotText, "MIGRATING", nodeId(target));
        while (true) {
            List<Object> keys = (List<Object>) source.call("CLUSTER", "GETKEYSINSLOT", slotText, "100");
            if (keys.isEmpty()) {
                break;
            }
            List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(target.port()),
                    "", "0", "5000", "REPLACE", "KEYS"));
            keys.forEach(key -> migrate.add((String) key));
            source.call(migrate.toArray(String[]::new));
        }
        target.call("CLUSTER", "SETSLOT", slotText, "NODE", nodeId(target));
        source.call("CLUSTER", "SETSLOT", slotText, "NODE", nodeId(target));
        for (RedisServer p : primaries()) {
            if (p != source && p != target) {
                p.call("CLUSTER", "SETSLOT", slotText, "NODE", nodeId(target));
            }
        }
        awaitCluster(() -> ownsSlot(target, slot), "slot " + slot + " on " + target.port());
    }

    /** The cluster's id of a node ({@code CLUSTER MYID}). */
    public String nodeId(RedisServer node) {
        return (String) node.call("CLUSTER", "MYID");
    }

    @Override
    public void close() {
        servers.forEach(RedisServer::close);
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // Temporary files; the OS cleans them eventually.
        }
    }

    private boolean isPrimary(RedisServer node) {
        // The node's own view: the line of CLUSTER NODES flagged "myself".
        String self = nodesLine(node, node);
        return self.contains("master") && !self.contains("fail") && slotsOf(self).length() > 0;
    }

    private boolean ownsSlot(RedisServer node, int slot) {
        // Every live node must agree that node owns the slot.
        String id = nodeId(node);
        for (RedisServer s : servers) {
            if (!s.isRunning()) {
                continue;
            }
            String line = ((String) s.call("CLUSTER", "NODES")).lines()
                    .filter(l -> l.startsWith(id + " ")).findFirst().orElse("");
            if (!line.contains("master") || !coversSlot(slotsOf(line), slot)) {
                return false;
            }
        }
        return true;
    }

    private static boolean coversSlot(String ranges, int slot) {
        for (String range : ranges.trim().split(" ")) {
            if (range.isEmpty() || range.startsWith("[")) {
                continue;
            }
            String[] bounds = range.split("-");
            int from = Integer.parseInt(bounds[0]);
            int to = bounds.length > 1 ? Integer.parseInt(bounds[1]) : from;
            if (slot >= from && slot <= to) {
                return true;
            }
        }
        return false;
    }

    /** The slots part of a CLUSTER NODES line (fields after the ninth). */
    private static String slotsOf(String line) {
        String[] fields = line.trim().split(" ");
        if (fields.length <= 8) {
            return "";
        }
        return String.join(" ", List.of(fields).subList(8, fields.length));
    }

    /** The CLUSTER NODES line of {@code of}, as {@code asking} sees it. */
    private String nodesLine(RedisServer asking, RedisServer of) {
        String nodes = (String) asking.call("CLUSTER", "NODES");
        if (asking == of) {
            return nodes.lines().filter(l -> l.contains("myself")).findFirst().orElse("");
        }
        String id = nodeId(of);
        return nodes.lines().filter(l -> l.startsWith(id + " ")).findFirst().orElse("");
    }

    /**
     * Every live node says state ok, knows every node, sees the primaries and a replica for each
     * (none for {@link #onePrimary}), and every replica is in sync.
     */
    private void awaitHealthy() {
        awaitCluster(() -> {
            for (RedisServer s : servers) {
                String info = (String) s.call("CLUSTER", "INFO");
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + servers.size())) {
                    return false;
                }
                String nodes = (String) s.call("CLUSTER", "NODES");
                long primaries = nodes.lines().filter(l -> live(l, "master")).count();
                long replicas = nodes.lines().filter(l -> live(l, "slave")).count();
                if (primaries != primaryCount || replicas != servers.size() - primaryCount) {
                    return false;
                }
                String replication = (String) s.call("INFO", "replication");
                if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                    // A replica still copying its primary: the fork and the transfer load the machine.
                    return false;
                }
            }
            return true;
        }, "a healthy cluster");
    }

    /**
     * Whether a line of {@code CLUSTER NODES} is a node in {@code role} that nobody suspects
     * ({@code fail?}) or declared failed ({@code fail}); other flags, such as {@code nofailover},
     * do not matter.
     */
    private static boolean live(String line, String role) {
        List<String> flags = List.of(line.split(" ")[2].split(","));
        return flags.contains(role) && !flags.contains("fail") && !flags.contains("fail?");
    }

    /** Waits until {@code done} and every live node reports state ok. */
    private void awaitCluster(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (done.getAsBoolean() && servers.stream().filter(RedisServer::isRunning)
                        .allMatch(s -> ((String) s.call("CLUSTER", "INFO")).contains("cluster_state:ok"))) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            // The cluster bus gossips every 100 ms; polling faster only loads the two cores.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new IllegalStateException("no " + what + " within " + SETTLE + ":\n" + describe(), last);
    }

    private String describe() {
        return servers.stream().filter(RedisServer::isRunning).findFirst()
                .map(s -> (String) s.call("CLUSTER", "NODES")).orElse("(every node is down)");
    }

    private static String cli() {
        return Path.of(Objects.requireNonNullElse(System.getenv("REDIS_CLI"), "redis-cli")).toString();
    }

    private static void run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output;
            try (var in = process.getInputStream()) {
                output = new String(in.readAllBytes());
            }
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(command.stream().collect(Collectors.joining(" ")) + " failed:\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
