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

/**
 * Boards in one SQLite file, {@code boards.db} in the data folder (see docs/STORAGE.md for the
 * schema). Every JDBC call runs on one thread of its own ({@link Writer}), on one connection: the
 * operations of all event loops queue there in the order they were made, each in a transaction
 * (or a savepoint of a group commit), so no two of them interleave and no event loop ever waits
 * for the disk. The file is in WAL mode with
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
    private final Writer writer;
    private final Connection db;
    private final long sweepTimer;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    private SqliteBoards(Vertx vertx, Limits limits, Clock clock, Writer writer, Connection db) {
        this.vertx = vertx;
        this.limits = limits;
        this.clock = clock;
        this.writer = writer;
        this.db = db;
        this.sweepTimer = limits.keepsForever() ? -1 : vertx.setPeriodic(sweepInterval(limits.retention()).toMillis(),
                id -> sweepQuietly());
    }

    /**
     * Opens (creating the folder, the file and the schema on first start) the boards in
     * {@code dataDir}. The expired boards are swept at start and then every tenth of the retention
     * (at least every 100 ms, at most every hour); an expired board reads as gone at once.
     */
    public static Future<Boards> open(Vertx vertx, Path dataDir, Limits limits) {
        Connection[] opened = new Connection[1];
        CompletableFuture<Writer> started = Writer.start("drawbridge-store", () -> opened[0] = connect(dataDir));
        return Future.fromCompletionStage(started, vertx.getOrCreateContext()).map(writer -> {
            SqliteBoards boards = new SqliteBoards(vertx, limits, Clock.systemUTC(), writer, opened[0]);
            boards.sweepQuietly();
            return boards;
        });
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
            PreparedStatement q = statement("SELECT seq, id, data FROM records WHERE board = ? AND seq > ? ORDER BY seq LIMIT ?");
            q.setLong(1, row.board());
            q.setLong(2, Math.max(after, row.upTo()));
            q.setInt(3, limit + 1);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    records.add(new Stored(rs.getLong(1), rs.getString(2), rs.getBytes(3)));
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
            // A new board is created only once the append is known to fit.
            Row row = found.orElse(new Row(-1, proofHash, 0, 0, 0));
            Map<String, Long> fresh = new HashMap<>();
            List<Long> seqs = new ArrayList<>();
            List<Record> toStore = new ArrayList<>();
            long head = row.head();
            long added = 0;
            PreparedStatement q = statement("SELECT seq FROM records WHERE board = ? AND id = ?");
            for (Record record : records) {
                Long seq = fresh.get(record.id());
                if (seq == null) {
                    q.setLong(1, row.board());
                    q.setString(2, record.id());
                    try (ResultSet rs = q.executeQuery()) {
                        if (found.isPresent() && rs.next()) {
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
            if (row.bytes() + added > limits.maxBoardBytes()) {
                return new BoardFull(row.bytes(), row.bytes() + added, limits.maxBoardBytes());
            }
            if (found.isEmpty()) {
                row = create(roomId, proofHash);
            }
            PreparedStatement insert = statement("INSERT INTO records (board, seq, id, data) VALUES (?, ?, ?, ?)");
            long seq = row.head();
            for (Record record : toStore) {
                insert.setLong(1, row.board());
                insert.setLong(2, ++seq);
                insert.setString(3, record.id());
                insert.setBytes(4, record.data());
                insert.addBatch();
            }
            insert.executeBatch();
            insert.clearParameters();
            PreparedStatement update = statement("UPDATE boards SET head = ?, bytes = ?, touched = ? WHERE board = ?");
            update.setLong(1, head);
            update.setLong(2, row.bytes() + added);
            update.setLong(3, clock.millis());
            update.setLong(4, row.board());
            update.executeUpdate();
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
            PreparedStatement put = statement("INSERT OR REPLACE INTO snapshots (board, data) VALUES (?, ?)");
            put.setLong(1, row.board());
            put.setBytes(2, data);
            put.executeUpdate();
            put.clearParameters(); // a cached statement would otherwise hold the snapshot
            PreparedStatement update = statement("UPDATE boards SET up_to = ?, bytes = ?, touched = ? WHERE board = ?");
            update.setLong(1, upTo);
            update.setLong(2, bytes);
            update.setLong(3, clock.millis());
            update.setLong(4, row.board());
            update.executeUpdate();
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
        return Future.fromCompletionStage(writer.close(), vertx.getOrCreateContext());
    }

    /** Deletes every expired board, on the writer's thread; completes with how many. */
    Future<Integer> sweep() {
        if (limits.keepsForever()) {
            return Future.succeededFuture(0);
        }
        return transaction(() -> {
            List<Long> expired = new ArrayList<>();
            PreparedStatement q = statement("SELECT board FROM boards WHERE touched < ?");
            q.setLong(1, clock.millis() - limits.retention().toMillis());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    expired.add(rs.getLong(1));
                }
            }
            for (long board : expired) {
                remove(board);
            }
            if (!expired.isEmpty()) {
                writer.checkpointAfterCommit();
            }
            return expired.size();
        });
    }

    private void sweepQuietly() {
        sweep().onComplete(swept -> {
            if (swept.succeeded() && swept.result() > 0) {
                log.info("retention: deleted {} board(s) untouched for {}", swept.result(), limits.retention());
            } else if (swept.failed()) {
                log.warn("retention sweep failed: {}", swept.cause().getMessage());
            }
        });
    }

    /** The board of a room, if it has one that has not expired; an expired one is deleted here. */
    private Optional<Row> board(String roomId) throws SQLException {
        Row row;
        long touched;
        PreparedStatement q = statement("SELECT board, proof, head, bytes, up_to, touched FROM boards WHERE room = ?");
        q.setString(1, roomId);
        try (ResultSet rs = q.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            row = new Row(rs.getLong(1), rs.getBytes(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
            touched = rs.getLong(6);
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
        PreparedStatement q = statement("SELECT data FROM snapshots WHERE board = ?");
        q.setLong(1, board);
        try (ResultSet rs = q.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("board " + board + " has up_to > 0 but no snapshot");
            }
            return rs.getBytes(1);
        }
    }

    private long longOf(String sql, long... args) throws SQLException {
        try (ResultSet rs = bound(sql, args).executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void update(String sql, long... args) throws SQLException {
        bound(sql, args).executeUpdate();
    }

    private PreparedStatement bound(String sql, long... args) throws SQLException {
        PreparedStatement q = statement(sql);
        for (int i = 0; i < args.length; i++) {
            q.setLong(i + 1, args[i]);
        }
        return q;
    }

    /** A statement prepared once and kept for the connection's life (on the store's thread only). */
    private PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = db.prepareStatement(sql);
            statements.put(sql, statement);
        }
        return statement;
    }

    /** Runs {@code work} on the writer's thread; the future completes on the caller's context once committed. */
    private <T> Future<T> transaction(Writer.Work<T> work) {
        return Future.fromCompletionStage(writer.submit(work), vertx.getOrCreateContext());
    }
}
