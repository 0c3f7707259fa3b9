package dev.drawbridge.http;

/** Bodies shaped like what browsers relay: an ICE candidate and an SDP offer. */
public final class Payloads {
    private Payloads() {}

    public static final String SENDER = "{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"username\":\"ada\"}";

    public static String body(String kind) {
        return switch (kind) {
            case "ice-candidate" -> "{\"candidate\":\"candidate:842163049 1 udp 1677729535 192.0.2.7 53112 typ srflx "
                    + "raddr 10.0.0.5 rport 53112 generation 0 ufrag Yq7p network-cost 999\",\"sdpMid\":\"0\","
                    + "\"sdpMLineIndex\":0,\"usernameFragment\":\"Yq7p\"}";
            case "session-description" -> {
                StringBuilder sdp = new StringBuilder("v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\n"
                        + "s=-\\r\\nt=0 0\\r\\na=group:BUNDLE 0\\r\\na=extmap-allow-mixed\\r\\n"
                        + "a=msid-semantic: WMS\\r\\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\\r\\n"
                        + "c=IN IP4 0.0.0.0\\r\\na=ice-ufrag:Yq7p\\r\\na=ice-pwd:3Q1zJt8W1kJfLZ0x6bJYwXcm\\r\\n"
                        + "a=ice-options:trickle\\r\\n");
                while (sdp.length() < 2_400) {
                    sdp.append("a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\\r\\n");
                }
                yield "{\"type\":\"offer\",\"sdp\":\"" + sdp + "\"}";
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** What the relay envelope makes of the body: {"peer":..., "data":...}. */
    public static String envelope(String kind) {
        return "{\"peer\":" + SENDER + ",\"data\":" + body(kind) + "}";
    }
}
