package dev.drawbridge.bus;

import java.util.Objects;

/**
 * One server event on its way to a peer: the SSE event name and its data, one line of JSON.
 * The bus carries it as it is, and gives it its {@link EventId} when it enters the peer's history.
 */
public record Message(String event, String data) {
    public Message {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(data, "data");
        if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("SSE data must be one line");
        }
    }
}
