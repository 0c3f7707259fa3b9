package dev.drawbridge.loadgen;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * An incremental parser of a {@code text/event-stream} body, as the HTML standard describes it:
 * lines end in LF, CRLF or CR; a line starting with a colon is a comment; {@code data} lines of
 * one event are joined by LF; a blank line dispatches the event, unless it had no data.
 * Bytes may be cut anywhere between two calls of {@link #feed}, even inside a UTF-8 character.
 * Not thread-safe: feed one stream from one thread.
 */
final class SseParser {

    /** One dispatched event. {@code id} is null when the event carried no {@code id:} line. */
    record Event(String id, String event, String data) {
        /**
         * The event's number in the peer's sequence: the id itself, or its part after the last
         * {@code -} for the server's {@code <epoch>-<n>} ids; -1 when the event had none or it is
         * not a number.
         */
        long numericId() {
            if (id == null) {
                return -1;
            }
            try {
                return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    private final Consumer<Event> sink;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean lastWasCr;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String event;
    private String id;
    private String lastEventId = "";
    private long comments;

    SseParser(Consumer<Event> sink) {
        this.sink = sink;
    }

    /** Parses the next bytes of the stream. */
    void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    void feed(byte[] bytes, int offset, int length) {
        int start = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (b == '\n' || b == '\r') {
                if (b == '\n' && lastWasCr) {
                    // The LF of a CRLF whose CR already ended the line.
                    lastWasCr = false;
                    start = i + 1;
                    continue;
                }
                line.write(bytes, start, i - start);
                endOfLine();
                lastWasCr = b == '\r';
                start = i + 1;
            } else {
                lastWasCr = false;
            }
        }
        line.write(bytes, start, end - start);
    }

    /** The id that a reconnection would send as {@code Last-Event-ID}. */
    String lastEventId() {
        return lastEventId;
    }

    /** Comment lines seen so far. */
    long comments() {
        return comments;
    }

    private void endOfLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.isEmpty()) {
            dispatch();
            return;
        }
        if (text.charAt(0) == ':') {
            comments++;
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = "";
        if (colon >= 0) {
            int from = colon + 1;
            if (from < text.length() && text.charAt(from) == ' ') {
                from++;
            }
            value = text.substring(from);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> event = value;
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    id = value;
                    lastEventId = value;
                }
            }
            default -> {
                // "retry" and unknown fields change nothing that is measured here.
            }
        }
    }

    private void dispatch() {
        if (hasData) {
            sink.accept(new Event(id, event == null || event.isEmpty() ? "message" : event, data.toString()));
        }
        data.setLength(0);
        hasData = false;
        event = null;
        id = null;
    }
}
