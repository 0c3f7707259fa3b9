package dev.drawbridge.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * Cross-origin access, off unless origins are listed. Off: no answer ever carries
 * {@code Access-Control-Allow-Origin}, so a page of another origin cannot read any answer, and a
 * preflight (which only a cross-origin page sends) is refused with {@code 403}. For a listed origin:
 * preflights are answered {@code 204} with the methods and headers of the API, and every answer names
 * the origin. Tokens travel in {@code Authorization}, never in cookies, so credentials are not allowed.
 */
final class Cors {
    static final String METHODS = "GET, POST, PUT, DELETE";
    static final String HEADERS = "Authorization, Content-Type, Last-Event-ID, Board-Proof";
    /** What a page may read of an answer beyond the safelisted headers: when to try again. */
    static final String EXPOSED = "Retry-After";
    private static final String MAX_AGE_SECONDS = "600";
    private static final String REFUSED = new JsonObject()
            .put("error", "cors_refused")
            .put("message", "this origin may not call this service from another origin")
            .encode();

    private final Set<String> origins;

    Cors(List<String> origins) {
        this.origins = Set.copyOf(origins);
    }

    /**
     * Adds the headers the request's origin is owed; answers true when the request was a preflight
     * and has been answered.
     */
    boolean handle(HttpServerRequest request) {
        String origin = request.getHeader("Origin");
        boolean preflight = request.method() == HttpMethod.OPTIONS && origin != null
                && request.getHeader("Access-Control-Request-Method") != null;
        boolean allowed = origin != null && origins.contains(origin);
        HttpServerResponse response = request.response();
        if (!origins.isEmpty()) {
            // Answers differ by origin: a cache in between must keep them apart.
            response.putHeader("Vary", "Origin");
        }
        if (allowed) {
            response.putHeader("Access-Control-Allow-Origin", origin)
                    .putHeader("Access-Control-Expose-Headers", EXPOSED);
        }
        if (!preflight) {
            return false;
        }
        if (allowed) {
            response.setStatusCode(204)
                    .putHeader("Access-Control-Allow-Methods", METHODS)
                    .putHeader("Access-Control-Allow-Headers", HEADERS)
                    .putHeader("Access-Control-Max-Age", MAX_AGE_SECONDS)
                    .end();
        } else {
            response.setStatusCode(403).putHeader("Content-Type", "application/json").end(REFUSED);
        }
        return true;
    }
}
