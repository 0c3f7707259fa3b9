package dev.drawbridge.http;

import dev.drawbridge.bus.Message;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The server's half of a WebSocket, on a real socket over loopback. */
class WsStreamTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void anEventForASocketAlreadyClosingIsDroppedWithoutAFailure() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        CompletableFuture<Boolean> ended = new CompletableFuture<>();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> request.toWebSocket().onSuccess((ServerWebSocket socket) -> {
            WsStream stream = new WsStream(vertx, socket, request.connection(), new StreamMetrics(new SimpleMeterRegistry()), "p");
            stream.onClose(() -> ended.complete(true));
            stream.start(60_000, 64 * 1024);
            // The browser closes its socket (its close frame arrives), and an event for this peer
            // is delivered on the socket's loop before the socket's close handler has run.
            socket.frameHandler(frame -> {
                if (!frame.isClose()) {
                    return;
                }
                try {
                    stream.send("1-1", new Message("note", "{}"));
                    outcome.complete(null);
                } catch (RuntimeException failure) {
                    outcome.complete(failure);
                }
            });
        }));
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();

        WebSocketClient client = vertx.createWebSocketClient();
        client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/"))
                .compose(socket -> socket.close())
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(outcome.get(10, TimeUnit.SECONDS)).as("what delivering to a closing socket threw").isNull();
        assertThat(ended.get(10, TimeUnit.SECONDS)).as("the stream ended once the socket closed").isTrue();
    }
}
