package dev.drawbridge.store.sqlite;

import dev.drawbridge.store.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * The one thread that makes every JDBC call of the boards, on one connection, in the order the
 * work was submitted. Work that queued up while the previous commit ran goes into one transaction
 * (group commit): each piece in a savepoint of its own, so a piece that fails is rolled back alone,
 * and every piece's future completes only once the transaction is committed. Under load this
 * writes the WAL once per group instead of once per operation; alone, a piece is its own
 * transaction.
 */
final class Writer {
    private static final Logger log = LoggerFactory.getLogger(Writer.class);
    /** Most pieces of work in one transaction: bounds how long a group holds the file. */
    private static final int MAX_GROUP = 64;

    /** A piece of work on the writer's thread. Throwing undoes what it wrote. */
    interface Work<T> {
        T run() throws SQLException;
    }

    private record Task<T>(Work<T> work, CompletableFuture<T> done) {
        void complete(Object result) {
            @SuppressWarnings("unchecked") T value = (T) result;
            done.complete(value);
        }
    }

    private static final Task<Void> STOP = new Task<>(() -> null, new CompletableFuture<>());

    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean closing;
    private Connection db;
    private Statement control;
    private boolean checkpointDue;
    private volatile long commits;

    private Writer(String name) {
        this.thread = new Thread(this::loop, name);
        this.thread.setDaemon(true);
    }

    /** Starts the thread, which first opens the connection with {@code connect}. */
    static CompletableFuture<Writer> start(String name, Supplier<Connection> connect) {
        Writer writer = new Writer(name);
        CompletableFuture<Writer> started = new CompletableFuture<>();
        CompletableFuture<Void> connected = writer.submit(() -> {
            writer.db = connect.get();
            writer.db.setAutoCommit(false);
            writer.control = writer.db.createStatement();
            return null;
        });
        connected.whenComplete((v, t) -> {
            if (t == null) {
                started.complete(writer);
            } else {
                writer.close();
                started.completeExceptionally(t);
            }
        });
        writer.thread.start();
        return started;
    }

    /** Queues {@code work}; its future completes after the transaction that holds it committed. */
    <T> CompletableFuture<T> submit(Work<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        if (closing) {
            done.completeExceptionally(new StoreUnavailableException("the board store is closed", null));
            return done;
        }
        queue.add(new Task<>(work, done));
        return done;
    }

    /** For work on this thread: empty the WAL into the file once the current transaction committed. */
    void checkpointAfterCommit() {
        checkpointDue = true;
    }

    /** Transactions committed so far (for tests). */
    long commits() {
        return commits;
    }

    /** Runs what is queued, then closes the connection and ends the thread. */
    CompletableFuture<Void> close() {
        closing = true;
        queue.add(STOP);
        return stopped;
    }

    private void loop() {
        try {
            boolean stop = false;
            while (!stop) {
                List<Task<?>> group = new ArrayList<>();
                group.add(queue.take());
                queue.drainTo(group, MAX_GROUP - 1);
                stop = group.remove(STOP);
                if (!group.isEmpty()) {
                    run(group);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeConnection();
            Task<?> left;
            while ((left = queue.poll()) != null) {
                left.done().completeExceptionally(new StoreUnavailableException("the board store is closed", null));
            }
            stopped.complete(null);
        }
    }

    private void run(List<Task<?>> group) {
        List<Object> results = new ArrayList<>(group.size());
        try {
            for (Task<?> task : group) {
                results.add(attempt(task, group.size() > 1));
            }
            if (db != null) {
                db.commit();
                commits++;
            }
        } catch (SQLException | RuntimeException e) {
            // The transaction as a whole failed (the commit, or a savepoint itself): nothing of it stays.
            rollback();
            log.warn("board transaction failed: {}", e.getMessage());
            StoreUnavailableException failure = new StoreUnavailableException("the board database failed: " + e.getMessage(), e);
            group.forEach(task -> task.done().completeExceptionally(failure));
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            Object result = results.get(i);
            if (result instanceof Failed failed) {
                group.get(i).done().completeExceptionally(failed.cause());
            } else {
                group.get(i).complete(result);
            }
        }
        if (checkpointDue) {
            checkpointDue = false;
            checkpoint();
        }
    }

    private record Failed(Throwable cause) {}

    /** Runs one task; in a group, inside a savepoint, so that its failure undoes its writes alone. */
    private Object attempt(Task<?> task, boolean inGroup) throws SQLException {
        if (inGroup) {
            control.execute("SAVEPOINT work");
        }
        try {
            Object result = task.work().run();
            if (inGroup) {
                control.execute("RELEASE work");
            }
            return result;
        } catch (SQLException | RuntimeException e) {
            if (inGroup) {
                control.execute("ROLLBACK TO work");
                control.execute("RELEASE work");
            } else if (db != null) {
                db.rollback();
            }
            log.warn("board operation failed: {}", e.getMessage());
            return new Failed(e instanceof StoreUnavailableException ? e
                    : new StoreUnavailableException("the board database failed: " + e.getMessage(), e));
        }
    }

    /** Moves the WAL's pages into the file and empties it, so that what was deleted leaves the disk. */
    private void checkpoint() {
        try {
            db.setAutoCommit(true);
            // The pragma answers a row; its result set must be closed, or the next commit finds a statement in progress.
            try (ResultSet answer = control.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                answer.next();
            }
        } catch (SQLException e) {
            log.warn("WAL checkpoint failed: {}", e.getMessage());
        } finally {
            try {
                db.setAutoCommit(false);
            } catch (SQLException e) {
                log.warn("cannot go back to transactions: {}", e.getMessage());
            }
        }
    }

    private void rollback() {
        try {
            if (db != null) {
                db.rollback();
            }
        } catch (SQLException e) {
            log.warn("rollback failed: {}", e.getMessage());
        }
    }

    private void closeConnection() {
        try {
            if (db != null) {
                db.close();
            }
        } catch (SQLException e) {
            log.warn("closing the board database: {}", e.getMessage());
        }
    }
}
