package dev.drawbridge.bus;

import java.util.Objects;

/**
 * One server event on its way to a peer: the SSE event name and its data, one line of JSON.
 * The bus carries it as it is, and gives it its {@link EventId} when it enters the peer's history.
 *
 * @param acceptedNanos when this node accepted the client request the message comes from
 *                      ({@link System#nanoTime()}), to measure the way to the stream; 0 when not
 *                      measured. It means something only on the node that set it: it never goes on
 *                      the wire, and the Redis bus gives it back only to deliveries that reach a
 *                      stream on the same node. Not part of the message's identity.
 */
public record Message(String event, String data, long acceptedNanos) {
    /** A message whose way to the stream is not measured. */
    public Message(String event, String data) {
        this(event, data, 0);
    }

    /** The same message, accepted at {@code nanos}. */
    public Message acceptedAt(long nanos) {
        return new Message(event, data, nanos);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Message m && event.equals(m.event) && data.equals(m.data);
    }

    @Override
    public int hashCode() {
        return event.hashCode() * 31 + data.hashCode();
    }

    @Override
    public String toString() {
        return "Message[event=" + event + ", data=" + data + "]";
    }

    public Message {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(data, "data");
        if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("SSE data must be one line");
        }
    }
}
