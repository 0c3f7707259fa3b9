package dev.drawbridge.bus.redis;

import java.nio.charset.StandardCharsets;
import java.util.function.IntPredicate;

/**
 * Every key and channel the Redis backend uses (see {@code docs/REDIS.md}). The part in braces is
 * the hash tag: keys of one peer, of one room, of one node, or of the node registry land in one
 * slot, so that each Lua script touches a single slot and the same code runs on Redis Cluster.
 */
final class Keys {
    static final String PREFIX = "db:";

    private Keys() {}

    /** Sharded pub/sub channel of one peer: where {@code deliver} sends its messages. */
    static String channel(String peerId) {
        return PREFIX + "{peer:" + peerId + "}:msg";
    }

    /** The peer id of a channel made by {@link #channel}, or null for anything else. */
    static String peerOfChannel(String channel) {
        String head = PREFIX + "{peer:";
        String tail = "}:msg";
        if (!channel.startsWith(head) || !channel.endsWith(tail) || channel.length() <= head.length() + tail.length()) {
            return null;
        }
        return channel.substring(head.length(), channel.length() - tail.length());
    }

    /**
     * HASH of the peer's history: {@code e} its epoch, {@code n} the number of its last event,
     * {@code b} the bytes {@link #peerHistory} holds, {@code t} the turn of the last attached stream.
     */
    static String peerSequence(String peerId) {
        return PREFIX + "{peer:" + peerId + "}:seq";
    }

    /** LIST of the peer's last events, oldest first: {@code <n> <ms> <event>\n<data>}. */
    static String peerHistory(String peerId) {
        return PREFIX + "{peer:" + peerId + "}:history";
    }

    /**
     * STRING: the owner of the peer's session, {@code <lease id>/<session>}: the node that holds it
     * and which of that node's sessions of the peer. Its presence is "registered".
     */
    static String peerNode(String peerId) {
        return PREFIX + "{peer:" + peerId + "}:node";
    }

    /**
     * HASH room id -> state ({@code member}, or a join or leave at work: see {@link RedisRooms}):
     * every room the peer is in, and possibly some it is entering, leaving or failed to enter.
     * (Called {@code :roomstate}, not {@code :rooms}, which was a SET in earlier versions.)
     */
    static String peerRooms(String peerId) {
        return PREFIX + "{peer:" + peerId + "}:roomstate";
    }

    /** ZSET peer id -> join number: the members, in join order. */
    static String roomMembers(String roomId) {
        return PREFIX + "{room:" + roomId + "}:members";
    }

    /** HASH peer id -> username of the members. */
    static String roomNames(String roomId) {
        return PREFIX + "{room:" + roomId + "}:names";
    }

    /** STRING counter that numbers the joins of a room. */
    static String roomSeq(String roomId) {
        return PREFIX + "{room:" + roomId + "}:seq";
    }

    /** SET of the peer ids registered on a node: what a survivor reaps when that node dies. */
    static String nodePeers(String nodeId) {
        return PREFIX + "{node:" + nodeId + "}:peers";
    }

    /** ZSET node id -> lease deadline (ms on Redis' clock) of every live node. */
    static final String LEASES = PREFIX + "{nodes}:leases";

    /** ZSET node id -> claim deadline of every dead node a survivor is reaping. */
    static final String CLAIMS = PREFIX + "{nodes}:claims";

    /** STRING: Redis' time (ms) when a liveness script last ran; a long silence is a pause, not deaths. */
    static final String CLOCK = PREFIX + "{nodes}:clock";

    /**
     * Sharded channel on which one subscriber connection hears its own probes ({@link Probe}):
     * private to that connection, its hash tag {@code probe:<tag>} chosen so that its slot lives
     * on the connection's server ({@link #probeTag}).
     */
    static String probeChannel(int tag, String connection) {
        return PREFIX + "{probe:" + tag + "}:" + connection;
    }

    /**
     * The smallest tag whose probe channel's slot {@code served} accepts, or -1 when none does. On a
     * primary that serves a third of the slots the search ends after about three CRC16s; the result
     * is kept by the caller until its slot changes owner.
     */
    static int probeTag(IntPredicate served) {
        for (int tag = 0; tag < 1 << 20; tag++) {
            if (served.test(slot("probe:" + tag))) {
                return tag;
            }
        }
        return -1;
    }

    /** The Redis Cluster slot of a key or channel (CRC16/XMODEM of its hash tag, modulo 16384). */
    static int slot(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                key = key.substring(open + 1, close);
            }
        }
        int crc = 0;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return (crc & 0xffff) % 16384;
    }
}
