package dev.drawbridge.store.sqlite;

import dev.drawbridge.store.Boards;
import dev.drawbridge.store.Boards.Limits;
import dev.drawbridge.store.BoardsContract;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SQLite boards pass the boards contract, in a real file in a fresh folder for each test. */
class SqliteBoardsTest extends BoardsContract {
    private static Vertx vertx;
    private final List<Boards> opened = new ArrayList<>();
    @TempDir
    Path folder;
    private Path dataDir;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        get(vertx.close());
    }

    @Override
    protected Boards open(Limits limits) {
        dataDir = folder.resolve("data-" + UUID.randomUUID());
        Boards boards = get(SqliteBoards.open(vertx, dataDir, limits));
        opened.add(boards);
        return boards;
    }

    @Override
    protected void closeAll() {
        opened.forEach(boards -> get(boards.close()));
        opened.clear();
    }

    @Test
    void the_data_folder_and_its_database_are_created_on_first_start() {
        assertThat(dataDir.resolve(SqliteBoards.FILE)).isRegularFile();
    }

    @Test
    void a_board_survives_closing_and_opening_the_folder_again() {
        append("a", 10, "b", 20);
        get(boards.snapshot(room, proof, 1, bytes(5)));
        Boards.Board before = read(0, 100);
        Path same = dataDir;
        closeAll();

        boards = get(SqliteBoards.open(vertx, same, LIMITS));
        opened.add(boards);

        Boards.Board after = read(0, 100);
        assertThat(after.head()).isEqualTo(before.head());
        assertThat(after.bytes()).isEqualTo(before.bytes());
        assertThat(after.snapshot().orElseThrow().data()).isEqualTo(before.snapshot().orElseThrow().data());
        assertThat(after.records().getFirst().data()).isEqualTo(before.records().getFirst().data());
    }

    @Test
    void the_sweep_removes_an_expired_board_from_the_file_without_anyone_asking_for_it() throws Exception {
        closeAll();
        boards = open(new Limits(MAX_BOARD, MAX_RECORD, Duration.ofMillis(500)));
        append("a", 10, "b", 10);
        get(boards.snapshot(room, proof, 1, bytes(3)));
        assertThat(rows("records")).isEqualTo(2);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> rows("records") + rows("boards") + rows("snapshots") == 0);
    }

    @Test
    void the_sweep_runs_every_tenth_of_the_retention_within_bounds() {
        assertThat(SqliteBoards.sweepInterval(Duration.ofDays(30))).isEqualTo(Duration.ofHours(1));
        assertThat(SqliteBoards.sweepInterval(Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(1));
        assertThat(SqliteBoards.sweepInterval(Duration.ofMillis(200))).isEqualTo(Duration.ofMillis(100));
    }

    /** Counts rows with a connection of the test's own, as an operator's sqlite3 would. */
    private long rows(String table) throws SQLException {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(SqliteBoards.FILE));
             ResultSet rs = db.createStatement().executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
