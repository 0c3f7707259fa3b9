package dev.drawbridge.app;

import dev.drawbridge.auth.Tokens;
import dev.drawbridge.http.Admission;
import dev.drawbridge.http.Api;
import dev.drawbridge.http.Edge;
import dev.drawbridge.http.Hardening;
import dev.drawbridge.http.Limits;
import dev.drawbridge.signal.Drain;
import dev.drawbridge.signal.Signaling;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** One running node: wiring by hand, start, and stop. */
public final class Drawbridge {
    private static final Logger log = LoggerFactory.getLogger(Drawbridge.class);
    /** What {@link #drain} leaves for the backend and Vert.x to close before the deadline. */
    private static final long STOP_RESERVE_MILLIS = 1_000;
    /** How long no request must have come before the listeners close (a load balancer has let go). */
    private static final long QUIET_MILLIS = 500;

    private final Vertx vertx;
    private final Backend backend;
    private final Signaling signaling;
    private final int port;
    private final Config config;
    private final Admission admission;
    private final List<HttpServer> servers;

    private Drawbridge(Vertx vertx, Backend backend, Signaling signaling, int port, Config config,
                       Admission admission, List<HttpServer> servers) {
        this.vertx = vertx;
        this.backend = backend;
        this.signaling = signaling;
        this.port = port;
        this.config = config;
        this.admission = admission;
        this.servers = servers;
    }

    /**
     * Event loops when none are configured: half the cores, at least one. A relay read on one loop
     * whose target's stream lives on another is a task handed over, and at everyday rates that loop
     * sleeps and must be woken; the other half of the cores is left to the kernel's network work, the
     * JIT and the collector. On these 2-core machines one loop costs 30 to 45 % less CPU per relay
     * at 1,000 relays/s than two, and carried as many relays or more at full load (docs/BENCHMARKS.md,
     * "Event loops").
     */
    static int defaultEventLoops(int cores) {
        return Math.max(1, cores / 2);
    }

    /** Starts a node; the future completes once it listens. */
    public static Future<Drawbridge> start(Config config) {
        int loops = config.eventLoops() > 0 ? config.eventLoops() : defaultEventLoops(Runtime.getRuntime().availableProcessors());
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
            tokens = new Tokens(secret(config), config.tokenLifetime(), config.refreshGrace(),
                    config.edge().tokenClockSkew(), Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            return vertx.close().transform(closed -> Future.failedFuture(e));
        }
        String nodeId = config.nodeId().orElseGet(() -> UUID.randomUUID().toString());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);

        Future<Drawbridge> running = Backend.connect(vertx, config, nodeId, metrics)
                .compose(backend -> {
                    Signaling signaling = new Signaling(backend.bus(), backend.rooms(), vertx, config.maxRoomSize(),
                            config.resumeGrace(), metrics);
                    backend.onMembershipLost().accept(() -> signaling.resyncAll("membership lost"));
                    Api api = new Api(vertx, signaling, backend.boards(), tokens,
                            new Api.Settings(config.maxBodyBytes(), config.pingInterval().toMillis(),
                                    config.streamBufferBytes(), config.iceServers(), edge(config.edge())),
                            metrics, backend.readiness(), page(), new Limits(config.limits(), metrics));
                    // Every instance listens on the same port; Vert.x spreads connections over them.
                    // A negative port makes all instances share one random free port.
                    int listenPort = config.port() == 0 ? -1 : config.port();
                    AtomicInteger actualPort = new AtomicInteger();
                    Admission admission = new Admission();
                    Hardening hardening = new Hardening(vertx, config.hardening(), metrics);
                    List<HttpServer> servers = new CopyOnWriteArrayList<>();
                    return vertx.deployVerticle(
                                    () -> new HttpVerticle(api.guard(admission.guard(api.router())), hardening, api,
                                            config.host(), listenPort, actualPort, servers),
                                    new DeploymentOptions().setInstances(loops))
                            .map(id -> new Drawbridge(vertx, backend, signaling, actualPort.get(), config, admission,
                                    servers))
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

    /**
     * Closes every stream and connection, then the backend. The sessions of the streams it closes
     * are left as they are (see {@link Signaling#stop}): their peers resume on another node.
     */
    public Future<Void> stop() {
        signaling.stop();
        return backend.close().get().transform(closed -> vertx.close());
    }

    /**
     * The first half of a stop that drops no one (SIGTERM; {@link Shutdown} does the rest): at once
     * the node is no longer ready and takes no new stream; its streams are moved to the other nodes
     * over the drain window ({@link Drain}), while every other request is served. Then every request
     * is refused with {@code 503} (see {@link Admission}) until none has come for a moment, so that
     * the load balancer has stopped sending; then the listeners close and the requests in flight
     * finish, until shortly before the drain deadline. Completes then; the node is
     * {@link #stop stopped} next, from a thread of no event loop (Vert.x cannot complete a future on
     * a loop it has just closed). The peers are left as any ended stream leaves them: nothing here
     * unregisters them or tells their rooms.
     */
    public Future<Drain.Report> drain() {
        long startNanos = System.nanoTime();
        admission.drain();
        // A browser told to wait must be back well within its resume grace.
        Duration window = config.drainSpread().compareTo(config.resumeGrace().dividedBy(2)) > 0
                ? config.resumeGrace().dividedBy(2) : config.drainSpread();
        long listenersBy = config.drainTimeout().toMillis() - STOP_RESERVE_MILLIS;
        log.info("draining: {} streams to move over {} ms, at most {} a step; the node exits within {} ms",
                signaling.liveStreams().size(), window.toMillis(), config.drainBatch(), config.drainTimeout().toMillis());
        return new Drain(vertx, new Drain.Settings(window, config.drainBatch()), new Random())
                .run(signaling::liveStreams)
                .compose(report -> vertx.timer(Math.max(1, window.toMillis() - elapsedMillis(startNanos)))
                        .compose(windowEnded -> {
                            admission.close();
                            return quiet(startNanos, listenersBy);
                        })
                        .compose(quiet -> closeListeners(listenersBy - elapsedMillis(startNanos)))
                        .map(report));
    }

    /** Completes once no request has come for {@link #QUIET_MILLIS}, or at {@code byMillis} into the drain. */
    private Future<Void> quiet(long startNanos, long byMillis) {
        Promise<Void> quiet = Promise.promise();
        vertx.setPeriodic(0, QUIET_MILLIS / 10, timer -> {
            if (admission.quietMillis() >= QUIET_MILLIS || elapsedMillis(startNanos) >= byMillis) {
                vertx.cancelTimer(timer);
                quiet.tryComplete();
            }
        });
        return quiet.future();
    }

    /** Stops listening; each connection closes once its request in flight is answered, or at the timeout. */
    private Future<Void> closeListeners(long timeoutMillis) {
        return Future.all(servers.stream()
                        .map(server -> server.shutdown(Math.max(0, timeoutMillis), TimeUnit.MILLISECONDS))
                        .toList())
                .mapEmpty();
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
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

    private static Edge edge(EdgeConfig edge) {
        return new Edge(edge.corsOrigins(), edge.metricsToken(), edge.turnUrls(), edge.turnSecret(), edge.turnTtl(),
                edge.iceTransportPolicy());
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
        private final Handler<HttpServerRequest> handler;
        private final Hardening hardening;
        private final Api api;
        private final String host;
        private final int port;
        private final AtomicInteger actualPort;
        private final List<HttpServer> servers;

        HttpVerticle(Handler<HttpServerRequest> handler, Hardening hardening, Api api, String host, int port,
                     AtomicInteger actualPort, List<HttpServer> servers) {
            this.handler = handler;
            this.hardening = hardening;
            this.api = api;
            this.host = host;
            this.port = port;
            this.actualPort = actualPort;
            this.servers = servers;
        }

        @Override
        public Future<?> start() {
            HttpServerOptions options = api.webSocketOptions(hardening.options(new HttpServerOptions().setHost(host)
                    .setPort(port).setTcpNoDelay(true).setCompressionSupported(false).setIdleTimeout(0)));
            return hardening.install(vertx.createHttpServer(options), handler).listen()
                    .onSuccess(server -> {
                        actualPort.set(server.actualPort());
                        servers.add(server);
                    });
        }
    }
}
