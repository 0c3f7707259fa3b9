package dev.drawbridge.bus.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.concurrent.atomic.LongAdder;

/**
 * One lane's sharded channels on a Redis Cluster: a subscriber connection to each primary (a
 * {@link Subscriber} on a {@link Link}, on the lane's event loop), and each channel subscribed on
 * the connection of its slot's owner. Vert.x does none of this for sharded pub/sub in cluster
 * mode, so the lane follows the topology itself:
 * <ul>
 * <li>a channel the server unsubscribed ({@code sunsubscribe} nobody asked for: its slot moved,
 *     or the primary became a replica) or refused ({@code MOVED}) makes the view read the
 *     topology again, and the channel is subscribed where its slot lives then;</li>
 * <li>every change of the view (whatever told it: a connection down, a {@code MOVED}, the periodic
 *     check) moves each channel whose slot changed owner: forgotten on the old primary, subscribed
 *     on the new one, in per-slot batches; connections to nodes that serve no slot are closed.</li>
 * </ul>
 * A connection that stays open but no longer delivers (a primary turned replica that kept its
 * connections, a stalled server) is found by its {@link Probe} and ends as a dropped one does.
 * While a channel moves, messages published to it on its new owner before the subscription is
 * confirmed there are in the peer's history, which the bus reads once it is confirmed
 * ({@code RedisBus.confirmed}).
 */
final class ClusterSubscriptions implements Subscriptions {
    private static final Logger log = LoggerFactory.getLogger(ClusterSubscriptions.class);

    private final Vertx vertx;
    private final Context context;
    private final ClusterView view;
    private final String name;
    private final String probeId;
    private final Function<Request, Future<Response>> publish;
    private final LongAdder probeFailures;
    private final RedisSettings settings;
    private final BiConsumer<String, String> onMessage;
    private final Consumer<String> onConfirmed;
    // Guarded by this: the subscriber of each primary, and where each wanted channel lives.
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<String, String> placed = new HashMap<>();
    private boolean closed;
    // Subscriptions#losses, counted after the subscriber concerned (or the placement) let go.
    private volatile long losses;

    private record Node(Subscriber subscriber, Link link, Future<Void> opened, Probe probe) {
        Future<Void> close() {
            if (probe != null) {
                probe.stop();
            }
            return link.close();
        }
    }

    /**
     * The subscriptions of one lane, named {@code name} in {@code CLIENT LIST}. With a probe
     * interval, each primary's connection is probed ({@link Probe}) on a channel named after
     * {@code probeId} and published with {@code publish} (the lane's commands, which route it
     * to the slot's owner); each missed probe adds one to {@code probeFailures}.
     */
    ClusterSubscriptions(Vertx vertx, Context context, ClusterView view, String name, String probeId,
                         RedisSettings settings, BiConsumer<String, String> onMessage, Consumer<String> onConfirmed,
                         Function<Request, Future<Response>> publish, LongAdder probeFailures) {
        this.vertx = vertx;
        this.context = context;
        this.view = view;
        this.name = name;
        this.probeId = probeId;
        this.publish = publish;
        this.probeFailures = probeFailures;
        this.settings = settings;
        this.onMessage = onMessage;
        this.onConfirmed = onConfirmed;
        view.onChange(this::follow);
    }

    /** Connects to every primary; fails when one cannot be reached. */
    Future<Void> start() {
        List<Future<Void>> opened = new ArrayList<>();
        synchronized (this) {
            for (String primary : view.topology().primaries()) {
                opened.add(node(primary).opened());
            }
        }
        return Future.all(opened).mapEmpty();
    }

    @Override
    public Future<Void> subscribe(String channel) {
        String owner = view.topology().owner(Keys.slot(channel));
        if (owner == null) {
            return Future.failedFuture(Link.unavailable("no primary serves the slot of " + channel, null));
        }
        Node node;
        synchronized (this) {
            if (closed) {
                return Future.failedFuture(Link.unavailable("closed", null));
            }
            String before = placed.put(channel, owner);
            if (before != null && !before.equals(owner)) {
                Node old = nodes.get(before);
                if (old != null) {
                    old.subscriber().unsubscribe(channel);
                }
            }
            node = node(owner);
        }
        if (!node.link().isUp() && !node.opened().isComplete()) {
            return node.opened().compose(v -> node.subscriber().subscribe(channel));
        }
        return node.subscriber().subscribe(channel);
    }

    @Override
    public void unsubscribe(String channel) {
        Node node;
        synchronized (this) {
            String owner = placed.remove(channel);
            node = owner == null ? null : nodes.get(owner);
        }
        if (node != null) {
            node.subscriber().unsubscribe(channel);
        }
    }

    @Override
    public void clear() {
        List<Node> all;
        synchronized (this) {
            placed.clear();
            all = List.copyOf(nodes.values());
        }
        all.forEach(node -> node.subscriber().clear());
    }

    @Override
    public synchronized boolean isConfirmed(String channel) {
        String owner = placed.get(channel);
        Node node = owner == null ? null : nodes.get(owner);
        return node != null && node.subscriber().isConfirmed(channel);
    }

    @Override
    public long losses() {
        return losses;
    }

    private synchronized void lostSome() {
        losses++;
    }

    @Override
    public boolean isUp() {
        Set<String> primaries = view.topology().primaries();
        synchronized (this) {
            return !primaries.isEmpty() && primaries.stream().allMatch(p -> {
                Node node = nodes.get(p);
                return node != null && node.subscriber().isUp();
            });
        }
    }

    Future<Void> close() {
        List<Node> all;
        synchronized (this) {
            closed = true;
            placed.clear();
            all = List.copyOf(nodes.values());
            nodes.clear();
        }
        return Future.join(all.stream().map(Node::close).toList()).mapEmpty();
    }

    /** The number of channels wanted on each primary, for tests. */
    synchronized Map<String, Integer> placement() {
        Map<String, Integer> counts = new HashMap<>();
        placed.values().forEach(owner -> counts.merge(owner, 1, Integer::sum));
        return counts;
    }

    // With the lock held.
    private Node node(String endpoint) {
        Node existing = nodes.get(endpoint);
        if (existing != null) {
            return existing;
        }
        Subscriber subscriber = new Subscriber(settings, onMessage, onConfirmed, this::disowned);
        Link link = new Link(vertx, context, view.client(endpoint), name, settings, subscriber::onPush,
                connection -> {
                    view.up(endpoint);
                    subscriber.restore(connection);
                    lostSome();
                },
                () -> {
                    subscriber.lost();
                    lostSome();
                    view.down(endpoint);
                });
        Probe probe = closed || !settings.probeInterval().isPositive() ? null
                : new Probe(vertx, name + "@" + endpoint, probeId, subscriber, link,
                        slot -> endpoint.equals(view.topology().owner(slot)), publish, settings.probeInterval(), probeFailures);
        Node node = new Node(subscriber, link, closed ? Future.failedFuture("closed") : link.open(), probe);
        nodes.put(endpoint, node);
        return node;
    }

    /** The server dropped or refused these channels: find where they live now. */
    private void disowned(List<String> channels) {
        lostSome();
        view.refresh("channels unsubscribed by the server");
        // When the view does not change (this node has not heard of the move yet), the follow-ups
        // of the view try again; a subscription left where it is comes back with its next check.
        vertx.setTimer(ClusterView.FOLLOW_UP_MS, id -> follow(view.topology()));
    }

    /** The view changed (or should have): every channel goes to its slot's owner. */
    private void follow(Topology topology) {
        Map<Node, List<String>> retry = new HashMap<>();
        List<Runnable> moves = new ArrayList<>();
        Map<String, Node> closing = new HashMap<>();
        int moved = 0;
        synchronized (this) {
            if (closed) {
                return;
            }
            for (String primary : topology.primaries()) {
                node(primary);
            }
            for (Map.Entry<String, String> entry : placed.entrySet()) {
                String channel = entry.getKey();
                String owner = topology.owner(Keys.slot(channel));
                if (owner == null) {
                    continue;
                }
                if (owner.equals(entry.getValue())) {
                    retry.computeIfAbsent(nodes.get(owner), n -> new ArrayList<>()).add(channel);
                    continue;
                }
                Node from = nodes.get(entry.getValue());
                Node to = node(owner);
                entry.setValue(owner);
                losses++;
                moved++;
                moves.add(() -> {
                    if (from != null) {
                        from.subscriber().unsubscribe(channel);
                    }
                    // Wanted there from now on: subscribed at once if connected, else on connecting.
                    to.subscriber().want(channel);
                });
            }
            for (String endpoint : List.copyOf(nodes.keySet())) {
                if (!topology.primaries().contains(endpoint)) {
                    closing.put(endpoint, nodes.remove(endpoint));
                }
            }
        }
        if (moved > 0) {
            log.info("{}: moving {} channels to their slots' new owners", name, moved);
        }
        moves.forEach(Runnable::run);
        // Channels whose owner did not change but which the server dropped: subscribed again.
        retry.forEach((node, channels) -> node.subscriber().retry(channels));
        closing.forEach((endpoint, node) -> {
            node.close();
            view.up(endpoint);
        });
    }
}
