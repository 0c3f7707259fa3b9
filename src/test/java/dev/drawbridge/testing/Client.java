package dev.drawbridge.testing;

import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Predicate;

/**
 * A browser as the protocol sees it, written for tests with the JDK's own HTTP client (not the
 * server's stack): gets a token, holds an event stream, posts joins and relays, and records every
 * event it receives.
 */
public final class Client {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final String baseUrl;
    private volatile String postUrl;
    private final String token;
    private final String id;
    private final String username;
    private final List<SseEvent> events = new ArrayList<>();
    private final List<java.util.function.Consumer<SseEvent>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> streamEnded = new CompletableFuture<>();
    private final List<Long> retries = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long streamEndedNanos;
    private volatile CompletableFuture<HttpResponse<Void>> stream;

    private Client(String baseUrl, String token, String username) {
        this.baseUrl = baseUrl;
        this.postUrl = baseUrl;
        this.token = token;
        this.username = username;
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        this.id = new JsonObject(payload).getString("id");
    }

    /** A new peer: {@code POST /access}. */
    public static Client access(String baseUrl, String username) {
        HttpResponse<String> response = send(baseUrl, "POST", "/access", null,
                new JsonObject().put("username", username).encode());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST /access answered " + response.statusCode() + ": " + response.body());
        }
        return new Client(baseUrl, new JsonObject(response.body()).getString("token"), username);
    }

    /** Another browser tab of the same peer: the same token, a stream and events of its own. */
    public Client sameToken() {
        return new Client(baseUrl, token, username);
    }

    /** The same peer's next stream, on another node: a browser that reconnected elsewhere. */
    public Client sameTokenOn(String otherBaseUrl) {
        return new Client(otherBaseUrl, token, username);
    }

    public String id() {
        return id;
    }

    public String token() {
        return token;
    }

    public String username() {
        return username;
    }

    /** Opens the event stream and waits for {@code connected}. */
    public Client connect() {
        openStream();
        awaitEvent("connected");
        return this;
    }

    /** Opens the event stream without waiting for anything. */
    public void openStream() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/connect?token=" + token))
                .header("Accept", "text/event-stream")
                .GET().build();
        stream = HTTP.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(new EventParser()));
        stream.whenComplete((response, failure) -> {
            if (failure != null) {
                ended();
            }
        });
    }

    /** Closes the event stream, as a browser closing its tab would. */
    public void disconnect() {
        CompletableFuture<HttpResponse<Void>> current = stream;
        if (current != null) {
            current.cancel(true);
            current.thenAccept(response -> { }).exceptionally(failure -> null);
        }
    }

    public HttpResponse<String> join(String roomId) {
        return post("/" + roomId + "/join", "");
    }

    public HttpResponse<String> leave(String roomId) {
        return post("/" + roomId + "/leave", "");
    }

    public HttpResponse<String> relay(String peerId, String event, String body) {
        return post("/relay/" + peerId + "/" + event, body);
    }

    public HttpResponse<String> post(String path, String body) {
        return send(postUrl, "POST", path, token, body);
    }

    /**
     * Sends this client's POSTs to another node from now on, as a load balancer without sticky
     * sessions may; the stream stays where it is.
     */
    public Client postingTo(String otherBaseUrl) {
        this.postUrl = otherBaseUrl;
        return this;
    }

    /** A request with this client's token as a bearer, or with no token when {@code token} is null. */
    public static HttpResponse<String> send(String baseUrl, String method, String path, String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(WAIT)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        }
    }

    /** Every event received so far, in order. */
    public synchronized List<SseEvent> events() {
        return List.copyOf(events);
    }

    public List<SseEvent> events(String name) {
        return events().stream().filter(e -> e.event().equals(name)).toList();
    }

    /** Waits for the first event of that name. */
    public SseEvent awaitEvent(String name) {
        return awaitEvent(name, e -> true);
    }

    /** Waits for the first event of that name that matches. */
    public SseEvent awaitEvent(String name, Predicate<SseEvent> matching) {
        return await(username + " receives " + name)
                .until(() -> events(name).stream().filter(matching).findFirst(), found -> found.isPresent())
                .orElseThrow();
    }

    /** Waits until the server has ended this client's stream. */
    public void awaitStreamEnd() {
        await(username + "'s stream ends").until(streamEnded::isDone);
    }

    /** Waits on a condition, checking it often: these waits are on loopback events, not on time. */
    public static org.awaitility.core.ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    public boolean streamEnded() {
        return streamEnded.isDone();
    }

    /** When the stream ended ({@link System#nanoTime}), or 0 while it is open. */
    public long streamEndedNanos() {
        return streamEndedNanos;
    }

    /** The reconnection delays ({@code retry:}) the stream has set, in order. */
    public List<Long> retries() {
        return List.copyOf(retries);
    }

    private void ended() {
        if (!streamEnded.isDone()) {
            streamEndedNanos = System.nanoTime();
            streamEnded.complete(null);
        }
    }

    /** Runs {@code listener} on every event as it arrives, on the stream's thread. */
    public void onEvent(java.util.function.Consumer<SseEvent> listener) {
        listeners.add(listener);
    }

    /** Posts a join without waiting for the answer. */
    public CompletableFuture<HttpResponse<String>> joinAsync(String roomId) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(postUrl + "/" + roomId + "/join"))
                .timeout(WAIT).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private void record(SseEvent event) {
        synchronized (this) {
            events.add(event);
        }
        listeners.forEach(listener -> listener.accept(event));
    }

    /** The SSE framing as the HTML standard parses it: fields until a blank line, then dispatch. */
    private final class EventParser implements Flow.Subscriber<String> {
        private String id;
        private String event;
        private StringBuilder data;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (line.isEmpty()) {
                if (data != null) {
                    record(new SseEvent(id, event == null ? "message" : event, data.toString()));
                }
                id = null;
                event = null;
                data = null;
                return;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> event = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                case "retry" -> retries.add(Long.parseLong(value));
                default -> { }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            ended();
        }

        @Override
        public void onComplete() {
            ended();
        }
    }
}
