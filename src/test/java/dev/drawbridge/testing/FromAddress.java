package dev.drawbridge.testing;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests from one loopback source address ({@code 127.0.0.N}), so that a test can be several client
 * addresses to the per-address limits without any proxy; optionally with an {@code X-Forwarded-For}.
 */
public final class FromAddress {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final String baseUrl;
    private final HttpClient http;
    private final String forwardedFor;

    private FromAddress(String baseUrl, HttpClient http, String forwardedFor) {
        this.baseUrl = baseUrl;
        this.http = http;
        this.forwardedFor = forwardedFor;
    }

    /** Requests to {@code baseUrl} from the source address {@code address} (a loopback one). */
    public static FromAddress of(String baseUrl, String address) {
        try {
            InetAddress local = InetAddress.getByName(address);
            if (!local.isLoopbackAddress()) {
                throw new IllegalArgumentException(address + " is not a loopback address");
            }
            return new FromAddress(baseUrl, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .localAddress(local).connectTimeout(WAIT).build(), null);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The same, each request sending {@code X-Forwarded-For: value}. */
    public FromAddress forwardedFor(String value) {
        return new FromAddress(baseUrl, http, value);
    }

    /** {@code POST /access}: the answer as it came. */
    public HttpResponse<String> access(String username) {
        return send("POST", "/access", null, new JsonObject().put("username", username).encode());
    }

    /** {@code POST /access}, which must succeed: the token. */
    public String token(String username) {
        HttpResponse<String> response = access(username);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST /access answered " + response.statusCode() + ": " + response.body());
        }
        return new JsonObject(response.body()).getString("token");
    }

    public HttpResponse<String> send(String method, String path, String token, String body) {
        HttpRequest.Builder request = request(path).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        }
    }

    /** {@code GET /connect?token=}: the stream, read on a thread of its own until it ends or is closed. */
    public Stream connect(String token) {
        HttpRequest request = request("/connect?token=" + token).header("Accept", "text/event-stream").GET().build();
        try {
            return new Stream(http.send(request, HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("GET /connect failed", e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(WAIT);
        if (forwardedFor != null) {
            request.header("X-Forwarded-For", forwardedFor);
        }
        return request;
    }

    /** An event stream as it arrives: its status and headers at once, its events as they come. */
    public static final class Stream implements AutoCloseable {
        private final HttpResponse<InputStream> response;
        private final List<SseEvent> events = new CopyOnWriteArrayList<>();
        private final List<Long> retries = new CopyOnWriteArrayList<>();
        private volatile boolean ended;

        Stream(HttpResponse<InputStream> response) {
            this.response = response;
            Thread.ofVirtual().start(this::read);
        }

        public int status() {
            return response.statusCode();
        }

        public Map<String, List<String>> headers() {
            return response.headers().map();
        }

        public String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        public List<SseEvent> events() {
            return List.copyOf(events);
        }

        public List<Long> retries() {
            return List.copyOf(retries);
        }

        public boolean ended() {
            return ended;
        }

        /** Waits until an event of that name arrived, and returns the first. */
        public SseEvent awaitEvent(String name) {
            Client.await("event " + name).until(() -> events.stream().anyMatch(e -> e.event().equals(name)));
            return events.stream().filter(e -> e.event().equals(name)).findFirst().orElseThrow();
        }

        /** Waits until the first event arrived, and returns it. */
        public SseEvent awaitFirstEvent() {
            Client.await("a first event").until(() -> !events.isEmpty());
            return events.getFirst();
        }

        public void awaitEnd() {
            Client.await("the end of the stream").until(() -> ended);
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String id = null;
                String event = "message";
                StringBuilder data = new StringBuilder();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            events.add(new SseEvent(id, event, data.toString()));
                        }
                        id = null;
                        event = "message";
                        data.setLength(0);
                    } else if (line.startsWith("retry: ")) {
                        retries.add(Long.parseLong(line.substring(7)));
                    } else if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    }
                }
            } catch (IOException e) {
                // closed by us, or cut by the server: either way the stream ended
            } finally {
                ended = true;
            }
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    /** The value of a counter of the node's {@code /metrics}, e.g. {@code drawbridge_limited_total{limit="relay"}}. */
    public static double metric(String baseUrl, String series) {
        String text = TestNode.metrics(baseUrl);
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        if (!matcher.find()) {
            throw new AssertionError("no series " + series + " in /metrics");
        }
        return Double.parseDouble(matcher.group(1));
    }
}
