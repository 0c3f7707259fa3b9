package dev.drawbridge.http;

import dev.drawbridge.auth.TokenException;
import dev.drawbridge.auth.Tokens;
import dev.drawbridge.bus.Peer;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Finds the token of a request ({@code Authorization: Bearer}, or {@code ?token=} on the stream only,
 * since EventSource cannot set headers) and puts the peer it names on the context. No token, or a
 * {@code ?token=} where only the header is taken: 401; a token that cannot be accepted: 403. A token
 * in a URL ends up in proxies' logs and browser histories, so it is no key to anything but the stream.
 */
final class Authentication implements Handler<RoutingContext> {
    private static final String PEER = "drawbridge.peer";
    private static final String BEARER = "Bearer ";

    private final Tokens tokens;
    private final boolean fromQuery;

    /** @param fromQuery whether {@code ?token=} is taken (the stream's route only) */
    Authentication(Tokens tokens, boolean fromQuery) {
        this.tokens = tokens;
        this.fromQuery = fromQuery;
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (!fromQuery && refusedQueryToken(ctx)) {
            return;
        }
        String token = fromQuery ? token(ctx) : bearer(ctx);
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

    /**
     * Answers {@code 401 token_in_query} and true when the request carries {@code ?token=}, for a
     * route that takes its token from the header only.
     */
    static boolean refusedQueryToken(RoutingContext ctx) {
        if (hasQueryToken(ctx.request().query())) {
            ApiError.send(ctx, 401, "token_in_query", "only GET /connect takes ?token=; send the token as "
                    + "'Authorization: Bearer <token>'");
            return true;
        }
        return false;
    }

    /** Whether the raw query names a {@code token} parameter (read undecoded: a bad escape elsewhere does not matter). */
    private static boolean hasQueryToken(String query) {
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            if ((equals < 0 ? pair : pair.substring(0, equals)).equals("token")) {
                return true;
            }
        }
        return false;
    }

    /** The request's token, header or query (the stream's), or null when it has none. */
    static String token(RoutingContext ctx) {
        String header = bearer(ctx);
        if (header != null) {
            return header;
        }
        String query = ctx.request().getParam("token");
        return query == null || query.isEmpty() ? null : query;
    }

    /** The token of the request's {@code Authorization: Bearer} header, or null. */
    static String bearer(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = header.substring(BEARER.length()).strip();
            return token.isEmpty() ? null : token;
        }
        return null;
    }
}
