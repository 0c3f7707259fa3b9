package dev.drawbridge.loadgen;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
    /** The bytes of the line being read: {@code length} of them, the buffer grown as needed. */
    private byte[] line = new byte[512];
    private int length;
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
                append(bytes, start, i - start);
                endOfLine();
                lastWasCr = b == '\r';
                start = i + 1;
            } else {
                lastWasCr = false;
            }
        }
        append(bytes, start, end - start);
    }

    private void append(byte[] bytes, int from, int count) {
        if (length + count > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
        }
        System.arraycopy(bytes, from, line, length, count);
        length += count;
    }

    /** The id that a reconnection would send as {@code Last-Event-ID}. */
    String lastEventId() {
        return lastEventId;
    }

    /** Comment lines seen so far. */
    long comments() {
        return comments;
    }

    /**
     * One line: the field's name is matched on the bytes, and only a value that is kept (data,
     * event, id) is decoded, since this runs for every line of every stream.
     */
    private void endOfLine() {
        int n = length;
        length = 0;
        if (n == 0) {
            dispatch();
            return;
        }
        if (line[0] == ':') {
            comments++;
            return;
        }
        int colon = -1;
        for (int i = 0; i < n; i++) {
            if (line[i] == ':') {
                colon = i;
                break;
            }
        }
        int nameEnd = colon < 0 ? n : colon;
        int from = colon < 0 ? n : colon + 1;
        if (from < n && line[from] == ' ') {
            from++;
        }
        if (is("data", nameEnd)) {
            if (hasData) {
                data.append('\n');
            }
            data.append(new String(line, from, n - from, StandardCharsets.UTF_8));
            hasData = true;
        } else if (is("event", nameEnd)) {
            event = new String(line, from, n - from, StandardCharsets.UTF_8);
        } else if (is("id", nameEnd)) {
            String value = new String(line, from, n - from, StandardCharsets.UTF_8);
            if (value.indexOf('\0') < 0) {
                id = value;
                lastEventId = value;
            }
        }
        // "retry" and unknown fields change nothing that is measured here.
    }

    /** Whether the line's first {@code nameLength} bytes are the ASCII field name. */
    private boolean is(String name, int nameLength) {
        if (nameLength != name.length()) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (line[i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
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
