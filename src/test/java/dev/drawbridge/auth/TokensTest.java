package dev.drawbridge.auth;

import dev.drawbridge.bus.Peer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokensTest {
    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-28T12:00:00Z"));
    private final Tokens tokens = new Tokens("a-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8),
            Duration.ofHours(1), Duration.ofMinutes(5), clock);

    @Test
    void aTokenVerifiedBeforeIsStillRefusedOnceItExpires() throws TokenException {
        String token = tokens.issue("ada");
        Peer peer = tokens.verify(token);
        assertThat(tokens.verify(token)).isEqualTo(peer);

        clock.advance(Duration.ofHours(1));

        assertThatThrownBy(() -> tokens.verify(token))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.EXPIRED));
    }

    @Test
    void aTokenThatDiffersFromAVerifiedOneInOneCharacterIsNotTakenForIt() throws TokenException {
        String token = tokens.issue("ada");
        tokens.verify(token);
        // A character inside the signature: all six of its bits count (the last one has padding bits).
        int at = token.length() - 10;
        char swapped = token.charAt(at) == 'A' ? 'B' : 'A';
        String forged = token.substring(0, at) + swapped + token.substring(at + 1);

        assertThatThrownBy(() -> tokens.verify(forged)).isInstanceOf(TokenException.class);
    }

    @Test
    void aRefreshedTokenNamesTheSamePeerAndLivesAnotherHour() throws TokenException {
        String token = tokens.issue("ada");
        clock.advance(Duration.ofMinutes(62));

        String refreshed = tokens.refresh(token);
        clock.advance(Duration.ofMinutes(59));

        assertThat(tokens.verify(refreshed)).isEqualTo(tokens.verify(tokens.refresh(refreshed)));
        assertThat(tokens.verify(refreshed).username()).isEqualTo("ada");
    }

    @Test
    void aSecretShorterThanTheHashIsRefused() {
        assertThatThrownBy(() -> new Tokens(new byte[31], Duration.ofHours(1), Duration.ofMinutes(5), clock))
                .hasMessageContaining("at least 32 bytes");
    }

    /** A clock the test moves forward. */
    private static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
