package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Opening a peer's WebSocket, for the wires that use one. */
final class Sockets {
    private Sockets() {}

    /**
     * Opens {@code uri} on the peer's node; each text message goes to {@code onText} on the socket's
     * event loop, stamped with its arrival time. Completes once the wire completed {@link Peer#connected}.
     */
    static Future<Void> open(Peer p, Counters counters, String uri, Consumer<String> onText) {
        Endpoint e = p.endpoint;
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(e.host()).setPort(e.port())
                .setURI(uri).setConnectTimeout(10_000);
        return e.sockets().connect(options)
                .compose(socket -> {
                    counters.status("connect", "200");
                    p.socket = socket;
                    socket.textMessageHandler(text -> {
                        p.received();
                        counters.streamBytes.add(text.length());
                        onText.accept(text);
                    });
                    socket.closeHandler(v -> {
                        counters.streamsEnded.increment();
                        p.acks.failAll(new IllegalStateException("the socket closed"));
                    });
                    socket.exceptionHandler(failure -> counters.status("stream", LoadGenerator.failureName(failure)));
                    return p.connected.future().timeout(30, TimeUnit.SECONDS);
                })
                .onFailure(failure -> counters.status("connect", LoadGenerator.failureName(failure)));
    }

    /** Writes one text message on the peer's socket. */
    static Future<Void> send(Peer p, String text) {
        WebSocket socket = p.socket;
        return socket == null ? Future.failedFuture("no socket") : socket.writeTextMessage(text);
    }

    /** The whole number at {@code from} in {@code text}, up to the first non-digit; -1 if none. */
    static int digitsAt(String text, int from) {
        int value = 0;
        int i = from;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            value = value * 10 + (text.charAt(i) - '0');
            i++;
        }
        return i == from ? -1 : value;
    }
}
