package dev.drawbridge.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

/**
 * The board routes of docs/STORAGE.md as the app calls them, with the JDK's HTTP client: one room,
 * one proof (or none, when {@code proof} is null).
 */
public record BoardClient(String baseUrl, String roomId, String proof) {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A random proof: 32 bytes in base64url without padding, as the app derives one. */
    public static String newProof() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
    }

    public static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    public static String base64(byte[] data) {
        return Base64.getEncoder().encodeToString(data);
    }

    /** The same room with another proof header value (null: none). */
    public BoardClient withProof(String otherProof) {
        return new BoardClient(baseUrl, roomId, otherProof);
    }

    /** The same room and proof on another node. */
    public BoardClient on(String otherBaseUrl) {
        return new BoardClient(otherBaseUrl, roomId, proof);
    }

    public HttpResponse<String> read() {
        return send("GET", "/board", null);
    }

    public HttpResponse<String> read(long after, int limit) {
        return send("GET", "/board?after=" + after + "&limit=" + limit, null);
    }

    /** POST of records given as id, data, id, data, ... */
    public HttpResponse<String> append(Object... idsAndData) {
        JsonArray records = new JsonArray();
        for (int i = 0; i < idsAndData.length; i += 2) {
            Object data = idsAndData[i + 1];
            records.add(new JsonObject().put("id", idsAndData[i])
                    .put("data", data instanceof byte[] bytes ? base64(bytes) : data));
        }
        return appendBody(new JsonObject().put("records", records).encode());
    }

    public HttpResponse<String> appendBody(String body) {
        return send("POST", "/board/records", body);
    }

    public HttpResponse<String> snapshot(long upTo, byte[] data) {
        return snapshotBody(new JsonObject().put("upTo", upTo).put("data", base64(data)).encode());
    }

    public HttpResponse<String> snapshotBody(String body) {
        return send("PUT", "/board/snapshot", body);
    }

    public HttpResponse<String> delete() {
        return send("DELETE", "/board", null);
    }

    /** A successful read's body. */
    public JsonObject board() {
        HttpResponse<String> response = read();
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET board answered " + response.statusCode() + ": " + response.body());
        }
        return new JsonObject(response.body());
    }

    public HttpResponse<String> send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/" + roomId + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (proof != null) {
            request.header("Board-Proof", proof);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        }
    }
}
