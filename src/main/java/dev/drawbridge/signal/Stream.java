package dev.drawbridge.signal;

import dev.drawbridge.bus.Message;

/**
 * The way down to one browser: an open event stream. The transport implements it; the domain only
 * writes to it and learns when it ends. Implementations are thread-safe and never block.
 */
public interface Stream {

    /** Writes an event of the peer's history with its id ({@code <epoch>-<n>}). Silently does nothing once closed. */
    void send(String id, Message message);

    /** Writes an event that is not part of the replayable sequence ({@code connected}, {@code replaced}). */
    void send(Message message);

    /**
     * Tells the browser how long to wait before it reconnects once this stream ends (SSE's
     * {@code retry:} field, which {@code EventSource} obeys by itself). A transport without such a
     * setting ignores it.
     */
    default void retry(long millis) {}

    /** Ends the stream. The close handler runs once, whoever closed it. */
    void close();

    /** Runs {@code handler} once when the stream ends, for whatever reason. */
    void onClose(Runnable handler);

    /**
     * Whether the stream was ended because its reader stopped reading (its buffer filled): such a
     * peer is not waited for, its session ends at once.
     */
    default boolean abandoned() {
        return false;
    }
}
