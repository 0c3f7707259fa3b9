package dev.drawbridge.testing;

import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
 * event it receives. Over {@link Transport#WS} the same client holds a WebSocket instead: its
 * events come as messages, and its joins, leaves, relays and broadcasts go as messages whose
 * acknowledgements read as the HTTP answers ({@link WsAnswer}); so one test runs on either.
 */
public final class Client {
    /** How a client reaches the server: SSE + POST, or one WebSocket (docs/WEBSOCKET.md). */
    public enum Transport { SSE, WS }

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
    private volatile Socket rawSocket;
    private final Transport transport;
    private volatile java.net.http.WebSocket socket;
    private final Object sending = new Object();
    private final java.util.concurrent.atomic.AtomicLong acks = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Map<Long, CompletableFuture<HttpResponse<String>>> awaiting =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final List<JsonObject> unacknowledged = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<JsonObject> acknowledgements = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile int closeCode = -1;
    private volatile Throwable openFailure;
    private volatile String closeReason;

    private Client(String baseUrl, String token, String username) {
        this(baseUrl, token, username, Transport.SSE);
    }

    private Client(String baseUrl, String token, String username, Transport transport) {
        this.transport = transport;
        this.baseUrl = baseUrl;
        this.postUrl = baseUrl;
        this.token = token;
        this.username = username;
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        this.id = new JsonObject(payload).getString("id");
    }

    /** A new peer: {@code POST /access}. */
    public static Client access(String baseUrl, String username) {
        return access(baseUrl, username, Transport.SSE);
    }

    /** A new peer that will use {@code transport}. */
    public static Client access(String baseUrl, String username, Transport transport) {
        HttpResponse<String> response = send(baseUrl, "POST", "/access", null,
                new JsonObject().put("username", username).encode());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST /access answered " + response.statusCode() + ": " + response.body());
        }
        return new Client(baseUrl, new JsonObject(response.body()).getString("token"), username, transport);
    }

    /** Another browser tab of the same peer: the same token, a stream and events of its own. */
    public Client sameToken() {
        return new Client(baseUrl, token, username, transport);
    }

    /** The same peer's next stream, on another node: a browser that reconnected elsewhere. */
    public Client sameTokenOn(String otherBaseUrl) {
        return new Client(otherBaseUrl, token, username, transport);
    }

    /** The same peer's next stream, over {@code other}: a browser whose WebSocket could not open, say. */
    public Client sameTokenOver(Transport other) {
        return new Client(baseUrl, token, username, other);
    }

    public Transport transport() {
        return transport;
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
        openStream("");
    }

    /** Opens the event stream with {@code query} (e.g. {@code "&lastEventId=..."}) after the token. */
    public void openStream(String query) {
        if (transport == Transport.WS) {
            openSocket(query);
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/connect?token=" + token + query))
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
        java.net.http.WebSocket open = socket;
        if (open != null) {
            open.abort(); // tells no listener: the socket is over here and now
            ended();
        }
        CompletableFuture<HttpResponse<Void>> current = stream;
        if (current != null) {
            current.cancel(true);
            current.thenAccept(response -> { }).exceptionally(failure -> null);
        }
        Socket socket = rawSocket;
        if (socket != null) {
            cut();
        }
    }

    /**
     * Opens the event stream on a socket of its own, sending {@code Last-Event-ID} when
     * {@code lastEventId} is not null, as EventSource does when it reconnects, and waits for
     * {@code connected}. Such a stream can be {@link #cut}.
     */
    public Client resume(String lastEventId) {
        return resume(baseUrl, lastEventId);
    }

    /** {@link #resume(String)} on the node at {@code nodeUrl}: a browser that reconnected elsewhere. */
    public Client resume(String nodeUrl, String lastEventId) {
        URI base = URI.create(nodeUrl);
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            rawSocket = socket;
            OutputStream out = socket.getOutputStream();
            out.write(("GET /connect?token=" + token + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\n"
                    + "Accept: text/event-stream\r\n"
                    + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int connectedBefore = events("connected").size();
            Thread reader = new Thread(() -> readRaw(socket), "sse-" + username);
            reader.setDaemon(true);
            reader.start();
            await(username + " is connected again").until(() -> events("connected").size() > connectedBefore);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Cuts the raw stream's socket as a network would (a reset, no orderly close). */
    public void cut() {
        Socket socket = rawSocket;
        rawSocket = null;
        if (socket != null) {
            try {
                socket.setSoLinger(true, 0);
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The last id this client's streams received: what EventSource would send as Last-Event-ID. */
    public String lastEventId() {
        String last = null;
        for (SseEvent event : events()) {
            if (event.id() != null) {
                last = event.id();
            }
        }
        return last;
    }

    /** The HTTP/1.1 response of a raw stream: headers, then the chunked body, split into lines. */
    private void readRaw(Socket socket) {
        EventParser parser = new EventParser();
        try (InputStream in = new BufferedInputStream(socket.getInputStream())) {
            boolean chunked = false;
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                chunked |= header.toLowerCase(java.util.Locale.ROOT).startsWith("transfer-encoding: chunked");
            }
            java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
            while (true) {
                byte[] chunk;
                if (chunked) {
                    String size = line(in);
                    if (size == null) {
                        break;
                    }
                    int length = Integer.parseInt(size.strip(), 16);
                    if (length == 0) {
                        break;
                    }
                    chunk = in.readNBytes(length);
                    line(in);
                } else {
                    chunk = new byte[1];
                    if (in.read(chunk) < 0) {
                        break;
                    }
                }
                for (byte b : chunk) {
                    if (b == '\n') {
                        parser.onNext(pending.toString(StandardCharsets.UTF_8));
                        pending.reset();
                    } else {
                        pending.write(b);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // The socket was cut, or the server ended the stream.
        }
        parser.onComplete();
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) b);
        }
        return line.isEmpty() ? null : line.toString();
    }

    public HttpResponse<String> join(String roomId) {
        if (transport == Transport.WS) {
            return ask(new JsonObject().put("op", "join").put("room", roomId), null);
        }
        return post("/" + roomId + "/join", "");
    }

    public HttpResponse<String> leave(String roomId) {
        if (transport == Transport.WS) {
            return ask(new JsonObject().put("op", "leave").put("room", roomId), null);
        }
        return post("/" + roomId + "/leave", "");
    }

    public HttpResponse<String> relay(String peerId, String event, String body) {
        if (transport == Transport.WS) {
            return ask(new JsonObject().put("op", "relay").put("to", peerId).put("event", event), body);
        }
        return post("/relay/" + peerId + "/" + event, body);
    }

    /** Sends {@code body} as {@code event} to every other member of the room. */
    public HttpResponse<String> broadcast(String roomId, String event, String body) {
        if (transport == Transport.WS) {
            return ask(new JsonObject().put("op", "broadcast").put("room", roomId).put("event", event), body);
        }
        return post("/" + roomId + "/broadcast/" + event, body);
    }

    // --- the WebSocket ------------------------------------------------------

    private void openSocket(String query) {
        URI uri = URI.create(baseUrl.replaceFirst("^http", "ws") + "/ws?token=" + token + query);
        HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, new SocketListener())
                .whenComplete((open, failure) -> {
                    if (failure != null) {
                        openFailure = failure;
                        ended();
                    }
                });
    }

    /**
     * Sends {@code fields} with an ack number first (so that even a message the server cannot read
     * gets its answer) and {@code data}, as raw text, last; waits for the acknowledgement.
     */
    private HttpResponse<String> ask(JsonObject fields, String data) {
        try {
            return askAsync(fields, data).get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(fields.getString("op") + " over the WebSocket got no answer", e);
        }
    }

    private CompletableFuture<HttpResponse<String>> askAsync(JsonObject fields, String data) {
        java.net.http.WebSocket open = socket;
        if (open == null) {
            throw new IllegalStateException(username + " has no open WebSocket");
        }
        long ack = acks.incrementAndGet();
        String head = new JsonObject().put("ack", ack).mergeIn(fields).encode();
        String text = data == null ? head : head.substring(0, head.length() - 1) + ",\"data\":" + data + "}";
        CompletableFuture<HttpResponse<String>> answer = new CompletableFuture<>();
        awaiting.put(ack, answer);
        send(open, text);
        return answer;
    }

    /** Sends one text message; the JDK's WebSocket takes one send at a time. */
    public void send(String text) {
        send(socket, text);
    }

    private void send(java.net.http.WebSocket open, String text) {
        synchronized (sending) {
            open.sendText(text, true).join();
        }
    }

    /** The acknowledgements of messages sent with {@link #send(String)}, in order. */
    public List<JsonObject> acknowledgements() {
        return List.copyOf(acknowledgements);
    }

    /** The answers the server sent without an ack (to messages it could not read as asking for one). */
    public List<JsonObject> unacknowledged() {
        return List.copyOf(unacknowledged);
    }

    /** Why the WebSocket did not open (e.g. the upgrade was answered 403), or null. */
    public Throwable openFailure() {
        return openFailure;
    }

    /** The WebSocket's close code, once the server closed it ({@code -1} before). */
    public int closeCode() {
        return closeCode;
    }

    public String closeReason() {
        return closeReason;
    }

    private void receivedText(String text) {
        JsonObject message = new JsonObject(text);
        if (message.containsKey("ack")) {
            CompletableFuture<HttpResponse<String>> answer = awaiting.remove(message.getLong("ack"));
            if (answer != null) {
                answer.complete(WsAnswer.of(message, URI.create(baseUrl + "/ws")));
            } else {
                acknowledgements.add(message);
            }
            return;
        }
        if (message.containsKey("status")) {
            unacknowledged.add(message);
            return;
        }
        // The server writes data last, as the very text it relayed: keep it as an EventSource would.
        int data = text.indexOf(",\"data\":");
        record(new SseEvent(message.getString("id"), message.getString("event"), text.substring(data + 8, text.length() - 1)));
    }

    private final class SocketListener implements java.net.http.WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(java.net.http.WebSocket webSocket) {
            socket = webSocket;
            webSocket.request(1);
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                receivedText(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket webSocket, int statusCode, String reason) {
            closeCode = statusCode;
            closeReason = reason;
            ended();
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket webSocket, Throwable error) {
            ended();
        }
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
        socket = null;
        awaiting.values().forEach(answer -> answer.completeExceptionally(new IllegalStateException("the socket closed")));
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
        if (transport == Transport.WS) {
            return askAsync(new JsonObject().put("op", "join").put("room", roomId), null);
        }
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
