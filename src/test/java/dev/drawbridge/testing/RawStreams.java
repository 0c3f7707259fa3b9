package dev.drawbridge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reading a raw socket of a test (an event stream or a WebSocket read byte by byte). */
public final class RawStreams {
    private RawStreams() {}

    /** Reads until {@code marker} (ASCII) has come by; fails if the stream ends first. */
    public static void readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] chunk = new byte[256];
        while (seen.indexOf(marker) < 0) {
            int n = in.read(chunk);
            if (n < 0) {
                throw new IllegalStateException("stream ended before " + marker + ": " + seen);
            }
            seen.append(new String(chunk, 0, n, StandardCharsets.ISO_8859_1));
        }
    }
}
