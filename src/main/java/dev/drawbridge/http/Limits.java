package dev.drawbridge.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.drawbridge.bus.Peer;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's rate and count limits (docs/LIMITS.md), each node alone and in memory. A rate is a
 * Bucket4j token bucket (local, lock-free); the buckets of peers and of client addresses live in
 * bounded Caffeine tables that drop a bucket once it has gone unused for its refill period, when it
 * would be full again anyway. A request over a rate answers {@code 429} with {@code Retry-After}
 * (whole seconds, at least 1, from the bucket's refill) and {@code {"error":"rate_limited"}}, and
 * changes nothing. A stream over a rate or a cap gets {@link #refuseStream the stream answer} instead,
 * since an EventSource gives up for good on any status but 200. Shared by every HTTP server instance
 * of a node; every method may be called from any event loop.
 */
public final class Limits {
    /** The limits, and their names in {@code drawbridge_limited_total{limit=...}}. */
    enum Limit {
        RELAY("relay", "too many relays from this peer"),
        JOIN("join", "too many joins from this peer"),
        TOKEN("token", "too many tokens asked for from this address"),
        STREAM("stream", "too many new streams from this address"),
        NODE_STREAM_RATE("node_stream_rate", "this node takes no more new streams this moment"),
        NODE_STREAMS("node_streams", "this node holds as many streams as it may"),
        ADDRESS_STREAMS("address_streams", "this address holds as many streams as it may");

        final String tag;
        final String message;

        Limit(String tag, String message) {
            this.tag = tag;
            this.message = message;
        }
    }

    /** Most buckets one table keeps; beyond, the least used go first (docs/LIMITS.md). */
    private static final long TABLE_SIZE = 65_536;

    private final RateLimits settings;
    private final ClientAddress addresses;
    private final Buckets relays;
    private final Buckets joins;
    private final Buckets tokens;
    private final Buckets streams;
    private final Bucket nodeStreams;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Map<String, Integer> openByAddress = new ConcurrentHashMap<>();
    private final Map<Limit, Counter> limited = new EnumMap<>(Limit.class);

    public Limits(RateLimits settings, MeterRegistry registry) {
        this.settings = settings;
        this.addresses = ClientAddress.trusting(settings.trustedProxies());
        this.relays = Buckets.of(settings.relay());
        this.joins = Buckets.of(settings.join());
        this.tokens = Buckets.of(settings.token());
        this.streams = Buckets.of(settings.stream());
        this.nodeStreams = settings.nodeStream().off() ? null : bucket(settings.nodeStream());
        for (Limit limit : Limit.values()) {
            limited.put(limit, Counter.builder("drawbridge.limited").tag("limit", limit.tag)
                    .description("requests and streams refused by a rate or count limit").register(registry));
        }
    }

    /** Throws {@link IllegalArgumentException} naming the first entry that is not an address or CIDR. */
    public static void validateProxies(List<String> entries) {
        ClientAddress.trusting(entries);
    }

    /** Before a relay's handler, after authentication: one bucket per peer. */
    Handler<RoutingContext> relays() {
        return perPeer(relays, Limit.RELAY);
    }

    /** Before a join's handler, after authentication: one bucket per peer. */
    Handler<RoutingContext> joins() {
        return perPeer(joins, Limit.JOIN);
    }

    /** Before {@code POST /access} and {@code /access/refresh}: one bucket per client address. */
    Handler<RoutingContext> tokens() {
        if (tokens == null) {
            return RoutingContext::next;
        }
        return ctx -> {
            if (allowed(ctx, tokens.of(addresses.of(ctx.request())), Limit.TOKEN)) {
                ctx.next();
            }
        };
    }

    private Handler<RoutingContext> perPeer(Buckets table, Limit limit) {
        if (table == null) {
            return RoutingContext::next;
        }
        return ctx -> {
            Peer peer = Authentication.peer(ctx);
            if (allowed(ctx, table.of(peer.id()), limit)) {
                ctx.next();
            }
        };
    }

    /** The relay bucket of a peer, made on first use: the one look-up a relay makes (benchmarked in bench/). */
    Bucket relayBucket(String peerId) {
        return relays.of(peerId);
    }

    /** Takes a token, or answers {@code 429} and returns false. */
    private boolean allowed(RoutingContext ctx, Bucket bucket, Limit limit) {
        Answer refused = take(bucket, limit);
        if (refused == null) {
            return true;
        }
        refused.send(ctx);
        return false;
    }

    /**
     * For a transport without a request per message (the WebSocket): takes a token of the peer's
     * relay bucket (the same bucket its POSTs take from), or answers the {@code 429} refusal.
     * Null when allowed.
     */
    Answer takeRelay(String peerId) {
        return relays == null ? null : take(relays.of(peerId), Limit.RELAY);
    }

    /** {@link #takeRelay}, for joins. */
    Answer takeJoin(String peerId) {
        return joins == null ? null : take(joins.of(peerId), Limit.JOIN);
    }

    private Answer take(Bucket bucket, Limit limit) {
        if (bucket.tryConsume(1)) {
            return null;
        }
        long waitNanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
        long seconds = retryAfterSeconds(waitNanos);
        limited.get(limit).increment();
        return Answer.rateLimited(limit.message + "; retry after " + seconds + " s", seconds);
    }

    static long retryAfterSeconds(long waitNanos) {
        return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    }

    /**
     * A new stream, counted against the caps and the rates: the node's and the address's caps, then the
     * address's rate (so that one address's flood spends its own bucket, not the node's), then the
     * node's. Returns what to run when the stream ends, or null once it has answered the stream
     * answer. The caps are exact across event loops: a count goes up, and back down if over.
     */
    Runnable admitStream(RoutingContext ctx) {
        return admitStream(ctx, Limits::eventStreamAnswer);
    }

    /** How a transport tells a client that its stream was refused, to come back after a delay. */
    @FunctionalInterface
    interface StreamRefusal {
        /** @param reconnect the data of the {@code reconnect} event to send, JSON */
        void refuse(RoutingContext ctx, long afterMillis, String reconnect);
    }

    /** {@link #admitStream(RoutingContext)}, refusing with the transport's own answer. */
    Runnable admitStream(RoutingContext ctx, StreamRefusal refusal) {
        String address = addresses.of(ctx.request());
        int max = settings.maxStreams();
        if (max > 0 && openStreams.incrementAndGet() > max) {
            openStreams.decrementAndGet();
            refuseStream(ctx, refusal, Limit.NODE_STREAMS, capRetryMillis());
            return null;
        }
        Runnable releaseNode = max > 0 ? openStreams::decrementAndGet : () -> {};
        int perAddress = settings.maxAddressStreams();
        if (perAddress > 0 && !holdAddress(address, perAddress)) {
            releaseNode.run();
            refuseStream(ctx, refusal, Limit.ADDRESS_STREAMS, capRetryMillis());
            return null;
        }
        Runnable release = perAddress > 0 ? () -> {
            releaseNode.run();
            openByAddress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
        } : releaseNode;
        if (streams != null && !streamAllowed(ctx, refusal, streams.of(address), Limit.STREAM)) {
            release.run();
            return null;
        }
        if (nodeStreams != null && !streamAllowed(ctx, refusal, nodeStreams, Limit.NODE_STREAM_RATE)) {
            release.run();
            return null;
        }
        return release;
    }

    private boolean holdAddress(String address, int max) {
        boolean[] held = new boolean[1];
        openByAddress.compute(address, (key, count) -> {
            int now = count == null ? 0 : count;
            held[0] = now < max;
            return held[0] ? now + 1 : (count == null ? null : count);
        });
        return held[0];
    }

    private boolean streamAllowed(RoutingContext ctx, StreamRefusal refusal, Bucket bucket, Limit limit) {
        if (bucket.tryConsume(1)) {
            return true;
        }
        long waitMillis = TimeUnit.NANOSECONDS.toMillis(bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill());
        refuseStream(ctx, refusal, limit, jittered(Math.max(1_000, waitMillis)));
        return false;
    }

    private long capRetryMillis() {
        return jittered(settings.streamRetry().toMillis());
    }

    /** Up to half again as long, so that the streams refused together do not come back together. */
    private static long jittered(long millis) {
        return millis + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
    }

    /**
     * The stream answer (docs/LIMITS.md): {@code 200 text/event-stream} with {@code Retry-After}, an SSE
     * {@code retry} of the delay, and one {@code reconnect} event, {@code {"after_ms", "error":
     * "rate_limited", "limit", "message"}}; then the response ends. A browser's EventSource reconnects by
     * itself after the delay (with its Last-Event-ID); any client tells it from a stream that opened by
     * its first event: {@code reconnect} with an {@code error}, where an opened stream starts with
     * {@code connected}.
     */
    private void refuseStream(RoutingContext ctx, StreamRefusal refusal, Limit limit, long afterMillis) {
        limited.get(limit).increment();
        String event = new JsonObject()
                .put("after_ms", afterMillis)
                .put("error", "rate_limited")
                .put("limit", limit.tag)
                .put("message", limit.message + "; reconnect after " + afterMillis + " ms")
                .encode();
        refusal.refuse(ctx, afterMillis, event);
    }

    private static void eventStreamAnswer(RoutingContext ctx, long afterMillis, String event) {
        HttpServerResponse response = ctx.response();
        response.setStatusCode(200)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no")
                .putHeader("Retry-After", Long.toString(retryAfterSeconds(TimeUnit.MILLISECONDS.toNanos(afterMillis))))
                .end("retry: " + afterMillis + "\n\nevent: reconnect\ndata: " + event + "\n\n");
    }

    private static Bucket bucket(RateLimits.Rate rate) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(rate.tokens()).refillGreedy(rate.tokens(), rate.period()))
                .withSynchronizationStrategy(SynchronizationStrategy.LOCK_FREE)
                .build();
    }

    /** One bucket per key, made on first use; bounded, and a bucket unused for its period is dropped. */
    private record Buckets(Cache<String, Bucket> table, RateLimits.Rate rate) {
        static Buckets of(RateLimits.Rate rate) {
            if (rate.off()) {
                return null;
            }
            return new Buckets(Caffeine.newBuilder()
                    .maximumSize(TABLE_SIZE)
                    .expireAfterAccess(rate.period())
                    // Its upkeep (expiry, eviction) runs on the looking-up thread, amortized: handed to
                    // the common pool it woke a pool thread about once per ten relays at 1,000/s.
                    .executor(Runnable::run)
                    .build(), rate);
        }

        Bucket of(String key) {
            return table.get(key, unused -> bucket(rate));
        }
    }
}
