package dev.drawbridge.http;

import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.util.ArrayList;
import java.util.List;

/**
 * The address a request comes from, as the per-address limits count it: the socket's peer, or, when
 * that peer is a trusted proxy, the right-most address of {@code X-Forwarded-For} that is not itself a
 * trusted proxy (each proxy appends the address it got the request from, so everything left of the
 * first untrusted hop may have been written by the client). No proxy is trusted unless configured, so
 * a client cannot pick its own address by sending the header.
 *
 * <p>An IPv6 client is counted by its /64: one household or phone gets a whole /64, and could otherwise
 * take a fresh address for every request. An IPv4-mapped IPv6 address counts as the IPv4 address.
 */
final class ClientAddress {
    private final List<Cidr> trusted;

    private ClientAddress(List<Cidr> trusted) {
        this.trusted = trusted;
    }

    /**
     * From entries such as {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code fd00::/8}; throws
     * {@link IllegalArgumentException} naming the first entry that is not an address literal or CIDR.
     */
    static ClientAddress trusting(List<String> entries) {
        List<Cidr> cidrs = new ArrayList<>();
        for (String entry : entries) {
            cidrs.add(Cidr.parse(entry.strip()));
        }
        return new ClientAddress(List.copyOf(cidrs));
    }

    /** The key of the request's client, an address (or IPv6 /64) in text. */
    String of(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        byte[] socket = remote == null ? null : bytes(remote.hostAddress());
        if (socket == null) {
            return remote == null ? "unknown" : remote.toString();
        }
        if (trusted.isEmpty() || !isTrusted(socket)) {
            return key(socket);
        }
        byte[] client = socket;
        List<String> headers = request.headers().getAll("X-Forwarded-For");
        for (int h = headers.size() - 1; h >= 0; h--) {
            String[] hops = headers.get(h).split(",");
            for (int i = hops.length - 1; i >= 0; i--) {
                byte[] hop = bytes(hops[i].strip());
                if (hop == null) {
                    // Written by no proxy we trust (ours append well-formed addresses): stop at the last good one.
                    return key(client);
                }
                client = hop;
                if (!isTrusted(hop)) {
                    return key(hop);
                }
            }
        }
        return key(client);
    }

    private boolean isTrusted(byte[] address) {
        for (Cidr cidr : trusted) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The bytes of an address literal (never a name: nothing here asks DNS), or null. */
    static byte[] bytes(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes != null && bytes.length == 16 && isMappedIpv4(bytes)) {
            return new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        }
        return bytes;
    }

    private static boolean isMappedIpv4(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    static String key(byte[] address) {
        if (address.length == 4) {
            return NetUtil.bytesToIpAddress(address);
        }
        byte[] prefix = new byte[16];
        System.arraycopy(address, 0, prefix, 0, 8);
        return NetUtil.bytesToIpAddress(prefix) + "/64";
    }

    /** An address block; a plain address is a block of one. */
    private record Cidr(byte[] network, int bits) {
        static Cidr parse(String entry) {
            int slash = entry.indexOf('/');
            byte[] network = bytes(slash < 0 ? entry : entry.substring(0, slash));
            if (network == null) {
                throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block");
            }
            int bits = network.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > network.length * 8) {
                    throw new IllegalArgumentException("'" + entry + "' has no valid prefix length");
                }
            }
            return new Cidr(network, bits);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[whole] & mask) == (network[whole] & mask);
        }
    }
}
