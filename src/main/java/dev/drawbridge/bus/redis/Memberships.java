package dev.drawbridge.bus.redis;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's copies of the rooms that the peers whose streams it holds are settled members of,
 * kept from what the scripts that change a peer's room states say on the peer's own channel
 * ({@code mark.lua}, {@code settle.lua}, {@code unregister.lua}, {@code reap-peer.lua},
 * {@code memberships.lua}), so that a relay from such a peer is authorized on its side without
 * reading Redis ({@link RedisRooms#knownRooms}).
 *
 * <p>Why a copy is right. The channel carries, in the order the scripts ran, every change of
 * whether the peer is a settled member ({@code member} in its hash) of a room: only a settle makes
 * it one ({@code #+<room>}), and every script that could end it says so ({@code #-<room> <state>}
 * from every mark, {@code #*} when a session ends or is reaped). A copy starts empty when the
 * peer's subscription is confirmed and asks for a snapshot on the channel itself
 * ({@code #=<rooms>}), which replaces whatever it held: from then on the copy is the hash's
 * {@code member} entries as of the last message received. It is trusted only while the
 * subscription lost nothing since it started ({@link Subscriptions#losses()} unchanged: no
 * connection lost, no channel unsubscribed by the server, refused or moved); after a loss it starts
 * again, once the channel is confirmed again.
 *
 * <p>What it cannot know: a change made through another node reaches it one trip from Redis
 * later than the script ran. A leave made through this node is fenced ({@link #leaving}): the room
 * is not known until the channel says that leave's own mark, so no earlier {@code #+} read late
 * can make it a member again.
 */
final class Memberships {

    /** One peer's copy, tied to its subscription on this node. Guarded by itself. */
    static final class Copy {
        private final Subscriptions subscriber;
        private final String channel;
        // The loss count the copy started at; -1 until it started.
        private long epoch = -1;
        private final Set<String> rooms = new HashSet<>();
        // room -> the state a leave through this node marked it with, until the channel says so.
        private final Map<String, String> fences = new HashMap<>();

        Copy(Subscriptions subscriber, String channel) {
            this.subscriber = subscriber;
            this.channel = channel;
        }

        /** Empties the copy and trusts it from now on, if the channel is subscribed now; answers whether it did. */
        synchronized boolean restart() {
            long losses = subscriber.losses();
            if (!subscriber.isConfirmed(channel)) {
                return false;
            }
            rooms.clear();
            epoch = losses;
            return true;
        }

        /** Whether the subscription lost nothing since the copy started. */
        synchronized boolean intact() {
            return epoch >= 0 && epoch == subscriber.losses();
        }

        synchronized Set<String> rooms() {
            return Set.copyOf(rooms);
        }

        synchronized void fence(String roomId, String state) {
            fences.put(roomId, state);
            rooms.remove(roomId);
        }

        /** A {@code #...} message of the channel, without its {@code #}. */
        synchronized void apply(String change) {
            if (change.isEmpty()) {
                return;
            }
            String rest = change.substring(1);
            switch (change.charAt(0)) {
                case '+' -> {
                    if (!fences.containsKey(rest)) {
                        rooms.add(rest);
                    }
                }
                case '-' -> {
                    int space = rest.indexOf(' ');
                    String roomId = space < 0 ? rest : rest.substring(0, space);
                    rooms.remove(roomId);
                    if (space >= 0) {
                        fences.remove(roomId, rest.substring(space + 1));
                    }
                }
                case '*' -> rooms.clear();
                case '=' -> {
                    rooms.clear();
                    for (String roomId : rest.isEmpty() ? List.<String>of() : List.of(rest.split(" "))) {
                        if (!fences.containsKey(roomId)) {
                            rooms.add(roomId);
                        }
                    }
                }
                default -> { }
            }
        }
    }

    private final Map<String, Copy> copies = new ConcurrentHashMap<>();

    /** A new subscription of the peer on this node: a new copy, not yet started. */
    Copy open(String peerId, Subscriptions subscriber) {
        Copy copy = new Copy(subscriber, Keys.channel(peerId));
        Copy previous = copies.put(peerId, copy);
        if (previous != null) {
            // A leave through this node still on its way is fenced in the new copy too.
            synchronized (previous) {
                copy.fences.putAll(previous.fences);
            }
        }
        return copy;
    }

    /** The peer's subscription {@code copy} belongs to ended. */
    void close(String peerId, Copy copy) {
        copies.remove(peerId, copy);
    }

    void clear() {
        copies.clear();
    }

    /** A leave through this node is about to mark the room {@code state}: the room is not known until the channel says so. */
    void leaving(String peerId, String roomId, String state) {
        Copy copy = copies.get(peerId);
        if (copy != null) {
            copy.fence(roomId, state);
        }
    }
}
