package dev.drawbridge.http;

import dev.drawbridge.store.Boards;
import dev.drawbridge.store.Boards.AppendResult;
import dev.drawbridge.store.Boards.ReadResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The board routes of docs/STORAGE.md: a room's stored, encrypted log, for whoever proves the
 * room's key with {@code Board-Proof}. Each handler validates, calls one {@link Boards} method and
 * maps its result; sizes, authorization and atomicity are the store's.
 */
final class BoardRoutes {
    static final String PROOF_HEADER = "Board-Proof";
    static final int MAX_LIMIT = 10_000;
    static final int MAX_RECORDS = 1_000;
    private static final Pattern PROOF = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern RECORD_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/_-]*={0,2}");
    /** A record's JSON around its data: {"id":"<64>","data":""}, with room to spare. */
    private static final int RECORD_OVERHEAD = 128;

    /** Bodies up to this size are parsed and encoded on the event loop; larger ones on a worker. */
    static final int INLINE_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final Boards boards;
    private final MeterRegistry metrics;

    BoardRoutes(Vertx vertx, Boards boards, MeterRegistry metrics) {
        this.vertx = vertx;
        this.boards = boards;
        this.metrics = metrics;
    }

    /** Adds the routes; call before any catch-all route. */
    void mount(Router router) {
        long maxBytes = boards.limits().maxBoardBytes();
        // A body holds at most the room's cap in base64 (4/3), plus the JSON around each record.
        long recordsLimit = base64Length(maxBytes) + (long) MAX_RECORDS * RECORD_OVERHEAD;
        long snapshotLimit = base64Length(maxBytes) + RECORD_OVERHEAD;
        router.get("/:roomId/board").handler(counted("read")).handler(this::read);
        // Vert.x takes a body handler only as a route's first handler.
        router.post("/:roomId/board/records").handler(BodyHandler.create(false).setBodyLimit(recordsLimit))
                .handler(counted("append")).handler(this::append).failureHandler(bodyTooLarge("append"));
        router.put("/:roomId/board/snapshot").handler(BodyHandler.create(false).setBodyLimit(snapshotLimit))
                .handler(counted("snapshot")).handler(this::snapshot).failureHandler(bodyTooLarge("snapshot"));
        router.delete("/:roomId/board").handler(counted("delete")).handler(this::delete);
    }

    /** Counts each answer in {@code drawbridge_board_requests_total{operation, status}}. */
    private Handler<RoutingContext> counted(String operation) {
        return ctx -> {
            ctx.addEndHandler(end -> count(operation, ctx.response().getStatusCode()));
            ctx.next();
        };
    }

    private void count(String operation, int status) {
        metrics.counter("drawbridge.board.requests", "operation", operation, "status", Integer.toString(status)).increment();
    }

    /** GET /:roomId/board?after=&limit= */
    private void read(RoutingContext ctx) {
        String roomId = Api.roomId(ctx);
        byte[] proof = proofHash(ctx);
        long after = query(ctx, "after", 0, 0, Long.MAX_VALUE);
        int limit = (int) Math.min(MAX_LIMIT, query(ctx, "limit", MAX_LIMIT, 1, Long.MAX_VALUE));
        answer(ctx, boards.read(roomId, proof, after, limit), (ReadResult result) -> {
            switch (result) {
                case Boards.Board board -> answer(ctx, offLoopIfLarge(board.bytes(), () -> encode(board)),
                        body -> ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(body));
                case Boards.NoBoard none -> noBoard(ctx, roomId);
                case Boards.WrongProof wrong -> wrongProof(ctx);
            }
        });
    }

    /** POST /:roomId/board/records {"records": [{"id", "data"}, ...]} */
    private void append(RoutingContext ctx) {
        String roomId = Api.roomId(ctx);
        byte[] proof = proofHash(ctx);
        Buffer body = ctx.body().buffer();
        answer(ctx, offLoopIfLarge(body == null ? 0 : body.length(), () -> records(body))
                .compose(records -> boards.append(roomId, proof, records)), (AppendResult result) -> {
            switch (result) {
                case Boards.Appended appended -> {
                    JsonArray seqs = new JsonArray();
                    appended.seqs().forEach(seqs::add);
                    Api.json(ctx, 200, new JsonObject().put("head", appended.head()).put("bytes", appended.bytes())
                            .put("stored", appended.stored()).put("seqs", seqs));
                }
                case Boards.WrongProof wrong -> wrongProof(ctx);
                case Boards.BoardFull full -> boardFull(ctx, full);
                case Boards.RecordTooLarge large -> ApiError.send(ctx, 413, "record_too_large",
                        "record " + large.index() + " holds " + large.size() + " bytes; one record holds at most "
                                + large.max());
            }
        });
    }

    /** PUT /:roomId/board/snapshot {"upTo", "data"} */
    private void snapshot(RoutingContext ctx) {
        String roomId = Api.roomId(ctx);
        byte[] proof = proofHash(ctx);
        Buffer body = ctx.body().buffer();
        answer(ctx, offLoopIfLarge(body == null ? 0 : body.length(), () -> snapshot(body))
                .compose(snapshot -> boards.snapshot(roomId, proof, snapshot.upTo(), snapshot.data())), result -> {
            switch (result) {
                case Boards.Snapshotted done ->
                        Api.json(ctx, 200, new JsonObject().put("head", done.head()).put("bytes", done.bytes()));
                case Boards.NoBoard none -> noBoard(ctx, roomId);
                case Boards.WrongProof wrong -> wrongProof(ctx);
                case Boards.BoardFull full -> boardFull(ctx, full);
                case Boards.StaleSnapshot stale -> ApiError.send(ctx, 409, "stale_snapshot",
                        "upTo " + stale.upTo() + " must be above the current snapshot's " + stale.snapshotUpTo()
                                + " and at most the head " + stale.head());
            }
        });
    }

    /** DELETE /:roomId/board */
    private void delete(RoutingContext ctx) {
        String roomId = Api.roomId(ctx);
        byte[] proof = proofHash(ctx);
        answer(ctx, boards.delete(roomId, proof), result -> {
            switch (result) {
                case Boards.Deleted deleted -> Api.json(ctx, 200, new JsonObject().put("deleted", true));
                case Boards.NoBoard none -> noBoard(ctx, roomId);
                case Boards.WrongProof wrong -> wrongProof(ctx);
            }
        });
    }

    /** The records of an append's body; throws the 400 the contract gives for a malformed one. */
    static List<Boards.Record> records(Buffer body) {
        Object list = Api.jsonObject(body).getValue("records");
        if (!(list instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_RECORDS) {
            throw new ApiError(400, "invalid_record", "the body must be {\"records\": [...]} with 1 to "
                    + MAX_RECORDS + " records");
        }
        List<Boards.Record> records = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof JsonObject record)
                    || !(record.getValue("id") instanceof String id) || !RECORD_ID.matcher(id).matches()) {
                throw new ApiError(400, "invalid_record", "record " + i + " needs an id matching [A-Za-z0-9_-]{1,64}");
            }
            records.add(new Boards.Record(id, data(record.getValue("data"), "invalid_record", "record " + i)));
        }
        return records;
    }

    /** A snapshot's body. */
    static Boards.Snapshot snapshot(Buffer body) {
        JsonObject snapshot = Api.jsonObject(body);
        if (!(snapshot.getValue("upTo") instanceof Number upTo) || upTo.doubleValue() != Math.rint(upTo.doubleValue())
                || upTo.longValue() < 0) {
            throw new ApiError(400, "invalid_snapshot", "upTo must be a whole number, the seq the snapshot stands for");
        }
        return new Boards.Snapshot(upTo.longValue(), data(snapshot.getValue("data"), "invalid_snapshot", "the snapshot"));
    }

    /**
     * A read's answer: {@code {"head", "bytes", "snapshot": {"upTo", "data"} | null, "records":
     * [{"seq", "id", "data"}], "more"}}. Written out as bytes, not built as a JSON tree: base64
     * and record ids ({@code [A-Za-z0-9_-]}, checked on append) need no escaping, so the megabytes
     * of a snapshot are encoded once, straight into the answer (no string of them, no escaping
     * pass over them: a fifth of the time on a board of 50,000 entries, BENCHMARKS.md).
     */
    static Buffer encode(Boards.Board board) {
        Base64.Encoder base64 = Base64.getEncoder();
        long size = 128 + board.snapshot().map(s -> base64Length(s.data().length)).orElse(0L);
        for (Boards.Stored r : board.records()) {
            size += 64 + r.id().length() + base64Length(r.data().length);
        }
        Buffer out = Buffer.buffer((int) Math.min(Integer.MAX_VALUE - 8, size));
        out.appendString("{\"head\":").appendString(Long.toString(board.head()))
                .appendString(",\"bytes\":").appendString(Long.toString(board.bytes()))
                .appendString(",\"snapshot\":");
        if (board.snapshot().isPresent()) {
            Boards.Snapshot s = board.snapshot().get();
            out.appendString("{\"upTo\":").appendString(Long.toString(s.upTo()))
                    .appendString(",\"data\":\"").appendBytes(base64.encode(s.data())).appendString("\"}");
        } else {
            out.appendString("null");
        }
        out.appendString(",\"records\":[");
        boolean first = true;
        for (Boards.Stored r : board.records()) {
            out.appendString(first ? "{\"seq\":" : ",{\"seq\":").appendString(Long.toString(r.seq()))
                    .appendString(",\"id\":").appendString(RECORD_ID.matcher(r.id()).matches()
                            ? "\"" + r.id() + "\"" : io.vertx.core.json.Json.encode(r.id()))
                    .appendString(",\"data\":\"").appendBytes(base64.encode(r.data())).appendString("\"}");
            first = false;
        }
        return out.appendString("],\"more\":").appendString(Boolean.toString(board.more())).appendString("}");
    }

    /**
     * Runs {@code work} (JSON and base64 of a body) where it is: at once for a small body, on a
     * worker thread for a large one, so that a board of megabytes never holds an event loop up.
     */
    private <T> Future<T> offLoopIfLarge(long bytes, Callable<T> work) {
        if (bytes > INLINE_BYTES) {
            return vertx.executeBlocking(work, false);
        }
        try {
            return Future.succeededFuture(work.call());
        } catch (Exception e) {
            return Future.failedFuture(e);
        }
    }

    private static <T> void answer(RoutingContext ctx, Future<T> result, Consumer<T> map) {
        result.onComplete(done -> {
            if (done.failed()) {
                ctx.fail(done.cause());
            } else {
                map.accept(done.result());
            }
        });
    }

    /** The SHA-256 of the {@code Board-Proof} header's 32 bytes: what the store compares. */
    private static byte[] proofHash(RoutingContext ctx) {
        String header = ctx.request().getHeader(PROOF_HEADER);
        if (header == null || header.isEmpty()) {
            throw new ApiError(401, "missing_proof", "this request needs the room key's proof in " + PROOF_HEADER);
        }
        if (!PROOF.matcher(header).matches()) {
            throw new ApiError(400, "invalid_proof", PROOF_HEADER + " must be 32 bytes in base64url without padding");
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(Base64.getUrlDecoder().decode(header));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] data(Object value, String code, String what) {
        if (value instanceof String text && !text.isEmpty() && BASE64.matcher(text).matches()) {
            try {
                byte[] bytes = Base64.getDecoder().decode(text.replace('-', '+').replace('_', '/'));
                if (bytes.length > 0) {
                    return bytes;
                }
            } catch (IllegalArgumentException e) {
                // falls through to the refusal
            }
        }
        throw new ApiError(400, code, what + " needs data: at least one byte in base64");
    }

    private static long query(RoutingContext ctx, String name, long fallback, long min, long max) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal
        }
        throw new ApiError(400, "invalid_query", name + " must be a whole number of at least " + min);
    }


    /** A body refused by the body handler, before {@link #counted} ran: answered and counted here. */
    private Handler<RoutingContext> bodyTooLarge(String operation) {
        return ctx -> {
            if (ctx.failure() == null && ctx.statusCode() == 413) {
                ApiError.send(ctx, 413, "board_full", "the body is larger than a board may hold");
                count(operation, 413);
            } else {
                ctx.next();
            }
        };
    }

    private static void noBoard(RoutingContext ctx, String roomId) {
        ApiError.send(ctx, 404, "no_board", "room " + roomId + " has no stored board");
    }

    private static void wrongProof(RoutingContext ctx) {
        ApiError.send(ctx, 403, "wrong_proof", "this board was created with another room key");
    }

    private static void boardFull(RoutingContext ctx, Boards.BoardFull full) {
        ApiError.send(ctx, 413, "board_full", "the board would hold " + full.wouldHold()
                + " bytes, more than its cap of " + full.max() + "; compact it (a snapshot) or start a new board");
    }

    private static long base64Length(long bytes) {
        return (bytes + 2) / 3 * 4;
    }

}
