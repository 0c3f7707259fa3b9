package dev.drawbridge.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 by hand on a raw loopback socket, so that malformed requests really go on the wire as
 * written (no client library tidies them up). One exchange: write the bytes, read one answer (its
 * head, and a {@code Content-Length} body), then see whether the server closes.
 */
public final class RawHttp {
    private RawHttp() {}

    /** How an exchange ended. {@code status} is -1 when no answer came. */
    public record Exchange(int status, Map<String, String> headers, String body, boolean closed, boolean reset,
                           boolean timedOut, long millis) {
        /** An answer came, or the server closed (or reset) the connection: it did not hang. */
        public boolean ended() {
            return !timedOut;
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    public static Socket open(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code request} on a new connection and reads one answer within {@code timeoutMillis}.
     * With {@code awaitClose}, after the answer it also waits (within the same bound) to see the
     * server close the connection; otherwise it closes its side.
     */
    public static Exchange exchange(int port, byte[] request, long timeoutMillis, boolean awaitClose) {
        try (Socket socket = open(port)) {
            return exchange(socket, request, timeoutMillis, awaitClose);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #exchange(int, byte[], long, boolean)}, on an open socket. */
    public static Exchange exchange(Socket socket, byte[] request, long timeoutMillis, boolean awaitClose) {
        long start = System.nanoTime();
        long deadline = start + timeoutMillis * 1_000_000;
        try {
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (SocketException e) {
                // The server may answer and close before the whole request is written.
            }
            return read(socket, deadline, start, awaitClose);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one answer from an open socket, as {@link #exchange(Socket, byte[], long, boolean)} does. */
    public static Exchange read(Socket socket, long timeoutMillis, boolean awaitClose) {
        long start = System.nanoTime();
        try {
            return read(socket, start + timeoutMillis * 1_000_000, start, awaitClose);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Exchange read(Socket socket, long deadline, long start, boolean awaitClose) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int status = -1;
        Map<String, String> headers = new LinkedHashMap<>();
        String body = null;
        int headEnd = -1;
        long contentLength = -1;
        boolean closed = false;
        boolean reset = false;
        boolean timedOut = false;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                timedOut = body == null || awaitClose;
                break;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                timedOut = body == null || awaitClose;
                break;
            } catch (SocketException e) {
                reset = true;
                closed = true;
                break;
            }
            if (n < 0) {
                closed = true;
                break;
            }
            received.write(chunk, 0, n);
            byte[] all = received.toByteArray();
            if (headEnd < 0) {
                headEnd = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                if (headEnd >= 0) {
                    String[] lines = new String(all, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n");
                    String[] statusLine = lines[0].split(" ", 3);
                    status = statusLine.length > 1 ? parse(statusLine[1]) : -1;
                    for (int i = 1; i < lines.length; i++) {
                        int colon = lines[i].indexOf(':');
                        if (colon > 0) {
                            headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                                    lines[i].substring(colon + 1).strip());
                        }
                    }
                    String length = headers.get("content-length");
                    contentLength = length == null ? -1 : parse(length);
                    String type = headers.getOrDefault("content-type", "");
                    if (type.startsWith("text/event-stream") || status == 101 || contentLength < 0
                            && !"chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                        body = "";
                    }
                }
            }
            if (headEnd >= 0 && body == null && contentLength >= 0 && all.length - headEnd - 4 >= contentLength) {
                body = new String(all, headEnd + 4, (int) contentLength, StandardCharsets.UTF_8);
            }
            if (body != null && !awaitClose) {
                break;
            }
        }
        if (body == null && headEnd >= 0) {
            byte[] all = received.toByteArray();
            body = new String(all, headEnd + 4, all.length - headEnd - 4, StandardCharsets.UTF_8);
        }
        return new Exchange(status, headers, body == null ? "" : body, closed, reset, timedOut,
                (System.nanoTime() - start) / 1_000_000);
    }

    private static int parse(String number) {
        try {
            return Integer.parseInt(number.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
