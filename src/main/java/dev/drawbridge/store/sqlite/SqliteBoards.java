package dev.drawbridge.store.sqlite;

import dev.drawbridge.store.Boards;
import dev.drawbridge.store.StoreUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Boards in one SQLite file, {@code boards.db} in the data folder (see docs/STORAGE.md for the
 * schema). Every JDBC call runs on one thread of its own, on one connection: the operations of
 * all event loops queue there in the order they were made, each one transaction, so no two of
 * them interleave and no event loop ever waits for the disk. The file is in WAL mode with
 * {@code synchronous=NORMAL}: a commit is in the WAL file, in the operating system's hands, when
 * its future completes, so a killed process loses nothing (a power cut may lose the last
 * commits, never consistency). {@code secure_delete} overwrites what a snapshot, a delete or the
 * retention sweep removes, so that removed ciphertext does not linger in free pages.
 */
public final class SqliteBoards implements Boards {
    private static final Logger log = LoggerFactory.getLogger(SqliteBoards.class);
    static final String FILE = "boards.db";
    private static final Duration MIN_SWEEP = Duration.ofMillis(100);
    private static final Duration MAX_SWEEP = Duration.ofHours(1);

    private final Vertx vertx;
    private final Limits limits;
    private final Clock clock;
    private final ExecutorService thread;
    private final Connection db;
    private final long sweepTimer;

    private SqliteBoards(Vertx vertx, Limits limits, Clock clock, ExecutorService thread, Connection db) {
        this.vertx = vertx;
        this.limits = limits;
        this.clock = clock;
        this.thread = thread;
        this.db = db;
        this.sweepTimer = limits.keepsForever() ? -1 : vertx.setPeriodic(sweepInterval(limits.retention()).toMillis(),
                id -> thread.execute(this::sweepQuietly));
    }

    /**
     * Opens (creating the folder, the file and the schema on first start) the boards in
     * {@code dataDir}. The expired boards are swept at start and then every tenth of the retention
     * (at least every 100 ms, at most every hour); an expired board reads as gone at once.
     */
    public static Future<Boards> open(Vertx vertx, Path dataDir, Limits limits) {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "drawbridge-store");
            t.setDaemon(true);
            return t;
        });
        CompletableFuture<Connection> opened = CompletableFuture.supplyAsync(() -> connect(dataDir), thread);
        return Future.fromCompletionStage(opened, vertx.getOrCreateContext())
                .map(db -> (Boards) new SqliteBoards(vertx, limits, Clock.systemUTC(), thread, db))
                .onSuccess(boards -> ((SqliteBoards) boards).thread.execute(((SqliteBoards) boards)::sweepQuietly))
                .onFailure(t -> thread.shutdown());
    }

    static Duration sweepInterval(Duration retention) {
        Duration tenth = retention.dividedBy(10);
        return tenth.compareTo(MIN_SWEEP) < 0 ? MIN_SWEEP : tenth.compareTo(MAX_SWEEP) > 0 ? MAX_SWEEP : tenth;
    }

    private static Connection connect(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            Path file = dataDir.resolve(FILE);
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA secure_delete=ON");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS boards (
                          board INTEGER PRIMARY KEY,
                          room TEXT NOT NULL UNIQUE,
                          proof BLOB NOT NULL,
                          head INTEGER NOT NULL,
                          bytes INTEGER NOT NULL,
                          up_to INTEGER NOT NULL DEFAULT 0,
                          touched INTEGER NOT NULL)""");
                s.execute("CREATE INDEX IF NOT EXISTS boards_touched ON boards(touched)");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS records (
                          board INTEGER NOT NULL,
                          seq INTEGER NOT NULL,
                          id TEXT NOT NULL,
                          data BLOB)""");
                s.execute("CREATE UNIQUE INDEX IF NOT EXISTS records_seq ON records(board, seq)");
                s.execute("CREATE UNIQUE INDEX IF NOT EXISTS records_id ON records(board, id)");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS snapshots (
                          board INTEGER PRIMARY KEY,
                          data BLOB NOT NULL)""");
            }
            db.setAutoCommit(false);
            log.info("boards are stored in {}", file.toAbsolutePath());
            return db;
        } catch (IOException | SQLException e) {
            throw new StoreUnavailableException("cannot open the board database in " + dataDir.toAbsolutePath()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Limits limits() {
        return limits;
    }

    /** A board's row. */
    private record Row(long board, byte[] proof, long head, long bytes, long upTo) {}

    @Override
    public Future<ReadResult> read(String roomId, byte[] proofHash, long after, int limit) {
        return transaction(() -> {
            Optional<Row> found = board(roomId);
            if (found.isEmpty()) {
                return new NoBoard();
            }
            Row row = found.get();
            if (!MessageDigest.isEqual(row.proof(), proofHash)) {
                return new WrongProof();
            }
            touch(row.board());
            Optional<Snapshot> snapshot = Optional.empty();
            if (after < row.upTo()) {
                snapshot = Optional.of(new Snapshot(row.upTo(), snapshotData(row.board())));
            }
            List<Stored> records = new ArrayList<>();
            try (PreparedStatement q = db.prepareStatement(
                    "SELECT seq, id, data FROM records WHERE board = ? AND seq > ? ORDER BY seq LIMIT ?")) {
                q.setLong(1, row.board());
                q.setLong(2, Math.max(after, row.upTo()));
                q.setInt(3, limit + 1);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        records.add(new Stored(rs.getLong(1), rs.getString(2), rs.getBytes(3)));
                    }
                }
            }
            boolean more = records.size() > limit;
            if (more) {
                records.removeLast();
            }
            return new Board(row.head(), row.bytes(), snapshot, records, more);
        });
    }

    @Override
    public Future<AppendResult> append(String roomId, byte[] proofHash, List<Record> records) {
        Optional<RecordTooLarge> tooLarge = limits.firstTooLarge(records);
        if (tooLarge.isPresent()) {
            return Future.succeededFuture(tooLarge.get());
        }
        return transaction(() -> {
            Optional<Row> found = board(roomId);
            if (found.isPresent() && !MessageDigest.isEqual(found.get().proof(), proofHash)) {
                return new WrongProof();
            }
            Row row = found.orElseGet(() -> create(roomId, proofHash));
            Map<String, Long> fresh = new HashMap<>();
            List<Long> seqs = new ArrayList<>();
            List<Record> toStore = new ArrayList<>();
            long head = row.head();
            long added = 0;
            try (PreparedStatement q = db.prepareStatement("SELECT seq FROM records WHERE board = ? AND id = ?")) {
                for (Record record : records) {
                    Long seq = fresh.get(record.id());
                    if (seq == null) {
                        q.setLong(1, row.board());
                        q.setString(2, record.id());
                        try (ResultSet rs = q.executeQuery()) {
                            if (rs.next()) {
                                long old = rs.getLong(1);
                                seqs.add(old <= row.upTo() ? null : old);
                                continue;
                            }
                        }
                        seq = ++head;
                        fresh.put(record.id(), seq);
                        toStore.add(record);
                        added += record.data().length;
                    }
                    seqs.add(seq);
                }
            }
            if (row.bytes() + added > limits.maxBoardBytes()) {
                db.rollback();
                return new BoardFull(row.bytes(), row.bytes() + added, limits.maxBoardBytes());
            }
            try (PreparedStatement insert = db.prepareStatement(
                    "INSERT INTO records (board, seq, id, data) VALUES (?, ?, ?, ?)")) {
                long seq = row.head();
                for (Record record : toStore) {
                    insert.setLong(1, row.board());
                    insert.setLong(2, ++seq);
                    insert.setString(3, record.id());
                    insert.setBytes(4, record.data());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement update = db.prepareStatement(
                    "UPDATE boards SET head = ?, bytes = ?, touched = ? WHERE board = ?")) {
                update.setLong(1, head);
                update.setLong(2, row.bytes() + added);
                update.setLong(3, clock.millis());
                update.setLong(4, row.board());
                update.executeUpdate();
            }
            return new Appended(head, row.bytes() + added, toStore.size(), seqs);
        });
    }

    @Override
    public Future<SnapshotResult> snapshot(String roomId, byte[] proofHash, long upTo, byte[] data) {
        return transaction(() -> {
            Optional<Row> found = board(roomId);
            if (found.isEmpty()) {
                return new NoBoard();
            }
            Row row = found.get();
            if (!MessageDigest.isEqual(row.proof(), proofHash)) {
                return new WrongProof();
            }
            if (upTo > row.head() || upTo <= row.upTo()) {
                return new StaleSnapshot(upTo, row.upTo(), row.head());
            }
            long dropped = longOf("SELECT COALESCE(SUM(LENGTH(data)), 0) FROM records WHERE board = ? AND seq <= ? AND data IS NOT NULL",
                    row.board(), upTo);
            long oldSnapshot = longOf("SELECT COALESCE(SUM(LENGTH(data)), 0) FROM snapshots WHERE board = ?", row.board());
            long bytes = row.bytes() - dropped - oldSnapshot + data.length;
            if (bytes > limits.maxBoardBytes()) {
                return new BoardFull(row.bytes(), bytes, limits.maxBoardBytes());
            }
            // The ids stay (data NULL): a retried append of a folded record is still a duplicate.
            update("UPDATE records SET data = NULL WHERE board = ? AND seq <= ? AND data IS NOT NULL", row.board(), upTo);
            try (PreparedStatement put = db.prepareStatement("INSERT OR REPLACE INTO snapshots (board, data) VALUES (?, ?)")) {
                put.setLong(1, row.board());
                put.setBytes(2, data);
                put.executeUpdate();
            }
            try (PreparedStatement update = db.prepareStatement(
                    "UPDATE boards SET up_to = ?, bytes = ?, touched = ? WHERE board = ?")) {
                update.setLong(1, upTo);
                update.setLong(2, bytes);
                update.setLong(3, clock.millis());
                update.setLong(4, row.board());
                update.executeUpdate();
            }
            return new Snapshotted(row.head(), bytes);
        });
    }

    @Override
    public Future<DeleteResult> delete(String roomId, byte[] proofHash) {
        return transaction(() -> {
            Optional<Row> found = board(roomId);
            if (found.isEmpty()) {
                return new NoBoard();
            }
            if (!MessageDigest.isEqual(found.get().proof(), proofHash)) {
                return new WrongProof();
            }
            remove(found.get().board());
            return new Deleted();
        });
    }

    @Override
    public Future<Void> close() {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
        }
        CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
            try {
                db.close();
            } catch (SQLException e) {
                log.warn("closing the board database: {}", e.getMessage());
            }
        }, thread).whenComplete((v, t) -> thread.shutdown());
        return Future.fromCompletionStage(closed, vertx.getOrCreateContext());
    }

    /** Deletes every expired board; returns how many. */
    int sweep() throws SQLException {
        if (limits.keepsForever()) {
            return 0;
        }
        List<Long> expired = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT board FROM boards WHERE touched < ?")) {
            q.setLong(1, clock.millis() - limits.retention().toMillis());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    expired.add(rs.getLong(1));
                }
            }
        }
        for (long board : expired) {
            remove(board);
        }
        db.commit();
        if (!expired.isEmpty()) {
            // Moves the WAL's pages into the file and empties it, so that what was deleted leaves the disk.
            db.setAutoCommit(true);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            } finally {
                db.setAutoCommit(false);
            }
        }
        return expired.size();
    }

    private void sweepQuietly() {
        try {
            int swept = sweep();
            if (swept > 0) {
                log.info("retention: deleted {} board(s) untouched for {}", swept, limits.retention());
            }
        } catch (SQLException e) {
            rollbackQuietly();
            log.warn("retention sweep failed: {}", e.getMessage());
        }
    }

    /** The board of a room, if it has one that has not expired; an expired one is deleted here. */
    private Optional<Row> board(String roomId) throws SQLException {
        Row row;
        long touched;
        try (PreparedStatement q = db.prepareStatement(
                "SELECT board, proof, head, bytes, up_to, touched FROM boards WHERE room = ?")) {
            q.setString(1, roomId);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                row = new Row(rs.getLong(1), rs.getBytes(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                touched = rs.getLong(6);
            }
        }
        if (!limits.keepsForever() && touched < clock.millis() - limits.retention().toMillis()) {
            remove(row.board());
            return Optional.empty();
        }
        return Optional.of(row);
    }

    private Row create(String roomId, byte[] proofHash) {
        try (PreparedStatement insert = db.prepareStatement(
                "INSERT INTO boards (room, proof, head, bytes, up_to, touched) VALUES (?, ?, 0, 0, 0, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, roomId);
            insert.setBytes(2, proofHash);
            insert.setLong(3, clock.millis());
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return new Row(keys.getLong(1), proofHash, 0, 0, 0);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot create a board: " + e.getMessage(), e);
        }
    }

    private void touch(long board) throws SQLException {
        update("UPDATE boards SET touched = ? WHERE board = ?", clock.millis(), board);
    }

    private void remove(long board) throws SQLException {
        update("DELETE FROM records WHERE board = ?", board);
        update("DELETE FROM snapshots WHERE board = ?", board);
        update("DELETE FROM boards WHERE board = ?", board);
    }

    private byte[] snapshotData(long board) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT data FROM snapshots WHERE board = ?")) {
            q.setLong(1, board);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("board " + board + " has up_to > 0 but no snapshot");
                }
                return rs.getBytes(1);
            }
        }
    }

    private long longOf(String sql, long... args) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                q.setLong(i + 1, args[i]);
            }
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void update(String sql, long... args) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                q.setLong(i + 1, args[i]);
            }
            q.executeUpdate();
        }
    }

    /** A unit of work on the store's thread. */
    private interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} as one transaction on the store's thread: committed when it returns (a
     * refusal that wrote nothing commits nothing), rolled back when it throws.
     */
    private <T> Future<T> transaction(Work<T> work) {
        Context context = vertx.getOrCreateContext();
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    T result = work.run();
                    db.commit();
                    done.complete(result);
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly();
                    log.warn("board operation failed: {}", e.getMessage());
                    done.completeExceptionally(e instanceof StoreUnavailableException ? e
                            : new StoreUnavailableException("the board database failed: " + e.getMessage(), e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return Future.failedFuture(new StoreUnavailableException("the board store is closed", e));
        }
        return Future.fromCompletionStage(done, context);
    }

    private void rollbackQuietly() {
        try {
            db.rollback();
        } catch (SQLException e) {
            log.warn("rollback failed: {}", e.getMessage());
        }
    }

    /** For tests: waits until every operation queued so far ran. */
    void drain() throws Exception {
        thread.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }
}
