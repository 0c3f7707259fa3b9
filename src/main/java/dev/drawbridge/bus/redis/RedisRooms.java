package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Room membership in Redis. A room's keys share the room's slot and a peer's keys share the peer's
 * slot, so join and leave are single scripts on the room's slot ({@code join.lua},
 * {@code leave.lua}): the room's members are the truth. Beside its registration, in its own slot,
 * the peer keeps a hash of its rooms, each with a state, so that a relay can be authorized in one
 * round trip and a reaper can find every room of a dead node's peer:
 * <ul>
 *   <li>{@code member}: a join script answered {@code joined} or {@code member}, and no join or
 *   leave of that room started since;</li>
 *   <li>{@code joining <op>}, {@code leaving <op>}: the operation {@code op} marked the room
 *   ({@code mark.lua}) before running the room's script, and has not settled it yet
 *   ({@code settle.lua}, sent as soon as the room's script answered);</li>
 *   <li>{@code leaving}: the peer's session is ending, or a reaper is removing it;</li>
 *   <li>{@code unsure}: two operations on the room overlapped, so that their room scripts may have
 *   run in either order; it stays so until the peer is forgotten.</li>
 * </ul>
 *
 * <p>Two rules make it exact. Every join or leave script runs after its operation's mark (see
 * below for the order), and a mark overwrites whatever it finds: a settled entry ({@code member}
 * or none) with the operation's own state, anything else with {@code unsure}. Settling writes the
 * outcome only if the entry still holds the operation's own state. So an operation that settles
 * had the room to itself from its mark to its settle: no other script on that room and peer ran in
 * between, and its own script's answer is still the room's truth. It follows that
 * <ol>
 *   <li>an entry says {@code member} only while the peer is a member: only a join settles to it,
 *   and any script that could remove the peer is preceded by a mark that overwrites it;</li>
 *   <li>the hash is a superset of the memberships: an entry exists before any join script that
 *   could add the peer, and is removed only by a settle whose script left the peer out of the
 *   room, or with the whole hash once the peer left every room (unregister, reaping).</li>
 * </ol>
 *
 * <p>{@link #shareRoom} reads both hashes in one pipeline. A room in common where both say
 * {@code member} is shared (rule 1); every other room in common is asked of the room itself
 * ({@code ZMSCORE}, one more round trip); no room in common means none is shared (rule 2). The two
 * hashes are read by two commands, one right after the other: the fast answer tells that each
 * peer was a member when its hash was read.
 *
 * <p>A node that dies, or a command that fails, between a mark and its settle leaves an entry that
 * is not {@code member}: the room is then asked, which costs a round trip, never a wrong answer,
 * and a reaper still finds the room. A join racing a leave of the same room (or a session ending)
 * leaves {@code unsure}, with the same effect. A leave waits for its mark's answer before it runs
 * the room script; a join pipelines its mark with its join script on the command connection,
 * which Redis runs in order (and sends the mark in full, since an {@code EVALSHA} retried after
 * {@code NOSCRIPT} would run after the join). On Redis Cluster, where the two slots live on
 * different shards, a join will have to wait for its mark's answer as leave does.
 */
final class RedisRooms implements Rooms {
    private static final Logger log = LoggerFactory.getLogger(RedisRooms.class);

    /** The state of a room in a peer's hash once a join settled it; see the class comment. */
    private static final String MEMBER = "member";
    /** The outcome of a join or leave that left the peer out of the room: the entry is removed. */
    private static final String NOT_MEMBER = "";

    /** What the leave script answers for a member it removed. */
    record Left(String username, List<Peer> remaining) {}

    private final Commands commands;
    private final String leaseId;
    private final RedisBus bus;
    private final Runnable onClosed;
    private final List<Consumer<Eviction>> listeners = new CopyOnWriteArrayList<>();
    // Peers registered here, with their owners, to register them again when Redis forgot them
    // (restart, lost lease).
    private final Map<String, String> local = new ConcurrentHashMap<>();
    // Numbers this node's joins and leaves; with the lease id, names each one across the cluster.
    private final AtomicLong operations = new AtomicLong();
    private volatile Liveness liveness;
    private volatile boolean closed;

    RedisRooms(Commands commands, String leaseId, RedisBus bus, Runnable onClosed) {
        this.commands = commands;
        this.leaseId = leaseId;
        this.bus = bus;
        this.onClosed = onClosed;
    }

    void attach(Liveness liveness) {
        this.liveness = liveness;
    }

    @Override
    public Future<Void> register(Peer peer, String session) {
        if (closed) {
            return closedFuture();
        }
        String owner = owner(session);
        Future<Response> owned = commands.send(Request.cmd(Command.SET).arg(Keys.peerNode(peer.id())).arg(owner));
        Future<Response> listed = commands.send(Request.cmd(Command.SADD).arg(Keys.nodePeers(leaseId)).arg(peer.id()));
        return Future.all(owned, listed).onSuccess(v -> local.put(peer.id(), owner)).mapEmpty();
    }

    /** The value of a peer's registration made by this node's session {@code session}. */
    private String owner(String session) {
        return leaseId + "/" + session;
    }

    @Override
    public Future<Boolean> isRegistered(String peerId) {
        return commands.send(Request.cmd(Command.EXISTS).arg(Keys.peerNode(peerId))).map(r -> r.toInteger() > 0);
    }

    @Override
    public Future<Join> join(String roomId, Peer peer, int maxSize) {
        if (closed) {
            return closedFuture();
        }
        if (recovering()) {
            return recoveringFuture();
        }
        // Pipelined, in one round trip: the peer's entry is marked first (see the class comment).
        String state = "joining " + nextOperation();
        Future<Response> marked = Script.MARK.runInOrder(commands, stateKeys(peer.id()), List.of(roomId, state));
        List<String> joinArgs = List.of(peer.id(), peer.username(), Integer.toString(maxSize));
        // On Redis Cluster the room's slot may be on another primary than the peer's: the mark
        // is then in place before the join runs only once it has been answered.
        Future<Response> joined = commands.ordersAcrossSlots()
                ? Script.JOIN.run(commands, roomKeys(roomId), joinArgs)
                : marked.compose(m -> Script.JOIN.run(commands, roomKeys(roomId), joinArgs));
        return Future.all(marked, joined).compose(v -> {
            Response reply = joined.result();
            // Settled without waiting: sent now, it goes ahead of whatever the caller sends next
            // (the add-peer deliveries). A relay that reads the mark meanwhile asks the room.
            return switch (reply.get(0).toString()) {
                case "member" -> {
                    settle(peer.id(), roomId, state, MEMBER);
                    yield Future.succeededFuture(new Join.AlreadyMember());
                }
                case "joined" -> {
                    settle(peer.id(), roomId, state, MEMBER);
                    yield Future.succeededFuture(new Join.Joined(peers(reply, 1)));
                }
                case "full" -> {
                    settle(peer.id(), roomId, state, NOT_MEMBER);
                    yield Future.succeededFuture(new Join.Full(maxSize));
                }
                default -> Future.failedFuture(new IllegalStateException("join answered " + reply));
            };
        });
    }

    @Override
    public Future<Optional<List<Peer>>> leave(String roomId, String peerId) {
        if (closed) {
            return closedFuture();
        }
        if (recovering()) {
            return recoveringFuture();
        }
        // The mark must be in place before the leave script runs, wherever the two slots live:
        // otherwise a node dying in between could leave an entry saying member of a room the peer
        // is no longer in. Leave is rare; the extra round trip is cheap.
        String state = "leaving " + nextOperation();
        // This node's copy forgets the room until its channel says this mark: a relay sent once the
        // leave answered is refused here, whatever the channel still had on its way.
        bus.memberships().leaving(peerId, roomId, state);
        return Script.MARK.run(commands, stateKeys(peerId), List.of(roomId, state))
                .compose(marked -> leaveRoom(roomId, peerId))
                .map(left -> {
                    settle(peerId, roomId, state, NOT_MEMBER);
                    return left.map(Left::remaining);
                })
                .compose(left -> left.isPresent() ? Future.succeededFuture(left) : unlessForgotten(left));
    }

    @Override
    public Future<Map<String, List<Peer>>> unregister(String peerId, String session) {
        if (closed) {
            return closedFuture();
        }
        String owner = owner(session);
        local.remove(peerId, owner);
        // One script checks the owner, drops the history and marks every room leaving (see the
        // class comment), so the session's end takes no more round trips than the leaves themselves.
        return Script.UNREGISTER.run(commands, peerKeys(peerId), List.of(owner)).compose(reply -> {
            if (reply.get(0).toString().equals("moved")) {
                // The peer's session went on elsewhere (a stream that resumed on another node, or a
                // newer session here): only this session ended. Leave the peer in its rooms, and in
                // this node's set if the newer session is this node's.
                String newer = reply.get(1).toString();
                if (newer.startsWith(leaseId + "/")) {
                    return Future.succeededFuture(Map.<String, List<Peer>>of());
                }
                return commands.send(Request.cmd(Command.SREM).arg(Keys.nodePeers(leaseId)).arg(peerId))
                        .map(v -> Map.<String, List<Peer>>of());
            }
            List<String> roomIds = strings(reply, 1);
            List<Future<Optional<Left>>> leaves = new ArrayList<>();
            for (String roomId : roomIds) {
                leaves.add(leaveRoom(roomId, peerId));
            }
            // Forgotten only after the leaves (sent behind them on the one command connection,
            // which Redis runs in order): a node dying in between leaves a registered peer whose
            // rooms, marked leaving, the reaper still finds, not a member without an owner.
            // (On Redis Cluster, where the rooms may live on other primaries, after their answers.)
            Future<Response> forgotten = commands.ordersAcrossSlots()
                    ? Script.FORGET_PEER.run(commands, peerKeys(peerId), List.of(owner))
                    : Future.all(leaves).compose(v -> Script.FORGET_PEER.run(commands, peerKeys(peerId), List.of(owner)));
            return Future.all(Future.all(leaves), forgotten).compose(v -> forgotten.result().toInteger() == 1
                    ? commands.send(Request.cmd(Command.SREM).arg(Keys.nodePeers(leaseId)).arg(peerId))
                    : Future.succeededFuture()).map(v -> {
                Map<String, List<Peer>> remaining = new LinkedHashMap<>();
                for (int i = 0; i < roomIds.size(); i++) {
                    String roomId = roomIds.get(i);
                    leaves.get(i).result().ifPresent(left -> remaining.put(roomId, left.remaining()));
                }
                return remaining;
            });
        });
    }

    /** The keys of a peer that unregister, reaping and forgetting touch: all on the peer's slot. */
    private static List<String> peerKeys(String peerId) {
        return List.of(Keys.peerNode(peerId), Keys.peerRooms(peerId), Keys.peerSequence(peerId), Keys.peerHistory(peerId),
                Keys.channel(peerId));
    }

    /** The peer's room states and its channel, which hears their changes (mark.lua, settle.lua). */
    private static List<String> stateKeys(String peerId) {
        return List.of(Keys.peerRooms(peerId), Keys.channel(peerId));
    }

    /** From this node's copy of the peer's rooms ({@link Memberships}), when it holds the peer's stream. */
    @Override
    public Set<String> knownRooms(String peerId) {
        if (closed || recovering()) {
            return Set.of();
        }
        return bus.knownRooms(peerId);
    }

    @Override
    public Future<Boolean> shareRoom(String peerId, String otherPeerId) {
        if (recovering()) {
            return recoveringFuture();
        }
        return sharedRoom(peerId, otherPeerId).compose(shared -> shared ? Future.succeededFuture(true) : unlessForgotten(false));
    }

    /** One read of the room's own names hash, which join.lua and leave.lua write with its members. */
    @Override
    public Future<Optional<List<Peer>>> othersIn(String roomId, String peerId) {
        if (recovering()) {
            return recoveringFuture();
        }
        return commands.send(Request.cmd(Command.HGETALL).arg(Keys.roomNames(roomId))).compose(reply -> {
            Map<String, String> names = states(reply);
            if (!names.containsKey(peerId)) {
                return unlessForgotten(Optional.<List<Peer>>empty());
            }
            List<Peer> others = new ArrayList<>(names.size() - 1);
            names.forEach((id, username) -> {
                if (!id.equals(peerId)) {
                    others.add(new Peer(id, username));
                }
            });
            return Future.succeededFuture(Optional.of(others));
        });
    }

    /**
     * {@code answer}, a "not there", unless this node's lease is gone too: then Redis forgot
     * everything (flushed, or restarted empty before this node noticed), and the answer is that the
     * service is unavailable until the node has restored its peers.
     */
    private <T> Future<T> unlessForgotten(T answer) {
        Liveness l = liveness;
        if (l == null) {
            return Future.succeededFuture(answer);
        }
        return l.leaseHeld().compose(held -> held ? Future.succeededFuture(answer) : recoveringFuture());
    }

    private boolean recovering() {
        Liveness l = liveness;
        return l != null && l.recovering();
    }

    private static <T> Future<T> recoveringFuture() {
        return Future.failedFuture(new BusUnavailableException(
                "Redis lost its data (restarted or flushed): this node is registering its peers again"));
    }

    private Future<Boolean> sharedRoom(String peerId, String otherPeerId) {
        // Round trip 1: both peers' rooms with their states (pipelined). A room where both are
        // settled members answers at once; the rooms in common where either is at some other
        // state take round trip 2, to the rooms themselves (see the class comment).
        // One write for both, and for the reads of every other relay read in the same turn of
        // this event loop.
        return commands.readTogether(List.of(
                Request.cmd(Command.HGETALL).arg(Keys.peerRooms(peerId)),
                Request.cmd(Command.HGETALL).arg(Keys.peerRooms(otherPeerId)))).compose(both -> {
            Map<String, String> myRooms = states(both.get(0));
            Map<String, String> theirRooms = states(both.get(1));
            List<String> unsettled = new ArrayList<>();
            for (Map.Entry<String, String> room : myRooms.entrySet()) {
                String theirState = theirRooms.get(room.getKey());
                if (theirState == null) {
                    continue;
                }
                if (room.getValue().equals(MEMBER) && theirState.equals(MEMBER)) {
                    return Future.succeededFuture(true);
                }
                unsettled.add(room.getKey());
            }
            if (unsettled.isEmpty()) {
                return Future.succeededFuture(false);
            }
            List<Future<Response>> checks = new ArrayList<>();
            for (String roomId : unsettled) {
                checks.add(commands.send(Request.cmd(Command.ZMSCORE).arg(Keys.roomMembers(roomId)).arg(peerId).arg(otherPeerId)));
            }
            return Future.all(checks).map(all -> checks.stream()
                    .map(Future::result)
                    .anyMatch(scores -> scores.get(0) != null && scores.get(1) != null));
        });
    }

    @Override
    public void onEvicted(Consumer<Eviction> listener) {
        listeners.add(listener);
    }

    @Override
    public Future<Void> close() {
        if (!closed) {
            closed = true;
            Liveness l = liveness;
            if (l != null) {
                l.stop();
            }
            onClosed.run();
        }
        return Future.succeededFuture();
    }

    /**
     * Runs the leave script: removes the peer from the room; empty when it was not a member. The
     * caller marked the peer's entry for the room before, and settles or forgets it after.
     */
    private Future<Optional<Left>> leaveRoom(String roomId, String peerId) {
        return Script.LEAVE.run(commands, roomKeys(roomId), List.of(peerId)).map(reply -> {
            if (reply == null || reply.size() == 0) {
                return Optional.empty();
            }
            return Optional.of(new Left(reply.get(1).toString(), peers(reply, 2)));
        });
    }

    /**
     * Records the outcome of this node's join or leave in the peer's entry for the room, unless
     * another operation marked it since. Not waited for: when it is lost, the entry keeps its mark
     * and relays ask the room, which is slower, never wrong.
     */
    private void settle(String peerId, String roomId, String state, String outcome) {
        Script.SETTLE.run(commands, stateKeys(peerId), List.of(roomId, state, outcome))
                .onFailure(t -> log.debug("could not settle {} of {} in {}: {}", state, peerId, roomId, t.toString()));
    }

    /** A name for one join or leave that no other, on any node, carries. */
    private String nextOperation() {
        return leaseId + "#" + operations.incrementAndGet();
    }

    /**
     * Reaps a dead node's peers: each peer still owned by that node leaves its rooms, and each
     * removal goes to this node's listeners. Exactly-once comes from the leave script: of any
     * nodes reaping one peer, only the one that removed it hears about it.
     */
    Future<Void> reap(String deadNode) {
        return commands.send(Request.cmd(Command.SMEMBERS).arg(Keys.nodePeers(deadNode))).compose(members -> {
            List<String> peerIds = strings(members, 0);
            if (!peerIds.isEmpty()) {
                log.warn("node {} died: reaping its {} peers", deadNode, peerIds.size());
            }
            Future<Void> chain = Future.succeededFuture();
            // Batches keep the number of commands in flight bounded however many peers it had.
            for (int from = 0; from < peerIds.size(); from += 64) {
                List<String> batch = peerIds.subList(from, Math.min(from + 64, peerIds.size()));
                chain = chain.compose(v -> Future.all(batch.stream().map(p -> reapPeer(deadNode, p)).toList()).mapEmpty());
            }
            return chain;
        });
    }

    /** Registers the local peers again, unless they moved to another node meanwhile. */
    Future<Void> restoreRegistrations() {
        List<Future<?>> all = new ArrayList<>();
        for (Map.Entry<String, String> peer : local.entrySet()) {
            all.add(Script.REREGISTER.run(commands, List.of(Keys.peerNode(peer.getKey())), List.of(leaseId, peer.getValue()))
                    .compose(owned -> owned.toInteger() == 1
                            ? commands.send(Request.cmd(Command.SADD).arg(Keys.nodePeers(leaseId)).arg(peer.getKey()))
                            : Future.succeededFuture()));
        }
        return Future.all(all).mapEmpty();
    }

    private Future<Void> reapPeer(String deadNode, String peerId) {
        List<String> peerKeys = peerKeys(peerId);
        return Script.REAP_PEER.run(commands, peerKeys, List.of(deadNode)).compose(owned -> {
            List<String> roomIds = strings(owned, 1);
            List<Future<Void>> leaves = new ArrayList<>();
            for (String roomId : roomIds) {
                leaves.add(leaveRoom(roomId, peerId).map(left -> {
                    left.ifPresent(l -> evicted(new Eviction(roomId, new Peer(peerId, l.username()), l.remaining())));
                    return null;
                }));
            }
            return Future.all(leaves);
        }).compose(v -> Script.FORGET_PEER.run(commands, peerKeys, List.of(deadNode)))
                .compose(v -> commands.send(Request.cmd(Command.SREM).arg(Keys.nodePeers(deadNode)).arg(peerId)))
                .mapEmpty();
    }

    private void evicted(Eviction eviction) {
        for (Consumer<Eviction> listener : listeners) {
            try {
                listener.accept(eviction);
            } catch (RuntimeException e) {
                log.error("eviction listener failed", e);
            }
        }
    }

    private static List<String> roomKeys(String roomId) {
        return List.of(Keys.roomMembers(roomId), Keys.roomNames(roomId), Keys.roomSeq(roomId));
    }

    /** Pairs id, username from {@code from} on. */
    private static List<Peer> peers(Response reply, int from) {
        List<Peer> peers = new ArrayList<>();
        for (int i = from; i + 1 < reply.size(); i += 2) {
            peers.add(new Peer(reply.get(i).toString(), reply.get(i + 1).toString()));
        }
        return peers;
    }

    /** The room -> state pairs of a peer's hash ({@code HGETALL}, a map in RESP3, pairs in RESP2). */
    private static Map<String, String> states(Response reply) {
        Map<String, String> states = new HashMap<>();
        if (reply != null) {
            for (String roomId : reply.getKeys()) {
                states.put(roomId, reply.get(roomId).toString());
            }
        }
        return states;
    }

    private static List<String> strings(Response reply, int from) {
        List<String> values = new ArrayList<>();
        if (reply != null) {
            for (int i = from; i < reply.size(); i++) {
                values.add(reply.get(i).toString());
            }
        }
        return values;
    }

    private static <T> Future<T> closedFuture() {
        return Future.failedFuture(new BusUnavailableException("rooms closed"));
    }
}
