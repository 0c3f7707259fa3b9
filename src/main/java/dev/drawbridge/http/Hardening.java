package dev.drawbridge.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * What a node's HTTP servers do before the routes, to hold under abuse (docs/HARDENING.md): the
 * {@link Deadlines} of every connection, the {@link ConnectionGuard} near the open-file limit, the
 * {@link WellFormed} checks and JSON answers for malformed requests, and a log that a flood of them
 * cannot flood ({@link ClientErrorLog}). One per node, shared by every server instance.
 */
public final class Hardening {
    private static final Logger log = LoggerFactory.getLogger(Hardening.class);
    private static final int LOG_LINES_PER_MINUTE = 20;

    /** The settings of docs/HARDENING.md. */
    public record Settings(Duration headersTimeout, Duration bodyTimeout, Duration idleTimeout, int fdReserve) {}

    private final Deadlines deadlines;
    private final ConnectionGuard guard;
    private final WellFormed wellFormed;

    public Hardening(Vertx vertx, Settings settings, MeterRegistry metrics) {
        ClientErrorLog errors = new ClientErrorLog(LOG_LINES_PER_MINUTE, 60_000);
        vertx.setPeriodic(60_000, timer -> errors.flush());
        this.deadlines = new Deadlines(new Deadlines.Bounds(settings.headersTimeout().toMillis(),
                settings.bodyTimeout().toMillis(), settings.idleTimeout().toMillis()), metrics, errors);
        this.guard = new ConnectionGuard(vertx, settings.fdReserve(), metrics, errors);
        this.wellFormed = new WellFormed(errors);
    }

    /**
     * The server's options: no HTTP/2 in clear text (h2c): no client of the node uses it (browsers
     * speak HTTP/2 over TLS only, and a proxy in front speaks HTTP/1.1 to it), and its upgrade path
     * answered bad settings with a connection that never closed. The timeouts are {@link Deadlines}'.
     */
    public HttpServerOptions options(HttpServerOptions options) {
        return options.setHttp2ClearTextEnabled(false).setIdleTimeout(0);
    }

    /** Sets the server's handlers, with {@code handler} (the routes) behind them. */
    public HttpServer install(HttpServer server, Handler<HttpServerRequest> handler) {
        return server
                .connectionHandler(this::connected)
                .invalidRequestHandler(wellFormed.invalid())
                // Resets and the like, which a client causes and no one can act on.
                .exceptionHandler(failure -> log.debug("connection failed: {}", failure.toString()))
                .requestHandler(guard.guard(wellFormed.guard(handler)));
    }

    private void connected(HttpConnection connection) {
        Channel channel = ((ConnectionBase) connection).channel();
        if (guard.admit(connection, channel) && channel.pipeline().get("httpDecoder") != null) {
            deadlines.install(channel.pipeline());
        }
    }
}
