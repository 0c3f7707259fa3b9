package dev.drawbridge.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Which requests the node takes, as it stops. Serving: every one. Draining: no new event stream
 * ({@code GET /connect} and {@code GET /ws} answer {@code 503 draining} with {@code Retry-After}, which a load balancer
 * takes as "try the next node") and not ready ({@code GET /readyz} answers the same), but every other
 * request is served. Closing: every request answers {@code 503 draining} with {@code Retry-After},
 * so that a load balancer without health checks of its own (nginx's open-source edition) marks the
 * node as failed and stops sending to it before its listeners close: closing a listener while
 * requests still come in resets them, which a proxy cannot retry when they were POSTs. Shared by
 * every HTTP server instance of a node.
 */
public final class Admission {
    private static final String STREAM_REFUSED = new JsonObject()
            .put("error", "draining")
            .put("message", "this node is shutting down; connect again, another node will take the stream")
            .encode();
    private static final String REFUSED = new JsonObject()
            .put("error", "draining")
            .put("message", "this node is shutting down; retry, another node will answer")
            .encode();

    private enum State { SERVING, DRAINING, CLOSING }

    private volatile State state = State.SERVING;
    private volatile long lastRequestNanos = System.nanoTime();

    /** From now on, refuse new streams and readiness; at once, from any thread. */
    public void drain() {
        lastRequestNanos = System.nanoTime();
        state = State.DRAINING;
    }

    /** From now on, refuse every request. */
    public void close() {
        state = State.CLOSING;
    }

    /** How long ago the last request arrived, counted from the start of the drain. */
    public long quietMillis() {
        return (System.nanoTime() - lastRequestNanos) / 1_000_000;
    }

    /** {@code next} (a server's router) behind this admission. */
    public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
        return request -> {
            State now = state;
            if (now != State.SERVING) {
                lastRequestNanos = System.nanoTime();
                if (now == State.CLOSING) {
                    refuse(request, REFUSED);
                    return;
                }
                if (request.method() == HttpMethod.GET
                        && ("/connect".equals(request.path()) || "/ws".equals(request.path())
                        || "/readyz".equals(request.path()))) {
                    refuse(request, STREAM_REFUSED);
                    return;
                }
            }
            next.handle(request);
        };
    }

    private static void refuse(HttpServerRequest request, String body) {
        request.response()
                .setStatusCode(503)
                .putHeader("Content-Type", "application/json")
                .putHeader("Retry-After", "1")
                .end(body);
    }
}
