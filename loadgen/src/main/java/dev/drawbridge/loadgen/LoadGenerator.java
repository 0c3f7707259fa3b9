package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One run of the load generator: tokens, streams, rooms, then what the mode asks for, and a JSON
 * summary. Runs on a few event loops (no thread per stream); the calling thread only coordinates.
 */
final class LoadGenerator implements AutoCloseable {
    /**
     * A request connection that reads nothing for this long is closed, failing the request it
     * awaits: the bound on an unanswered request, without a timer per request.
     */
    private static final int REQUEST_IDLE_TIMEOUT_SECONDS = 30;
    /** The longest a join or a leave is waited for before it is sent again, once ({@link Membership}). */
    private static final int MEMBERSHIP_ANSWER_SECONDS = 20;

    private final Options o;
    private final Vertx vertx;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final Peer[] peers;
    private final Counters counters = new Counters();
    private final Wire wire;
    /** Drawbridge's HTTP API, for the trivial POSTs whatever the wire. */
    private final SseWire http;
    private final Latency latency = new Latency();
    private final Latency requestLatency = new Latency();
    private final long startedAt = System.nanoTime();
    private final long deadline;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final String padding;
    private final List<List<Peer>> rooms = new ArrayList<>();
    private volatile String phase = "start";
    private volatile Pacer pacer;
    private long progressTimer;
    private long lastDeliveries;
    private long selfCpuAtStart;
    private long selfAllocatedAtStart;
    private int storms;

    LoadGenerator(Options options) {
        this.o = options;
        this.deadline = startedAt + (long) (options.durationSeconds() * 1e9);
        this.padding = "x".repeat(options.payloadBytes());
        // Native epoll where it loads: the load generator's own CPU comes out of the node's machine.
        this.vertx = Vertx.builder()
                .with(new VertxOptions().setEventLoopPoolSize(options.eventLoops()))
                .withTransport(Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO)
                .build();
        int perEndpoint = (options.clients() + options.urls().size() * options.sourceAddresses() - 1)
                / (options.urls().size() * options.sourceAddresses());
        for (URI url : options.urls()) {
            for (int s = 0; s < options.sourceAddresses(); s++) {
                String source = options.sourceAddress(s);
                HttpClientOptions base = new HttpClientOptions().setLocalAddress(source)
                        .setTcpNoDelay(true).setKeepAlive(true).setConnectTimeout(10_000);
                HttpClientAgent streams = vertx.httpClientBuilder()
                        .with(new HttpClientOptions(base).setKeepAlive(false).setIdleTimeout(0))
                        .with(new PoolOptions().setHttp1MaxSize(perEndpoint + 1).setMaxWaitQueueSize(-1)
                                .setEventLoopSize(options.eventLoops()))
                        .build();
                HttpClientAgent requests = vertx.httpClientBuilder()
                        .with(new HttpClientOptions(base).setIdleTimeout(REQUEST_IDLE_TIMEOUT_SECONDS))
                        .with(new PoolOptions().setHttp1MaxSize(options.connections()).setMaxWaitQueueSize(-1)
                                .setEventLoopSize(options.eventLoops()))
                        .build();
                WebSocketClient sockets = vertx.createWebSocketClient(new WebSocketClientOptions()
                        .setLocalAddress(source).setTcpNoDelay(true).setConnectTimeout(10_000)
                        .setMaxConnections(perEndpoint + 1));
                endpoints.add(new Endpoint(url, source, streams, requests, sockets));
            }
        }
        wire = Wire.of(options.server(), counters);
        http = new SseWire(counters);
        peers = new Peer[options.clients()];
        for (int i = 0; i < peers.length; i++) {
            // Consecutive peers go to different nodes, so a room spans nodes when there are several.
            int node = i % options.urls().size();
            int source = (i / options.urls().size()) % options.sourceAddresses();
            peers[i] = new Peer(i, endpoints.get(node * options.sourceAddresses() + source), counters, latency, peers);
        }
    }

    /** Runs the configured mode to its end (or to the duration cap) and answers the summary. */
    JsonObject run() {
        progressTimer = vertx.setPeriodic(1_000, id -> progress());
        JsonObject summary = new JsonObject()
                .put("label", o.label().isEmpty() ? o.mode().flag() : o.label())
                .put("mode", o.mode().flag())
                .put("server", o.server().flag())
                .put("settings", settings());
        Set<Integer> nodePorts = new HashSet<>();
        o.urls().forEach(u -> nodePorts.add(u.getPort()));
        ServerProbe server = new ServerProbe(o.serverPid(), o.redisPids(), o.redisPort(), nodePorts);

        phase = "tokens";
        Pacer tokens = pace(peers.length, 0, o.openConcurrency(), k -> wire.identify(peers[(int) k]));
        await(tokens.start());
        summary.put("tokens", new JsonObject().put("seconds", round(tokens.elapsedSeconds()))
                .put("perSecond", round(tokens.completed() / tokens.elapsedSeconds())));
        requireAll("tokens", () -> allMatch(p -> p.token != null));

        JsonObject before = server.sample();
        phase = "streams";
        Pacer streams = pace(peers.length, 0, o.openConcurrency(), k -> wire.connect(peers[(int) k]));
        await(streams.start());
        long connected = countMatching(p -> p.connected.future().succeeded());
        summary.put("streams", new JsonObject().put("requested", peers.length).put("connected", connected)
                .put("seconds", round(streams.elapsedSeconds())));

        switch (o.mode()) {
            case IDLE -> idle(summary, server, before);
            case RELAY -> relay(summary, server);
            case POST -> post(summary, server, "post", o.messages() * (long) peers.length);
            case JOIN_STORM -> joinStorm(summary, server);
        }

        summary.put("events", events());
        summary.put("httpErrors", counters.errors());
        summary.put("truncatedByDuration", System.nanoTime() > deadline);
        summary.put("seconds", round((System.nanoTime() - startedAt) / 1e9));
        vertx.cancelTimer(progressTimer);
        return summary;
    }

    // ---- modes ----

    private void idle(JsonObject summary, ServerProbe server, JsonObject before) {
        phase = "idle";
        sleepUntil(() -> false, o.settleSeconds());
        JsonObject after = server.sample();
        JsonObject idle = new JsonObject().put("streams", countMatching(p -> p.connected.future().succeeded()))
                .put("serverBefore", before).put("serverAfter", after);
        if (o.serverPid() > 0) {
            long streams = Math.max(1, idle.getLong("streams"));
            idle.put("rssKbPerStream", round((after.getLong("rssKb") - before.getLong("rssKb")) / (double) streams));
        }
        summary.put("idle", idle);
    }

    private void relay(JsonObject summary, ServerProbe server) {
        JsonObject join = joinRooms("join");
        summary.put("join", join);
        if (o.warmup() > 0) {
            phase = "warmup";
            // As fast as it goes: the point is to get the node's code compiled, not to measure.
            await(pace(o.warmup(), 0, o.inFlight(), k -> relay(k, "warm")).start());
            long warmAccepted = o.warmup();
            sleepUntil(() -> counters.warmDeliveries.sum() >= warmAccepted, o.drainSeconds());
            // Let the JIT finish what the warm-up queued before the measured phase starts.
            sleepUntil(() -> false, 2);
        }
        // Warm-up relays travel as event "warm": they reach neither the latency histogram nor the ledgers.
        long total = (long) o.messages() * measuredPeers();
        JsonObject cpuBefore = server.sample();
        markSelf();
        phase = "relay";
        long deliveredBefore = counters.deliveries.sum();
        Pacer relays = pace(total, o.rate(), o.inFlight(), k -> relay(k, "load"));
        Pacer flood = o.flood() > 0 ? new Pacer(vertx, Options.MAX_TOTAL_MESSAGES, 0, o.flood(), deadline,
                k -> floodRelay(peers[measuredPeers()], k)) : null;
        Future<Void> flooded = flood == null ? Future.succeededFuture() : flood.start();
        long relayStart = System.nanoTime();
        await(relays.start());
        double sendSeconds = relays.elapsedSeconds();
        if (flood != null) {
            flood.stop();
            await(flooded);
            summary.put("flood", new JsonObject()
                    .put("inFlight", o.flood())
                    .put("issued", flood.issued())
                    .put("accepted", counters.accepted("flood"))
                    .put("refused429", counters.count("flood", "429"))
                    .put("perSecond", round(flood.issued() / Math.max(flood.elapsedSeconds(), 1e-9)))
                    .put("acceptedPerSecond", round(counters.accepted("flood") / Math.max(flood.elapsedSeconds(), 1e-9))));
        }
        long accepted = counters.accepted("relay");
        phase = "drain";
        sleepUntil(() -> counters.deliveries.sum() - deliveredBefore >= accepted, o.drainSeconds());
        double deliverSeconds = (lastDeliveryAt() - relayStart) / 1e9;
        JsonObject cpuAfter = server.sample();
        Histogram h = latency.total();
        long delivered = counters.deliveries.sum() - deliveredBefore;
        JsonObject r = new JsonObject()
                .put("total", total)
                .put("issued", relays.issued())
                .put("accepted", accepted)
                .put("acceptedPerSecond", round(accepted / sendSeconds))
                .put("delivered", delivered)
                .put("deliveredPerSecond", round(delivered / Math.max(deliverSeconds, 1e-9)))
                .put("lost", Math.max(0, accepted - delivered))
                .put("duplicated", counters.duplicates.sum())
                .put("reordered", counters.reordered.sum())
                .put("seconds", round(sendSeconds))
                .put("targetRate", o.rate())
                .put("latencyMs", Latency.summary(h))
                .put("requestLatencyMs", Latency.summary(requestLatency.total()));
        cpu(r, cpuBefore, cpuAfter, accepted, "cpuMicrosPerRelay");
        summary.put("relay", r);
        summary.put("latencyHistogramMs", percentileCurve(h));
        if (o.comparePost()) {
            if (o.warmup() > 0) {
                phase = "warmup";
                await(pace(o.warmup(), 0, o.inFlight(), k -> trivialPost(k, "warm-post")).start());
                sleepUntil(() -> false, 2);
            }
            post(summary, server, "post", total);
            double postRate = summary.getJsonObject("post").getDouble("acceptedPerSecond");
            summary.put("relayToPostThroughput", round(r.getDouble("acceptedPerSecond") / Math.max(postRate, 1e-9)));
        }
        if (o.leave()) {
            summary.put("leave", leaveRooms());
        }
    }

    private void post(JsonObject summary, ServerProbe server, String name, long total) {
        if (o.mode() == Options.Mode.POST && o.warmup() > 0) {
            phase = "warmup";
            await(pace(o.warmup(), 0, o.inFlight(), k -> trivialPost(k, "warm-post")).start());
            sleepUntil(() -> false, 2);
        }
        Latency postLatency = new Latency();
        JsonObject cpuBefore = server.sample();
        markSelf();
        phase = name;
        Pacer posts = pace(total, o.rate(), o.inFlight(), k -> {
            long sent = System.nanoTime();
            return trivialPost(k, name).onComplete(done -> postLatency.record(System.nanoTime() - sent));
        });
        await(posts.start());
        JsonObject cpuAfter = server.sample();
        long accepted = counters.accepted(name);
        JsonObject p = new JsonObject()
                .put("what", "POST /access/refresh (authenticated: verifies a token, signs one, answers 200; no bus, no Redis)")
                .put("total", total)
                .put("accepted", accepted)
                .put("acceptedPerSecond", round(accepted / posts.elapsedSeconds()))
                .put("seconds", round(posts.elapsedSeconds()))
                .put("requestLatencyMs", Latency.summary(postLatency.total()));
        cpu(p, cpuBefore, cpuAfter, accepted, "cpuMicrosPerPost");
        summary.put(name, p);
    }

    private void joinStorm(JsonObject summary, ServerProbe server) {
        if (o.warmup() > 0) {
            // A whole storm and its leaving first, into other rooms, so that the node's code is compiled.
            phase = "warmup";
            summary.put("warmupJoinStorm", joinRooms("warm-join"));
            summary.put("warmupLeave", leaveRooms());
            sleepUntil(() -> false, 2);
        }
        JsonObject cpuBefore = server.sample();
        markSelf();
        JsonObject join = joinRooms("join-storm");
        cpu(join, cpuBefore, server.sample(), join.getLong("joinsAccepted"), "cpuMicrosPerJoin");
        summary.put("joinStorm", join);
        if (o.leave()) {
            summary.put("leave", leaveRooms());
        }
    }

    // ---- phases ----

    /** Rooms in parallel, the members of a room one after another; waits for every add-peer. */
    private JsonObject joinRooms(String name) {
        rooms.clear();
        storms++;
        for (int first = 0; first < peers.length; first += o.roomSize()) {
            List<Peer> room = new ArrayList<>();
            for (int i = first; i < Math.min(peers.length, first + o.roomSize()); i++) {
                Peer p = peers[i];
                p.roomId = "lg-" + runId + "-" + storms + "-" + rooms.size();
                p.slot = room.size();
                p.addPeersOffer = 0;
                p.addPeersAnswer = 0;
                room.add(p);
            }
            for (Peer p : room) {
                p.mates = room.stream().filter(m -> m != p).toArray(Peer[]::new);
            }
            rooms.add(room);
        }
        long expected = !wire.announcesMembership() ? 0
                : rooms.stream().mapToLong(r -> (long) r.size() * (r.size() - 1)).sum();
        long before = counters.addPeers.get();
        counters.addPeersCompleteAt = 0;
        counters.addPeerTarget = before + expected;
        Latency joinLatency = new Latency();
        phase = name;
        long start = System.nanoTime();
        List<Future<Void>> chains = new ArrayList<>(rooms.size());
        for (List<Peer> room : rooms) {
            Future<Void> chain = onLoop();
            for (Peer p : room) {
                chain = chain.compose(v -> {
                    long sent = System.nanoTime();
                    return membership(name, () -> wire.join(p, p.roomId)).map(status -> {
                        joinLatency.record(System.nanoTime() - sent);
                        return (Void) null;
                    });
                });
            }
            chains.add(chain);
        }
        await(Future.join(chains).mapEmpty());
        long answeredAt = System.nanoTime();
        sleepUntil(() -> counters.addPeersCompleteAt != 0, Math.max(o.drainSeconds(), 1));
        long completeAt = counters.addPeersCompleteAt;
        long received = counters.addPeers.get() - before;
        long wrongOffer = 0;
        for (List<Peer> room : rooms) {
            for (Peer p : room) {
                // The s-th joiner is offered to by nobody before it: it offers to the s already there.
                if (wire.announcesMembership()
                        && (p.addPeersOffer != p.slot || p.addPeersAnswer != room.size() - 1 - p.slot)) {
                    wrongOffer++;
                }
            }
        }
        return new JsonObject()
                .put("peers", peers.length)
                .put("roomSize", o.roomSize())
                .put("rooms", rooms.size())
                .put("joinsAccepted", counters.accepted(name))
                .put("addPeerExpected", expected)
                .put("addPeerReceived", received)
                .put("addPeerMissing", Math.max(0, expected - received))
                .put("peersWithWrongOfferCounts", wrongOffer)
                .put("secondsToAllJoinAnswers", round((answeredAt - start) / 1e9))
                .put("secondsToAllAddPeers", completeAt == 0 ? null : round((completeAt - start) / 1e9))
                .put("joinRequestLatencyMs", Latency.summary(joinLatency.total()));
    }

    /** Every room empties, members in join order; each leave tells the members still there. */
    private JsonObject leaveRooms() {
        long expected = !wire.announcesMembership() ? 0
                : rooms.stream().mapToLong(r -> (long) r.size() * (r.size() - 1) / 2).sum();
        long before = counters.removePeers.sum();
        phase = "leave";
        long start = System.nanoTime();
        List<Future<Void>> chains = new ArrayList<>(rooms.size());
        for (List<Peer> room : rooms) {
            Future<Void> chain = onLoop();
            for (Peer p : room) {
                chain = chain.compose(v -> membership("leave", () -> wire.leave(p, p.roomId)).mapEmpty());
            }
            chains.add(chain);
        }
        await(Future.join(chains).mapEmpty());
        sleepUntil(() -> counters.removePeers.sum() - before >= expected, Math.max(o.drainSeconds(), 1));
        long received = counters.removePeers.sum() - before;
        return new JsonObject()
                .put("removePeerExpected", expected)
                .put("removePeerReceived", received)
                .put("removePeerMissing", Math.max(0, expected - received))
                .put("seconds", round((System.nanoTime() - start) / 1e9));
    }

    // ---- protocol requests ----

    /**
     * The k-th relay: senders in turn, each to its room-mates in turn. PROTOCOL.md orders the events
     * of one sender to one target as they were accepted, so a pair sends its next relay only once the
     * previous one was answered (as a browser's signaling client does); the pacer still counts it as
     * in flight while it waits.
     */
    /**
     * The peers whose relays are measured: all, or, with a flood, all but the last room, whose first
     * peer floods its mate (the rooms are consecutive blocks of peers).
     */
    private int measuredPeers() {
        return o.flood() > 0 ? peers.length - o.roomSize() : peers.length;
    }

    /** One relay of the flood: not ordered, not measured (event "warm"), as fast as the in-flight bound allows. */
    private Future<Integer> floodRelay(Peer flooder, long k) {
        String body = "{\"f\":" + flooder.index + ",\"s\":" + k + ",\"t\":" + System.nanoTime()
                + ",\"p\":\"" + padding + "\"}";
        return answer("flood", wire.relay(flooder, flooder.mates[0], "warm", body));
    }

    private Future<Integer> relay(long k, String event) {
        int n = measuredPeers();
        Peer sender = peers[(int) (k % n)];
        long round = k / n;
        int mate = (int) (round % sender.mates.length);
        Peer target = sender.mates[mate];
        long seq = round / sender.mates.length;
        String phaseName = event.equals("load") ? "relay" : "warmup";
        return sender.afterPrevious(mate, () -> {
            long sent = System.nanoTime();
            String body = "{\"f\":" + sender.index + ",\"s\":" + seq + ",\"t\":" + sent
                    + ",\"p\":\"" + padding + "\"}";
            return answer(phaseName, wire.relay(sender, target, event, body))
                    .onComplete(done -> {
                        if (event.equals("load")) {
                            requestLatency.record(System.nanoTime() - sent);
                        }
                    });
        });
    }

    private Future<Integer> trivialPost(long k, String name) {
        return answer(name, http.trivial(peers[(int) (k % peers.length)]));
    }

    private Future<Integer> membership(String phaseName, java.util.function.Supplier<Future<Integer>> request) {
        return Membership.request(vertx, MEMBERSHIP_ANSWER_SECONDS * 1000L, counters, phaseName, request);
    }

    /** Records the answer's status under the phase (or how it failed); answers the status, -1 when none came. */
    private Future<Integer> answer(String phaseName, Future<Integer> answer) {
        return recorded(counters, phaseName, answer);
    }

    static Future<Integer> recorded(Counters counters, String phaseName, Future<Integer> answer) {
        return answer.map(status -> {
            counters.status(phaseName, status);
            return status;
        }).recover(failure -> {
            counters.status(phaseName, failureName(failure));
            return Future.succeededFuture(-1);
        });
    }

    // ---- bookkeeping ----

    private Pacer pace(long total, double rate, int inFlight, java.util.function.LongFunction<Future<?>> op) {
        Pacer p = new Pacer(vertx, total, rate, inFlight, deadline, op);
        pacer = p;
        return p;
    }

    private void progress() {
        Pacer p = pacer;
        long deliveries = counters.deliveries.sum();
        Histogram interval = latency.interval();
        String line = String.format("[%5.1fs] %-10s streams %d/%d  issued %d answered %d in-flight %d  "
                        + "delivered %d (%d/s)  p50 %.2fms p99 %.2fms  add-peer %d remove-peer %d  errors %d",
                (System.nanoTime() - startedAt) / 1e9, phase,
                countMatching(x -> x.connected.future().succeeded()), peers.length,
                p == null ? 0 : p.issued(), p == null ? 0 : p.completed(), p == null ? 0 : p.inFlight(),
                deliveries, deliveries - lastDeliveries,
                Latency.ms(interval.getValueAtPercentile(50)), Latency.ms(interval.getValueAtPercentile(99)),
                counters.addPeers.get(), counters.removePeers.sum(), counters.errorCount());
        lastDeliveries = deliveries;
        System.err.println(line);
    }

    private long lastDeliveryAt() {
        return counters.lastDeliveryAt != 0 ? counters.lastDeliveryAt : System.nanoTime();
    }

    private JsonObject events() {
        return new JsonObject()
                .put("pings", counters.pings.sum())
                .put("streamsEnded", counters.streamsEnded.sum())
                .put("connectedOrPingWithId", counters.unexpectedIds.sum())
                .put("deliveredWithoutId", counters.missingIds.sum())
                .put("idGaps", counters.idGaps.sum())
                .put("malformed", counters.malformed.sum())
                .put("wrongSender", counters.wrongSender.sum())
                .put("unexpected", counters.unexpectedEvents())
                .put("streamBytes", counters.streamBytes.sum());
    }

    private JsonObject settings() {
        JsonArray urls = new JsonArray();
        o.urls().forEach(u -> urls.add(u.toString()));
        return new JsonObject().put("urls", urls).put("clients", o.clients()).put("roomSize", o.roomSize())
                .put("messages", o.messages()).put("rate", o.rate()).put("inFlight", o.inFlight())
                .put("warmup", o.warmup()).put("payload", o.payloadBytes())
                .put("sourceAddresses", o.sourceAddresses()).put("connections", o.connections())
                .put("eventLoops", o.eventLoops()).put("duration", o.durationSeconds());
    }

    private void cpu(JsonObject into, JsonObject before, JsonObject after, long count, String name) {
        if (before.containsKey("redisCpuMicros") && after.containsKey("redisCpuMicros")) {
            into.put("redisCpuMillis", round((after.getLong("redisCpuMicros") - before.getLong("redisCpuMicros")) / 1e3));
            JsonArray each = new JsonArray();
            for (int i = 0; i < after.getJsonArray("redisCpuMicrosEach").size(); i++) {
                each.add(round((after.getJsonArray("redisCpuMicrosEach").getLong(i)
                        - before.getJsonArray("redisCpuMicrosEach").getLong(i)) / 1e3));
            }
            into.put("redisCpuMillisEach", each);
        }
        if (before.getLong("cpuMicros", -1L) < 0 || after.getLong("cpuMicros", -1L) < 0) {
            return;
        }
        long micros = after.getLong("cpuMicros") - before.getLong("cpuMicros");
        into.put("serverCpuMillis", round(micros / 1e3));
        into.put("serverSystemCpuMillis",
                round((after.getLong("systemCpuMicros", 0L) - before.getLong("systemCpuMicros", 0L)) / 1e3));
        // The load generator shares the machine: its own CPU time tells how much of it the run took.
        into.put("loadgenCpuMillis", round((ProcStats.cpuMicros(ProcessHandle.current().pid()) - selfCpuAtStart) / 1e3));
        // Bytes the load generator allocated per request: unlike its CPU time, the machine's load does not move it.
        if (count > 0 && selfAllocatedAtStart >= 0) {
            into.put("loadgenAllocatedBytesPerRequest", Math.round((allocatedBytes() - selfAllocatedAtStart) / (double) count));
        }
        into.put(name, count == 0 ? null : round(micros / (double) count));
        // A thread that went to sleep is woken once: voluntary switches per request are its wake-ups.
        perRequest(into, before, after, "voluntarySwitches", count, "serverWakeupsPerRequest");
        perRequest(into, before, after, "involuntarySwitches", count, "serverPreemptionsPerRequest");
        perRequest(into, before, after, "redisVoluntarySwitches", count, "redisWakeupsPerRequest");
        into.put("serverRssKbAfter", after.getLong("rssKb"));
    }

    private void markSelf() {
        selfCpuAtStart = ProcStats.cpuMicros(ProcessHandle.current().pid());
        selfAllocatedAtStart = allocatedBytes();
    }

    /** Bytes allocated by all of this process' threads so far, or -1 when the JVM cannot tell. */
    private static long allocatedBytes() {
        if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
            return threads.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    private static void perRequest(JsonObject into, JsonObject before, JsonObject after, String key, long count,
                                   String name) {
        long a = after.getLong(key, -1L);
        long b = before.getLong(key, -1L);
        if (a >= 0 && b >= 0 && count > 0) {
            into.put(name, round((a - b) / (double) count));
        }
    }

    /** Latency at a spread of percentiles, for charts. */
    private static JsonArray percentileCurve(Histogram h) {
        JsonArray curve = new JsonArray();
        for (double p : new double[] {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100}) {
            curve.add(new JsonObject().put("percentile", p)
                    .put("ms", Latency.ms(p == 100 ? h.getMaxValue() : h.getValueAtPercentile(p))));
        }
        return curve;
    }

    private void requireAll(String what, BooleanSupplier ok) {
        if (!ok.getAsBoolean()) {
            throw new IllegalStateException("not every peer got its " + what + "; errors: " + counters.errors().encode());
        }
    }

    private boolean allMatch(java.util.function.Predicate<Peer> test) {
        for (Peer p : peers) {
            if (!test.test(p)) {
                return false;
            }
        }
        return true;
    }

    private long countMatching(java.util.function.Predicate<Peer> test) {
        long n = 0;
        for (Peer p : peers) {
            if (test.test(p)) {
                n++;
            }
        }
        return n;
    }

    /** Waits, polling, until the condition holds, the seconds pass, or the run's deadline comes. */
    private void sleepUntil(BooleanSupplier condition, double seconds) {
        long until = Math.min(deadline, System.nanoTime() + (long) (seconds * 1e9));
        while (!condition.getAsBoolean() && System.nanoTime() < until) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Completes on an event loop of the generator's Vert.x: a chain of requests composed on it issues
     * every request from that loop. Issued from this run's own thread instead, the first request of
     * each chain raced the client's connection pool, and now and then a later request of the chain
     * waited for a connection forever (1 run in 6 of RealNodeTest's relay run, a leave).
     */
    private Future<Void> onLoop() {
        io.vertx.core.Promise<Void> started = io.vertx.core.Promise.promise();
        vertx.runOnContext(v -> started.complete());
        return started.future();
    }

    private <T> T await(Future<T> future) {
        long left = Math.max(1, deadline - System.nanoTime()) + 35_000_000_000L;
        try {
            return future.toCompletionStage().toCompletableFuture().get(left, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(phase + " failed: " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(phase + " did not finish within the run's duration; statuses so far: "
                    + counters.errors().encode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    static String failureName(Throwable failure) {
        return "failed:" + failure.getClass().getSimpleName();
    }

    static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    /** Ledgers of every receiver, for tests and diagnostics. */
    List<Map<Integer, PairLedger>> ledgers() {
        List<Map<Integer, PairLedger>> all = new ArrayList<>();
        for (Peer p : peers) {
            all.add(p.ledgers());
        }
        return all;
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("closing the load generator's Vert.x failed: " + e);
        }
    }
}
