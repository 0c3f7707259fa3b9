package dev.drawbridge.store;

import dev.drawbridge.store.Boards.Appended;
import dev.drawbridge.store.Boards.Board;
import dev.drawbridge.store.Boards.BoardFull;
import dev.drawbridge.store.Boards.Deleted;
import dev.drawbridge.store.Boards.Limits;
import dev.drawbridge.store.Boards.NoBoard;
import dev.drawbridge.store.Boards.Record;
import dev.drawbridge.store.Boards.RecordTooLarge;
import dev.drawbridge.store.Boards.Snapshotted;
import dev.drawbridge.store.Boards.StaleSnapshot;
import dev.drawbridge.store.Boards.Stored;
import dev.drawbridge.store.Boards.WrongProof;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The contract of {@link Boards}, run against every implementation: what its Javadoc promises,
 * on a real disk or a real Redis.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class BoardsContract {
    protected static final int MAX_BOARD = 4096;
    protected static final int MAX_RECORD = 512;
    protected static final Limits LIMITS = new Limits(MAX_BOARD, MAX_RECORD, Duration.ofDays(30));
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A fresh store with these limits, on an empty disk folder or Redis. */
    protected abstract Boards open(Limits limits) throws Exception;

    /** Closes what {@link #open} opened. */
    protected abstract void closeAll() throws Exception;

    protected Boards boards;
    protected String room;
    protected byte[] proof;

    @BeforeEach
    void openStore() throws Exception {
        boards = open(LIMITS);
        room = "room-" + UUID.randomUUID();
        proof = bytes(32);
    }

    @AfterEach
    void closeStore() throws Exception {
        closeAll();
    }

    @Test
    void records_come_back_in_seq_order_byte_for_byte() {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < 256; i++) {
            everyByte[i] = (byte) i;
        }
        Appended appended = (Appended) get(boards.append(room, proof, List.of(
                new Record("a", everyByte), new Record("b", " \0 ".getBytes()), new Record("c", bytes(1)))));

        assertThat(appended).isEqualTo(new Appended(3, 260, 3, List.of(1L, 2L, 3L)));
        Board board = read(0, 100);
        assertThat(board.head()).isEqualTo(3);
        assertThat(board.bytes()).isEqualTo(260);
        assertThat(board.snapshot()).isEmpty();
        assertThat(board.more()).isFalse();
        assertThat(board.records()).extracting(Stored::seq).containsExactly(1L, 2L, 3L);
        assertThat(board.records()).extracting(Stored::id).containsExactly("a", "b", "c");
        assertThat(board.records().get(0).data()).isEqualTo(everyByte);
        assertThat(board.records().get(1).data()).isEqualTo(" \0 ".getBytes());
    }

    @Test
    void a_room_that_was_never_written_has_no_board() {
        assertThat(get(boards.read(room, proof, 0, 10))).isEqualTo(new NoBoard());
        assertThat(get(boards.snapshot(room, proof, 1, bytes(1)))).isEqualTo(new NoBoard());
        assertThat(get(boards.delete(room, proof))).isEqualTo(new NoBoard());
    }

    @Test
    void an_id_ever_appended_is_never_stored_again() {
        append("a", 10, "b", 10);

        Appended again = (Appended) get(boards.append(room, proof, List.of(
                new Record("b", bytes(10)), new Record("c", bytes(10)), new Record("c", bytes(10)), new Record("a", bytes(10)))));

        assertThat(again).isEqualTo(new Appended(3, 30, 1, List.of(2L, 3L, 3L, 1L)));
        assertThat(read(0, 100).records()).extracting(Stored::id).containsExactly("a", "b", "c");
    }

    @Test
    void an_id_folded_into_the_snapshot_is_still_a_duplicate_with_no_seq() {
        append("a", 10, "b", 10, "c", 10);
        get(boards.snapshot(room, proof, 2, bytes(5)));

        Appended again = (Appended) get(boards.append(room, proof, List.of(new Record("a", bytes(10)),
                new Record("c", bytes(10)))));

        assertThat(again.stored()).isZero();
        assertThat(again.seqs()).containsExactly(null, 3L);
        assertThat(again.bytes()).isEqualTo(15);
    }

    @Test
    void an_append_over_the_room_cap_stores_nothing_of_itself() {
        append("a", MAX_RECORD);
        Board before = read(0, 100);
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < MAX_BOARD / MAX_RECORD; i++) {
            records.add(new Record("r" + i, bytes(MAX_RECORD)));
        }

        assertThat(get(boards.append(room, proof, records)))
                .isEqualTo(new BoardFull(MAX_RECORD, MAX_RECORD + MAX_BOARD, MAX_BOARD));

        assertSameBoard(read(0, 100), before);
    }

    @Test
    void a_room_fills_exactly_to_its_cap() {
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < MAX_BOARD / MAX_RECORD; i++) {
            records.add(new Record("r" + i, bytes(MAX_RECORD)));
        }
        assertThat(((Appended) get(boards.append(room, proof, records))).bytes()).isEqualTo(MAX_BOARD);

        assertThat(get(boards.append(room, proof, List.of(new Record("one-more", bytes(1))))))
                .isInstanceOf(BoardFull.class);
    }

    @Test
    void a_record_over_its_cap_fails_the_whole_append() {
        Object result = get(boards.append(room, proof, List.of(new Record("a", bytes(1)),
                new Record("b", bytes(MAX_RECORD + 1)))));

        assertThat(result).isEqualTo(new RecordTooLarge(1, MAX_RECORD + 1, MAX_RECORD));
        assertThat(get(boards.read(room, proof, 0, 10))).isEqualTo(new NoBoard());
    }

    @Test
    void another_proof_changes_nothing_and_learns_nothing() {
        append("a", 10, "b", 10);
        Board before = read(0, 100);
        byte[] other = bytes(32);

        assertThat(get(boards.read(room, other, 0, 100))).isEqualTo(new WrongProof());
        assertThat(get(boards.append(room, other, List.of(new Record("c", bytes(1)))))).isEqualTo(new WrongProof());
        assertThat(get(boards.snapshot(room, other, 1, bytes(1)))).isEqualTo(new WrongProof());
        assertThat(get(boards.delete(room, other))).isEqualTo(new WrongProof());

        assertSameBoard(read(0, 100), before);
    }

    @Test
    void a_snapshot_replaces_its_prefix_and_keeps_the_rest() {
        append("a", 100, "b", 100, "c", 100);
        byte[] snapshot = bytes(40);

        assertThat(get(boards.snapshot(room, proof, 2, snapshot))).isEqualTo(new Snapshotted(3, 140));

        Board whole = read(0, 100);
        assertThat(whole.bytes()).isEqualTo(140);
        assertThat(whole.snapshot()).hasValueSatisfying(s -> {
            assertThat(s.upTo()).isEqualTo(2);
            assertThat(s.data()).isEqualTo(snapshot);
        });
        assertThat(whole.records()).extracting(Stored::seq).containsExactly(3L);
        Board inside = read(1, 100);
        assertThat(inside.snapshot()).isPresent();
        assertThat(inside.records()).extracting(Stored::seq).containsExactly(3L);
        Board after = read(2, 100);
        assertThat(after.snapshot()).isEmpty();
        assertThat(after.records()).extracting(Stored::seq).containsExactly(3L);
    }

    @Test
    void a_newer_snapshot_replaces_the_older_one_and_the_records_between() {
        append("a", 100, "b", 100, "c", 100);
        get(boards.snapshot(room, proof, 1, bytes(10)));

        assertThat(get(boards.snapshot(room, proof, 3, bytes(20)))).isEqualTo(new Snapshotted(3, 20));

        Board board = read(0, 100);
        assertThat(board.snapshot()).hasValueSatisfying(s -> assertThat(s.upTo()).isEqualTo(3));
        assertThat(board.records()).isEmpty();
        assertThat(board.more()).isFalse();
        assertThat(((Appended) get(boards.append(room, proof, List.of(new Record("d", bytes(1)))))).seqs())
                .containsExactly(4L);
    }

    @Test
    void a_snapshot_must_stand_for_more_than_the_last_and_no_more_than_the_head() {
        append("a", 1, "b", 1);
        get(boards.snapshot(room, proof, 1, bytes(1)));
        Board before = read(0, 100);

        assertThat(get(boards.snapshot(room, proof, 1, bytes(1)))).isEqualTo(new StaleSnapshot(1, 1, 2));
        assertThat(get(boards.snapshot(room, proof, 3, bytes(1)))).isEqualTo(new StaleSnapshot(3, 1, 2));

        assertSameBoard(read(0, 100), before);
    }

    @Test
    void a_snapshot_that_would_overflow_the_room_changes_nothing() {
        append("a", MAX_RECORD, "b", MAX_RECORD);
        Board before = read(0, 100);

        assertThat(get(boards.snapshot(room, proof, 1, bytes(MAX_BOARD))))
                .isEqualTo(new BoardFull(2 * MAX_RECORD, MAX_RECORD + MAX_BOARD, MAX_BOARD));

        assertSameBoard(read(0, 100), before);
    }

    @Test
    void reads_come_in_pages_that_say_whether_more_follow() {
        List<Record> records = IntStream.range(0, 25).mapToObj(i -> new Record("r" + i, bytes(3))).toList();
        get(boards.append(room, proof, records));

        Board first = read(0, 10);
        Board last = read(20, 10);
        Board exact = read(15, 10);

        assertThat(first.records()).extracting(Stored::seq).containsExactlyElementsOf(range(1, 10));
        assertThat(first.more()).isTrue();
        assertThat(exact.records()).extracting(Stored::seq).containsExactlyElementsOf(range(16, 25));
        assertThat(exact.more()).isFalse();
        assertThat(last.records()).extracting(Stored::seq).containsExactlyElementsOf(range(21, 25));
        assertThat(last.more()).isFalse();
        assertThat(read(25, 10).records()).isEmpty();
        assertThat(read(1000, 10).records()).isEmpty();
    }

    @Test
    void a_deleted_board_is_gone_and_its_room_starts_afresh() {
        append("a", 10);
        get(boards.snapshot(room, proof, 1, bytes(3)));

        assertThat(get(boards.delete(room, proof))).isEqualTo(new Deleted());

        assertThat(get(boards.read(room, proof, 0, 10))).isEqualTo(new NoBoard());
        byte[] newKey = bytes(32);
        assertThat(get(boards.append(room, newKey, List.of(new Record("a", bytes(1))))))
                .isEqualTo(new Appended(1, 1, 1, List.of(1L)));
        assertThat(read(room, newKey).snapshot()).isEmpty();
    }

    @Test
    void appends_made_at_once_take_distinct_consecutive_seqs() {
        List<Future<Boards.AppendResult>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(boards.append(room, proof, List.of(new Record("x" + i, bytes(2)), new Record("y" + i, bytes(2)))));
        }
        get(Future.all(all));

        List<Long> seqs = all.stream().flatMap(f -> ((Appended) f.result()).seqs().stream()).sorted().toList();
        assertThat(seqs).containsExactlyElementsOf(range(1, 100));
        all.forEach(f -> {
            List<Long> pair = ((Appended) f.result()).seqs();
            assertThat(pair.get(1)).isEqualTo(pair.get(0) + 1);
        });
        assertThat(read(0, 1000).bytes()).isEqualTo(200);
    }

    @Test
    void rooms_are_apart() {
        String other = "other-" + UUID.randomUUID();
        append("a", 10);

        assertThat(get(boards.read(other, proof, 0, 10))).isEqualTo(new NoBoard());
        get(boards.append(other, bytes(32), List.of(new Record("a", bytes(5)))));
        assertThat(read(0, 10).records()).hasSize(1);
        assertThat(read(0, 10).bytes()).isEqualTo(10);
    }

    @Test
    void a_board_nobody_touches_for_the_retention_is_deleted() throws Exception {
        closeAll();
        boards = open(new Limits(MAX_BOARD, MAX_RECORD, Duration.ofMillis(600)));
        append("a", 10);
        byte[] stranger = bytes(32);

        // A refused read touches nothing, so polling with another proof lets the board age.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> get(boards.read(room, stranger, 0, 10)) instanceof NoBoard);
        assertThat(get(boards.read(room, proof, 0, 10))).isEqualTo(new NoBoard());

        assertThat(((Appended) get(boards.append(room, bytes(32), List.of(new Record("b", bytes(1)))))).seqs())
                .containsExactly(1L);
    }

    @Test
    void a_zero_retention_keeps_a_board() throws Exception {
        closeAll();
        boards = open(new Limits(MAX_BOARD, MAX_RECORD, Duration.ZERO));
        append("a", 10);

        assertThat(read(0, 10).records()).hasSize(1);
    }

    protected Board read(long after, int limit) {
        return (Board) get(boards.read(room, proof, after, limit));
    }

    private Board read(String roomId, byte[] proofHash) {
        return (Board) get(boards.read(roomId, proofHash, 0, 100));
    }

    /** Appends records given as id, size, id, size, ... of random bytes. */
    protected void append(Object... idsAndSizes) {
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < idsAndSizes.length; i += 2) {
            records.add(new Record((String) idsAndSizes[i], bytes((Integer) idsAndSizes[i + 1])));
        }
        assertThat(get(boards.append(room, proof, records))).isInstanceOf(Appended.class);
    }

    protected static byte[] bytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static List<Long> range(long from, long to) {
        List<Long> values = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            values.add(i);
        }
        return values;
    }

    private static void assertSameBoard(Board actual, Board expected) {
        assertThat(actual.head()).isEqualTo(expected.head());
        assertThat(actual.bytes()).isEqualTo(expected.bytes());
        assertThat(actual.more()).isEqualTo(expected.more());
        assertThat(actual.snapshot().map(s -> s.upTo())).isEqualTo(expected.snapshot().map(s -> s.upTo()));
        assertThat(actual.snapshot().map(s -> Arrays.hashCode(s.data())))
                .isEqualTo(expected.snapshot().map(s -> Arrays.hashCode(s.data())));
        assertThat(actual.records()).hasSameSizeAs(expected.records());
        for (int i = 0; i < actual.records().size(); i++) {
            assertThat(actual.records().get(i).seq()).isEqualTo(expected.records().get(i).seq());
            assertThat(actual.records().get(i).id()).isEqualTo(expected.records().get(i).id());
            assertThat(actual.records().get(i).data()).isEqualTo(expected.records().get(i).data());
        }
    }
}
