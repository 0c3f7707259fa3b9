package dev.drawbridge.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Which requests the node takes. While it serves: every one. Once it drains: no new event stream
 * ({@code GET /connect} answers {@code 503 draining} with {@code Retry-After}, which a load balancer
 * takes as "try the next node"), {@code GET /readyz} answers {@code 503 draining}, and every other
 * request is still served, with {@code Connection: close}, so that proxies and browsers stop reusing
 * connections to a node that will soon close them. Shared by every HTTP server instance of a node.
 */
public final class Admission {
    private static final String DRAINING = new JsonObject()
            .put("error", "draining")
            .put("message", "this node is shutting down; connect again, another node will take the stream")
            .encode();

    private volatile boolean draining;

    /** From now on, refuse new streams and readiness; at once, from any thread. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** {@code next} (a server's router) behind this admission. */
    public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
        return request -> {
            if (draining) {
                if (request.method() == HttpMethod.GET
                        && ("/connect".equals(request.path()) || "/readyz".equals(request.path()))) {
                    request.response()
                            .setStatusCode(503)
                            .putHeader("Content-Type", "application/json")
                            .putHeader("Retry-After", "1")
                            .putHeader("Connection", "close")
                            .end(DRAINING);
                    return;
                }
                request.response().putHeader("Connection", "close");
            }
            next.handle(request);
        };
    }
}
