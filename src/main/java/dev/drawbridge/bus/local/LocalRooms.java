package dev.drawbridge.bus.local;

import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Room membership of a node that runs alone. One lock guards all of it: every operation is a few
 * map look-ups, far cheaper than the HTTP request around it, and one lock makes atomicity obvious.
 * With no other nodes, nothing is ever evicted.
 */
public final class LocalRooms implements Rooms {
    private final Map<String, LinkedHashMap<String, Peer>> members = new HashMap<>();
    private final Map<String, Set<String>> roomsOf = new HashMap<>();
    /** Peer id -> the session that registered it last. */
    private final Map<String, String> registered = new HashMap<>();
    private final Consumer<String> onForgotten;

    /** {@code onForgotten} learns of every peer unregistered for good (the bus drops its history). */
    public LocalRooms(Consumer<String> onForgotten) {
        this.onForgotten = onForgotten;
    }

    public LocalRooms() {
        this(peerId -> { });
    }

    @Override
    public synchronized Future<Void> register(Peer peer, String session) {
        registered.put(peer.id(), session);
        return Future.succeededFuture();
    }

    @Override
    public synchronized Future<Boolean> isRegistered(String peerId) {
        return Future.succeededFuture(registered.containsKey(peerId));
    }

    @Override
    public synchronized Future<Join> join(String roomId, Peer peer, int maxSize) {
        LinkedHashMap<String, Peer> room = members.computeIfAbsent(roomId, id -> new LinkedHashMap<>());
        if (room.containsKey(peer.id())) {
            return Future.succeededFuture(new Join.AlreadyMember());
        }
        if (room.size() >= maxSize) {
            if (room.isEmpty()) {
                members.remove(roomId);
            }
            return Future.succeededFuture(new Join.Full(maxSize));
        }
        List<Peer> others = List.copyOf(room.values());
        room.put(peer.id(), peer);
        roomsOf.computeIfAbsent(peer.id(), id -> new HashSet<>()).add(roomId);
        return Future.succeededFuture(new Join.Joined(others));
    }

    @Override
    public synchronized Future<Optional<List<Peer>>> leave(String roomId, String peerId) {
        Set<String> rooms = roomsOf.get(peerId);
        if (rooms == null || !rooms.remove(roomId)) {
            return Future.succeededFuture(Optional.empty());
        }
        if (rooms.isEmpty()) {
            roomsOf.remove(peerId);
        }
        return Future.succeededFuture(Optional.of(removeMember(roomId, peerId)));
    }

    @Override
    public Future<Map<String, List<Peer>>> unregister(String peerId, String session) {
        Map<String, List<Peer>> remaining = new LinkedHashMap<>();
        synchronized (this) {
            String owner = registered.get(peerId);
            if (owner != null && !owner.equals(session)) {
                return Future.succeededFuture(Map.of());
            }
            registered.remove(peerId);
            Set<String> rooms = roomsOf.remove(peerId);
            if (rooms != null) {
                for (String roomId : rooms) {
                    remaining.put(roomId, removeMember(roomId, peerId));
                }
            }
        }
        // Outside this lock: the bus takes the peer's own lock, under which a delivery may end a
        // session and come here (a reader cut off for slowness).
        onForgotten.accept(peerId);
        return Future.succeededFuture(remaining);
    }

    @Override
    public synchronized Future<Boolean> shareRoom(String peerId, String otherPeerId) {
        Set<String> mine = roomsOf.get(peerId);
        Set<String> theirs = roomsOf.get(otherPeerId);
        if (mine == null || theirs == null) {
            return Future.succeededFuture(false);
        }
        Set<String> smaller = mine.size() <= theirs.size() ? mine : theirs;
        Set<String> larger = smaller == mine ? theirs : mine;
        for (String roomId : smaller) {
            if (larger.contains(roomId)) {
                return Future.succeededFuture(true);
            }
        }
        return Future.succeededFuture(false);
    }

    @Override
    public synchronized Future<Optional<List<Peer>>> othersIn(String roomId, String peerId) {
        LinkedHashMap<String, Peer> room = members.get(roomId);
        if (room == null || !room.containsKey(peerId)) {
            return Future.succeededFuture(Optional.empty());
        }
        List<Peer> others = new ArrayList<>(room.size() - 1);
        room.values().forEach(member -> {
            if (!member.id().equals(peerId)) {
                others.add(member);
            }
        });
        return Future.succeededFuture(Optional.of(others));
    }

    @Override
    public void onEvicted(Consumer<Eviction> listener) {
        // A node alone has no dead peers to reap.
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }

    private List<Peer> removeMember(String roomId, String peerId) {
        LinkedHashMap<String, Peer> room = members.get(roomId);
        if (room == null) {
            return List.of();
        }
        room.remove(peerId);
        if (room.isEmpty()) {
            members.remove(roomId);
        }
        return new ArrayList<>(room.values());
    }
}
