package dev.drawbridge.app;

import dev.drawbridge.bus.HistoryLimits;
import dev.drawbridge.http.Limits;
import dev.drawbridge.http.RateLimits;
import dev.drawbridge.http.Hardening;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything a node can be told, from flags ({@code --port 8081} or {@code --port=8081}) or from the
 * environment ({@code PORT=8081}); a flag wins over the environment.
 */
public record Config(
        String host,
        int port,
        Optional<String> tokenSecret,
        Duration tokenLifetime,
        Duration refreshGrace,
        Optional<String> redisUrl,
        Optional<String> nodeId,
        int maxRoomSize,
        int maxBodyBytes,
        Duration pingInterval,
        int streamBufferBytes,
        JsonArray iceServers,
        int eventLoops,
        String transport,
        Path dataDir,
        long boardMaxBytes,
        int boardMaxRecord,
        Duration boardRetention,
        Duration resumeGrace,
        HistoryLimits history,
        Duration drainSpread,
        int drainBatch,
        Duration drainTimeout,
        // Rate limits (issue 11, limits)
        RateLimits limits,
        // hardening (issue 11): connection timeouts and refusal near the open-file limit
        Hardening.Settings hardening,
        // edge: headers, CORS, token strictness, metrics access, TURN credentials (EdgeConfig)
        EdgeConfig edge,
        // Redis Cluster (issue 14): how often the slots' owners are read without a sign of change,
        // and the authority that signed Redis' certificate for rediss:// (empty: the JVM's)
        Duration redisTopologyCheck,
        Optional<String> redisCaFile,
        // how often each subscriber connection to Redis probes itself (zero: never)
        Duration redisProbeInterval) {

    /** One setting: its flag, its variable, its default as text, and what it means. */
    public record Setting(String flag, String env, String fallback, String help) {}

    public static final List<Setting> SETTINGS = List.of(
            new Setting("host", "HOST", "0.0.0.0", "address to listen on"),
            new Setting("port", "PORT", "8081", "port to listen on (0: any free port)"),
            new Setting("token-secret", "TOKEN_SECRET", "",
                    "shared HS256 secret of the cluster, at least 32 bytes (unset: a random one for this process)"),
            new Setting("token-ttl", "TOKEN_TTL", "3600s", "lifetime of an access token"),
            new Setting("refresh-grace", "REFRESH_GRACE", "300s", "how long after expiry a token may still be refreshed"),
            new Setting("redis-url", "REDIS_URL", "", "redis://host:port to run as one of several nodes (unset: alone, in-process bus)"),
            new Setting("node-id", "NODE_ID", "", "this node's name in Redis (unset: a random one)"),
            new Setting("max-room-size", "MAX_ROOM_SIZE", "16", "most peers one room holds"),
            new Setting("max-body", "MAX_BODY", "65536", "largest request body, in bytes"),
            new Setting("ping-interval", "PING_INTERVAL", "10s", "how often an idle stream gets a ping"),
            new Setting("stream-buffer", "STREAM_BUFFER", "262144",
                    "bytes a stream may have waiting for a slow browser before it is closed"),
            new Setting("ice-servers", "ICE_SERVERS", "[]", "JSON array of RTCIceServer objects the browsers get from /config"),
            new Setting("event-loops", "EVENT_LOOPS", "0", "event loops, each with its own pair of Redis connections (0: half the cores, at least one)"),
            new Setting("transport", "TRANSPORT", "auto",
                    "network I/O: epoll (Linux' native), nio (the JDK's), or auto (epoll where it loads, else nio)"),
            new Setting("data-dir", "DATA_DIR", "./data",
                    "folder of the embedded board database, created on first start (unused with REDIS_URL)"),
            new Setting("board-max-bytes", "BOARD_MAX_BYTES", "16777216", "most bytes one room's stored board holds"),
            new Setting("board-max-record", "BOARD_MAX_RECORD", "65536", "most bytes of one stored record"),
            new Setting("board-retention", "BOARD_RETENTION", "30d",
                    "a board nobody read or wrote for this long is deleted (0: kept forever)"),
            new Setting("resume-grace", "RESUME_GRACE", "20s",
                    "how long a peer whose stream dropped stays in its rooms, waiting to resume on any node"),
            new Setting("history-events", "HISTORY_EVENTS", "256", "most events kept per peer for resumed streams"),
            new Setting("history-bytes", "HISTORY_BYTES", "262144", "most bytes of events kept per peer for resumed streams"),
            new Setting("history-age", "HISTORY_AGE", "60s",
                    "oldest event kept per peer for resumed streams; at least the resume grace"),
            new Setting("drain-spread", "DRAIN_SPREAD", "10s",
                    "on SIGTERM, the window over which the node's browsers are sent to reconnect elsewhere"),
            new Setting("drain-batch", "DRAIN_BATCH", "128", "on SIGTERM, most streams closed in one step"),
            new Setting("drain-timeout", "DRAIN_TIMEOUT", "30s",
                    "on SIGTERM, the node exits by then whatever is left (a second SIGTERM: at once)"),
            // Rate limits (issue 11, limits): a rate N/duration is a bucket of N refilled evenly over the duration.
            new Setting("relay-limit", "RELAY_LIMIT", "3000/2s", "relays per peer, a bucket: N/duration (0: no limit)"),
            new Setting("join-limit", "JOIN_LIMIT", "30/10s", "joins per peer (0: no limit)"),
            new Setting("token-limit", "TOKEN_LIMIT", "300/60s",
                    "POST /access and /access/refresh per client address (0: no limit)"),
            new Setting("stream-limit", "STREAM_LIMIT", "600/60s", "new streams per client address (0: no limit)"),
            new Setting("node-stream-limit", "NODE_STREAM_LIMIT", "2000/2s", "new streams per node (0: no limit)"),
            new Setting("max-streams", "MAX_STREAMS", "20000", "most open streams of a node (0: no cap)"),
            new Setting("max-address-streams", "MAX_ADDRESS_STREAMS", "256",
                    "most open streams of one client address (0: no cap)"),
            new Setting("stream-retry", "STREAM_RETRY", "5s",
                    "how long a stream refused by a cap is told to wait, plus up to half as much at random"),
            new Setting("trusted-proxies", "TRUSTED_PROXIES", "",
                    "comma-separated addresses/CIDRs of proxies whose X-Forwarded-For names the client (unset: none)"),
            // hardening (issue 11): connection timeouts and refusal near the open-file limit
            new Setting("header-timeout", "HEADER_TIMEOUT", "10s",
                    "most time from a connection's open (or a later request's first byte) to the end of the request's headers"),
            new Setting("body-timeout", "BODY_TIMEOUT", "30s",
                    "most time from the end of a request's headers to the end of its body (then 408)"),
            new Setting("idle-timeout", "IDLE_TIMEOUT", "60s",
                    "most time a keep-alive connection waits for its next request (event streams are exempt)"),
            new Setting("fd-reserve", "FD_RESERVE", "64",
                    "file descriptors kept free below the open-file limit: past it new connections get 503, or a reset"),
            // edge: CORS, token strictness, metrics access, TURN credentials (EdgeConfig)
            new Setting("cors-origins", "CORS_ORIGINS", "",
                    "comma-separated origins (https://host[:port]) whose pages may call this API (unset: none)"),
            new Setting("token-clock-skew", "TOKEN_CLOCK_SKEW", "60s",
                    "how far a token's iat/nbf may lie in the future, and its lifetime exceed --token-ttl"),
            new Setting("metrics-token", "METRICS_TOKEN", "",
                    "bearer token that GET /metrics asks for (unset: /metrics is not served)"),
            new Setting("turn-urls", "TURN_URLS", "",
                    "comma-separated turn:/turns: URLs of a coturn run with use-auth-secret (unset: no TURN credentials)"),
            new Setting("turn-secret", "TURN_SECRET", "", "that TURN server's static-auth-secret"),
            new Setting("turn-ttl", "TURN_TTL", "3600s", "how long the TURN credentials of one /config answer are valid"),
            new Setting("ice-transport-policy", "ICE_TRANSPORT_POLICY", "all",
                    "all, or relay: browsers connect through TURN only and never show each other their addresses"),
            // Redis Cluster (issue 14)
            new Setting("redis-topology-check", "REDIS_TOPOLOGY_CHECK", "30s",
                    "on a Redis Cluster, how often a node reads the slots' owners even when nothing signalled a change"),
            new Setting("redis-ca-file", "REDIS_CA_FILE", "",
                    "for rediss://: PEM file of the authority that signed Redis' certificate (unset: the JVM's authorities)"),
            new Setting("redis-probe-interval", "REDIS_PROBE_INTERVAL", "2s",
                    "how often each Redis subscriber connection publishes a probe to itself and expects it back (0: never)"));

    /** The values {@code --transport} takes. */
    public static final List<String> TRANSPORTS = List.of("auto", "epoll", "nio");

    /** The defaults, as a node started with no flags and an empty environment would have them. */
    public static Config defaults() {
        return parse(new String[0], Map.of());
    }

    /**
     * Reads flags and environment. Throws {@link IllegalArgumentException} with a message for the
     * user when a value is unknown or malformed.
     */
    public static Config parse(String[] args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting setting : SETTINGS) {
            values.put(setting.flag(), env.getOrDefault(setting.env(), setting.fallback()));
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + arg);
            }
            String name = arg.substring(2);
            String value;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("unknown setting --" + name + " (see --help)");
            }
            values.put(name, value);
        }
        Duration drainTimeout = duration(values, "drain-timeout");
        Duration drainSpread = duration(values, "drain-spread");
        if (drainSpread.compareTo(drainTimeout) >= 0) {
            throw new IllegalArgumentException("--drain-spread (" + values.get("drain-spread").strip()
                    + ") must be shorter than --drain-timeout (" + values.get("drain-timeout").strip()
                    + "): the streams must be moved before the node gives up");
        }
        return new Config(
                values.get("host"),
                number(values, "port", 0, 65535),
                optional(values.get("token-secret")),
                duration(values, "token-ttl"),
                duration(values, "refresh-grace"),
                optional(values.get("redis-url")),
                optional(values.get("node-id")),
                number(values, "max-room-size", 1, 10_000),
                number(values, "max-body", 1, 16 * 1024 * 1024),
                duration(values, "ping-interval"),
                number(values, "stream-buffer", 1024, 256 * 1024 * 1024),
                iceServers(values.get("ice-servers")),
                number(values, "event-loops", 0, 256),
                oneOf(values, "transport", TRANSPORTS),
                Path.of(values.get("data-dir").strip()),
                number(values, "board-max-bytes", 1, 1 << 30),
                boardMaxRecord(values),
                values.get("board-retention").strip().equals("0") ? Duration.ZERO : duration(values, "board-retention"),
                duration(values, "resume-grace"),
                history(values),
                drainSpread,
                number(values, "drain-batch", 1, 1_000_000),
                drainTimeout,
                limits(values),
                new Hardening.Settings(duration(values, "header-timeout"), duration(values, "body-timeout"),
                        duration(values, "idle-timeout"), number(values, "fd-reserve", 2, 1_000_000)),
                EdgeConfig.parse(values),
                duration(values, "redis-topology-check"),
                optional(values.get("redis-ca-file")),
                values.get("redis-probe-interval").strip().equals("0") ? Duration.ZERO : duration(values, "redis-probe-interval"));
    }

    /** The history bounds; its age must cover the grace, or a stream resumed in time could find its gap aged out. */
    private static HistoryLimits history(Map<String, String> values) {
        Duration grace = duration(values, "resume-grace");
        Duration age = duration(values, "history-age");
        if (age.compareTo(grace) < 0) {
            throw new IllegalArgumentException("--history-age (" + values.get("history-age").strip()
                    + ") must be at least --resume-grace (" + values.get("resume-grace").strip() + ")");
        }
        return new HistoryLimits(number(values, "history-events", 1, 1_000_000),
                number(values, "history-bytes", 1024, 64 * 1024 * 1024), age);
    }

    /** The text of {@code --help}. */
    public static String help() {
        StringBuilder text = new StringBuilder("""
                Drawbridge: the signaling node of a collaborative whiteboard.

                Usage: java -jar drawbridge.jar [--setting value ...]
                Each setting can also come from the environment variable named beside it.
                Durations take ms, s, m, h or d (plain numbers are seconds).

                """);
        List<String> rows = new ArrayList<>();
        for (Setting s : SETTINGS) {
            String fallback = s.fallback().isEmpty() ? "unset" : s.fallback();
            rows.add(String.format("  --%-15s %-15s %s (default: %s)", s.flag(), s.env(), s.help(), fallback));
        }
        return text.append(String.join("\n", rows)).append('\n').toString();
    }

    /** The same configuration with another listening address and port. */
    public Config listening(String host, int port) {
        return new Config(host, port, tokenSecret, tokenLifetime, refreshGrace, redisUrl, nodeId, maxRoomSize,
                maxBodyBytes, pingInterval, streamBufferBytes, iceServers, eventLoops, transport,
                dataDir, boardMaxBytes, boardMaxRecord, boardRetention, resumeGrace, history,
                drainSpread, drainBatch, drainTimeout, limits, hardening, edge, redisTopologyCheck, redisCaFile,
                redisProbeInterval);
    }

    /** A record cannot be larger than the board that holds it. */
    private static int boardMaxRecord(Map<String, String> values) {
        int maxBytes = number(values, "board-max-bytes", 1, 1 << 30);
        return number(values, "board-max-record", 1, maxBytes);
    }

    private static Optional<String> optional(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    private static int number(Map<String, String> values, String name, int min, int max) {
        return parsed(values, name, text -> {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                throw new IllegalArgumentException();
            }
            return value;
        }, "a whole number from " + min + " to " + max);
    }

    private static String oneOf(Map<String, String> values, String name, List<String> choices) {
        return parsed(values, name, text -> {
            if (!choices.contains(text)) {
                throw new IllegalArgumentException();
            }
            return text;
        }, "one of " + String.join(", ", choices));
    }

    static Duration duration(Map<String, String> values, String name) {
        return parsed(values, name, text -> {
            Duration value;
            if (text.endsWith("ms")) {
                value = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            } else if (text.endsWith("s")) {
                value = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
            } else if (text.endsWith("m")) {
                value = Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
            } else if (text.endsWith("h")) {
                value = Duration.ofHours(Long.parseLong(text.substring(0, text.length() - 1)));
            } else if (text.endsWith("d")) {
                value = Duration.ofDays(Long.parseLong(text.substring(0, text.length() - 1)));
            } else {
                value = Duration.ofSeconds(Long.parseLong(text));
            }
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException();
            }
            return value;
        }, "a positive duration such as 500ms, 10s, 5m, 1h or 30d");
    }

    private static JsonArray iceServers(String text) {
        try {
            return new JsonArray(text);
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException("--ice-servers must be a JSON array, e.g. [{\"urls\":\"stun:stun.example.org:3478\"}]");
        }
    }

    private static <T> T parsed(Map<String, String> values, String name, Function<String, T> parse, String expected) {
        String text = values.get(name).strip();
        try {
            return parse.apply(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--" + name + " must be " + expected + ", not '" + text + "'");
        }
    }

    // Rate limits (issue 11, limits)

    private static RateLimits limits(Map<String, String> values) {
        String proxies = values.get("trusted-proxies").strip();
        List<String> trusted = proxies.isEmpty() ? List.of()
                : List.of(proxies.split("\\s*,\\s*"));
        try {
            Limits.validateProxies(trusted);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--trusted-proxies: " + e.getMessage());
        }
        return new RateLimits(rate(values, "relay-limit"), rate(values, "join-limit"), rate(values, "token-limit"),
                rate(values, "stream-limit"), rate(values, "node-stream-limit"),
                number(values, "max-streams", 0, 10_000_000), number(values, "max-address-streams", 0, 10_000_000),
                duration(values, "stream-retry"), trusted);
    }

    /** {@code N/duration} (a bucket of N refilled evenly over the duration), or {@code 0}: no limit. */
    private static RateLimits.Rate rate(Map<String, String> values, String name) {
        return parsed(values, name, text -> {
            if (text.equals("0")) {
                return RateLimits.Rate.OFF;
            }
            int slash = text.indexOf('/');
            long tokens = Long.parseLong(text.substring(0, slash));
            if (tokens < 1 || tokens > 1_000_000_000L) {
                throw new IllegalArgumentException();
            }
            return new RateLimits.Rate(tokens, duration(Map.of(name, text.substring(slash + 1)), name));
        }, "N/duration such as 2000/2s (a bucket of N refilled evenly over the duration), or 0 for no limit");
    }
}
