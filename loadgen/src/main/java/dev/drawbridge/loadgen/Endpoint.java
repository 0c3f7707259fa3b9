package dev.drawbridge.loadgen;

import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.WebSocketClient;

import java.net.URI;

/** One node seen from one local source address: a client for streams, one for requests, one for WebSockets. */
record Endpoint(URI node, String sourceAddress, HttpClientAgent streams, HttpClientAgent requests,
                WebSocketClient sockets) {
    String host() {
        String host = node.getHost();
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    int port() {
        return node.getPort();
    }
}
