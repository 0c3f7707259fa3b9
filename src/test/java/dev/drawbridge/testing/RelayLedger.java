package dev.drawbridge.testing;

import io.vertx.core.json.JsonObject;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Relays under traffic, counted: for the tests that break something while peers relay to each other
 * (a rolling restart, a Redis failover) and then say what was lost, doubled or reordered. Each relay
 * is a {@code note} numbered per sender and target; the ledger keeps the numbers answered 200, the
 * numbers that arrived, and how the others failed.
 */
public final class RelayLedger {
    private final Map<String, AtomicInteger> next = new ConcurrentHashMap<>();
    /** Relays answered 200, per sender and target, in the order they were answered. */
    private final Map<String, List<Integer>> accepted = new ConcurrentHashMap<>();
    /** Relays as they arrived, per sender and target. */
    private final Map<String, List<Integer>> delivered = new ConcurrentHashMap<>();
    /** Relays that did not get 200: their status (-1: no answer), whether they had Retry-After, and the error. */
    private final List<String> failed = new CopyOnWriteArrayList<>();
    private final AtomicInteger sent = new AtomicInteger();

    /** Bounds of a {@link #start load}: one relay per peer every {@code tick}, at most {@code most} each, for at most {@code time}. */
    public record Load(Duration tick, int most, Duration time) {}

    /**
     * Each peer relays to its room-mates in turn (rooms of {@code roomSize}, in the list's order), one
     * relay every tick, through {@code baseUrlOf(peer's index)}; {@code answered} hears whether each
     * got 200. Stop it with the executor's shutdown.
     */
    public ScheduledExecutorService start(List<ResumingClient> peers, int roomSize, IntFunction<String> baseUrlOf,
                                          Load load, java.util.function.Consumer<Boolean> answered) {
        ScheduledExecutorService executor = Executors.newScheduledThreadPool(peers.size());
        long until = System.nanoTime() + load.time().toNanos();
        for (int i = 0; i < peers.size(); i++) {
            ResumingClient sender = peers.get(i);
            String baseUrl = baseUrlOf.apply(i);
            int room = i / roomSize;
            List<ResumingClient> mates = IntStream.range(room * roomSize, (room + 1) * roomSize)
                    .filter(j -> peers.get(j) != sender).mapToObj(peers::get).toList();
            AtomicInteger count = new AtomicInteger();
            executor.scheduleAtFixedRate(() -> {
                int k = count.getAndIncrement();
                if (k >= load.most() || System.nanoTime() > until) {
                    return;
                }
                answered.accept(relay(baseUrl, sender, mates.get(k % mates.size())));
            }, 0, load.tick().toMillis(), TimeUnit.MILLISECONDS);
        }
        return executor;
    }

    /** Relays the sender's next note to {@code target} through {@code baseUrl}; true when answered 200. */
    public boolean relay(String baseUrl, ResumingClient sender, ResumingClient target) {
        sent.incrementAndGet();
        String pair = sender.id() + ">" + target.id();
        int n = next.computeIfAbsent(pair, p -> new AtomicInteger()).getAndIncrement();
        String body = new JsonObject().put("from", sender.id()).put("n", n).encode();
        try {
            HttpResponse<String> answer = Client.send(baseUrl, "POST", "/relay/" + target.id() + "/note", sender.token(), body);
            if (answer.statusCode() == 200) {
                accepted.computeIfAbsent(pair, p -> new CopyOnWriteArrayList<>()).add(n);
                return true;
            }
            // The node's JSON error, or the title of a proxy's HTML page (nginx: "502 Bad Gateway").
            String code = answer.body().startsWith("{") ? new JsonObject(answer.body()).getString("error")
                    : answer.body().lines().filter(l -> l.contains("<title>")).findFirst().orElse("");
            failed.add(answer.statusCode() + (answer.headers().firstValue("Retry-After").isPresent() ? " Retry-After " : " ") + code);
        } catch (IllegalStateException noAnswer) {
            failed.add("-1 " + noAnswer.getCause());
        }
        return false;
    }

    /** An event of {@code target}'s stream: a note counts as delivered. */
    public void received(ResumingClient target, SseEvent event) {
        if (event.event().equals("note")) {
            JsonObject data = event.json().getJsonObject("data");
            delivered.computeIfAbsent(data.getString("from") + ">" + target.id(), p -> new CopyOnWriteArrayList<>())
                    .add(data.getInteger("n"));
        }
    }

    public int sent() {
        return sent.get();
    }

    public int accepted() {
        return total(accepted);
    }

    public int delivered() {
        return total(delivered);
    }

    /** The failed relays, counted by status, Retry-After and error. */
    public Map<String, Integer> failures() {
        Map<String, Integer> failures = new TreeMap<>();
        failed.forEach(f -> failures.merge(f, 1, Integer::sum));
        return failures;
    }

    public int failed() {
        return failed.size();
    }

    /** Relays answered 200 that have not arrived. */
    public int lost() {
        int lost = 0;
        for (Map.Entry<String, List<Integer>> pair : accepted.entrySet()) {
            List<Integer> arrived = delivered.getOrDefault(pair.getKey(), List.of());
            lost += (int) pair.getValue().stream().filter(n -> !arrived.contains(n)).count();
        }
        return lost;
    }

    /** Relays that arrived more than once. */
    public int duplicates() {
        return delivered.values().stream().mapToInt(list -> list.size() - (int) list.stream().distinct().count()).sum();
    }

    /** Relays that arrived after a later one of the same sender and target. */
    public int outOfOrder() {
        int count = 0;
        for (List<Integer> arrived : delivered.values()) {
            int highest = -1;
            for (int n : arrived) {
                if (n <= highest) {
                    count++;
                }
                highest = Math.max(highest, n);
            }
        }
        return count;
    }

    private static int total(Map<String, List<Integer>> relays) {
        return relays.values().stream().mapToInt(List::size).sum();
    }
}
