package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Rooms;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A node's part of a Drawbridge cluster on Redis: the {@link Bus} and {@link Rooms} that every
 * node shares through one Redis, on a fixed set of connections whatever the number of peers: one
 * command connection and one subscriber connection per event loop ({@link Lanes}), named
 * {@code drawbridge:<nodeId>:cmd:<loop>} and {@code drawbridge:<nodeId>:sub:<loop>} in
 * {@code CLIENT LIST}. Each subscriber connection probes itself ({@link Probe}) to find one that
 * stays open but no longer delivers.
 *
 * <p>When Redis cannot be reached every operation fails with
 * {@link dev.drawbridge.bus.BusUnavailableException}; the connections come back by themselves
 * (100 ms doubling to 2 s by default), subscriptions are restored, and service resumes.
 */
public final class RedisBackend {
    private static final Logger log = LoggerFactory.getLogger(RedisBackend.class);
    private static final int START_ROUNDS = 3;
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final String nodeId;
    private final String leaseId;
    private final Lanes lanes;
    private final List<Supplier<Future<Void>>> starts = new ArrayList<>();
    private final List<Supplier<Future<Void>>> closes = new ArrayList<>();
    private final Supplier<Future<Void>> closeClients;
    private final RedisBus bus;
    private final RedisRooms rooms;
    private final Liveness liveness;
    private final List<Runnable> leaseLostListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger openParts = new AtomicInteger(2);
    private final Promise<Void> closed = Promise.promise();
    private final List<Probe> probes = new ArrayList<>();
    private final LongAdder probeFailures = new LongAdder();

    /** What the seeds turned out to be, decided once when the node connects. */
    private sealed interface Mode {}

    /** One Redis server, at {@code url}. */
    private record Standalone(String url) implements Mode {}

    /** A Redis Cluster, as {@code view} sees it. */
    private record Cluster(ClusterView view) implements Mode {}

    private RedisBackend(Vertx vertx, Mode mode, String nodeId, RedisSettings settings) {
        this.nodeId = nodeId;
        // Redis knows this process by its incarnation, so that a process restarted under the same
        // node id never takes over (and hides from reaping) the peers of its previous life.
        this.leaseId = nodeId + "." + HexFormat.of().formatHex(randomBytes(4));
        List<EventLoop> loops = eventLoops(vertx);
        List<Request> setup = List.of(Script.DELIVER.loading());
        Redis client = null;
        if (mode instanceof Standalone standalone) {
            // Two connections per loop are ever in use; the rest is room for dropped ones still
            // on their way out.
            client = Redis.createClient(vertx, RedisUrl.options(standalone.url(), settings, 4 * loops.size()));
            Redis created = client;
            this.closeClients = created::close;
        } else {
            ClusterView view = ((Cluster) mode).view();
            this.closeClients = view::close;
        }
        List<Lanes.Lane> lanes = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            EventLoop loop = loops.get(i);
            Context context = ((VertxInternal) vertx).contextBuilder().withEventLoop(loop).build();
            String commandsName = "drawbridge:" + nodeId + ":cmd:" + i;
            String subscriberName = "drawbridge:" + nodeId + ":sub:" + i;
            if (mode instanceof Cluster(ClusterView view)) {
                ClusterCommands commands = new ClusterCommands(vertx, context, view, commandsName, settings,
                        this::reconnected, this::commandsLost, setup);
                ClusterSubscriptions subscriptions = new ClusterSubscriptions(vertx, context, view, subscriberName,
                        leaseId + ":sub:" + i, settings, this::received, this::confirmed, commands::send, probeFailures);
                lanes.add(new Lanes.Lane(loop, commands, subscriptions));
                if (i == 0) {
                    view.readOn(commands::sendIfUp);
                }
                starts.add(commands::start);
                starts.add(subscriptions::start);
                closes.add(commands::close);
                closes.add(subscriptions::close);
            } else {
                Subscriber subscriber = new Subscriber(settings, this::received, this::confirmed);
                Link subscriptions = new Link(vertx, context, client, subscriberName, settings,
                        subscriber::onPush, subscriber::restore, subscriber::lost);
                Link commands = new Link(vertx, context, client, commandsName, settings,
                        (connection, push) -> { }, connection -> reconnected(), this::commandsLost, setup);
                lanes.add(new Lanes.Lane(loop, commands, subscriber));
                if (settings.probeInterval().isPositive()) {
                    probes.add(new Probe(vertx, subscriberName, leaseId + ":sub:" + i, subscriber, subscriptions,
                            slot -> true, commands::send, settings.probeInterval(), probeFailures));
                }
                starts.add(commands::start);
                starts.add(subscriptions::start);
                closes.add(commands::close);
                closes.add(subscriptions::close);
            }
        }
        this.lanes = new Lanes(lanes);
        this.bus = new RedisBus(this.lanes, settings.history(), this::partClosed);
        this.rooms = new RedisRooms(this.lanes, leaseId, bus, this::partClosed);
        this.liveness = new Liveness(vertx, this.lanes, leaseId, settings, rooms, this::leaseLost);
        rooms.attach(liveness);
    }

    /**
     * Connects a node to Redis and takes its first lease. Fails (with
     * {@link dev.drawbridge.bus.BusUnavailableException}) when Redis cannot be reached at start.
     * Whether Redis is one server or a Redis Cluster is found out here, once, from the first seed
     * that answers ({@code INFO cluster}); on a cluster the node reads the slots' owners itself.
     *
     * @param redisUrl {@code redis[s]://[user:password@]host:port[/db]}, optionally followed by
     *                 more seeds of a cluster, comma-separated ({@link RedisUrl})
     * @param nodeId   this node's unique name, {@code [A-Za-z0-9._-]{1,64}}; a restarted process
     *                 should take a new one, since the peers of its previous life get reaped
     */
    public static Future<RedisBackend> connect(Vertx vertx, String redisUrl, String nodeId, RedisSettings settings) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(redisUrl, "redisUrl");
        Objects.requireNonNull(settings, "settings");
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            return Future.failedFuture(new IllegalArgumentException("node id must match " + NODE_ID + ": " + nodeId));
        }
        RedisUrl url;
        try {
            url = RedisUrl.parse(redisUrl);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return detect(vertx, url, settings, 0, 0).compose(mode -> {
            RedisBackend backend = new RedisBackend(vertx, mode, nodeId, settings);
            return backend.start()
                    .map(v -> backend)
                    .recover(t -> backend.close().transform(ignored -> Future.failedFuture(t)));
        });
    }

    /**
     * Standalone or cluster: asks the seeds in turn, from {@code index} on, until one answers; goes
     * over them {@link #START_ROUNDS} times, as a process that just started (classes loading, the
     * JIT cold, on a busy machine) may take longer than a command timeout for its first answer.
     */
    private static Future<Mode> detect(Vertx vertx, RedisUrl url, RedisSettings settings, int index, int round) {
        if (index >= url.endpoints().size()) {
            return round + 1 < START_ROUNDS
                    ? detect(vertx, url, settings, 0, round + 1)
                    : Future.failedFuture(Link.unavailable("no seed answered", null));
        }
        String endpoint = url.endpoints().get(index);
        Redis probe = Redis.createClient(vertx, RedisUrl.options(url.standalone(endpoint), settings, 1));
        // Three command timeouts: the first connection of a process pays for loading Netty's and
        // the client's classes, which on a loaded machine has taken seconds.
        return probe.send(Request.cmd(Command.INFO).arg("cluster"))
                .timeout(3 * settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .transform(info -> {
                    if (info.failed()) {
                        log.warn("Redis seed {} did not answer: {}", endpoint, info.cause().getMessage());
                        return probe.close().transform(v -> detect(vertx, url, settings, index + 1, round));
                    }
                    if (!info.result().toString().contains("cluster_enabled:1")) {
                        return probe.close().transform(v -> Future.succeededFuture(new Standalone(url.standalone(endpoint))));
                    }
                    // Two connections per lane and primary are ever in use; the rest is room for
                    // dropped ones on their way out and for reading the topology.
                    int pool = 4 * eventLoops(vertx).size() + 2;
                    return probe.close().transform(v -> ClusterView.discover(vertx, url, settings, pool)).map(Cluster::new);
                });
    }

    /** {@link #connect(Vertx, String, String, RedisSettings)} with {@link RedisSettings#defaults()}. */
    public static Future<RedisBackend> connect(Vertx vertx, String redisUrl, String nodeId) {
        return connect(vertx, redisUrl, nodeId, RedisSettings.defaults());
    }

    public String nodeId() {
        return nodeId;
    }

    /** This process' name in the leases and as the owner of its peers: the node id and a random suffix. */
    String leaseId() {
        return leaseId;
    }

    /** Where this node's commands go: its lanes, for the other parts kept in Redis (the boards). */
    public Commands commands() {
        return lanes;
    }

    public Bus bus() {
        return bus;
    }

    public Rooms rooms() {
        return rooms;
    }

    /**
     * How many probes of this node's subscriber connections were missed ({@link Probe}), each of
     * which reconnected that connection: {@code drawbridge_redis_probe_failures_total}.
     */
    public long probeFailures() {
        return probeFailures.sum();
    }

    /** Every connection is up (no round trip). */
    public boolean isReady() {
        return lanes.all().stream().allMatch(lane -> lane.commands().isUp() && lane.subscriber().isUp())
                && !closed.future().isComplete();
    }

    /** For {@code /readyz}: a round trip on every command connection, and every subscriber connection is up. */
    public Future<Void> ping() {
        List<Future<Void>> pongs = new ArrayList<>();
        for (Lanes.Lane lane : lanes.all()) {
            if (!lane.subscriber().isUp()) {
                return Future.failedFuture(Link.unavailable("subscriber connection is down", null));
            }
            pongs.add(lane.commands().ping());
        }
        return Future.all(pongs).mapEmpty();
    }

    /**
     * Called when this node learns that Redis forgot its peers although it is alive: Redis lost its
     * data, or the node could not renew its lease for a whole lease and survivors reaped it. The
     * node's peers are registered again by then, but their room memberships are gone (the other
     * members got {@code remove-peer}): the wiring should make those streams rebuild, e.g. with
     * {@code resync}. Called on a Vert.x thread; must not block.
     */
    public void onLeaseLost(Runnable listener) {
        leaseLostListeners.add(listener);
    }

    /**
     * Stops everything: subscriptions, lease renewal, reaping, connections. Does not unregister
     * the peers of this node: when it stops for good with peers left, survivors reap them once the
     * lease lapsed. Closing {@link #bus()} and {@link #rooms()} both has the same effect.
     */
    public Future<Void> close() {
        bus.close();
        rooms.close();
        return closed.future();
    }

    private Future<Void> start() {
        return Future.all(starts.stream().map(Supplier::get).toList()).compose(v -> liveness.start());
    }

    /** The event loops of {@code vertx}: the node holds a lane of two connections on each. */
    static List<EventLoop> eventLoops(Vertx vertx) {
        List<EventLoop> loops = new ArrayList<>();
        ((VertxInternal) vertx).nettyEventLoopGroup().forEach(executor -> loops.add((EventLoop) executor));
        return loops;
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private void received(String channel, String payload) {
        bus.received(channel, payload);
    }

    private void confirmed(String channel) {
        bus.confirmed(channel);
    }

    private void reconnected() {
        liveness.reconnected();
    }

    private void commandsLost() {
        liveness.connectionLost();
    }

    private void leaseLost() {
        leaseLostListeners.forEach(Runnable::run);
    }

    private void partClosed() {
        if (openParts.decrementAndGet() == 0) {
            probes.forEach(Probe::stop);
            Future.join(closes.stream().map(Supplier::get).toList())
                    .transform(v -> closeClients.get())
                    .onComplete(r -> closed.tryComplete());
        }
    }
}
