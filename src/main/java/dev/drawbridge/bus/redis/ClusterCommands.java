package dev.drawbridge.bus.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.RequestImpl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One lane's commands on a Redis Cluster: a {@link Link} to each primary, on the lane's event
 * loop, and every command sent to the primary of its key's slot. {@code MOVED} is followed (the
 * command runs again on the new owner, which the view learns at once) and so is {@code ASK} (a
 * slot being migrated: {@code ASKING} and the command on the target). Commands without a key go
 * to any primary.
 *
 * <p>Order: commands of one slot sent from one thread go out on one connection, in order, as on
 * standalone Redis; commands of two slots served by two primaries are not ordered with each other
 * ({@link #ordersAcrossSlots()} is false), which the callers that need it wait for.
 */
final class ClusterCommands implements LaneCommands {
    private static final int MAX_REDIRECTS = 5;

    private final Vertx vertx;
    private final Context context;
    private final ClusterView view;
    private final String name;
    private final RedisSettings settings;
    private final Runnable onUp;
    private final Runnable onDown;
    private final List<Request> setup;
    private final Map<String, Node> links = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A link to one primary and its first connection attempt. */
    private record Node(Link link, Future<Void> opened) {}

    ClusterCommands(Vertx vertx, Context context, ClusterView view, String name, RedisSettings settings,
                    Runnable onUp, Runnable onDown, List<Request> setup) {
        this.vertx = vertx;
        this.context = context;
        this.view = view;
        this.name = name;
        this.settings = settings;
        this.onUp = onUp;
        this.onDown = onDown;
        this.setup = List.copyOf(setup);
        view.onChange(this::follow);
    }

    @Override
    public Future<Void> start() {
        List<Future<Void>> opened = new ArrayList<>();
        for (String primary : view.topology().primaries()) {
            opened.add(node(primary).opened());
        }
        return Future.all(opened).mapEmpty();
    }

    @Override
    public boolean isUp() {
        Set<String> primaries = view.topology().primaries();
        return !primaries.isEmpty() && primaries.stream().allMatch(p -> {
            Node node = links.get(p);
            return node != null && node.link().isUp();
        });
    }

    @Override
    public Future<Void> ping() {
        List<Future<Response>> pongs = new ArrayList<>();
        for (String primary : view.topology().primaries()) {
            pongs.add(node(primary).link().send(Request.cmd(Command.PING)));
        }
        return Future.all(pongs).mapEmpty();
    }

    @Override
    public boolean ordersAcrossSlots() {
        return false;
    }

    @Override
    public Future<Response> send(Request request) {
        return sendRaw(request).recover(t -> Future.failedFuture(Link.unavailable(name + ": " + t.getMessage(), t)));
    }

    @Override
    public Future<Response> sendRaw(Request request) {
        int slot = slot(request);
        return send(request, slot, target(slot), false, MAX_REDIRECTS);
    }

    @Override
    public Future<List<Response>> readTogether(List<Request> reads) {
        // One turn's reads per primary, each with the other reads of the turn for that primary.
        Map<String, List<Integer>> byNode = new LinkedHashMap<>();
        for (int i = 0; i < reads.size(); i++) {
            byNode.computeIfAbsent(target(slot(reads.get(i))), e -> new ArrayList<>()).add(i);
        }
        Response[] answers = new Response[reads.size()];
        List<Future<Void>> parts = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> entry : byNode.entrySet()) {
            List<Integer> indices = entry.getValue();
            List<Request> part = indices.stream().map(reads::get).toList();
            Future<List<Response>> sent = entry.getKey() == null
                    ? Future.failedFuture("no primary serves the slot")
                    : node(entry.getKey()).link().readTogether(part);
            // A part refused (a slot moved) is sent again one by one, each following its redirect.
            parts.add(sent.recover(t -> Future.all(part.stream().map(this::send).toList())
                            .map(all -> all.<Response>list()))
                    .map(responses -> {
                        for (int i = 0; i < indices.size(); i++) {
                            answers[indices.get(i)] = responses.get(i);
                        }
                        return null;
                    }));
        }
        return Future.all(parts).map(v -> List.of(answers))
                .recover(t -> Future.failedFuture(Link.unavailable(name + ": " + t.getMessage(), t)));
    }

    @Override
    public Future<Void> close() {
        closed = true;
        List<Future<Void>> all = new ArrayList<>();
        links.values().forEach(node -> all.add(node.link().close()));
        links.clear();
        return Future.join(all).mapEmpty();
    }

    private Future<Response> send(Request request, int slot, String endpoint, boolean asking, int redirects) {
        if (endpoint == null) {
            return Future.failedFuture(Link.unavailable("no primary serves slot " + slot, null));
        }
        Node node = node(endpoint);
        Future<Response> sent = node.link().isUp() || node.opened().failed()
                ? sendOn(node.link(), request, asking)
                : node.opened().compose(v -> sendOn(node.link(), request, asking));
        return sent.recover(t -> {
            String error = t.getMessage() == null ? "" : t.getMessage();
            if (redirects > 0 && error.startsWith("MOVED ")) {
                String[] parts = error.split(" ");
                view.moved(Integer.parseInt(parts[1]), parts[2]);
                return send(request, slot, parts[2], false, redirects - 1);
            }
            if (redirects > 0 && error.startsWith("ASK ")) {
                return send(request, slot, error.split(" ")[2], true, redirects - 1);
            }
            if (error.startsWith("CLUSTERDOWN") || error.startsWith("TRYAGAIN")) {
                view.refresh(error);
            }
            return Future.failedFuture(t);
        });
    }

    private static Future<Response> sendOn(Link link, Request request, boolean asking) {
        return asking ? link.sendAsking(request) : link.sendRaw(request);
    }

    /** The primary to send a command of {@code slot} to (any primary for a command without a key). */
    private String target(int slot) {
        Topology topology = view.topology();
        if (slot < 0) {
            return topology.primaries().stream().findFirst().orElse(null);
        }
        return topology.owner(slot);
    }

    private Node node(String endpoint) {
        return links.computeIfAbsent(endpoint, e -> {
            Link link = new Link(vertx, context, view.client(e), name, settings, (connection, push) -> { },
                    connection -> {
                        view.up(e);
                        onUp.run();
                    },
                    () -> {
                        view.down(e);
                        onDown.run();
                    }, setup);
            return new Node(link, closed ? Future.failedFuture("closed") : link.open());
        });
    }

    /** {@code request} on this lane's connection to {@code endpoint}, or null when it has none up. */
    Future<Response> sendIfUp(String endpoint, Request request) {
        Node node = links.get(endpoint);
        return node != null && node.link().isUp() ? node.link().sendRaw(request) : null;
    }

    /** The view changed: connect to new primaries, drop the nodes that serve no slot any more. */
    private void follow(Topology topology) {
        if (closed) {
            return;
        }
        for (String primary : topology.primaries()) {
            node(primary);
        }
        for (String endpoint : List.copyOf(links.keySet())) {
            if (!topology.primaries().contains(endpoint)) {
                Node gone = links.remove(endpoint);
                if (gone != null) {
                    // Commands in flight there are answered (or fail) on their own.
                    gone.link().close();
                    view.up(endpoint);
                }
            }
        }
    }

    /**
     * The slot of a command's first key: the script's first key for {@code EVAL}/{@code EVALSHA},
     * the first argument for the others this backend sends; -1 for a command without a key.
     */
    static int slot(Request request) {
        Command command = request.command();
        List<byte[]> args = ((RequestImpl) request).getArgs();
        int key;
        if (command == Command.EVAL || command == Command.EVALSHA) {
            if (args.size() < 3 || new String(args.get(1), StandardCharsets.US_ASCII).equals("0")) {
                return -1;
            }
            key = 2;
        } else if (command == Command.PING || command == Command.CLIENT || command == Command.SCRIPT
                || command == Command.CLUSTER || command == Command.INFO || args.isEmpty()) {
            return -1;
        } else {
            key = 0;
        }
        return Keys.slot(new String(args.get(key), StandardCharsets.UTF_8));
    }
}
