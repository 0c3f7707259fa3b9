package dev.drawbridge.signal;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** The shapes of the names PROTOCOL.md lets clients choose: room ids, peer ids, event names, usernames. */
public final class Identifiers {
    public static final int MAX_USERNAME_LENGTH = 64;

    /** Events only the server sends; a relay may not impersonate them. */
    public static final Set<String> SERVER_EVENTS = Set.of(
            "connected", "ping", "add-peer", "remove-peer", "resync", "replaced", "reconnect");

    private static final Pattern ROOM_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern EVENT_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    private Identifiers() {}

    public static boolean isRoomId(String value) {
        return value != null && ROOM_ID.matcher(value).matches();
    }

    /** A peer id is the canonical lower-case form of a UUID, as tokens carry it. */
    public static boolean isPeerId(String value) {
        if (value == null || value.length() != 36) {
            return false;
        }
        try {
            return UUID.fromString(value).toString().equals(value);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A name a relayed event may have: lower-case, short, and not one of the server's own. */
    public static boolean isRelayEvent(String value) {
        return value != null && EVENT_NAME.matcher(value).matches() && !SERVER_EVENTS.contains(value);
    }

    /** The username as it will be shown, or empty when it is not acceptable. */
    public static Optional<String> username(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String trimmed = raw.strip();
        int length = trimmed.codePointCount(0, trimmed.length());
        if (length < 1 || length > MAX_USERNAME_LENGTH) {
            return Optional.empty();
        }
        boolean control = trimmed.codePoints().anyMatch(Character::isISOControl);
        return control ? Optional.empty() : Optional.of(trimmed);
    }
}
