package dev.drawbridge.bus;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Who is connected, and who is in which room, across all nodes.
 *
 * <p>A peer is <i>registered</i> from {@link #register} until its session ends for good
 * ({@link #unregister}, or reaping): that includes the resume grace after its stream dropped, so
 * a peer in its grace is still connected for joins and still a member of its rooms. A
 * registration names the node and the session that made it; a newer one, of any node, takes it
 * over.
 *
 * <p>What may be relied on:
 * <ul>
 *   <li><b>Join is atomic.</b> Adding a member, reading the members already there and checking the
 *   room's size happen as one step: of two peers joining one room at the same instant, exactly one
 *   sees the other among {@link Join.Joined#others()}.</li>
 *   <li><b>Sessions are leased.</b> {@link #register} ties a peer to this node. When a node stops
 *   renewing its lease (it died), a surviving node claims it, waits the resume grace (so that its
 *   peers may resume on another node, which takes their registrations over), then removes the
 *   peers still registered to it from their rooms and reports each removal to the
 *   {@link #onEvicted} listeners of exactly one node: within lease + reap interval + grace of the
 *   death. A live node's
 *   peers are never evicted. An in-process implementation has no other nodes and never evicts.</li>
 *   <li><b>Failure is visible.</b> Every future fails with {@link BusUnavailableException} when the
 *   shared store cannot be reached, and then nothing was changed.</li>
 * </ul>
 */
public interface Rooms {

    /**
     * The peer has a session on this node, named {@code session} (unique among this node's
     * sessions of the peer). It replaces any earlier registration of the peer, here or elsewhere.
     */
    Future<Void> register(Peer peer, String session);

    /** Whether the peer has a session on any node. */
    Future<Boolean> isRegistered(String peerId);

    /** Adds the peer to the room unless it is full ({@code maxSize} members) or already holds it. */
    Future<Join> join(String roomId, Peer peer, int maxSize);

    /** Removes the peer from the room; empty when it was not a member, else the members that remain. */
    Future<Optional<List<Peer>>> leave(String roomId, String peerId);

    /**
     * The peer's session {@code session} of this node ended for good: removes the peer from every
     * room and forgets its registration, but only if that registration is still this session's,
     * decided atomically: a peer that resumed since, on this node or another, is left as it is and
     * the answer is empty. Otherwise answers, for each room it was in, the members that remain.
     * With Redis, the peer's history ({@link Bus}) goes in the same step as the ownership check,
     * so that a stream resumed afterwards gets {@code resync}, never a replay of a session whose
     * rooms were left.
     */
    Future<Map<String, List<Peer>>> unregister(String peerId, String session);

    /** Whether the two peers are members of at least one common room. */
    Future<Boolean> shareRoom(String peerId, String otherPeerId);

    /**
     * The rooms this node knows, without asking anyone, that the peer is a member of: with Redis,
     * for a peer whose stream this node holds, from the changes of its memberships that its own
     * channel carries, as of the last one received (a change made through another node arrives
     * about one trip from Redis after it was made). Empty when this node does not know (the
     * default): the caller asks {@link #shareRoom}. What it answers is meant for
     * {@link Bus#deliverIfMember}, which checks the target's side in the delivery's own step.
     */
    default Set<String> knownRooms(String peerId) {
        return Set.of();
    }

    /**
     * The other members of the room, read from the room itself in one step, when {@code peerId} is
     * one of them; empty when it is not (or the room does not exist). A member that joins or leaves
     * while the answer travels may be in it or not, as with {@link #shareRoom}.
     */
    Future<Optional<List<Peer>>> othersIn(String roomId, String peerId);

    /** Listens for peers removed on behalf of a node that died. */
    void onEvicted(Consumer<Eviction> listener);

    /**
     * Stops this node's part (lease renewal, reaping); does not unregister its peers: they resume
     * on another node within the grace, or are reaped once this node's lease lapsed.
     */
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
