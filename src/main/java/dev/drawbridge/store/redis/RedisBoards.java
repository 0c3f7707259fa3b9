package dev.drawbridge.store.redis;

import dev.drawbridge.bus.redis.Commands;
import dev.drawbridge.bus.redis.Script;
import dev.drawbridge.store.Boards;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Boards in Redis, so that every node serves every board and a node's death loses nothing. Each
 * operation is one Lua script over the four keys of one room (docs/REDIS.md, "Boards"), all with
 * the hash tag {@code {board:<roomId>}}: atomic, in one slot, so the same code runs on Redis
 * Cluster. Commands go out on the node's existing connections ({@link Commands}, the lane of the
 * caller's event loop); none is opened per request. Retention is Redis' own key expiry, set again
 * on every authorized operation, so there is nothing to sweep.
 */
public final class RedisBoards implements Boards {
    static final String PREFIX = "db:";
    private static final Script READ = Script.load("board-read", "board-prelude");
    private static final Script APPEND = Script.load("board-append", "board-prelude");
    private static final Script SNAPSHOT = Script.load("board-snapshot", "board-prelude");
    private static final Script DELETE = Script.load("board-delete", "board-prelude");

    private final Commands commands;
    private final Limits limits;

    public RedisBoards(Commands commands, Limits limits) {
        this.commands = commands;
        this.limits = limits;
    }

    /** The keys of a room's board: meta, log, ids, snapshot (see board-prelude.lua). */
    static List<String> keys(String roomId) {
        String tag = PREFIX + "{board:" + roomId + "}:";
        return List.of(tag + "meta", tag + "log", tag + "ids", tag + "snap");
    }

    @Override
    public Limits limits() {
        return limits;
    }

    @Override
    public Future<ReadResult> read(String roomId, byte[] proofHash, long after, int limit) {
        return READ.runWith(commands, keys(roomId),
                List.of(Buffer.buffer(proofHash), number(after), number(limit), ttl())).map(reply -> {
            String outcome = reply.get(0).toString();
            if (outcome.equals("no_board")) {
                return new NoBoard();
            }
            if (outcome.equals("wrong_proof")) {
                return new WrongProof();
            }
            long head = reply.get(1).toLong();
            long upTo = reply.get(3).toLong();
            Optional<Snapshot> snapshot = Optional.ofNullable(reply.get(4))
                    .map(data -> new Snapshot(upTo, data.toBuffer().getBytes()));
            long first = Math.max(after, upTo) + 1;
            List<Stored> records = new ArrayList<>(reply.size() - 6);
            for (int i = 6; i < reply.size(); i++) {
                byte[] element = reply.get(i).toBuffer().getBytes();
                int space = indexOfSpace(element);
                records.add(new Stored(first + i - 6, new String(element, 0, space, StandardCharsets.US_ASCII),
                        Arrays.copyOfRange(element, space + 1, element.length)));
            }
            return new Board(head, reply.get(2).toLong(), snapshot, records, reply.get(5).toInteger() == 1);
        });
    }

    @Override
    public Future<AppendResult> append(String roomId, byte[] proofHash, List<Record> records) {
        Optional<RecordTooLarge> tooLarge = limits.firstTooLarge(records);
        if (tooLarge.isPresent()) {
            return Future.succeededFuture(tooLarge.get());
        }
        List<Buffer> args = new ArrayList<>(3 + 2 * records.size());
        args.add(Buffer.buffer(proofHash));
        args.add(number(limits.maxBoardBytes()));
        args.add(ttl());
        for (Record record : records) {
            args.add(Buffer.buffer(record.id()));
            args.add(Buffer.buffer(record.data()));
        }
        return APPEND.runWith(commands, keys(roomId), args).map(reply -> switch (reply.get(0).toString()) {
            case "wrong_proof" -> new WrongProof();
            case "board_full" -> new BoardFull(reply.get(1).toLong(), reply.get(2).toLong(), limits.maxBoardBytes());
            default -> {
                List<Long> seqs = new ArrayList<>(records.size());
                for (int i = 4; i < reply.size(); i++) {
                    long seq = reply.get(i).toLong();
                    seqs.add(seq < 0 ? null : seq);
                }
                yield new Appended(reply.get(1).toLong(), reply.get(2).toLong(), reply.get(3).toInteger(), seqs);
            }
        });
    }

    @Override
    public Future<SnapshotResult> snapshot(String roomId, byte[] proofHash, long upTo, byte[] data) {
        return SNAPSHOT.runWith(commands, keys(roomId), List.of(Buffer.buffer(proofHash), number(upTo),
                Buffer.buffer(data), number(limits.maxBoardBytes()), ttl())).map(reply -> switch (reply.get(0).toString()) {
            case "no_board" -> new NoBoard();
            case "wrong_proof" -> new WrongProof();
            case "stale_snapshot" -> new StaleSnapshot(upTo, reply.get(1).toLong(), reply.get(2).toLong());
            case "board_full" -> new BoardFull(reply.get(1).toLong(), reply.get(2).toLong(), limits.maxBoardBytes());
            default -> new Snapshotted(reply.get(1).toLong(), reply.get(2).toLong());
        });
    }

    @Override
    public Future<DeleteResult> delete(String roomId, byte[] proofHash) {
        return DELETE.runWith(commands, keys(roomId), List.of(Buffer.buffer(proofHash)))
                .map(reply -> switch (reply.get(0).toString()) {
                    case "no_board" -> new NoBoard();
                    case "wrong_proof" -> new WrongProof();
                    default -> new Deleted();
                });
    }

    /** The connections belong to the node's Redis backend, which closes them. */
    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }

    private Buffer ttl() {
        return number(limits.retention().toMillis());
    }

    private static Buffer number(long value) {
        return Buffer.buffer(Long.toString(value));
    }

    private static int indexOfSpace(byte[] element) {
        for (int i = 0; i < element.length; i++) {
            if (element[i] == ' ') {
                return i;
            }
        }
        throw new IllegalStateException("a board log element without its id");
    }
}
