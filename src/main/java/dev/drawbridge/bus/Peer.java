package dev.drawbridge.bus;

import java.util.Objects;

/**
 * A browser as the other peers know it: the id from its token and the name it chose.
 * This is the {@code peer} object of the {@code add-peer}, {@code remove-peer} and relayed events.
 */
public record Peer(String id, String username) {
    public Peer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(username, "username");
    }
}
