package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Drawbridge's own transport, PROTOCOL.md: a token from {@code POST /access}, one SSE stream per
 * peer ({@code GET /connect}), and every join, leave and relay an authenticated POST.
 */
final class SseWire implements Wire {
    private static final Buffer EMPTY = Buffer.buffer();
    /** The longest a request waits for a connection of the pool (or for one to open). */
    private static final long CONNECTION_WAIT_MILLIS = 30_000;

    private final Counters counters;

    SseWire(Counters counters) {
        this.counters = counters;
    }

    @Override
    public Future<?> identify(Peer p) {
        Endpoint e = p.endpoint;
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(e.host()).setPort(e.port())
                .setURI("/access").putHeader("Content-Type", "application/json");
        String body = new JsonObject().put("username", p.username).encode();
        return e.requests().request(request)
                .compose(r -> r.send(body))
                .compose(response -> response.body().map(b -> {
                    counters.status("access", Integer.toString(response.statusCode()));
                    if (response.statusCode() == 200) {
                        p.token = new JsonObject(b).getString("token");
                        p.id = peerIdOf(p.token);
                        p.bearer = "Bearer " + p.token;
                    }
                    return null;
                }))
                .onFailure(failure -> counters.status("access", LoadGenerator.failureName(failure)));
    }

    @Override
    public Future<?> connect(Peer p) {
        Endpoint e = p.endpoint;
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(e.host()).setPort(e.port())
                .setURI("/connect").putHeader("Accept", "text/event-stream")
                .putHeader("Authorization", p.bearer).setIdleTimeout(0).setConnectTimeout(10_000);
        return e.streams().request(request)
                .compose(r -> r.send())
                .compose(response -> {
                    counters.status("connect", Integer.toString(response.statusCode()));
                    if (response.statusCode() != 200) {
                        return response.body().transform(x -> Future.failedFuture("status " + response.statusCode()));
                    }
                    p.streamConnection = response.request().connection();
                    response.handler(p::onBytes);
                    response.endHandler(v -> counters.streamsEnded.increment());
                    response.exceptionHandler(failure -> counters.status("stream", LoadGenerator.failureName(failure)));
                    return p.connected.future().timeout(30, TimeUnit.SECONDS);
                })
                .onFailure(failure -> counters.status("connect", LoadGenerator.failureName(failure)));
    }

    @Override
    public Future<Integer> join(Peer p, String roomId) {
        return post(p, "/" + roomId + "/join", EMPTY);
    }

    @Override
    public Future<Integer> leave(Peer p, String roomId) {
        return post(p, "/" + roomId + "/leave", EMPTY);
    }

    @Override
    public Future<Integer> relay(Peer from, Peer to, String event, String body) {
        return post(from, to.relayPath(event), Buffer.buffer(body));
    }

    /** {@code POST /access/refresh}: authenticated, a token verified and one signed; no bus, no Redis. */
    Future<Integer> trivial(Peer p) {
        return post(p, "/access/refresh", EMPTY);
    }

    @Override
    public boolean announcesMembership() {
        return true;
    }

    /**
     * An authenticated POST; answers its status. No per-request timer: the request connections'
     * idle timeout ({@link LoadGenerator}) bounds a request that is never answered, and the connect
     * timeout one that never gets a connection from the pool (failed, and so counted, not awaited).
     */
    private static Future<Integer> post(Peer p, String uri, Buffer body) {
        Endpoint e = p.endpoint;
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(e.host()).setPort(e.port())
                .setConnectTimeout(CONNECTION_WAIT_MILLIS)
                .setURI(uri).putHeader("Authorization", p.bearer)
                .putHeader("Content-Type", "application/json");
        return e.requests().request(request)
                .compose(r -> r.send(body))
                .compose(response -> response.body().map(b -> response.statusCode()));
    }

    static String peerIdOf(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new IllegalStateException("the node answered a token that is not a JWT");
        }
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        return new JsonObject(claims).getString("id");
    }
}
