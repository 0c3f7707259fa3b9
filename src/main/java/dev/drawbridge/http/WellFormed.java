package dev.drawbridge.http;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a request must be before the router sees it, so that no malformed input reaches code that
 * would throw on it (Vert.x' authority parser, path normalizer, query decoder, form and multipart
 * decoders, charset lookup): a valid {@code Host} (exactly one; required from HTTP/1.1 on), a URI
 * whose every {@code %} starts a valid escape, and a body that is JSON. Anything else is answered
 * {@code 400} (or {@code 415} for a body of another type) with the JSON error body, logged as one
 * line by {@link ClientErrorLog}, and changes nothing. Requests that Netty's decoder could not parse
 * at all get the same JSON answers from {@link #invalid}, then the connection closes (the decoder
 * discards whatever follows a bad message).
 */
final class WellFormed {
    /** host, IPv4 or [IPv6], optional port: RFC 3986's authority without userinfo or escapes. */
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9._~!$&'()*+,;=-]+|\\[[0-9A-Fa-f:.]+])(?::[0-9]{0,5})?");
    private static final List<String> JSON_CHARSETS = List.of("utf-8", "\"utf-8\"", "utf8");

    private final ClientErrorLog errors;

    WellFormed(ClientErrorLog errors) {
        this.errors = errors;
    }

    /** {@code next} behind these checks. */
    Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
        return request -> {
            ApiError problem;
            try {
                problem = problem(request);
            } catch (RuntimeException e) {
                // A check must never be what fails: whatever it could not read is malformed.
                problem = new ApiError(400, "bad_request", "the request cannot be read");
            }
            if (problem == null) {
                next.handle(request);
            } else {
                errors.refused(request, problem.status, problem.code);
                answer(request, problem.status, problem.code, problem.getMessage(), false);
            }
        };
    }

    /** The server's invalid-request handler: what Netty's decoder could not parse. */
    Handler<HttpServerRequest> invalid() {
        return request -> {
            Throwable cause = request.decoderResult().cause();
            int status;
            String code;
            String message;
            if (cause instanceof TooLongHttpLineException) {
                status = 414;
                code = "uri_too_long";
                message = "the request line is too long";
            } else if (cause instanceof TooLongHttpHeaderException) {
                status = 431;
                code = "headers_too_large";
                message = "the request's headers are too large";
            } else if (cause instanceof Deadlines.UnsupportedVersion) {
                status = 400;
                code = "unsupported_version";
                message = "this server speaks HTTP/1.1 and HTTP/1.0";
            } else {
                status = 400;
                code = "bad_request";
                message = "the request could not be parsed as HTTP/1.1";
            }
            errors.refused(request, status, code);
            answer(request, status, code, message, true);
        };
    }

    /** The first problem of the request, or null when it may go on. */
    static ApiError problem(HttpServerRequest request) {
        List<String> hosts = request.headers().getAll("Host");
        if (hosts.size() > 1) {
            return new ApiError(400, "invalid_host", "a request has one Host header");
        }
        if (hosts.isEmpty()) {
            if (request.version() != HttpVersion.HTTP_1_0) {
                return new ApiError(400, "missing_host", "an HTTP/1.1 request needs a Host header");
            }
        } else if (!HOST.matcher(hosts.get(0).strip()).matches()) {
            return new ApiError(400, "invalid_host", "the Host header must be a host name or address, and a port");
        }
        String uri = request.uri();
        if (uri == null || uri.isEmpty() || !escapesAreValid(uri)) {
            return new ApiError(400, "invalid_uri", "every % in the URI must start an escape such as %2F");
        }
        try {
            String path = request.path();
            if (path == null || path.isEmpty()) {
                return new ApiError(400, "invalid_uri", "the request needs a path");
            }
            request.params(); // decodes the query once, as the routes will
        } catch (RuntimeException e) {
            return new ApiError(400, "invalid_uri", "the URI cannot be decoded");
        }
        return body(request);
    }

    /** Every {@code %} starts {@code %XX} (a loop: a regular expression recurses per character, and a URI can be long). */
    static boolean escapesAreValid(String uri) {
        for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 3)) {
            if (i + 2 >= uri.length() || Character.digit(uri.charAt(i + 1), 16) < 0
                    || Character.digit(uri.charAt(i + 2), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The API takes JSON: a body of another type is not parsed at all (no forms, no multipart). */
    private static ApiError body(HttpServerRequest request) {
        HttpMethod method = request.method();
        if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
            return null;
        }
        String type = request.getHeader("Content-Type");
        if (type == null || type.isBlank() || isJson(type)) {
            return null;
        }
        return new ApiError(415, "unsupported_media_type", "request bodies are JSON: Content-Type: application/json");
    }

    /** {@code application/json}, with no parameter but a UTF-8 charset. */
    static boolean isJson(String contentType) {
        String[] parts = contentType.split(";", -1);
        if (!parts[0].strip().equalsIgnoreCase("application/json")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip().toLowerCase(Locale.ROOT);
            if (parameter.isEmpty()) {
                continue;
            }
            if (!parameter.startsWith("charset=") || !JSON_CHARSETS.contains(parameter.substring(8).strip())) {
                return false;
            }
        }
        return true;
    }

    /**
     * A failure of Netty's decoder while the body was being read (a bad chunk size, a chunk too
     * long): the client's error, which reaches a route's failure handler through the body handler.
     */
    static boolean malformedBody(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        return !ctx.request().isEnded() && (failure instanceof IllegalArgumentException
                || failure instanceof DecoderException || failure instanceof TooLongFrameException);
    }

    static void answer(HttpServerRequest request, int status, String code, String message, boolean close) {
        var response = request.response();
        if (response.headWritten()) {
            request.connection().close();
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        if (close) {
            response.putHeader("Connection", "close");
        }
        response.end(new JsonObject().put("error", code).put("message", message).encode());
        if (close) {
            request.connection().close();
        }
    }
}
