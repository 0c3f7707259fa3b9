package dev.drawbridge.app;

import dev.drawbridge.auth.Tokens;
import dev.drawbridge.http.Api;
import dev.drawbridge.signal.Signaling;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.transport.Transport;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** One running node: wiring by hand, start, and stop. */
public final class Drawbridge {
    private static final Logger log = LoggerFactory.getLogger(Drawbridge.class);

    private final Vertx vertx;
    private final Backend backend;
    private final Signaling signaling;
    private final int port;

    private Drawbridge(Vertx vertx, Backend backend, Signaling signaling, int port) {
        this.vertx = vertx;
        this.backend = backend;
        this.signaling = signaling;
        this.port = port;
    }

    /** Starts a node; the future completes once it listens. */
    public static Future<Drawbridge> start(Config config) {
        int loops = config.eventLoops() > 0 ? config.eventLoops() : Runtime.getRuntime().availableProcessors();
        Transport transport;
        try {
            transport = transport(config.transport());
        } catch (IllegalStateException e) {
            return Future.failedFuture(e);
        }
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions().setEventLoopPoolSize(loops))
                .withTransport(transport)
                .build();
        log.info("{} event loops on the {} transport", loops, transport.name());
        Tokens tokens;
        try {
            tokens = new Tokens(secret(config), config.tokenLifetime(), config.refreshGrace(), Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            return vertx.close().transform(closed -> Future.failedFuture(e));
        }
        String nodeId = config.nodeId().orElseGet(() -> UUID.randomUUID().toString());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);

        Future<Drawbridge> running = Backend.connect(vertx, config, nodeId)
                .compose(backend -> {
                    Signaling signaling = new Signaling(backend.bus(), backend.rooms(), config.maxRoomSize(), metrics);
                    backend.onMembershipLost().accept(() -> signaling.resyncAll("membership lost"));
                    Api api = new Api(vertx, signaling, backend.boards(), tokens,
                            new Api.Settings(config.maxBodyBytes(), config.pingInterval().toMillis(),
                                    config.streamBufferBytes(), config.iceServers()),
                            metrics, backend.readiness(), page());
                    // Every instance listens on the same port; Vert.x spreads connections over them.
                    // A negative port makes all instances share one random free port.
                    int listenPort = config.port() == 0 ? -1 : config.port();
                    AtomicInteger actualPort = new AtomicInteger();
                    return vertx.deployVerticle(
                                    () -> new HttpVerticle(api.router(), config.host(), listenPort, actualPort),
                                    new DeploymentOptions().setInstances(loops))
                            .map(id -> new Drawbridge(vertx, backend, signaling, actualPort.get()))
                            .recover(failure -> backend.close().get().transform(closed -> Future.failedFuture(failure)));
                });
        // A failed start closes Vert.x from a thread of its own and answers on a future bound to no
        // event loop: a future bound to one of Vert.x' loops would never complete once they stopped,
        // and the caller (Main: "could not start: ...") would wait forever.
        CompletableFuture<Drawbridge> outcome = new CompletableFuture<>();
        running.onComplete(started -> {
            if (started.succeeded()) {
                outcome.complete(started.result());
            } else {
                Thread.ofPlatform().name("drawbridge-failed-start").start(() ->
                        vertx.close().onComplete(closed -> outcome.completeExceptionally(started.cause())));
            }
        });
        return Future.fromCompletionStage(outcome);
    }

    public int port() {
        return port;
    }

    public Signaling signaling() {
        return signaling;
    }

    /** Closes every stream and connection, then the backend. */
    public Future<Void> stop() {
        return backend.close().get().transform(closed -> vertx.close());
    }

    /**
     * Linux' epoll through Netty's native library costs a third less CPU per request than the JDK's
     * selector on the machines measured (docs/BENCHMARKS.md); the JDK's works everywhere.
     */
    static Transport transport(String choice) {
        return switch (choice) {
            case "nio" -> Transport.NIO;
            case "epoll" -> {
                if (!Transport.EPOLL.available()) {
                    throw new IllegalStateException("--transport epoll: the native epoll transport does not load here ("
                            + Transport.EPOLL.unavailabilityCause() + "); use --transport nio");
                }
                yield Transport.EPOLL;
            }
            default -> {
                if (Transport.EPOLL.available()) {
                    yield Transport.EPOLL;
                }
                log.info("native epoll transport unavailable ({}): using the JDK's", Transport.EPOLL.unavailabilityCause());
                yield Transport.NIO;
            }
        };
    }

    private static byte[] secret(Config config) {
        if (config.tokenSecret().isPresent()) {
            byte[] secret = config.tokenSecret().get().getBytes(StandardCharsets.UTF_8);
            if (secret.length < Tokens.MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("TOKEN_SECRET must be at least " + Tokens.MIN_SECRET_BYTES
                        + " bytes long (e.g. the output of: openssl rand -base64 48)");
            }
            return secret;
        }
        log.warn("TOKEN_SECRET is not set: using a random secret for this process; "
                + "nodes of one cluster must share one secret, or their tokens will not be accepted by each other");
        byte[] secret = new byte[48];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    private static Buffer page() {
        try (InputStream in = Drawbridge.class.getClassLoader().getResourceAsStream("web/index.html")) {
            if (in == null) {
                throw new IllegalStateException("web/index.html is missing from the classpath");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One HTTP server instance, on its own event loop. */
    private static final class HttpVerticle extends io.vertx.core.VerticleBase {
        private final Router router;
        private final String host;
        private final int port;
        private final AtomicInteger actualPort;

        HttpVerticle(Router router, String host, int port, AtomicInteger actualPort) {
            this.router = router;
            this.host = host;
            this.port = port;
            this.actualPort = actualPort;
        }

        @Override
        public Future<?> start() {
            HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
                    .setTcpNoDelay(true).setCompressionSupported(false).setIdleTimeout(0);
            return vertx.createHttpServer(options).requestHandler(router).listen()
                    .onSuccess(server -> actualPort.set(server.actualPort()));
        }
    }
}
