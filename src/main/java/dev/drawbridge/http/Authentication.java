package dev.drawbridge.http;

import dev.drawbridge.auth.TokenException;
import dev.drawbridge.auth.Tokens;
import dev.drawbridge.bus.Peer;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Finds the token of a request ({@code Authorization: Bearer}, or {@code ?token=} for EventSource,
 * which cannot set headers) and puts the peer it names on the context. No token: 401; a token that
 * cannot be accepted: 403.
 */
final class Authentication implements Handler<RoutingContext> {
    private static final String PEER = "drawbridge.peer";
    private static final String BEARER = "Bearer ";

    private final Tokens tokens;

    Authentication(Tokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String token = token(ctx);
        if (token == null) {
            ApiError.send(ctx, 401, "missing_token", "this request needs an access token (POST /access)");
            return;
        }
        try {
            ctx.put(PEER, tokens.verify(token));
            ctx.next();
        } catch (TokenException e) {
            refuse(ctx, e);
        }
    }

    static Peer peer(RoutingContext ctx) {
        return ctx.get(PEER);
    }

    static void refuse(RoutingContext ctx, TokenException e) {
        String code = e.reason() == TokenException.Reason.EXPIRED ? "token_expired" : "invalid_token";
        ApiError.send(ctx, 403, code, e.getMessage());
    }

    /** The request's token, or null when it has none. */
    static String token(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = header.substring(BEARER.length()).strip();
            return token.isEmpty() ? null : token;
        }
        String query = ctx.request().getParam("token");
        return query == null || query.isEmpty() ? null : query;
    }
}
