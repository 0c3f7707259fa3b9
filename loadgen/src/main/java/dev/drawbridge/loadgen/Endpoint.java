package dev.drawbridge.loadgen;

import io.vertx.core.http.HttpClientAgent;

import java.net.URI;

/** One node seen from one local source address: a client for streams and one for requests. */
record Endpoint(URI node, String sourceAddress, HttpClientAgent streams, HttpClientAgent requests) {
    String host() {
        String host = node.getHost();
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    int port() {
        return node.getPort();
    }
}
