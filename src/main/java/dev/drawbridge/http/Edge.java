package dev.drawbridge.http;

import dev.drawbridge.auth.TokenException;
import dev.drawbridge.auth.Tokens;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the node shows the open internet beyond the protocol: the security headers and CORS of every
 * answer, who may read {@code /metrics}, and the TURN credentials of {@code /config}.
 */
public final class Edge {
    private final Cors cors;
    private final Optional<byte[]> metricsToken;
    private final Optional<TurnCredentials> turn;
    private final String iceTransportPolicy;

    /**
     * @param corsOrigins        origins allowed to call the API from their pages; empty: none
     * @param metricsToken       the bearer token {@code /metrics} asks for; empty: {@code /metrics} is not served
     * @param turnUrls           TURN URLs whose credentials {@code /config} makes for each peer; empty: none
     * @param turnSecret         the TURN server's shared secret (with turnUrls)
     * @param turnTtl            lifetime of those credentials
     * @param iceTransportPolicy {@code all} or {@code relay}, passed to the browsers' peer connections
     */
    public Edge(List<String> corsOrigins, Optional<String> metricsToken, List<String> turnUrls,
                Optional<String> turnSecret, Duration turnTtl, String iceTransportPolicy) {
        this.cors = new Cors(corsOrigins);
        this.metricsToken = metricsToken.map(t -> t.getBytes(StandardCharsets.UTF_8));
        this.turn = turnUrls.isEmpty() ? Optional.empty()
                : Optional.of(new TurnCredentials(turnUrls, turnSecret.orElseThrow(), turnTtl, Clock.systemUTC()));
        this.iceTransportPolicy = iceTransportPolicy;
    }

    /** {@code next} behind the headers and CORS; a preflight is answered here. */
    public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
        return request -> {
            SecurityHeaders.add(request.response().headers());
            if (!cors.handle(request)) {
                next.handle(request);
            }
        };
    }

    /** {@code GET /metrics}: for the holder of the metrics token only. */
    void metrics(RoutingContext ctx, PrometheusMeterRegistry registry) {
        if (metricsToken.isEmpty()) {
            ApiError.send(ctx, 404, "not_found", "no such route");
            return;
        }
        String presented = Authentication.bearer(ctx);
        if (presented == null) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"metrics\"");
            ApiError.send(ctx, 401, "missing_token", "GET /metrics needs 'Authorization: Bearer <METRICS_TOKEN>'");
            return;
        }
        // Compared in constant time: the answer's timing tells nothing of the token.
        if (!MessageDigest.isEqual(metricsToken.get(), presented.getBytes(StandardCharsets.UTF_8))) {
            ApiError.send(ctx, 403, "invalid_token", "this is not the metrics token");
            return;
        }
        ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(registry.scrape());
    }

    /**
     * {@code GET /config}. Without a token: what every page needs, and {@code turn: true} when TURN
     * credentials are to be had. With the peer's token ({@code Authorization: Bearer}): the same,
     * with the TURN entry made for that peer and the seconds it is valid for.
     */
    void config(RoutingContext ctx, Tokens tokens, JsonArray iceServers, int maxRoomSize) {
        if (Authentication.refusedQueryToken(ctx)) {
            return;
        }
        JsonArray servers = iceServers.copy();
        JsonObject answer = new JsonObject().put("maxRoomSize", maxRoomSize);
        if (!iceTransportPolicy.equals("all")) {
            answer.put("iceTransportPolicy", iceTransportPolicy);
        }
        String token = Authentication.bearer(ctx);
        if (turn.isPresent()) {
            answer.put("turn", true);
            if (token != null) {
                try {
                    servers.add(turn.get().forPeer(tokens.verify(token).id()));
                    answer.put("iceServersTtl", turn.get().lifetimeSeconds());
                } catch (TokenException e) {
                    Authentication.refuse(ctx, e);
                    return;
                }
            }
        }
        ctx.response().putHeader("Cache-Control", token == null ? "no-cache" : "no-store");
        Api.json(ctx, 200, answer.put("iceServers", servers));
    }
}
