package dev.drawbridge.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's log of what clients got wrong (malformed requests, timeouts, refusals), kept from
 * flooding: one line per event, with no stack trace, at most {@code linesPerWindow} lines a window;
 * past that, events are only counted, and the first line of a later window (or {@link #flush}) says
 * how many were left out. A line names the method and the path, never the query (it may hold a
 * token) nor any header, and has its control characters replaced, so a client cannot write lines
 * of its own into the log. The server's own failures go through the same budget, with their stack
 * trace, since a client that found one could otherwise flood the log with it. Thread-safe.
 */
final class ClientErrorLog {
    private static final Logger log = LoggerFactory.getLogger(ClientErrorLog.class);
    private static final int MAX_PATH = 80;

    private final int linesPerWindow;
    private final long windowNanos;
    private long windowStart = System.nanoTime();
    private int written;
    private long suppressed;

    ClientErrorLog(int linesPerWindow, long windowMillis) {
        this.linesPerWindow = linesPerWindow;
        this.windowNanos = windowMillis * 1_000_000;
    }

    /** A request answered with a client error: {@code 400 invalid_host: GET /healthz from 127.0.0.1}. */
    void refused(HttpServerRequest request, int status, String code) {
        if (admit()) {
            log.info("{} {}: {} {} from {}", status, code, safe(String.valueOf(request.method()), 16),
                    safePath(request), address(request.remoteAddress()));
        }
    }

    /** Something about a connection, such as a timeout or a refusal, already safe to print. */
    void note(String text, SocketAddress from) {
        if (admit()) {
            log.info("{} from {}", text, address(from));
        }
    }

    /** A failure of the server's own while serving a request: logged with its stack trace, within the budget. */
    void failure(HttpServerRequest request, Throwable failure) {
        if (admit()) {
            log.error("unexpected failure on {} {}", safe(String.valueOf(request.method()), 16), safePath(request), failure);
        }
    }

    /** Writes the count of events left out in a window that has ended, if any. */
    void flush() {
        synchronized (this) {
            roll(System.nanoTime());
        }
    }

    private boolean admit() {
        synchronized (this) {
            roll(System.nanoTime());
            if (written < linesPerWindow) {
                written++;
                return true;
            }
            suppressed++;
            return false;
        }
    }

    /** Under the lock. */
    private void roll(long now) {
        if (now - windowStart < windowNanos) {
            return;
        }
        if (suppressed > 0) {
            log.info("{} more client errors in the last {} ms were not logged", suppressed, windowNanos / 1_000_000);
        }
        windowStart = now;
        written = 0;
        suppressed = 0;
    }

    private static String safePath(HttpServerRequest request) {
        String uri = request.uri();
        if (uri == null) {
            return "-";
        }
        int query = uri.indexOf('?');
        return safe(query >= 0 ? uri.substring(0, query) : uri, MAX_PATH);
    }

    private static String address(SocketAddress address) {
        return address == null ? "-" : safe(address.hostAddress(), 64);
    }

    /** At most {@code max} characters, every one outside printable ASCII shown as '?'. */
    static String safe(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max + 1));
        for (int i = 0; i < text.length() && i < max; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (text.length() > max) {
            out.append('…');
        }
        return out.toString();
    }
}
