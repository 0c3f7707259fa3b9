package dev.drawbridge.loadgen;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The load generator's settings, from {@code --name value} flags; every count and time is capped. */
record Options(
        Mode mode,
        List<URI> urls,
        int clients,
        int roomSize,
        int messages,
        double rate,
        int inFlight,
        int warmup,
        int payloadBytes,
        int sourceAddresses,
        int connections,
        int openConcurrency,
        int eventLoops,
        double durationSeconds,
        double drainSeconds,
        double settleSeconds,
        long serverPid,
        List<Long> redisPids,
        int redisPort,
        boolean comparePost,
        boolean leave,
        String label,
        String out,
        int flood,
        Server server) {

    /** The kind of server, and so the wire the load generator speaks to it ({@link Wire}). */
    enum Server {
        /** Drawbridge over SSE + POST (PROTOCOL.md). */
        DRAWBRIDGE,
        /** Drawbridge over its WebSocket transport. */
        DRAWBRIDGE_WS,
        /** The PeerJS server (npm {@code peer}). */
        PEERJS,
        /** socket.io running scripts/compare-servers/socketio.js. */
        SOCKETIO;

        static Server of(String text) {
            for (Server s : values()) {
                if (s.flag().equals(text)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("--server must be drawbridge, drawbridge-ws, peerjs or socketio, not " + text);
        }

        String flag() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /** What a run does. */
    enum Mode {
        /** Peers in rooms relay messages to their room-mates; latency, loss and order are measured. */
        RELAY,
        /** The same load shape, but each request is a trivial authenticated POST (POST /access/refresh). */
        POST,
        /** Streams are opened and held, nothing else; memory per stream is measured. */
        IDLE,
        /** Everyone joins rooms at once (members of a room one after another); time to all add-peers. */
        JOIN_STORM;

        static Mode of(String text) {
            return switch (text) {
                case "relay" -> RELAY;
                case "post" -> POST;
                case "idle" -> IDLE;
                case "join-storm" -> JOIN_STORM;
                default -> throw new IllegalArgumentException("--mode must be relay, post, idle or join-storm, not " + text);
            };
        }

        String flag() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    static final int MAX_CLIENTS = 25_000;
    static final long MAX_TOTAL_MESSAGES = 10_000_000;
    static final double MAX_DURATION_SECONDS = 1_800;

    private static final Map<String, String[]> FLAGS = new LinkedHashMap<>();

    static {
        flag("mode", "relay", "relay | post | idle | join-storm");
        flag("url", "http://127.0.0.1:8081", "node URL(s), comma-separated; peers are spread over them (loopback only)");
        flag("clients", "200", "peers, each with its own token and stream (at most " + MAX_CLIENTS + ")");
        flag("room-size", "4", "peers per room");
        flag("messages", "100", "relays (or posts) each peer sends");
        flag("rate", "0", "total requests per second; 0: as fast as --in-flight allows");
        flag("in-flight", "64", "most requests awaiting their answer at once");
        flag("warmup", "0", "requests sent as fast as possible before each measured phase, not measured; "
                + "join-storm: any value runs one whole storm first, into other rooms");
        flag("payload", "64", "bytes of padding in each relayed body");
        flag("source-addresses", "4", "local addresses to connect from: 127.0.0.2, 127.0.0.3, ...");
        flag("connections", "16", "keep-alive connections for requests, per source address and node");
        flag("open-concurrency", "256", "streams (and tokens) being opened at once");
        flag("event-loops", "2", "the load generator's event loops");
        flag("duration", "120", "hard cap on the whole run, in seconds");
        flag("drain", "5", "seconds to wait for the last deliveries");
        flag("settle", "5", "idle mode: seconds to hold the streams before reading the server's memory");
        flag("server-pid", "0", "the node's process id, to read its memory and CPU time from /proc");
        flag("redis-pid", "0", "Redis' process id(s), comma-separated (one per primary of a cluster), to read their CPU time from /proc");
        flag("redis-port", "0", "count the node's connections to this port (Redis) before and after");
        flag("compare-post", "false", "relay mode: then run the same number of trivial authenticated POSTs");
        flag("leave", "true", "relay and join-storm: finally leave the rooms and count remove-peer");
        flag("label", "", "a name for this run in the summary and the charts");
        flag("out", "", "also write the JSON summary to this file");
        flag("flood", "0", "relay mode: one more room whose first peer floods its mate with this many relays in flight "
                + "while the others are measured (0: no flood)");
        flag("server", "drawbridge", "what --url runs: drawbridge (SSE + POST), drawbridge-ws (its WebSocket), "
                + "peerjs (PeerJS server), socketio (scripts/compare-servers/socketio.js); the last two have no "
                + "add-peer, trivial POST or flood");
    }

    private static void flag(String name, String fallback, String help) {
        FLAGS.put(name, new String[] {fallback, help});
    }

    static String help() {
        StringBuilder text = new StringBuilder("""
                drawbridge-loadgen: load and latency measurements of Drawbridge nodes (loopback only).

                Usage: java -jar drawbridge-loadgen.jar [--flag value ...]
                Progress goes to stderr every second; the JSON summary is printed last on stdout.

                """);
        FLAGS.forEach((name, v) -> text.append(String.format("  --%-17s %s (default: %s)%n", name, v[1], v[0])));
        return text.toString();
    }

    static Options parse(String... args) {
        Map<String, String> values = new LinkedHashMap<>();
        FLAGS.forEach((name, v) -> values.put(name, v[0]));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + arg);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("unknown flag --" + name + " (see --help)");
            }
            values.put(name, value);
        }
        List<URI> urls = new ArrayList<>();
        for (String url : values.get("url").split(",")) {
            if (!url.isBlank()) {
                urls.add(Loopback.requireLoopbackUrl(url));
            }
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("--url needs at least one node URL");
        }
        Mode mode = Mode.of(values.get("mode"));
        int clients = intIn(values, "clients", 1, MAX_CLIENTS);
        int roomSize = intIn(values, "room-size", 1, 10_000);
        if (mode != Mode.IDLE && mode != Mode.POST && roomSize < 2) {
            throw new IllegalArgumentException("--room-size must be at least 2 for relays and joins");
        }
        int messages = intIn(values, "messages", 0, 1_000_000);
        if ((long) clients * messages > MAX_TOTAL_MESSAGES) {
            throw new IllegalArgumentException("--clients x --messages must stay under " + MAX_TOTAL_MESSAGES);
        }
        int sources = intIn(values, "source-addresses", 1, 250);
        Server server = Server.of(values.get("server"));
        if (server == Server.PEERJS || server == Server.SOCKETIO) {
            if (bool(values, "compare-post") || !values.get("flood").strip().equals("0") || mode == Mode.POST) {
                throw new IllegalArgumentException("--server " + server.flag()
                        + " has no trivial POST and no flood: --mode post, --compare-post and --flood are Drawbridge's");
            }
        }
        return new Options(mode, List.copyOf(urls), clients, roomSize, messages,
                doubleIn(values, "rate", 0, 500_000),
                intIn(values, "in-flight", 1, 20_000),
                intIn(values, "warmup", 0, 1_000_000),
                intIn(values, "payload", 0, 60_000),
                sources,
                intIn(values, "connections", 1, 5_000),
                intIn(values, "open-concurrency", 1, 5_000),
                intIn(values, "event-loops", 1, 64),
                doubleIn(values, "duration", 1, MAX_DURATION_SECONDS),
                doubleIn(values, "drain", 0, 120),
                doubleIn(values, "settle", 0, 600),
                (long) doubleIn(values, "server-pid", 0, Integer.MAX_VALUE),
                pids(values.get("redis-pid")),
                intIn(values, "redis-port", 0, 65_535),
                bool(values, "compare-post"),
                bool(values, "leave"),
                values.get("label"),
                values.get("out"),
                intIn(values, "flood", 0, 5_000),
                server);
    }

    /** The source address of the i-th group: 127.0.0.2, 127.0.0.3, ... */
    String sourceAddress(int i) {
        int n = i + 2;
        return "127.0." + (n / 256) + "." + (n % 256);
    }

    /** Process ids from a comma-separated list; 0 (the default) is none. */
    private static List<Long> pids(String text) {
        List<Long> pids = new ArrayList<>();
        for (String part : text.split(",")) {
            long pid = (long) doubleIn(Map.of("redis-pid", part), "redis-pid", 0, Integer.MAX_VALUE);
            if (pid > 0) {
                pids.add(pid);
            }
        }
        return List.copyOf(pids);
    }

    private static int intIn(Map<String, String> values, String name, int min, int max) {
        return (int) doubleIn(values, name, min, max);
    }

    private static double doubleIn(Map<String, String> values, String name, double min, double max) {
        String text = values.get(name).strip();
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, not '" + text + "'");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("--" + name + " must be from " + min + " to " + max + ", not " + text);
        }
        return value;
    }

    private static boolean bool(Map<String, String> values, String name) {
        String text = values.get(name).strip();
        return switch (text) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("--" + name + " must be true or false, not " + text);
        };
    }
}
