package dev.drawbridge.protocol;

import dev.drawbridge.testing.BoardClient;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.drawbridge.testing.BoardClient.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

/** A node stopped and started again on the same DATA_DIR still has every board, large ones too. */
class BoardRestartTest {
    @TempDir
    Path dataDir;

    @Test
    void aNodeStartedAgainOnTheSameDataFolderServesTheSameBoards() {
        String proof = BoardClient.newProof();
        String otherProof = BoardClient.newProof();
        JsonObject before;
        JsonObject beforeOther;
        try (TestNode node = TestNode.start("--data-dir", dataDir.toString())) {
            BoardClient board = new BoardClient(node.baseUrl(), "restart", proof);
            List<Object> records = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                records.add("r" + i);
                records.add(randomBytes(1000 + i));
            }
            assertThat(board.append(records.toArray()).statusCode()).isEqualTo(200);
            // Megabytes in one body: parsed and encoded off the event loop.
            assertThat(board.snapshot(150, randomBytes(3 * 1024 * 1024)).statusCode()).isEqualTo(200);
            assertThat(board.append("late", randomBytes(10)).statusCode()).isEqualTo(200);
            before = board.board();
            BoardClient other = new BoardClient(node.baseUrl(), "restart-other", otherProof);
            assertThat(other.append("x", randomBytes(5)).statusCode()).isEqualTo(200);
            beforeOther = other.board();
        }

        try (TestNode again = TestNode.start("--data-dir", dataDir.toString())) {
            JsonObject after = new BoardClient(again.baseUrl(), "restart", proof).board();

            assertThat(after).isEqualTo(before);
            assertThat(after.getJsonArray("records")).hasSize(51);
            assertThat(after.getJsonObject("snapshot").getLong("upTo")).isEqualTo(150);
            assertThat(new BoardClient(again.baseUrl(), "restart-other", otherProof).board()).isEqualTo(beforeOther);
        }
    }
}
