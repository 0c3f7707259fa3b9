package dev.drawbridge.signal;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class IdentifiersTest {

    @Test
    void roomIdsAreOneToSixtyFourLettersDigitsDashesOrUnderscores() {
        assertThat(Identifiers.isRoomId("a")).isTrue();
        assertThat(Identifiers.isRoomId("Room_1-x")).isTrue();
        assertThat(Identifiers.isRoomId("r".repeat(64))).isTrue();
        assertThat(Identifiers.isRoomId("r".repeat(65))).isFalse();
        assertThat(Identifiers.isRoomId("")).isFalse();
        assertThat(Identifiers.isRoomId("a b")).isFalse();
        assertThat(Identifiers.isRoomId("é")).isFalse();
    }

    @Test
    void peerIdsAreCanonicalUuids() {
        String id = UUID.randomUUID().toString();
        assertThat(Identifiers.isPeerId(id)).isTrue();
        assertThat(Identifiers.isPeerId(id.toUpperCase())).isFalse();
        assertThat(Identifiers.isPeerId("1-1-1-1-1")).isFalse();
    }

    @Test
    void relayEventsAreShortLowerCaseNamesThatTheServerDoesNotUse() {
        assertThat(Identifiers.isRelayEvent("ice-candidate")).isTrue();
        assertThat(Identifiers.isRelayEvent("0")).isTrue();
        assertThat(Identifiers.isRelayEvent("-x")).isFalse();
        assertThat(Identifiers.isRelayEvent("x".repeat(33))).isFalse();
        Identifiers.SERVER_EVENTS.forEach(name -> assertThat(Identifiers.isRelayEvent(name)).isFalse());
    }

    @Test
    void usernamesAreTrimmedAndCountedInCharactersNotBytes() {
        assertThat(Identifiers.username("  ada ")).hasValue("ada");
        assertThat(Identifiers.username("😀".repeat(64))).isPresent();
        assertThat(Identifiers.username("😀".repeat(65))).isEmpty();
        assertThat(Identifiers.username("a\u0000b")).isEmpty();
        assertThat(Identifiers.username("\t")).isEmpty();
    }
}
