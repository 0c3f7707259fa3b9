package dev.drawbridge.loadgen;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The guard that keeps the load generator on this machine: it sends traffic only to loopback
 * addresses (127.0.0.0/8, ::1, localhost), and it decides from the text of the address alone,
 * without asking a resolver.
 */
final class Loopback {
    private Loopback() {}

    /** The URL, parsed, if its scheme is http and its host is loopback; otherwise an exception. */
    static URI requireLoopbackUrl(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("only http:// URLs are supported, not " + url);
        }
        if (uri.getHost() == null || !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("refusing " + url + ": the load generator only targets loopback "
                    + "addresses (127.0.0.0/8, ::1, localhost)");
        }
        if (uri.getPort() <= 0) {
            throw new IllegalArgumentException("the URL needs an explicit port: " + url);
        }
        return uri;
    }

    /** Whether the host text names a loopback address. */
    static boolean isLoopback(String host) {
        String h = host.strip();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        String[] parts = h.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                return false;
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return Integer.parseInt(parts[0]) == 127;
    }
}
