package dev.drawbridge.testing;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A browser's {@code EventSource} as the HTML standard describes it, for tests: it keeps one event
 * stream open, and when the stream ends it waits the last {@code retry:} delay the server set and
 * opens it again with {@code Last-Event-ID}, the id of the last event that carried one, so that the
 * server can resume. Unlike a browser it also tries again after a refused stream, and records each
 * refusal ({@link #refusals}), so that a test can say what a real one would have been told.
 */
public final class ResumingClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final ScheduledExecutorService RETRIES = Executors.newScheduledThreadPool(1, runnable -> {
        Thread thread = new Thread(runnable, "resuming-client-retries");
        thread.setDaemon(true);
        return thread;
    });

    /** A stream the server (or the proxy) did not open: its status, and its body or failure. */
    public record Refusal(int status, boolean retryAfter, String body) {}

    private final String baseUrl;
    private final String token;
    private final String id;
    private final BiConsumer<ResumingClient, SseEvent> listener;
    private final List<SseEvent> events = new CopyOnWriteArrayList<>();
    private final List<Refusal> refusals = new CopyOnWriteArrayList<>();
    private final AtomicInteger streamsOpened = new AtomicInteger();
    private volatile String lastEventId;
    private volatile long retryMillis = 3000;
    private volatile boolean closed;

    private ResumingClient(String baseUrl, String token, BiConsumer<ResumingClient, SseEvent> listener) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.listener = listener;
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        this.id = new JsonObject(payload).getString("id");
    }

    /**
     * A new peer ({@code POST /access}) whose stream opens at once; {@code listener} sees every
     * event with the client that received it, on the stream's thread.
     */
    public static ResumingClient open(String baseUrl, String username, BiConsumer<ResumingClient, SseEvent> listener) {
        HttpResponse<String> access = Client.send(baseUrl, "POST", "/access", null,
                new JsonObject().put("username", username).encode());
        if (access.statusCode() != 200) {
            throw new IllegalStateException("POST /access answered " + access.statusCode() + ": " + access.body());
        }
        ResumingClient client = new ResumingClient(baseUrl, new JsonObject(access.body()).getString("token"), listener);
        client.connect();
        return client;
    }

    public String id() {
        return id;
    }

    public String token() {
        return token;
    }

    /** Every event received, over all the streams, in order. */
    public List<SseEvent> events() {
        return List.copyOf(events);
    }

    public List<Refusal> refusals() {
        return List.copyOf(refusals);
    }

    /** How many streams the server opened (answered 200) for this client. */
    public int streamsOpened() {
        return streamsOpened.get();
    }

    @Override
    public void close() {
        closed = true;
    }

    private void connect() {
        if (closed) {
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/connect?token=" + token))
                .header("Accept", "text/event-stream")
                .GET();
        String last = lastEventId;
        if (last != null && !last.isEmpty()) {
            request.header("Last-Event-ID", last);
        }
        java.util.concurrent.atomic.AtomicBoolean opened = new java.util.concurrent.atomic.AtomicBoolean();
        HTTP.sendAsync(request.build(), info -> {
                    if (info.statusCode() == 200) {
                        opened.set(true);
                        streamsOpened.incrementAndGet();
                        return HttpResponse.BodySubscribers.fromLineSubscriber(new Parser());
                    }
                    boolean retryAfter = info.headers().firstValue("Retry-After").isPresent();
                    return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                            body -> {
                                refusals.add(new Refusal(info.statusCode(), retryAfter, body));
                                return null;
                            });
                })
                .whenComplete((response, failure) -> {
                    if (failure != null && !opened.get()) {
                        refusals.add(new Refusal(-1, false, failure.toString()));
                    }
                    // The stream ended, was refused, or could not be opened: as EventSource, try
                    // again after the server's last reconnection delay.
                    if (!closed) {
                        RETRIES.schedule(this::connect, retryMillis, TimeUnit.MILLISECONDS);
                    }
                });
    }

    /** The SSE framing as the HTML standard parses it; the last event id outlives the stream. */
    private final class Parser implements java.util.concurrent.Flow.Subscriber<String> {
        private java.util.concurrent.Flow.Subscription subscription;
        private String event;
        private String idBuffer;
        private boolean seenId;
        private StringBuilder data;

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (closed) {
                subscription.cancel();
                return;
            }
            if (line.isEmpty()) {
                // The id buffer is not reset between events: an event without an id line keeps the last one.
                String eventId = idBuffer;
                if (eventId != null) {
                    lastEventId = eventId;
                }
                if (data != null) {
                    SseEvent received = new SseEvent(seenId ? eventId : null, event == null ? "message" : event,
                            data.toString());
                    events.add(received);
                    listener.accept(ResumingClient.this, received);
                }
                event = null;
                seenId = false;
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
                case "id" -> {
                    idBuffer = value;
                    seenId = true;
                }
                case "event" -> event = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                case "retry" -> {
                    if (value.chars().allMatch(Character::isDigit) && !value.isEmpty()) {
                        retryMillis = Long.parseLong(value);
                    }
                }
                default -> { }
            }
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}
    }
}
