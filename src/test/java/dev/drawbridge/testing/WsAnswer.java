package dev.drawbridge.testing;

import io.vertx.core.json.JsonObject;

import javax.net.ssl.SSLSession;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A WebSocket acknowledgement ({@code {"ack", "status", "retryAfter", "body"}}) seen as the HTTP
 * answer it stands for, so that one test reads the same over either transport: its status, its body,
 * {@code Content-Type: application/json} and {@code Retry-After} when it has one.
 */
record WsAnswer(int statusCode, String body, HttpHeaders headers, URI uri) implements HttpResponse<String> {

    static WsAnswer of(JsonObject acknowledgement, URI uri) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        Long retryAfter = acknowledgement.getLong("retryAfter");
        if (retryAfter != null) {
            headers.put("Retry-After", List.of(Long.toString(retryAfter)));
        }
        return new WsAnswer(acknowledgement.getInteger("status"), acknowledgement.getJsonObject("body").encode(),
                HttpHeaders.of(headers, (name, value) -> true), uri);
    }

    @Override
    public HttpRequest request() {
        return HttpRequest.newBuilder(uri).build();
    }

    @Override
    public Optional<HttpResponse<String>> previousResponse() {
        return Optional.empty();
    }

    @Override
    public Optional<SSLSession> sslSession() {
        return Optional.empty();
    }

    @Override
    public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
    }
}
