package dev.drawbridge.bus.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A node's view of a Redis Cluster: which primary serves each slot ({@link Topology}), and one
 * Vert.x client per node, made from the seed URL (its scheme, user and password) with that node's
 * address. The view is read again ({@code CLUSTER SLOTS}, from the first node that answers) when
 * something says it changed, and every {@code topologyCheck}: a connection to a primary dropped or
 * is down, a channel was unsubscribed by the server, a command was answered {@code MOVED}.
 * Listeners (the lanes) are told of every change and move their connections and channels.
 *
 * <p>Nodes do not learn a change at the same instant (the cluster bus gossips it): after a change,
 * and while a primary's connection is down, the view is read again every {@link #FOLLOW_UP_MS}.
 */
final class ClusterView {
    private static final Logger log = LoggerFactory.getLogger(ClusterView.class);
    static final long FOLLOW_UP_MS = 250;

    private final Vertx vertx;
    private final RedisUrl url;
    private final RedisSettings settings;
    private final Map<String, Redis> clients = new ConcurrentHashMap<>();
    private final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
    // Endpoints with a connection of this node down: while one is a primary, read again soon.
    private final Set<String> down = ConcurrentHashMap.newKeySet();
    private volatile Topology topology;
    private volatile BiFunction<String, Request, Future<Response>> reader;
    private final long periodic;
    // Guarded by this.
    private boolean reading;
    private boolean readAgain;
    private boolean followUpScheduled;
    private boolean closed;

    private final int poolSize;

    private ClusterView(Vertx vertx, RedisUrl url, RedisSettings settings, int poolSize) {
        this.poolSize = poolSize;
        this.vertx = vertx;
        this.url = url;
        this.settings = settings;
        this.periodic = vertx.setPeriodic(settings.topologyCheck().toMillis(), id -> refresh("periodic check"));
    }

    /**
     * Reads the topology from the first seed that answers, or fails as unavailable. Each node's
     * client pools up to {@code poolSize} connections (this node's lanes use two per primary).
     */
    static Future<ClusterView> discover(Vertx vertx, RedisUrl url, RedisSettings settings, int poolSize) {
        ClusterView view = new ClusterView(vertx, url, settings, poolSize);
        // Each seed up to three times: a process just started may be slow to its first answer.
        List<String> seeds = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            seeds.addAll(url.endpoints());
        }
        return view.read(seeds)
                .map(first -> {
                    view.topology = first;
                    log.info("Redis Cluster of {} primaries: {}", first.primaries().size(), first.primaries());
                    return view;
                })
                .recover(t -> view.close().transform(v -> Future.failedFuture(
                        Link.unavailable("cannot read the cluster's slots: " + t.getMessage(), t))));
    }

    Topology topology() {
        return topology;
    }

    /** The client for one node ({@code host:port}); made on first use. */
    Redis client(String endpoint) {
        return clients.computeIfAbsent(endpoint, e -> Redis.createClient(vertx, url.nodeOptions(e, settings, poolSize)));
    }

    /**
     * Where reads of the topology go when a lane has a connection up to the node asked: that
     * connection (null when it has none). Without it, each read opens and closes a client.
     */
    void readOn(BiFunction<String, Request, Future<Response>> reader) {
        this.reader = reader;
    }

    void onChange(Consumer<Topology> listener) {
        listeners.add(listener);
    }

    /** A {@code MOVED} named the slot's new owner: use it at once, and read the whole view again. */
    void moved(int slot, String endpoint) {
        synchronized (this) {
            Topology current = topology;
            if (!endpoint.equals(current.owner(slot))) {
                topology = current.moved(slot, endpoint);
            }
        }
        refresh("MOVED " + slot + " " + endpoint);
    }

    void down(String endpoint) {
        down.add(endpoint);
        refresh("connection to " + endpoint + " down");
    }

    void up(String endpoint) {
        down.remove(endpoint);
    }

    /** Reads the view again soon; reads asked for while one is under way make one more read after it. */
    void refresh(String why) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (reading) {
                readAgain = true;
                return;
            }
            reading = true;
        }
        log.debug("reading the cluster's slots: {}", why);
        Topology before = topology;
        List<String> candidates = new ArrayList<>();
        for (String primary : before.primaries()) {
            if (!down.contains(primary)) {
                candidates.add(primary);
            }
        }
        Set<String> rest = new LinkedHashSet<>(before.nodes());
        rest.addAll(url.endpoints());
        rest.addAll(down);
        rest.removeAll(candidates);
        candidates.addAll(rest);
        read(candidates).onComplete(read -> {
            boolean changed = false;
            if (read.succeeded()) {
                Topology next = read.result();
                synchronized (this) {
                    if (!next.sameOwners(topology)) {
                        topology = next;
                        changed = true;
                    }
                }
                if (changed) {
                    log.info("Redis Cluster topology changed: primaries {}", next.primaries());
                    listeners.forEach(l -> l.accept(next));
                }
            } else {
                log.warn("cannot read the cluster's slots: {}", read.cause().getMessage());
            }
            boolean again;
            boolean followUp;
            synchronized (this) {
                reading = false;
                again = readAgain;
                readAgain = false;
                boolean primaryDown = topology.primaries().stream().anyMatch(down::contains);
                followUp = !again && !followUpScheduled && !closed && (changed || primaryDown || read.failed());
                followUpScheduled |= followUp;
            }
            if (again) {
                refresh("asked during the last read");
            } else if (followUp) {
                vertx.setTimer(FOLLOW_UP_MS, id -> {
                    synchronized (this) {
                        followUpScheduled = false;
                    }
                    refresh("follow-up");
                });
            }
        });
    }

    Future<Void> close() {
        synchronized (this) {
            closed = true;
        }
        vertx.cancelTimer(periodic);
        List<Future<Void>> all = new ArrayList<>();
        clients.values().forEach(c -> all.add(c.close()));
        return Future.join(all).mapEmpty();
    }

    /** {@code CLUSTER SLOTS} from the first of {@code endpoints} that answers a served topology. */
    private Future<Topology> read(List<String> endpoints) {
        if (endpoints.isEmpty()) {
            return Future.failedFuture("no node answered");
        }
        String endpoint = endpoints.getFirst();
        Promise<Topology> result = Promise.promise();
        Request request = Request.cmd(Command.CLUSTER).arg("SLOTS");
        Future<Response> sent = reader == null ? null : reader.apply(endpoint, request);
        if (sent == null) {
            // No lane's connection to that node is up: a client of its own, closed at once, so
            // that no connection stays open beside the lanes' fixed set.
            Redis once = Redis.createClient(vertx, url.nodeOptions(endpoint, settings, 1));
            sent = once.send(request).andThen(r -> once.close());
        }
        sent.timeout(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .map(slots -> Topology.parse(slots, endpoint))
                .onComplete(r -> {
                    if (r.succeeded() && !r.result().primaries().isEmpty()) {
                        result.complete(r.result());
                    } else {
                        log.debug("{} did not answer CLUSTER SLOTS: {}", endpoint, r.failed() ? r.cause().getMessage() : "no slots");
                        read(endpoints.subList(1, endpoints.size())).onComplete(result);
                    }
                });
        return result.future();
    }
}
