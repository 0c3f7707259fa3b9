package dev.drawbridge.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

/**
 * The headers every answer carries, the page's, the assets', the API's and the refusals' alike: a
 * strict Content-Security-Policy (the app loads nothing but its own modules and stylesheet, has no
 * inline script or style attribute, and talks only to its own origin; WebRTC is outside CSP), no
 * MIME sniffing, no framing, no referrer (the path holds the room id), and no powerful feature.
 */
final class SecurityHeaders {
    /** The app's policy. {@code img-src blob: data:} lets the board show pasted images and PNG exports. */
    static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' blob: data:",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'");

    /**
     * Features the app never uses, denied to it and to anything it could be tricked into loading.
     * Only names Chromium knows: an unknown one costs a console warning on every page. Camera and
     * microphone stay with the app's own origin ({@code (self)}, denied to every other): Chromium
     * shows a page's real host addresses in its ICE candidates, instead of mDNS names, only to a
     * page that may hold a camera or microphone permission, and a browser given that permission
     * (a kiosk, the loopback tests) connects peer-to-peer only so. The app never asks for either.
     */
    static final String PERMISSIONS_POLICY = String.join(", ",
            "camera=(self)", "microphone=(self)", "geolocation=()", "display-capture=()", "usb=()", "serial=()",
            "hid=()", "payment=()", "midi=()", "magnetometer=()", "gyroscope=()", "accelerometer=()");

    private static final CharSequence CSP = HttpHeaders.createOptimized("Content-Security-Policy");
    private static final CharSequence CSP_VALUE = HttpHeaders.createOptimized(CONTENT_SECURITY_POLICY);
    private static final CharSequence NOSNIFF_NAME = HttpHeaders.createOptimized("X-Content-Type-Options");
    private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
    private static final CharSequence FRAME_NAME = HttpHeaders.createOptimized("X-Frame-Options");
    private static final CharSequence DENY = HttpHeaders.createOptimized("DENY");
    private static final CharSequence REFERRER_NAME = HttpHeaders.createOptimized("Referrer-Policy");
    private static final CharSequence NO_REFERRER = HttpHeaders.createOptimized("no-referrer");
    private static final CharSequence PERMISSIONS_NAME = HttpHeaders.createOptimized("Permissions-Policy");
    private static final CharSequence PERMISSIONS_VALUE = HttpHeaders.createOptimized(PERMISSIONS_POLICY);

    private SecurityHeaders() {}

    /** Adds the headers to an answer not yet written; a handler may still override one. */
    static void add(MultiMap headers) {
        headers.set(CSP, CSP_VALUE)
                .set(NOSNIFF_NAME, NOSNIFF)
                .set(FRAME_NAME, DENY)
                .set(REFERRER_NAME, NO_REFERRER)
                .set(PERMISSIONS_NAME, PERMISSIONS_VALUE);
    }
}
