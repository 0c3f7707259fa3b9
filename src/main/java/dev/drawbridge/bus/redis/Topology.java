package dev.drawbridge.bus.redis;

import io.vertx.redis.client.Response;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which primary serves each of the 16,384 slots of a Redis Cluster, as one node answered
 * {@code CLUSTER SLOTS}; endpoints are {@code host:port}. Immutable: a change is a new topology.
 */
final class Topology {
    static final int SLOTS = 16_384;

    private final String[] owners;
    private final Set<String> primaries;
    private final Set<String> nodes;

    private Topology(String[] owners, Set<String> nodes) {
        this.owners = owners;
        Set<String> primaries = new LinkedHashSet<>();
        for (String owner : owners) {
            if (owner != null) {
                primaries.add(owner);
            }
        }
        this.primaries = Set.copyOf(primaries);
        this.nodes = Set.copyOf(nodes);
    }

    /**
     * The topology in a reply of {@code CLUSTER SLOTS}: {@code [from, to, [ip, port, id], replicas...]...},
     * as {@code asked} ({@code host:port}) answered it. A node with no known address of its own (a
     * one-node cluster that never met another: its ip is empty) or one configured to hide it (a
     * null or {@code ?} endpoint) means, per the command's documentation, the host that was asked.
     */
    static Topology parse(Response slots, String asked) {
        String askedHost = asked.substring(0, asked.lastIndexOf(':'));
        String[] owners = new String[SLOTS];
        Set<String> nodes = new LinkedHashSet<>();
        for (Response range : slots) {
            int from = range.get(0).toInteger();
            int to = range.get(1).toInteger();
            String primary = endpoint(range.get(2), askedHost);
            Arrays.fill(owners, from, to + 1, primary);
            for (int i = 2; i < range.size(); i++) {
                nodes.add(endpoint(range.get(i), askedHost));
            }
        }
        return new Topology(owners, nodes);
    }

    private static String endpoint(Response node, String askedHost) {
        String host = node.get(0) == null ? "" : node.get(0).toString();
        if (host.isEmpty() || host.equals("?")) {
            return askedHost + ":" + node.get(1).toInteger();
        }
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + node.get(1).toInteger();
    }

    /** The primary of {@code slot}, or null when no node serves it. */
    String owner(int slot) {
        return owners[slot];
    }

    /** The same topology with {@code slot} served by {@code endpoint} (what a {@code MOVED} said). */
    Topology moved(int slot, String endpoint) {
        String[] changed = owners.clone();
        changed[slot] = endpoint;
        Set<String> known = new LinkedHashSet<>(nodes);
        known.add(endpoint);
        return new Topology(changed, known);
    }

    /** Every node that serves a slot. */
    Set<String> primaries() {
        return primaries;
    }

    /** Every node the reply named, primaries and replicas: where to ask next time. */
    Set<String> nodes() {
        return nodes;
    }

    /** Every slot is served. */
    boolean complete() {
        for (String owner : owners) {
            if (owner == null) {
                return false;
            }
        }
        return true;
    }

    boolean sameOwners(Topology other) {
        return other != null && Arrays.equals(owners, other.owners);
    }
}
