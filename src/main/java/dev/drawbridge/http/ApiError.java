package dev.drawbridge.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * An error answer of PROTOCOL.md: a status and {@code {"error": code, "message": text}}. Thrown or
 * failed with by handlers; the failure handler of {@link Api} writes it.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String code;

    ApiError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static void send(RoutingContext ctx, int status, String code, String message) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", code).put("message", message).encode());
    }

    void send(RoutingContext ctx) {
        send(ctx, status, code, getMessage());
    }
}
