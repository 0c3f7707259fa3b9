import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded loop of board appends against one node on loopback, for docs/BENCHMARKS.md
 * ("Board storage"): the node's CPU (utime + stime from /proc) per appended record.
 * Run by scripts/measure-boards; uses the JDK alone.
 *
 * <p>java scripts/BoardAppends.java URL NODE_PID RECORDS BATCH DATA_BYTES THREADS ROOMS
 *
 * <p>Or, as background load beside another benchmark (scripts/measure with APPENDS_PER_SECOND): one
 * record per request at a fixed rate, for at most SECONDS, printing only what it sent and how many
 * failed.
 *
 * <p>java scripts/BoardAppends.java --paced URL RATE SECONDS DATA_BYTES ROOMS
 */
public class BoardAppends {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--paced")) {
            paced(args[1], Double.parseDouble(args[2]), Double.parseDouble(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            return;
        }
        String url = args[0];
        long pid = Long.parseLong(args[1]);
        int records = Integer.parseInt(args[2]);
        int batch = Integer.parseInt(args[3]);
        int dataBytes = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]);
        int rooms = Integer.parseInt(args[6]);
        SecureRandom random = new SecureRandom();
        String run = Long.toString(System.nanoTime(), 36);
        List<String> proofs = proofs(random, rooms);
        int requests = records / batch;
        // Bodies made before the clock starts: the client's own work is not the node's.
        List<String> bodies = new ArrayList<>(requests);
        for (int r = 0; r < requests; r++) {
            StringBuilder body = new StringBuilder("{\"records\":[");
            for (int i = 0; i < batch; i++) {
                byte[] data = new byte[dataBytes];
                random.nextBytes(data);
                // Ids as the app makes them: opaque, 16 random bytes in base64url (22 characters).
                byte[] id = new byte[16];
                random.nextBytes(id);
                body.append(i == 0 ? "" : ",").append("{\"id\":\"").append(Base64.getUrlEncoder().withoutPadding().encodeToString(id))
                        .append("\",\"data\":\"").append(Base64.getEncoder().encodeToString(data)).append("\"}");
            }
            bodies.add(body.append("]}").toString());
        }
        warmUp(url, proofs.getFirst(), run);
        baseline(url, pid, requests, threads);
        long cpuBefore = cpuMicros(pid);
        long storeBefore = threadCpuMicros(pid, "drawbridge-stor");
        long start = System.nanoTime();
        AtomicLong next = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (long r = next.getAndIncrement(); r < requests; r = next.getAndIncrement()) {
                    int room = (int) (r % rooms);
                    if (post(url + "/bench-" + run + "-" + room + "/board/records", proofs.get(room), bodies.get((int) r)) != 200) {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = cpuMicros(pid) - cpuBefore;
        long store = threadCpuMicros(pid, "drawbridge-stor") - storeBefore;
        System.out.printf("records=%d batch=%d data=%dB threads=%d rooms=%d failed=%d%n",
                records, batch, dataBytes, threads, rooms, failed.get());
        System.out.printf("wall=%.2fs  records/s=%.0f  requests/s=%.0f%n", seconds, records / seconds, requests / seconds);
        System.out.printf("node CPU: %.2f s total, %.1f us per record, %.1f us per request%n",
                cpu / 1e6, (double) cpu / records, (double) cpu / requests);
        if (store > 0) {
            System.out.printf("  of it the SQLite thread: %.1f us per request%n", (double) store / requests);
        }
    }

    /**
     * Appends of one record each, {@code rate} a second on a schedule of their own (a late one does not
     * push the next back), until {@code seconds} have passed; 8 senders, so one slow answer does not
     * hold the others.
     */
    private static void paced(String url, double rate, double seconds, int dataBytes, int rooms) throws Exception {
        SecureRandom random = new SecureRandom();
        String run = Long.toString(System.nanoTime(), 36);
        List<String> proofs = proofs(random, rooms);
        long total = (long) (rate * seconds);
        long periodNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        AtomicLong next = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(pool.submit(() -> {
                byte[] data = new byte[dataBytes];
                byte[] id = new byte[16];
                for (long r = next.getAndIncrement(); r < total; r = next.getAndIncrement()) {
                    long wait = start + r * periodNanos - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    random.nextBytes(data);
                    random.nextBytes(id);
                    int room = (int) (r % rooms);
                    String body = "{\"records\":[{\"id\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(id)
                            + "\",\"data\":\"" + Base64.getEncoder().encodeToString(data) + "\"}]}";
                    if (post(url + "/paced-" + run + "-" + room + "/board/records", proofs.get(room), body) != 200) {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("paced appends: %d of %d-byte records at %.0f/s over %.1f s, %d failed%n",
                total, dataBytes, rate, (System.nanoTime() - start) / 1e9, failed.get());
    }

    /** A random board proof for each room (the node only checks that later requests bring the same). */
    private static List<String> proofs(SecureRandom random, int rooms) {
        List<String> proofs = new ArrayList<>();
        for (int i = 0; i < rooms; i++) {
            byte[] proof = new byte[32];
            random.nextBytes(proof);
            proofs.add(Base64.getUrlEncoder().withoutPadding().encodeToString(proof));
        }
        return proofs;
    }

    /** The node's CPU per GET /healthz with the same number of requests and threads: the cost of a bare request here. */
    private static void baseline(String url, long pid, int requests, int threads) throws Exception {
        HttpRequest health = HttpRequest.newBuilder(URI.create(url + "/healthz")).timeout(Duration.ofSeconds(30)).build();
        long before = cpuMicros(pid);
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (long r = next.getAndIncrement(); r < requests; r = next.getAndIncrement()) {
                    HTTP.send(health, HttpResponse.BodyHandlers.discarding());
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("baseline: node CPU %.1f us per GET /healthz (%d requests, %d threads)%n",
                (double) (cpuMicros(pid) - before) / requests, requests, threads);
    }

    /** CPU of the process' threads named {@code name} (as /proc shows it: 15 characters at most). */
    private static long threadCpuMicros(long pid, String name) throws Exception {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals(name)) {
                        total += ticks(Files.readString(task.resolve("stat")));
                    }
                } catch (java.io.IOException gone) {
                    // a thread that ended meanwhile
                }
            }
        }
        return total;
    }

    private static void warmUp(String url, String proof, String run) throws Exception {
        for (int i = 0; i < 5000; i++) {
            post(url + "/warm-" + run + "/board/records", proof,
                    "{\"records\":[{\"id\":\"w" + i + "\",\"data\":\"AAAA\"}]}");
        }
        HttpRequest delete = HttpRequest.newBuilder(URI.create(url + "/warm-" + run + "/board"))
                .header("Board-Proof", proof).DELETE().build();
        HTTP.send(delete, HttpResponse.BodyHandlers.discarding());
    }

    private static int post(String url, String proof, String body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("Board-Proof", proof)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** utime + stime of a process, in microseconds (clock ticks of 10 ms). */
    private static long cpuMicros(long pid) throws Exception {
        return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    private static long ticks(String stat) {
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).strip().split("\\s+");
        return (Long.parseLong(rest[11]) + Long.parseLong(rest[12])) * 10_000L;
    }
}
