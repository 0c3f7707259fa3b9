package dev.drawbridge.signal;

import dev.drawbridge.bus.Peer;

import java.util.List;

/** How a join ended. */
public sealed interface JoinResult {
    /** Now a member; {@code others} were told of the joiner, and the joiner of them. */
    record Joined(List<Peer> others) implements JoinResult {}

    /** Already a member: nothing changed, nothing was sent. */
    record AlreadyMember() implements JoinResult {}

    /** The room holds its maximum. */
    record RoomFull(int maxSize) implements JoinResult {}

    /** The peer has no open stream, so it could not be told of the others. */
    record NotConnected() implements JoinResult {}
}
