package dev.drawbridge.protocol;

import dev.drawbridge.testing.BoardClient;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static dev.drawbridge.testing.BoardClient.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

/** docs/STORAGE.md: the board routes over real HTTP. */
class BoardTest {
    private static final int MAX_BYTES = 8192;
    private static final int MAX_RECORD = 1024;
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass(
            "--board-max-bytes", String.valueOf(MAX_BYTES), "--board-max-record", String.valueOf(MAX_RECORD));

    private BoardClient board;

    @BeforeEach
    void boardPerTest(TestInfo test) {
        String name = test.getTestMethod().orElseThrow().getName();
        board = new BoardClient(node.baseUrl(), name.substring(0, Math.min(40, name.length())) + System.nanoTime() % 100_000,
                BoardClient.newProof());
    }

    @Test
    void theFirstAppendCreatesTheBoardAndAReadGivesTheRecordsBackInOrder() {
        byte[] a = randomBytes(10);
        byte[] b = randomBytes(20);

        JsonObject appended = ok(board.append("a", a, "b", b));

        assertThat(appended).isEqualTo(new JsonObject().put("head", 2).put("bytes", 30).put("stored", 2)
                .put("seqs", new JsonArray().add(1).add(2)));
        JsonObject read = board.board();
        assertThat(read.getLong("head")).isEqualTo(2);
        assertThat(read.getLong("bytes")).isEqualTo(30);
        assertThat(read.getValue("snapshot")).isNull();
        assertThat(read.getBoolean("more")).isFalse();
        assertThat(read.getJsonArray("records")).isEqualTo(new JsonArray()
                .add(new JsonObject().put("seq", 1).put("id", "a").put("data", BoardClient.base64(a)))
                .add(new JsonObject().put("seq", 2).put("id", "b").put("data", BoardClient.base64(b))));
    }

    @Test
    void dataIsTakenInEitherBase64AlphabetWithOrWithoutPadding() {
        byte[] bytes = {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, 1};
        String url = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

        ok(board.append("url", url, "std", Base64.getEncoder().encodeToString(bytes)));

        JsonArray records = board.board().getJsonArray("records");
        assertThat(Base64.getDecoder().decode(records.getJsonObject(0).getString("data"))).isEqualTo(bytes);
        assertThat(Base64.getDecoder().decode(records.getJsonObject(1).getString("data"))).isEqualTo(bytes);
    }

    @Test
    void aRetriedAppendStoresNothingTwiceAndAnswersTheOldSeqs() {
        ok(board.append("a", randomBytes(5), "b", randomBytes(5)));

        JsonObject retried = ok(board.append("b", randomBytes(5), "c", randomBytes(7), "c", randomBytes(7)));

        assertThat(retried).isEqualTo(new JsonObject().put("head", 3).put("bytes", 17).put("stored", 1)
                .put("seqs", new JsonArray().add(2).add(3).add(3)));
        assertThat(board.board().getJsonArray("records").stream().map(r -> ((JsonObject) r).getString("id")))
                .containsExactly("a", "b", "c");
    }

    @Test
    void aSnapshotStandsForThePrefixItReplacesAndItsRecordsStayDuplicates() {
        ok(board.append("a", randomBytes(100), "b", randomBytes(100), "c", randomBytes(100)));
        byte[] snapshot = randomBytes(50);

        JsonObject snapped = ok(board.snapshot(2, snapshot));

        assertThat(snapped).isEqualTo(new JsonObject().put("head", 3).put("bytes", 150));
        JsonObject all = board.board();
        assertThat(all.getJsonObject("snapshot")).isEqualTo(
                new JsonObject().put("upTo", 2).put("data", BoardClient.base64(snapshot)));
        assertThat(all.getJsonArray("records").stream().map(r -> ((JsonObject) r).getLong("seq"))).containsExactly(3L);
        JsonObject after = new JsonObject(board.read(2, 100).body());
        assertThat(after.getValue("snapshot")).isNull();
        assertThat(after.getJsonArray("records")).hasSize(1);
        JsonObject inside = new JsonObject(board.read(1, 100).body());
        assertThat(inside.getJsonObject("snapshot").getLong("upTo")).isEqualTo(2);

        JsonObject retried = ok(board.append("a", randomBytes(100), "c", randomBytes(100), "d", randomBytes(1)));
        assertThat(retried.getJsonArray("seqs")).isEqualTo(new JsonArray().addNull().add(3).add(4));
        assertThat(retried.getLong("bytes")).isEqualTo(151);
    }

    @Test
    void seqsAreNeverReusedAfterASnapshot() {
        ok(board.append("a", randomBytes(1), "b", randomBytes(1)));
        ok(board.snapshot(2, randomBytes(1)));

        assertThat(ok(board.append("c", randomBytes(1))).getJsonArray("seqs")).isEqualTo(new JsonArray().add(3));
    }

    @Test
    void aSnapshotMustMoveForwardAndNotPassTheHead() {
        ok(board.append("a", randomBytes(1), "b", randomBytes(1)));
        ok(board.snapshot(1, randomBytes(1)));
        JsonObject before = board.board();

        assertError(board.snapshot(1, randomBytes(1)), 409, "stale_snapshot");
        assertError(board.snapshot(3, randomBytes(1)), 409, "stale_snapshot");
        assertError(board.snapshot(0, randomBytes(1)), 409, "stale_snapshot");
        assertThat(board.board()).isEqualTo(before);
    }

    @Test
    void aLongLogIsReadInPagesUntilMoreIsFalse() {
        List<Object> records = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            records.add("r" + i);
            records.add(randomBytes(3));
        }
        ok(board.append(records.toArray()));

        List<Long> seqs = new ArrayList<>();
        long after = 0;
        int pages = 0;
        boolean more = true;
        while (more) {
            JsonObject page = new JsonObject(board.read(after, 10).body());
            page.getJsonArray("records").forEach(r -> seqs.add(((JsonObject) r).getLong("seq")));
            after = seqs.getLast();
            more = page.getBoolean("more");
            pages++;
        }

        assertThat(pages).isEqualTo(3);
        assertThat(seqs).hasSize(25).isSorted().doesNotHaveDuplicates().startsWith(1L).endsWith(25L);
    }

    @Test
    void aDeletedBoardIsGoneAndItsRoomCanStartAfreshWithAnotherKey() {
        ok(board.append("a", randomBytes(1)));

        assertThat(ok(board.delete())).isEqualTo(new JsonObject().put("deleted", true));

        assertError(board.read(), 404, "no_board");
        assertError(board.delete(), 404, "no_board");
        BoardClient other = board.withProof(BoardClient.newProof());
        assertThat(ok(other.append("a", randomBytes(1))).getJsonArray("seqs")).isEqualTo(new JsonArray().add(1));
    }

    @Test
    void aRoomWithoutABoardAnswersNoBoard() {
        assertError(board.read(), 404, "no_board");
        assertError(board.snapshot(1, randomBytes(1)), 404, "no_board");
        assertError(board.delete(), 404, "no_board");
    }

    @Test
    void withoutTheRightProofNothingIsReadWrittenOrDeleted() {
        ok(board.append("a", randomBytes(10)));
        JsonObject before = board.board();

        for (BoardClient stranger : List.of(board.withProof(null), board.withProof("not-a-proof"),
                board.withProof(BoardClient.newProof() + "A"), board.withProof(BoardClient.newProof()))) {
            int status = stranger.proof() == null ? 401 : stranger.proof().length() == 43 ? 403 : 400;
            String code = status == 401 ? "missing_proof" : status == 403 ? "wrong_proof" : "invalid_proof";
            assertError(stranger.read(), status, code);
            assertError(stranger.append("b", randomBytes(10)), status, code);
            assertError(stranger.snapshot(1, randomBytes(10)), status, code);
            assertError(stranger.delete(), status, code);
        }

        assertThat(board.board()).isEqualTo(before);
    }

    @Test
    void aRecordOverItsCapIsRefusedAndNothingOfItsRequestIsStored() {
        ok(board.append("a", randomBytes(1)));
        JsonObject before = board.board();

        assertError(board.append("b", randomBytes(1), "c", randomBytes(MAX_RECORD + 1)), 413, "record_too_large");

        assertThat(board.board()).isEqualTo(before);
        ok(board.append("b", randomBytes(MAX_RECORD)));
    }

    @Test
    void anAppendOverTheRoomCapIsRefusedAndNothingOfItIsStored() {
        List<Object> records = new ArrayList<>();
        for (int i = 0; i < MAX_BYTES / MAX_RECORD; i++) {
            records.add("r" + i);
            records.add(randomBytes(MAX_RECORD));
        }
        ok(board.append(records.toArray()));
        JsonObject before = board.board();
        assertThat(before.getLong("bytes")).isEqualTo(MAX_BYTES);

        assertError(board.append("z", randomBytes(1)), 413, "board_full");

        assertThat(board.board()).isEqualTo(before);
    }

    @Test
    void aFirstAppendOverTheRoomCapCreatesNoBoard() {
        List<Object> records = new ArrayList<>();
        for (int i = 0; i <= MAX_BYTES / MAX_RECORD; i++) {
            records.add("r" + i);
            records.add(randomBytes(MAX_RECORD));
        }

        assertError(board.append(records.toArray()), 413, "board_full");

        assertError(board.read(), 404, "no_board");
    }

    @Test
    void aSnapshotThatWouldOverflowTheRoomIsRefused() {
        ok(board.append("a", randomBytes(MAX_RECORD), "b", randomBytes(MAX_RECORD)));
        JsonObject before = board.board();

        assertError(board.snapshot(1, randomBytes(MAX_BYTES)), 413, "board_full");

        assertThat(board.board()).isEqualTo(before);
    }

    @Test
    void aBodyFarLargerThanTheBoardMayHoldIsRefusedAsBoardFull() {
        // Larger than the room cap in base64 plus the JSON of a thousand records around it.
        String huge = BoardClient.base64(randomBytes(MAX_BYTES + 1000 * 128));

        assertError(board.appendBody(new JsonObject().put("records", new JsonArray()
                .add(new JsonObject().put("id", "a").put("data", huge))).encode()), 413, "board_full");
        assertError(board.snapshotBody(new JsonObject().put("upTo", 1).put("data", huge).encode()), 413, "board_full");
        assertError(board.read(), 404, "no_board");
    }

    @Test
    void malformedBodiesAreRefusedWithTheirCode() {
        assertError(board.appendBody("{"), 400, "invalid_json");
        assertError(board.appendBody("[]"), 400, "invalid_json");
        assertError(board.appendBody("{}"), 400, "invalid_record");
        assertError(board.appendBody("{\"records\": []}"), 400, "invalid_record");
        assertError(board.append("bad id", randomBytes(1)), 400, "invalid_record");
        assertError(board.append("a", "not base64!"), 400, "invalid_record");
        assertError(board.append("a", ""), 400, "invalid_record");
        assertError(board.appendBody("{\"records\": [{\"id\": \"a\"}]}"), 400, "invalid_record");
        JsonArray many = new JsonArray();
        for (int i = 0; i < 1001; i++) {
            many.add(new JsonObject().put("id", "r" + i).put("data", "AA"));
        }
        assertError(board.appendBody(new JsonObject().put("records", many).encode()), 400, "invalid_record");
        assertError(board.read(), 404, "no_board");

        ok(board.append("a", randomBytes(1)));
        assertError(board.snapshotBody("{\"upTo\": \"1\", \"data\": \"AA\"}"), 400, "invalid_snapshot");
        assertError(board.snapshotBody("{\"upTo\": 1}"), 400, "invalid_snapshot");
        assertError(board.snapshotBody("{\"upTo\": 1.5, \"data\": \"AA\"}"), 400, "invalid_snapshot");
        assertError(board.send("GET", "/board?after=-1", null), 400, "invalid_query");
        assertError(board.send("GET", "/board?limit=0", null), 400, "invalid_query");
        assertError(board.send("GET", "/board?after=x", null), 400, "invalid_query");
    }

    @Test
    void metricsCountBoardRequestsByOperationAndStatus() {
        ok(board.append("a", randomBytes(1)));
        assertError(board.withProof(BoardClient.newProof()).read(), 403, "wrong_proof");
        assertError(board.snapshotBody(new JsonObject().put("upTo", 1)
                .put("data", BoardClient.base64(randomBytes(MAX_BYTES + 1000 * 128))).encode()), 413, "board_full");

        String metrics = dev.drawbridge.testing.TestNode.metrics(node.baseUrl());

        assertThat(metrics)
                .containsPattern("(?m)^drawbridge_board_requests_total\\{operation=\"append\",status=\"200\"} [1-9]")
                .containsPattern("(?m)^drawbridge_board_requests_total\\{operation=\"read\",status=\"403\"} [1-9]")
                .containsPattern("(?m)^drawbridge_board_requests_total\\{operation=\"snapshot\",status=\"413\"} [1-9]");
    }

    @Test
    void anInvalidRoomIdIsRefused() {
        BoardClient bad = new BoardClient(node.baseUrl(), "no.dots", board.proof());

        assertError(bad.read(), 400, "invalid_room_id");
        assertError(bad.append("a", randomBytes(1)), 400, "invalid_room_id");
    }

    private static JsonObject ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }
}
