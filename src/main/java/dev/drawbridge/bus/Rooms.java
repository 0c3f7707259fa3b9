package dev.drawbridge.bus;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Who is connected, and who is in which room, across all nodes.
 *
 * <p>What may be relied on:
 * <ul>
 *   <li><b>Join is atomic.</b> Adding a member, reading the members already there and checking the
 *   room's size happen as one step: of two peers joining one room at the same instant, exactly one
 *   sees the other among {@link Join.Joined#others()}.</li>
 *   <li><b>Sessions are leased.</b> {@link #register} ties a peer to this node. When a node stops
 *   renewing its lease (it died), a surviving node removes that node's peers from their rooms and
 *   reports each removal to the {@link #onEvicted} listeners of exactly one node. A live node's
 *   peers are never evicted. An in-process implementation has no other nodes and never evicts.</li>
 *   <li><b>Failure is visible.</b> Every future fails with {@link BusUnavailableException} when the
 *   shared store cannot be reached, and then nothing was changed.</li>
 * </ul>
 */
public interface Rooms {

    /** The peer has an open session on this node. Registering again is harmless. */
    Future<Void> register(Peer peer);

    /** Whether the peer has a session on any node. */
    Future<Boolean> isRegistered(String peerId);

    /** Adds the peer to the room unless it is full ({@code maxSize} members) or already holds it. */
    Future<Join> join(String roomId, Peer peer, int maxSize);

    /** Removes the peer from the room; empty when it was not a member, else the members that remain. */
    Future<Optional<List<Peer>>> leave(String roomId, String peerId);

    /**
     * The peer's session ended for good: removes it from every room and forgets its registration.
     * Answers, for each room it was in, the members that remain.
     */
    Future<Map<String, List<Peer>>> unregister(String peerId);

    /** Whether the two peers are members of at least one common room. */
    Future<Boolean> shareRoom(String peerId, String otherPeerId);

    /** Listens for peers removed on behalf of a node that died. */
    void onEvicted(Consumer<Eviction> listener);

    /** Stops this node's part (lease renewal, reaping); does not unregister its peers. */
    Future<Void> close();

    /** The outcome of {@link #join}. */
    sealed interface Join {
        /** Now a member; {@code others} are those who were there before, in join order. */
        record Joined(List<Peer> others) implements Join {
            public Joined {
                others = List.copyOf(others);
            }
        }

        /** Was already a member: nothing changed. */
        record AlreadyMember() implements Join {}

        /** The room holds its maximum: nothing changed. */
        record Full(int maxSize) implements Join {}
    }

    /** A peer of a dead node, removed from {@code roomId}, where {@code remaining} are left. */
    record Eviction(String roomId, Peer peer, List<Peer> remaining) {
        public Eviction {
            remaining = List.copyOf(remaining);
        }
    }
}
