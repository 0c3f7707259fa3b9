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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Room membership in Redis. A room's keys share the room's slot and a peer's keys share the peer's
 * slot, so join and leave are single scripts on the room's slot, and the peer's own set of rooms
 * is kept beside them in its slot.
 *
 * <p>The peer's set of rooms is kept a superset of its memberships: it gains a room before the
 * join script runs and loses it after the leave script ran. A node dying in between leaves at most
 * a stale entry (leave of a room one is not in does nothing), never a member nobody can find and
 * reap.
 */
final class RedisRooms implements Rooms {
    private static final Logger log = LoggerFactory.getLogger(RedisRooms.class);

    /** What the leave script answers for a member it removed. */
    record Left(String username, List<Peer> remaining) {}

    private final Commands commands;
    private final String leaseId;
    private final Runnable onClosed;
    private final List<Consumer<Eviction>> listeners = new CopyOnWriteArrayList<>();
    // Peers registered here, to register them again when Redis forgot them (restart, lost lease).
    private final Map<String, Peer> local = new ConcurrentHashMap<>();
    private volatile Liveness liveness;
    private volatile boolean closed;

    RedisRooms(Commands commands, String leaseId, Runnable onClosed) {
        this.commands = commands;
        this.leaseId = leaseId;
        this.onClosed = onClosed;
    }

    void attach(Liveness liveness) {
        this.liveness = liveness;
    }

    @Override
    public Future<Void> register(Peer peer) {
        if (closed) {
            return closedFuture();
        }
        Future<Response> owner = commands.send(Request.cmd(Command.SET).arg(Keys.peerNode(peer.id())).arg(leaseId));
        Future<Response> listed = commands.send(Request.cmd(Command.SADD).arg(Keys.nodePeers(leaseId)).arg(peer.id()));
        return Future.all(owner, listed).onSuccess(v -> local.put(peer.id(), peer)).mapEmpty();
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
        // Pipelined: the peer's set gains the room first (see the class comment), in one round trip.
        Future<Response> listed = commands.send(Request.cmd(Command.SADD).arg(Keys.peerRooms(peer.id())).arg(roomId));
        Future<Response> joined = Script.JOIN.run(commands, roomKeys(roomId),
                List.of(peer.id(), peer.username(), Integer.toString(maxSize)));
        return Future.all(listed, joined).compose(v -> {
            Response reply = joined.result();
            return switch (reply.get(0).toString()) {
                case "member" -> Future.succeededFuture(new Join.AlreadyMember());
                case "joined" -> Future.succeededFuture(new Join.Joined(peers(reply, 1)));
                // Not a member after all: take the room back out of the peer's set (best effort,
                // a stale entry is harmless).
                case "full" -> commands.send(Request.cmd(Command.SREM).arg(Keys.peerRooms(peer.id())).arg(roomId))
                        .otherwiseEmpty()
                        .map(r -> new Join.Full(maxSize));
                default -> Future.failedFuture(new IllegalStateException("join answered " + reply));
            };
        });
    }

    @Override
    public Future<Optional<List<Peer>>> leave(String roomId, String peerId) {
        if (closed) {
            return closedFuture();
        }
        return leaveRoom(roomId, peerId).map(left -> left.map(Left::remaining));
    }

    @Override
    public Future<Map<String, List<Peer>>> unregister(String peerId) {
        if (closed) {
            return closedFuture();
        }
        local.remove(peerId);
        Future<Response> currentOwner = commands.send(Request.cmd(Command.GET).arg(Keys.peerNode(peerId)));
        Future<Response> rooms = commands.send(Request.cmd(Command.SMEMBERS).arg(Keys.peerRooms(peerId)));
        return Future.all(currentOwner, rooms).compose(read -> {
            if (currentOwner.result() != null && !currentOwner.result().toString().equals(leaseId)) {
                // The peer's session went on on another node (a stream that resumed there): its
                // session did not end, only this node's part of it. Leave it in its rooms.
                return commands.send(Request.cmd(Command.SREM).arg(Keys.nodePeers(leaseId)).arg(peerId))
                        .map(v -> Map.<String, List<Peer>>of());
            }
            List<String> roomIds = strings(rooms.result(), 0);
            List<Future<Optional<Left>>> leaves = new ArrayList<>();
            for (String roomId : roomIds) {
                leaves.add(leaveRoom(roomId, peerId));
            }
            // Forgotten only after the leaves: a node dying in between leaves a registered peer
            // that the reaper still finds, not a member without an owner.
            Future<Response> owner = commands.send(Request.cmd(Command.GETDEL).arg(Keys.peerNode(peerId)));
            Future<Response> forgotten = commands.send(Request.cmd(Command.DEL).arg(Keys.peerRooms(peerId)));
            return Future.all(List.of(Future.all(leaves), owner, forgotten)).compose(v -> {
                String ownerNode = owner.result() == null ? leaseId : owner.result().toString();
                return commands.send(Request.cmd(Command.SREM).arg(Keys.nodePeers(ownerNode)).arg(peerId));
            }).map(v -> {
                Map<String, List<Peer>> remaining = new LinkedHashMap<>();
                for (int i = 0; i < roomIds.size(); i++) {
                    String roomId = roomIds.get(i);
                    leaves.get(i).result().ifPresent(left -> remaining.put(roomId, left.remaining()));
                }
                return remaining;
            });
        });
    }

    @Override
    public Future<Boolean> shareRoom(String peerId, String otherPeerId) {
        // Round trip 1: both peers' rooms (pipelined). Round trip 2: whether both are still members
        // of a room in common; the room's members are the truth, the peers' sets may be stale.
        Future<Response> mine = commands.send(Request.cmd(Command.SMEMBERS).arg(Keys.peerRooms(peerId)));
        Future<Response> theirs = commands.send(Request.cmd(Command.SMEMBERS).arg(Keys.peerRooms(otherPeerId)));
        return Future.all(mine, theirs).compose(v -> {
            Set<String> common = new HashSet<>(strings(mine.result(), 0));
            common.retainAll(new HashSet<>(strings(theirs.result(), 0)));
            if (common.isEmpty()) {
                return Future.succeededFuture(false);
            }
            List<Future<Response>> checks = new ArrayList<>();
            for (String roomId : common) {
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

    /** Removes the peer from the room; empty when it was not a member. */
    Future<Optional<Left>> leaveRoom(String roomId, String peerId) {
        Future<Response> left = Script.LEAVE.run(commands, roomKeys(roomId), List.of(peerId));
        Future<Response> unlisted = commands.send(Request.cmd(Command.SREM).arg(Keys.peerRooms(peerId)).arg(roomId));
        return Future.all(left, unlisted).map(v -> {
            Response reply = left.result();
            if (reply == null || reply.size() == 0) {
                return Optional.empty();
            }
            return Optional.of(new Left(reply.get(1).toString(), peers(reply, 2)));
        });
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
        for (Peer peer : local.values()) {
            all.add(Script.REREGISTER.run(commands, List.of(Keys.peerNode(peer.id())), List.of(leaseId)).compose(owned ->
                    owned.toInteger() == 1
                            ? commands.send(Request.cmd(Command.SADD).arg(Keys.nodePeers(leaseId)).arg(peer.id()))
                            : Future.succeededFuture()));
        }
        return Future.all(all).mapEmpty();
    }

    private Future<Void> reapPeer(String deadNode, String peerId) {
        List<String> peerKeys = List.of(Keys.peerNode(peerId), Keys.peerRooms(peerId));
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
