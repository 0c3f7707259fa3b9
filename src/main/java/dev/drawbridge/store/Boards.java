package dev.drawbridge.store;

import io.vertx.core.Future;

import java.util.List;
import java.util.Optional;

/**
 * The boards of every room: per room an append-only log of opaque records, each a client-chosen
 * id and bytes the browser encrypted, optionally preceded by one snapshot that stands for every
 * record up to a sequence number. The store never looks inside a record or a snapshot; it knows
 * their sizes, their ids, and the SHA-256 of the proof that the room's key holder gave on its
 * first write.
 *
 * <p>Guarantees, kept alike by every implementation (the shared suite {@code BoardsContract}):
 * <ul>
 *   <li><b>Authorization.</b> Every operation names the SHA-256 of a proof. On an existing board a
 *   different hash is {@link WrongProof} and changes nothing, not even the board's last touch.
 *   The first successful {@link #append} creates the board and keeps the hash.</li>
 *   <li><b>Append is all or nothing</b>, and atomic with respect to every other operation on the
 *   same room: either every new record of the call is stored, with consecutive sequence numbers
 *   in the order given, or none is ({@link BoardFull}, {@link RecordTooLarge}, {@link WrongProof},
 *   or a failed future, after which nothing is stored).</li>
 *   <li><b>Append is idempotent by id.</b> A record whose id was ever appended to the room (also one
 *   since folded into a snapshot, also one earlier in the same call) is not stored again; its
 *   place in {@link Appended#seqs()} holds the old sequence number, or null once a snapshot
 *   covers it. A retried call therefore stores nothing twice.</li>
 *   <li><b>Sequence numbers</b> of a room start at 1, go up by one per stored record and are never
 *   reused, also not after a snapshot. They restart only after {@link #delete}.</li>
 *   <li><b>A snapshot replaces a prefix atomically</b>: a reader sees either the records or the
 *   snapshot that stands for them, never both or neither.</li>
 *   <li><b>Caps.</b> A record's data is at most {@link Limits#maxRecordBytes()} bytes; a room's
 *   {@code bytes} (its snapshot's length plus its kept records' lengths) never exceeds
 *   {@link Limits#maxBoardBytes()}.</li>
 *   <li><b>Retention.</b> A board that no authorized operation touched for
 *   {@link Limits#retention()} is deleted (its records, snapshot, ids and proof) and reads as
 *   {@link NoBoard}; the storage it used is released. A zero retention keeps boards forever.</li>
 *   <li><b>Durability.</b> A completed write survives the node's process being killed; with Redis,
 *   the node itself holds nothing.</li>
 * </ul>
 *
 * <p>Futures complete on the caller's Vert.x context; no method blocks its caller. A future failed
 * with {@link dev.drawbridge.bus.BusUnavailableException} (Redis) or {@link StoreUnavailableException}
 * means the store could not be reached and the operation may or may not have happened.
 */
public interface Boards {

    /** The caps and retention every implementation enforces. */
    record Limits(long maxBoardBytes, int maxRecordBytes, java.time.Duration retention) {
        public Limits {
            if (maxBoardBytes < 1 || maxRecordBytes < 1 || retention.isNegative()) {
                throw new IllegalArgumentException("limits must be positive, retention zero or more");
            }
        }

        public boolean keepsForever() {
            return retention.isZero();
        }

        /** The first record of {@code records} over the per-record cap, if any. */
        public Optional<RecordTooLarge> firstTooLarge(List<Record> records) {
            for (int i = 0; i < records.size(); i++) {
                if (records.get(i).data().length > maxRecordBytes) {
                    return Optional.of(new RecordTooLarge(i, records.get(i).data().length, maxRecordBytes));
                }
            }
            return Optional.empty();
        }
    }

    /** A record to append: an id ({@code [A-Za-z0-9_-]{1,64}}) and its opaque bytes. */
    record Record(String id, byte[] data) {}

    /** A stored record. */
    record Stored(long seq, String id, byte[] data) {}

    /** The snapshot: stands for every record with {@code seq <= upTo}. */
    record Snapshot(long upTo, byte[] data) {}

    Limits limits();

    /**
     * The board from just after {@code after}: the snapshot if {@code after < upTo}, then at most
     * {@code limit} records in seq order, with {@code more} when records follow the last one given.
     */
    Future<ReadResult> read(String roomId, byte[] proofHash, long after, int limit);

    /** Appends records (see the class comment for the guarantees). */
    Future<AppendResult> append(String roomId, byte[] proofHash, List<Record> records);

    /** Replaces every record with {@code seq <= upTo}, and the older snapshot, by {@code data}. */
    Future<SnapshotResult> snapshot(String roomId, byte[] proofHash, long upTo, byte[] data);

    /** Deletes the board: records, snapshot, ids, proof. */
    Future<DeleteResult> delete(String roomId, byte[] proofHash);

    /** Releases connections and threads; pending operations complete first. */
    Future<Void> close();

    sealed interface ReadResult permits Board, NoBoard, WrongProof {}

    sealed interface AppendResult permits Appended, WrongProof, BoardFull, RecordTooLarge {}

    sealed interface SnapshotResult permits Snapshotted, NoBoard, WrongProof, BoardFull, StaleSnapshot {}

    sealed interface DeleteResult permits Deleted, NoBoard, WrongProof {}

    /** A read's answer. */
    record Board(long head, long bytes, Optional<Snapshot> snapshot, List<Stored> records, boolean more)
            implements ReadResult {}

    /**
     * An append's answer: {@code stored} records newly stored; {@code seqs} the seq of each record of
     * the call, in its order (null where a duplicate's old record is folded into the snapshot).
     */
    record Appended(long head, long bytes, int stored, List<Long> seqs) implements AppendResult {}

    record Snapshotted(long head, long bytes) implements SnapshotResult {}

    record Deleted() implements DeleteResult {}

    /** The room has no board (never written, deleted, or expired). */
    record NoBoard() implements ReadResult, SnapshotResult, DeleteResult {}

    /** The board exists and was created with another proof. Nothing changed. */
    record WrongProof() implements ReadResult, AppendResult, SnapshotResult, DeleteResult {}

    /** The result would exceed the room's cap. Nothing changed. */
    record BoardFull(long bytes, long wouldHold, long max) implements AppendResult, SnapshotResult {}

    /** The record at {@code index} of the call is over the per-record cap. Nothing changed. */
    record RecordTooLarge(int index, int size, int max) implements AppendResult {}

    /** {@code upTo} is above the head or not above the current snapshot's. Nothing changed. */
    record StaleSnapshot(long upTo, long snapshotUpTo, long head) implements SnapshotResult {}
}
