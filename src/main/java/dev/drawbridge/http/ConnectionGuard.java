package dev.drawbridge.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps the node's file descriptors below the open-file limit, so that {@code accept()} never fails:
 * a node whose accept fails with {@code EMFILE} leaves every new client in the listen queue (Netty
 * then stops accepting for a second and tries again, with a log line each time), where it hangs
 * until it gives up, and it cannot answer {@code /healthz} either. Instead, every connection is
 * accepted and counted as it is accepted, and the descriptors in use are estimated as the last
 * sample of the process's open count (taken off the event loops every {@link #SAMPLE_MILLIS}) plus
 * the connections accepted since, less those closed.
 * <ul>
 *   <li>Fewer than {@code reserve} descriptors left: the new connection's request is answered
 *   {@code 503 unavailable} with {@code Retry-After} and the JSON body, and the connection closes
 *   ({@code GET /healthz} is still answered, then closed); one that sends no request within
 *   {@link #REFUSED_MILLIS} is closed.</li>
 *   <li>Fewer than half of {@code reserve} left: the connection is reset at once (its descriptor
 *   is free again within the same event-loop turn).</li>
 * </ul>
 * Connections already open, event streams among them, are never touched. Each refusal is counted in
 * {@code drawbridge_refused_total{reason="file_descriptors"}}.
 */
final class ConnectionGuard {
    static final long SAMPLE_MILLIS = 200;
    static final long REFUSED_MILLIS = 1_000;
    private static final String REFUSED = new JsonObject().put("error", "unavailable")
            .put("message", "this node is at its limit of open connections; retry shortly").encode();

    private final Vertx vertx;
    private final int reserve;
    private final ClientErrorLog errors;
    private final com.sun.management.UnixOperatingSystemMXBean os;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicBoolean sampling = new AtomicBoolean();
    private final Set<HttpConnection> refused = ConcurrentHashMap.newKeySet();
    private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
    private final Counter refusals;
    private volatile long maxDescriptors = Long.MAX_VALUE;
    private volatile long sampledOpen;
    private volatile int connectionsAtSample;

    ConnectionGuard(Vertx vertx, int reserve, MeterRegistry metrics, ClientErrorLog errors) {
        this.vertx = vertx;
        this.reserve = reserve;
        this.errors = errors;
        this.os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix
                ? unix : null;
        this.refusals = Counter.builder("drawbridge.refused").description("connections refused by the node")
                .tag("reason", "file_descriptors").register(metrics);
        Gauge.builder("drawbridge.file.descriptors.limit", () -> maxDescriptors)
                .description("the open-file limit as the node last read it (refusals are counted from it)")
                .register(metrics);
        if (os != null) {
            sample();
            // Reading /proc/self/fd is a directory listing: never on an event loop.
            vertx.setPeriodic(SAMPLE_MILLIS, timer -> {
                if (!sampling.compareAndSet(false, true)) {
                    return;
                }
                try {
                    vertx.executeBlocking(() -> {
                        sample();
                        return null;
                    }, false).onComplete(done -> sampling.set(false));
                } catch (RejectedExecutionException closing) {
                    vertx.cancelTimer(timer); // Vert.x is closing: its workers are gone
                }
            });
        }
    }

    /** Read on a worker; the limit too, since an operator may raise it on a running process (prlimit). */
    private void sample() {
        int before = connections.get();
        long max = os.getMaxFileDescriptorCount(); // getrlimit: needs no descriptor
        if (max >= 0) {
            maxDescriptors = max;
        }
        long open = os.getOpenFileDescriptorCount();
        if (open < 0) {
            // Counting needs a descriptor of its own (it lists /proc/self/fd): at the limit it fails
            // (-1). Then the last sample, moved by the connections counted since, stands.
            return;
        }
        connectionsAtSample = before;
        sampledOpen = open;
    }

    /** Descriptors left, as estimated now. */
    long free() {
        return maxDescriptors - (sampledOpen + connections.get() - connectionsAtSample);
    }

    /**
     * A new connection, on its event loop: refused with {@code 503} when the node is near its
     * limit. Answers whether it may be served. The first one also puts {@link Acceptor} on the
     * listening channel, where every later connection is counted as it is accepted.
     */
    boolean admit(HttpConnection connection, Channel channel) {
        Channel listener = channel.parent();
        if (listener != null && listeners.add(listener)) {
            listener.pipeline().addFirst("drawbridgeAcceptor", new Acceptor());
        }
        connection.closeHandler(closed -> refused.remove(connection));
        long free = free();
        if (free > reserve) {
            return true;
        }
        refusals.increment();
        errors.note("answered 503: " + free + " file descriptors left, fewer than --fd-reserve " + reserve,
                connection.remoteAddress());
        refused.add(connection);
        vertx.setTimer(REFUSED_MILLIS, timer -> connection.close());
        return false;
    }

    /**
     * On the listening channel, before Netty hands a new connection to an event loop: counts it from
     * the moment it holds a descriptor (an acceptor thread can run far ahead of the event loops that
     * take its connections, so counting any later would let a burst pass the limit), and resets it
     * at once when fewer than half of the reserve are left.
     */
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Channel accepted)) {
                ctx.fireChannelRead(msg);
                return;
            }
            connections.incrementAndGet();
            long free = free();
            if (free <= reserve / 2) {
                refusals.increment();
                errors.note("reset a connection: " + free + " file descriptors left, fewer than half of --fd-reserve "
                        + reserve, accepted.remoteAddress() instanceof InetSocketAddress inet
                        ? SocketAddress.inetSocketAddress(inet) : null);
                try {
                    accepted.config().setOption(ChannelOption.SO_LINGER, 0);
                } finally {
                    accepted.unsafe().closeForcibly();
                    connections.decrementAndGet();
                }
                return;
            }
            accepted.closeFuture().addListener(closed -> connections.decrementAndGet());
            ctx.fireChannelRead(msg);
        }
    }

    /** {@code next} for the requests of admitted connections; a refused one's request is answered 503. */
    Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
        return request -> {
            if (refused.isEmpty() || !refused.contains(request.connection())) {
                next.handle(request);
                return;
            }
            request.response().putHeader("Connection", "close");
            if (request.method() == HttpMethod.GET && "/healthz".equals(request.path())) {
                next.handle(request);
                return;
            }
            request.response().setStatusCode(503)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Retry-After", "1")
                    .end(REFUSED)
                    .onComplete(done -> request.connection().close());
        };
    }
}
