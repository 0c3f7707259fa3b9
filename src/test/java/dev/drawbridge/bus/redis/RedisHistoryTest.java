package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.HistoryLimits;
import dev.drawbridge.bus.Message;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A peer's history as {@code deliver.lua} keeps it in Redis, read back key by key: within its count,
 * its bytes and its age whichever binds, its byte count true, and both keys expiring on time though
 * their expiries are not set on every event.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisHistoryTest {
    @RegisterExtension
    static final RedisNodes redis = new RedisNodes();

    private final String peer = "peer-" + UUID.randomUUID();

    @Test
    void over_its_count_the_history_keeps_the_newest_events_and_counts_their_bytes() {
        Bus bus = bus(new HistoryLimits(4, 1 << 20, Duration.ofSeconds(60)));
        for (int i = 1; i <= 10; i++) {
            get(bus.deliver(peer, note(i, 20)));
            assertThat(numbers()).isEqualTo(range(Math.max(1, i - 3), i));
            assertThat(countedBytes()).isEqualTo(keptBytes());
        }
    }

    @Test
    void over_its_bytes_the_history_keeps_as_many_of_the_newest_events_as_fit() {
        int cap = 1_000;
        Bus bus = bus(new HistoryLimits(1_000, cap, Duration.ofSeconds(60)));
        List<Integer> sizes = List.of(100, 300, 50, 400, 20, 600, 80, 900, 30, 1_200, 40, 60);
        for (int i = 1; i <= sizes.size(); i++) {
            get(bus.deliver(peer, note(i, sizes.get(i - 1))));
            List<Integer> kept = numbers();
            assertThat(countedBytes()).isEqualTo(keptBytes()).isLessThanOrEqualTo(cap);
            if (sizes.get(i - 1) > cap) {
                assertThat(kept).as("an event bigger than the cap is not kept, nor anything before it").isEmpty();
                continue;
            }
            // The newest that fit, and not one more.
            assertThat(kept).isEqualTo(range(kept.get(0), i));
            int before = kept.get(0) - 1;
            if (before >= 1 && sizes.get(before - 1) <= cap) {
                assertThat(keptBytes() + entryLength(before, sizes.get(before - 1))).as("after event %d", i)
                        .isGreaterThan(cap);
            }
        }
    }

    @Test
    void past_its_age_an_event_leaves_the_history_at_the_next_event_and_not_before() {
        long age = 400;
        Bus bus = bus(new HistoryLimits(1_000, 1 << 20, Duration.ofMillis(age)));
        Map<Integer, Long> times = new HashMap<>();
        int[] n = {0};
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            get(bus.deliver(peer, note(++n[0], 20)));
            List<String> kept = entries();
            kept.forEach(entry -> times.putIfAbsent(number(entry), time(entry)));
            long newest = time(kept.get(kept.size() - 1));
            assertThat(kept).allSatisfy(entry -> assertThat(time(entry)).isGreaterThanOrEqualTo(newest - age));
            int first = number(kept.get(0));
            if (first > 1) {
                assertThat(times.get(first - 1)).as("the last one trimmed").isLessThan(newest - age);
            }
            assertThat(numbers()).isEqualTo(range(first, n[0]));
            assertThat(countedBytes()).isEqualTo(keptBytes());
            return first > 10; // well past the first age
        });
    }

    @Test
    void both_keys_expire_on_time_and_numbering_goes_on_after_the_list_went_as_a_whole() {
        long age = 400;
        Bus bus = bus(new HistoryLimits(1_000, 1 << 20, Duration.ofMillis(age)));
        for (int i = 1; i <= 5; i++) {
            get(bus.deliver(peer, note(i, 20)));
        }
        long margin = age / 8;
        long sequenceTtl = RedisBus.SEQUENCE_TTL.toMillis();
        assertThat((Long) redis.server().call("PTTL", Keys.peerHistory(peer))).isBetween(age - margin, age + margin);
        assertThat((Long) redis.server().call("PTTL", Keys.peerSequence(peer)))
                .isBetween(sequenceTtl - margin, sequenceTtl + margin);

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> redis.server().call("EXISTS", Keys.peerHistory(peer)).equals(0L));
        get(bus.deliver(peer, note(6, 20)));
        assertThat(numbers()).isEqualTo(List.of(6));
        assertThat(countedBytes()).isEqualTo(keptBytes());
        assertThat((Long) redis.server().call("PTTL", Keys.peerHistory(peer))).as("a new list expires too")
                .isBetween(1L, age + margin);

        redis.server().call("DEL", Keys.peerHistory(peer)); // as Redis evicting it would
        get(bus.deliver(peer, note(7, 20)));
        assertThat(numbers()).isEqualTo(List.of(7));
        assertThat(countedBytes()).isEqualTo(keptBytes());
        assertThat((Long) redis.server().call("PTTL", Keys.peerHistory(peer))).as("however soon it comes back")
                .isBetween(1L, age + margin);
    }

    @Test
    void events_within_the_margin_set_no_expiry_yet_the_keys_outlive_the_last_of_them() {
        Bus bus = bus(new HistoryLimits(1_000, 1 << 20, Duration.ofSeconds(60)));
        get(bus.deliver(peer, note(1, 20)));
        redis.server().call("CONFIG", "RESETSTAT");
        for (int i = 2; i <= 20; i++) {
            get(bus.deliver(peer, note(i, 20)));
        }
        assertThat(commandCalls("pexpire")).as("expiries set again within the margin").isZero();
        assertThat((Long) redis.server().call("PTTL", Keys.peerHistory(peer))).isGreaterThan(60_000 - 7_500);
    }

    private Bus bus(HistoryLimits limits) {
        return redis.connect("history-" + UUID.randomUUID(), RedisSettings.defaults().withHistory(limits)).bus();
    }

    /** A note event whose data is {@code size} bytes (at least 20). */
    private static Message note(int n, int size) {
        String prefix = "{\"n\":" + n + ",\"pad\":\"";
        return new Message("note", prefix + "x".repeat(size - prefix.length() - 2) + "\"}");
    }

    /** The bytes of its entry, {@code '<n> <ms> note\n<data>'}, with a time of 13 digits. */
    private static int entryLength(int n, int size) {
        return String.valueOf(n).length() + 1 + 13 + 1 + "note".length() + 1 + size;
    }

    @SuppressWarnings("unchecked")
    private List<String> entries() {
        return new ArrayList<>((List<String>) redis.server().call("LRANGE", Keys.peerHistory(peer), "0", "-1"));
    }

    private List<Integer> numbers() {
        return entries().stream().map(RedisHistoryTest::number).toList();
    }

    private long keptBytes() {
        return entries().stream().mapToLong(String::length).sum();
    }

    private long countedBytes() {
        return Long.parseLong((String) redis.server().call("HGET", Keys.peerSequence(peer), "b"));
    }

    private long commandCalls(String command) {
        String stats = (String) redis.server().call("INFO", "commandstats");
        return stats.lines().filter(line -> line.startsWith("cmdstat_" + command + ":")).findFirst()
                .map(line -> Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"))).orElse(0L);
    }

    /** An entry is {@code '<n> <ms> <event>\n<data>'}. */
    private static int number(String entry) {
        return Integer.parseInt(entry.substring(0, entry.indexOf(' ')));
    }

    private static long time(String entry) {
        String[] parts = entry.split(" ", 3);
        return Long.parseLong(parts[1]);
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> range = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            range.add(i);
        }
        return range;
    }
}
