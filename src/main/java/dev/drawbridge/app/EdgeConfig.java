package dev.drawbridge.app;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of the node's public edge: the origins allowed to call it across origins, how
 * strictly tokens are checked, who may read the metrics, and the TURN server whose credentials
 * {@code /config} hands out.
 *
 * @param corsOrigins        origins ({@code scheme://host[:port]}) that may call the API from a page of
 *                           theirs; empty: none, no CORS header is ever sent
 * @param tokenClockSkew     how far in the future a token's {@code iat}/{@code nbf} may lie, and how much
 *                           longer than the token lifetime it may live
 * @param metricsToken       the bearer token that {@code GET /metrics} asks for; empty: metrics are not served
 * @param turnUrls           {@code turn:}/{@code turns:} URLs of a TURN server run with coturn's
 *                           {@code use-auth-secret}; empty: no TURN entry in {@code /config}
 * @param turnSecret         the TURN server's {@code static-auth-secret}; present exactly when turnUrls is not empty
 * @param turnTtl            how long the TURN credentials of one {@code /config} answer are valid
 * @param iceTransportPolicy {@code all}, or {@code relay}: browsers use TURN relays only (never their own addresses)
 */
public record EdgeConfig(
        List<String> corsOrigins,
        Duration tokenClockSkew,
        Optional<String> metricsToken,
        List<String> turnUrls,
        Optional<String> turnSecret,
        Duration turnTtl,
        String iceTransportPolicy) {

    /** The values {@code --ice-transport-policy} takes: those of {@code RTCConfiguration.iceTransportPolicy}. */
    public static final List<String> ICE_TRANSPORT_POLICIES = List.of("all", "relay");

    public EdgeConfig {
        corsOrigins = List.copyOf(corsOrigins);
        turnUrls = List.copyOf(turnUrls);
    }

    /** Reads the settings of {@link Config#SETTINGS} that belong here. */
    static EdgeConfig parse(Map<String, String> values) {
        List<String> turnUrls = list(values.get("turn-urls"));
        for (String url : turnUrls) {
            if (!url.startsWith("turn:") && !url.startsWith("turns:")) {
                throw new IllegalArgumentException("--turn-urls takes turn: or turns: URLs (comma-separated), not '" + url + "'");
            }
        }
        Optional<String> turnSecret = optional(values.get("turn-secret"));
        if (turnUrls.isEmpty() != turnSecret.isEmpty()) {
            throw new IllegalArgumentException("--turn-urls and --turn-secret go together: set both or neither");
        }
        List<String> origins = list(values.get("cors-origins"));
        for (String origin : origins) {
            if (!isOrigin(origin)) {
                throw new IllegalArgumentException("--cors-origins takes origins such as https://draw.example.org "
                        + "(scheme, host and port only, comma-separated; no '*'), not '" + origin + "'");
            }
        }
        String policy = values.get("ice-transport-policy").strip();
        if (!ICE_TRANSPORT_POLICIES.contains(policy)) {
            throw new IllegalArgumentException("--ice-transport-policy must be one of " + String.join(", ", ICE_TRANSPORT_POLICIES)
                    + ", not '" + policy + "'");
        }
        if (policy.equals("relay") && turnUrls.isEmpty() && values.get("ice-servers").strip().equals("[]")) {
            throw new IllegalArgumentException("--ice-transport-policy relay needs a TURN server (--turn-urls, or one in --ice-servers)");
        }
        return new EdgeConfig(origins, Config.duration(values, "token-clock-skew"), optional(values.get("metrics-token")),
                turnUrls, turnSecret, Config.duration(values, "turn-ttl"), policy);
    }

    /** Never shows the secrets, whoever prints this. */
    @Override
    public String toString() {
        return "EdgeConfig[corsOrigins=" + corsOrigins + ", tokenClockSkew=" + tokenClockSkew
                + ", metricsToken=" + metricsToken.map(t -> "(set)").orElse("(unset)") + ", turnUrls=" + turnUrls
                + ", turnSecret=" + turnSecret.map(t -> "(set)").orElse("(unset)") + ", turnTtl=" + turnTtl
                + ", iceTransportPolicy=" + iceTransportPolicy + "]";
    }

    /** Whether TURN credentials are handed out. */
    public boolean turn() {
        return !turnUrls.isEmpty();
    }

    private static boolean isOrigin(String text) {
        try {
            URI uri = new URI(text);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawPath().isEmpty() && uri.getRawQuery() == null
                    && uri.getRawFragment() == null && text.equals(text.toLowerCase(java.util.Locale.ROOT));
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static List<String> list(String text) {
        return text == null ? List.of() : Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static Optional<String> optional(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }
}
