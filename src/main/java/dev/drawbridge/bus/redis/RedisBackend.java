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
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A node's part of a Drawbridge cluster on Redis: the {@link Bus} and {@link Rooms} that every
 * node shares through one Redis, on a fixed set of connections whatever the number of peers: one
 * command connection and one subscriber connection per event loop ({@link Lanes}), named
 * {@code drawbridge:<nodeId>:cmd:<loop>} and {@code drawbridge:<nodeId>:sub:<loop>} in
 * {@code CLIENT LIST}.
 *
 * <p>When Redis cannot be reached every operation fails with
 * {@link dev.drawbridge.bus.BusUnavailableException}; the connections come back by themselves
 * (100 ms doubling to 2 s by default), subscriptions are restored, and service resumes.
 */
public final class RedisBackend {
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final String nodeId;
    private final String leaseId;
    private final Redis client;
    private final Lanes lanes;
    private final List<Link> links = new ArrayList<>();
    private final RedisBus bus;
    private final RedisRooms rooms;
    private final Liveness liveness;
    private final List<Runnable> leaseLostListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger openParts = new AtomicInteger(2);
    private final Promise<Void> closed = Promise.promise();

    private RedisBackend(Vertx vertx, String redisUrl, String nodeId, RedisSettings settings) {
        this.nodeId = nodeId;
        // Redis knows this process by its incarnation, so that a process restarted under the same
        // node id never takes over (and hides from reaping) the peers of its previous life.
        this.leaseId = nodeId + "." + HexFormat.of().formatHex(randomBytes(4));
        List<EventLoop> loops = eventLoops(vertx);
        RedisOptions options = new RedisOptions()
                .setConnectionString(redisUrl)
                // Two connections per loop are ever in use; the rest is room for dropped ones still
                // on their way out.
                .setMaxPoolSize(4 * loops.size())
                .setMaxPoolWaiting(8 * loops.size())
                .setMaxWaitingHandlers(settings.maxPendingCommands());
        options.getNetClientOptions()
                .setTcpKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) settings.commandTimeout().toMillis());
        this.client = Redis.createClient(vertx, options);
        List<Lanes.Lane> lanes = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            EventLoop loop = loops.get(i);
            Context context = ((VertxInternal) vertx).contextBuilder().withEventLoop(loop).build();
            Subscriber subscriber = new Subscriber(settings, this::received);
            Link subscriptions = new Link(vertx, context, client, "drawbridge:" + nodeId + ":sub:" + i, settings,
                    subscriber::onPush, subscriber::restore, subscriber::lost);
            Link commands = new Link(vertx, context, client, "drawbridge:" + nodeId + ":cmd:" + i, settings,
                    (connection, push) -> { }, connection -> reconnected(), this::commandsLost,
                    List.of(Script.DELIVER.loading()));
            lanes.add(new Lanes.Lane(loop, commands, subscriber));
            links.add(commands);
            links.add(subscriptions);
        }
        this.lanes = new Lanes(lanes);
        this.bus = new RedisBus(this.lanes, settings.history(), this::partClosed);
        this.rooms = new RedisRooms(this.lanes, leaseId, this::partClosed);
        this.liveness = new Liveness(vertx, this.lanes, leaseId, settings, rooms, this::leaseLost);
        rooms.attach(liveness);
    }

    /**
     * Connects a node to Redis and takes its first lease. Fails (with
     * {@link dev.drawbridge.bus.BusUnavailableException}) when Redis cannot be reached at start.
     *
     * @param redisUrl {@code redis://host:port} (user, password and database as Vert.x accepts them)
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
        RedisBackend backend = new RedisBackend(vertx, redisUrl, nodeId, settings);
        return backend.start()
                .map(v -> backend)
                .recover(t -> backend.close().transform(ignored -> Future.failedFuture(t)));
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

    /** Every connection is up (no round trip). */
    public boolean isReady() {
        return links.stream().allMatch(Link::isUp)
                && lanes.all().stream().allMatch(lane -> lane.subscriber().isUp())
                && !closed.future().isComplete();
    }

    /** For {@code /readyz}: a round trip on every command connection, and every subscriber connection is up. */
    public Future<Void> ping() {
        List<Future<Response>> pongs = new ArrayList<>();
        for (Lanes.Lane lane : lanes.all()) {
            if (!lane.subscriber().isUp()) {
                return Future.failedFuture(Link.unavailable("subscriber connection is down", null));
            }
            pongs.add(lane.commands().send(Request.cmd(Command.PING)));
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
        return Future.all(links.stream().map(Link::start).toList()).compose(v -> liveness.start());
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
            Future.join(links.stream().map(Link::close).toList())
                    .transform(v -> client.close())
                    .onComplete(r -> closed.tryComplete());
        }
    }
}
