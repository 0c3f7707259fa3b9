package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.Client.Transport;
import dev.drawbridge.testing.NodeProcess;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Not a test (its name keeps it out of the suite): the node's CPU per relay over the WebSocket
 * against SSE + POST, in one run, on the embedded bus (docs/BENCHMARKS.md, "WebSocket against SSE +
 * POST"). One node process; per transport 40 clients in rooms of 4, each relaying to the next in its
 * room; rounds of {@link #RELAYS} relays at {@link #RATE}/s, interleaved SSE, WS, SSE, WS, ...;
 * the node's user and system CPU from /proc between the first relay and the last delivery.
 * Run with {@code mvn -q package -DskipTests && mvn test -Dtest=TransportCostBenchmark}.
 */
class TransportCostBenchmark {
    private static final int CLIENTS = 40;
    private static final int ROOM = 4;
    private static final int RATE = Integer.getInteger("rate", 1_000);
    private static final int RELAYS = Integer.getInteger("relays", 10_000);
    private static final int ROUNDS = Integer.getInteger("rounds", 3);
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    @Test
    void cpuPerRelayOverEachTransport() throws Exception {
        try (NodeProcess node = NodeProcess.start("transport-cost", "--relay-limit", "0", "--stream-limit", "0",
                "--node-stream-limit", "0")) {
            Map<Transport, List<Client>> clients = new EnumMap<>(Transport.class);
            for (Transport transport : Transport.values()) {
                List<Client> group = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    Client client = Client.access(node.baseUrl(), transport + "-" + i, transport).connect();
                    client.join(transport + "-room-" + i / ROOM);
                    group.add(client);
                }
                Client last = group.get(CLIENTS - 1);
                Client.await("the rooms are complete").until(() -> last.events("add-peer").size() == ROOM - 1);
                clients.put(transport, group);
            }
            warmUp(clients);
            Map<Transport, List<double[]>> results = new EnumMap<>(Transport.class);
            for (int round = 0; round < ROUNDS; round++) {
                for (Transport transport : Transport.values()) {
                    double[] cost = round(node.pid(), clients.get(transport));
                    results.computeIfAbsent(transport, t -> new ArrayList<>()).add(cost);
                    System.out.printf("round %d %s: %.1f µs CPU per relay (user %.1f, system %.1f)%n",
                            round + 1, transport, cost[0] + cost[1], cost[0], cost[1]);
                }
            }
            for (Transport transport : Transport.values()) {
                double[] median = median(results.get(transport));
                System.out.printf("median %s at %d/s: %.1f µs CPU per relay (that round: user %.1f, system %.1f)%n",
                        transport, RATE, median[0] + median[1], median[0], median[1]);
            }
        }
    }

    private static void warmUp(Map<Transport, List<Client>> clients) throws Exception {
        for (List<Client> group : clients.values()) {
            send(group, Integer.getInteger("warmup", 10_000), 0);
        }
    }

    /** One round: user and system µs of node CPU per relay. */
    private static double[] round(long pid, List<Client> group) throws Exception {
        long[] before = cpuTicks(pid);
        send(group, RELAYS, RATE);
        long[] after = cpuTicks(pid);
        double perTick = 1_000_000.0 / TICKS_PER_SECOND;
        return new double[] {(after[0] - before[0]) * perTick / RELAYS, (after[1] - before[1]) * perTick / RELAYS};
    }

    /** {@code count} relays at {@code rate}/s (0: as fast as possible), then waits for every one to arrive. */
    private static void send(List<Client> group, int count, int rate) throws Exception {
        int[] before = new int[group.size()];
        for (int i = 0; i < group.size(); i++) {
            before[i] = group.get(i).events("dot").size();
        }
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newFixedThreadPool(32)) {
            List<Future<?>> sent = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                if (rate > 0) {
                    long due = start + n * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                int sender = n % group.size();
                Client from = group.get(sender);
                Client to = group.get(sender / ROOM * ROOM + (sender % ROOM + 1) % ROOM);
                sent.add(threads.submit(() -> {
                    if (from.relay(to.id(), "dot", "{\"x\":123.5,\"y\":456.25,\"pressure\":0.5,\"tool\":\"pencil\",\"color\":\"#1e66f5\",\"width\":4,\"stroke\":\"a1b2c3d4e5f6\",\"seq\":42,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}")
                            .statusCode() != 200) {
                        failed.incrementAndGet();
                    }
                }));
            }
            for (Future<?> relay : sent) {
                relay.get();
            }
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " relays refused");
        }
        int expected = count;
        Client.await("every relay delivered").atMost(Duration.ofSeconds(60)).until(() -> {
            int arrived = 0;
            for (int i = 0; i < group.size(); i++) {
                arrived += group.get(i).events("dot").size() - before[i];
            }
            return arrived >= expected;
        });
    }

    private static long[] cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
    }

    /** The round of the median total. */
    private static double[] median(List<double[]> rounds) {
        List<double[]> sorted = rounds.stream().sorted(java.util.Comparator.comparingDouble(r -> r[0] + r[1])).toList();
        return sorted.get(sorted.size() / 2);
    }
}
