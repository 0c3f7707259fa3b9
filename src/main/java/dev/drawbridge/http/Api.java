package dev.drawbridge.http;

import dev.drawbridge.auth.TokenException;
import dev.drawbridge.auth.Tokens;
import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.EventId;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.signal.Identifiers;
import dev.drawbridge.signal.Signaling;
import dev.drawbridge.store.Boards;
import dev.drawbridge.store.StoreUnavailableException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The routes of PROTOCOL.md. Each handler parses and validates, calls one domain method, and maps
 * its result to a status; the rules live in {@link Signaling}.
 */
public final class Api {
    private static final Logger log = LoggerFactory.getLogger(Api.class);
    /** The server's own failures, logged with their stack trace but never a flood of them. */
    private final ClientErrorLog serverErrors = new ClientErrorLog(10, 60_000);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Stands for a Last-Event-ID that is no id of this server's: no history has its epoch. */
    private static final EventId UNKNOWN_ID = new EventId("0", 0);

    /** What the routes need from the rest of the node. */
    public record Settings(int maxBodyBytes, long pingMillis, int streamBufferBytes, JsonArray iceServers, Edge edge) {}

    private final Vertx vertx;
    private final Signaling signaling;
    private final Boards boards;
    private final Tokens tokens;
    private final Settings settings;
    private final PrometheusMeterRegistry metrics;
    private final Supplier<Future<Void>> readiness;
    private final StreamMetrics streamMetrics;
    private final Limits limits;
    private final WebSockets webSockets;
    private static final Buffer SERVICE_WORKER = resource("web/sw.js");
    private final Buffer page;

    public Api(Vertx vertx, Signaling signaling, Boards boards, Tokens tokens, Settings settings,
               PrometheusMeterRegistry metrics, Supplier<Future<Void>> readiness, Buffer page, Limits limits) {
        this.vertx = vertx;
        this.signaling = signaling;
        this.boards = boards;
        this.tokens = tokens;
        this.settings = settings;
        this.metrics = metrics;
        this.readiness = readiness;
        this.streamMetrics = new StreamMetrics(metrics);
        this.page = page;
        this.limits = limits;
        this.webSockets = new WebSockets(vertx, signaling, tokens, limits, streamMetrics, settings, serverErrors);
    }

    /**
     * The WebSocket settings of the node's HTTP servers: messages up to a body at its largest and
     * its envelope, in one frame or several, and no compression (a deflater per socket would cost
     * more memory than the socket itself, for signaling messages of a few hundred bytes).
     */
    public HttpServerOptions webSocketOptions(HttpServerOptions options) {
        int max = WebSockets.maxMessageBytes(settings.maxBodyBytes());
        return options.setMaxWebSocketFrameSize(max).setMaxWebSocketMessageSize(max)
                .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false);
    }

    /** {@code next} (the node's whole request handling) behind the edge's headers and CORS. */
    public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
        return settings.edge().guard(next);
    }

    /** A router for one HTTP server instance; every instance shares this API's state. */
    public Router router() {
        Router router = Router.router(vertx);
        Authentication auth = new Authentication(tokens, false);
        BodyHandler body = BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes());

        router.post("/access").handler(body).handler(limits.tokens()).handler(this::access);
        router.post("/access/refresh").handler(limits.tokens()).handler(this::refresh);
        router.get("/connect").handler(new Authentication(tokens, true)).handler(this::connect);
        webSockets.mount(router); // GET /ws, before /:roomId
        router.post("/relay/:peerId/:event").handler(body).handler(auth).handler(limits.relays()).handler(this::relay);

        router.get("/healthz").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "alive")));
        router.get("/readyz").handler(this::ready);
        router.get("/metrics").handler(ctx -> settings.edge().metrics(ctx, metrics));
        router.get("/config").handler(ctx -> settings.edge().config(ctx, tokens, settings.iceServers(), signaling.maxRoomSize()));
        // Asset URLs carry no version: browsers must revalidate (a 304 is cheap) or keep old code.
        router.get("/assets/*").handler(Api::revalidate)
                .handler(StaticHandler.create("web/assets").setDefaultContentEncoding("UTF-8"));
        // The service worker lives at the root, so that its scope covers every /<roomId>.
        router.get("/sw.js").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/javascript; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .end(SERVICE_WORKER));

        router.get("/favicon.ico").handler(ctx -> ctx.response()
                .setStatusCode(301).putHeader("Location", "/assets/icon.svg").end());
        router.get("/").handler(ctx -> ctx.response()
                .setStatusCode(302).putHeader("Location", "/" + newRoomId() + "#new").end()); // the app makes the key
        new BoardRoutes(vertx, boards, metrics).mount(router);
        router.get("/:roomId").handler(this::page);
        router.post("/:roomId/join").handler(body).handler(auth).handler(limits.joins()).handler(this::join);
        router.post("/:roomId/leave").handler(body).handler(auth).handler(this::leave);
        router.post("/:roomId/broadcast/:event").handler(body).handler(auth).handler(limits.relays()).handler(this::broadcast);

        router.route().failureHandler(this::failed);
        router.errorHandler(404, ctx -> ApiError.send(ctx, 404, "not_found", "no such route"));
        router.errorHandler(405, ctx -> ApiError.send(ctx, 405, "method_not_allowed", "method not allowed here"));
        return router;
    }

    private static Buffer resource(String name) {
        try (InputStream in = Api.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void revalidate(RoutingContext ctx) {
        ctx.addHeadersEndHandler(end -> ctx.response().headers().set("Cache-Control", "no-cache"));
        ctx.next();
    }

    /** POST /access {"username"}: a token for a new peer. */
    private void access(RoutingContext ctx) {
        JsonObject request = jsonObject(ctx);
        String username = Identifiers.username(request.getValue("username") instanceof String s ? s : null)
                .orElseThrow(() -> new ApiError(400, "invalid_username",
                        "username must be 1 to " + Identifiers.MAX_USERNAME_LENGTH
                                + " characters after trimming, with no control characters"));
        json(ctx, 200, new JsonObject().put("token", tokens.issue(username)));
    }

    /** POST /access/refresh: a new token for the same peer. */
    private void refresh(RoutingContext ctx) {
        if (Authentication.refusedQueryToken(ctx)) {
            return;
        }
        String token = Authentication.bearer(ctx);
        if (token == null) {
            throw new ApiError(401, "missing_token", "this request needs an access token");
        }
        try {
            json(ctx, 200, new JsonObject().put("token", tokens.refresh(token)));
        } catch (TokenException e) {
            Authentication.refuse(ctx, e);
        }
    }

    /** GET /connect: the peer's event stream. */
    private void connect(RoutingContext ctx) {
        String accept = ctx.request().getHeader("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new ApiError(406, "not_acceptable", "GET /connect needs Accept: text/event-stream");
        }
        Runnable release = limits.admitStream(ctx);
        if (release == null) {
            return; // over a limit: answered with the stream answer (docs/LIMITS.md)
        }
        Peer peer = Authentication.peer(ctx);
        Optional<EventId> after = resumeFrom(ctx.request());
        SseStream stream = new SseStream(vertx, ctx.response(), ctx.request().connection(), streamMetrics, peer.id());
        stream.onClose(release);
        stream.start(settings.pingMillis(), settings.streamBufferBytes());
        signaling.open(peer, stream, after);
    }

    /**
     * Where a stream resumes: {@code Last-Event-ID}, which EventSource sends by itself when it
     * reconnects, or {@code ?lastEventId=} for clients that cannot set headers (a WebSocket). An id
     * this server did not write resumes nothing it can replay: the stream then starts with resync.
     */
    static Optional<EventId> resumeFrom(HttpServerRequest request) {
        String lastEventId = request.getHeader("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = request.getParam("lastEventId");
        }
        return lastEventId == null || lastEventId.isBlank() ? Optional.empty()
                : Optional.of(EventId.parse(lastEventId.strip()).orElse(UNKNOWN_ID));
    }

    /** POST /:roomId/join */
    private void join(RoutingContext ctx) {
        String roomId = roomId(ctx);
        signaling.join(Authentication.peer(ctx), roomId).onComplete(done -> answer(ctx, done, result -> Answer.joined(roomId, result)));
    }

    /** POST /:roomId/leave */
    private void leave(RoutingContext ctx) {
        String roomId = roomId(ctx);
        signaling.leave(Authentication.peer(ctx), roomId).onComplete(done -> answer(ctx, done, left -> Answer.left(roomId, left)));
    }

    /** POST /relay/:peerId/:event */
    private void relay(RoutingContext ctx) {
        String target = ctx.pathParam("peerId");
        Answer.checkPeerId(target);
        String body = ctx.body().asString();
        Answer.checkEvent(ctx.pathParam("event"), body);
        signaling.relay(Authentication.peer(ctx), target, ctx.pathParam("event"), body)
                .onComplete(done -> answer(ctx, done, Answer::relayed));
    }

    /** POST /:roomId/broadcast/:event */
    private void broadcast(RoutingContext ctx) {
        String roomId = roomId(ctx);
        String body = ctx.body().asString();
        Answer.checkEvent(ctx.pathParam("event"), body);
        signaling.broadcast(Authentication.peer(ctx), roomId, ctx.pathParam("event"), body)
                .onComplete(done -> answer(ctx, done, Answer::broadcast));
    }

    /** The domain's result as its answer, or its failure to the failure handler. */
    private static <T> void answer(RoutingContext ctx, io.vertx.core.AsyncResult<T> done,
                                   java.util.function.Function<T, Answer> answer) {
        if (done.failed()) {
            ctx.fail(done.cause());
        } else {
            answer.apply(done.result()).send(ctx);
        }
    }

    /** GET /:roomId: the drawing app. */
    private void page(RoutingContext ctx) {
        roomId(ctx);
        ctx.response()
                .putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .end(page);
    }

    private void ready(RoutingContext ctx) {
        readiness.get().onComplete(ready -> {
            if (ready.succeeded()) {
                json(ctx, 200, new JsonObject().put("status", "ready"));
            } else {
                ApiError.send(ctx, 503, "not_ready", ready.cause().getMessage());
            }
        });
    }

    private void failed(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure instanceof ApiError error) {
            error.send(ctx);
        } else if (failure instanceof BusUnavailableException || failure instanceof StoreUnavailableException) {
            Answer.ofFailure(failure).send(ctx);
        } else if (failure instanceof HttpClosedException) {
            // The client went away mid-request (or a drain's deadline cut it): no one to answer.
            log.debug("{} {}: the connection closed before the request was read", ctx.request().method(),
                    ctx.request().path());
        } else if (ctx.statusCode() == 413) {
            ApiError.send(ctx, 413, "body_too_large", "the body is larger than " + settings.maxBodyBytes() + " bytes");
        } else if (WellFormed.malformedBody(ctx)) {
            serverErrors.refused(ctx.request(), 400, "bad_request");
            ApiError.send(ctx, 400, "bad_request", "the request's body cannot be read");
        } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            // A client's error that Vert.x found (the router, a body handler): its answer, no stack trace.
            ApiError.send(ctx, ctx.statusCode(), "bad_request", "the request cannot be served");
        } else {
            serverErrors.failure(ctx.request(), failure);
            ApiError.send(ctx, 500, "internal_error", "something went wrong on the server");
        }
    }

    static String roomId(RoutingContext ctx) {
        String roomId = ctx.pathParam("roomId");
        Answer.checkRoomId(roomId);
        return roomId;
    }

    private static JsonObject jsonObject(RoutingContext ctx) {
        return jsonObject(ctx.body().buffer());
    }

    /** The body as a JSON object, or the {@code 400 invalid_json} answer. */
    static JsonObject jsonObject(Buffer body) {
        try {
            Object value = body == null ? null : body.toJsonValue();
            if (value instanceof JsonObject object) {
                return object;
            }
        } catch (DecodeException e) {
            throw new ApiError(400, "invalid_json", "the body must be a JSON object");
        }
        throw new ApiError(400, "invalid_json", "the body must be a JSON object");
    }

    static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    private static String newRoomId() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
