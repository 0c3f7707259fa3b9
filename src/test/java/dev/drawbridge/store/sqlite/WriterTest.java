package dev.drawbridge.store.sqlite;

import dev.drawbridge.store.StoreUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The writer's group commit, on a real file: work that queued together commits together, a failure alone is undone. */
class WriterTest {
    @TempDir
    Path folder;
    private Connection db;
    private Writer writer;

    @BeforeEach
    void start() throws Exception {
        writer = Writer.start("writer-test", () -> {
            try {
                db = DriverManager.getConnection("jdbc:sqlite:" + folder.resolve("t.db"));
                db.createStatement().execute("CREATE TABLE t (n INTEGER)");
                return db;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        writer.close().get(10, TimeUnit.SECONDS);
    }

    @Test
    void work_queued_behind_a_busy_writer_commits_as_one_group_and_a_failing_piece_is_undone_alone() throws Exception {
        long commitsBefore = writer.commits();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> busy = writer.submit(() -> {
            running.countDown();
            awaitQuietly(release);
            return insert(0);
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Object>> group = new ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            int value = n;
            group.add(writer.submit(() -> {
                insert(value);
                if (value == 3) {
                    throw new SQLException("piece 3 fails after writing");
                }
                return value;
            }));
        }
        release.countDown();

        busy.get(10, TimeUnit.SECONDS);
        for (int i = 0; i < group.size(); i++) {
            if (i == 2) {
                CompletableFuture<Object> failed = group.get(i);
                assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StoreUnavailableException.class);
            } else {
                assertThat(group.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
            }
        }
        assertThat(committed()).containsExactly(0L, 1L, 2L, 4L, 5L);
        assertThat(writer.commits() - commitsBefore).as("transactions: the busy one, then one for the group").isEqualTo(2);
    }

    @Test
    void work_submitted_after_close_fails_as_unavailable() throws Exception {
        writer.close().get(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> writer.submit(() -> 1).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(StoreUnavailableException.class);
    }

    private Object insert(int n) throws SQLException {
        db.createStatement().execute("INSERT INTO t VALUES (" + n + ")");
        return n;
    }

    /** What another connection sees: only committed rows. */
    private List<Long> committed() throws SQLException {
        List<Long> values = new ArrayList<>();
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + folder.resolve("t.db"));
             ResultSet rs = reader.createStatement().executeQuery("SELECT n FROM t ORDER BY n")) {
            while (rs.next()) {
                values.add(rs.getLong(1));
            }
        }
        return values;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
