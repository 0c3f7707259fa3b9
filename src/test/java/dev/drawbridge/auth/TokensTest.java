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
    private static final byte[] SECRET = "a-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
    private final Tokens tokens = new Tokens(SECRET, Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(60), clock);

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

    @Test
    void aTokenIssuedInTheFutureWithinTheClockSkewIsAccepted() throws Exception {
        Instant now = clock.instant();
        String token = signed(now.plusSeconds(59), now.plusSeconds(59).plus(Duration.ofHours(1)), null);

        assertThat(tokens.verify(token).username()).isEqualTo("ada");
    }

    @Test
    void aTokenIssuedInTheFutureBeyondTheClockSkewIsRefusedAsNotYetValid() throws Exception {
        Instant now = clock.instant();
        String token = signed(now.plusSeconds(61), now.plusSeconds(61).plus(Duration.ofHours(1)), null);

        assertRefused(token, TokenException.Reason.NOT_YET_VALID);
    }

    @Test
    void aTokenValidOnlyFromLaterThanTheClockSkewIsRefusedAsNotYetValid() throws Exception {
        Instant now = clock.instant();
        String token = signed(now, now.plus(Duration.ofHours(1)), now.plusSeconds(120));

        assertRefused(token, TokenException.Reason.NOT_YET_VALID);
    }

    @Test
    void aTokenLivingLongerThanTheConfiguredLifetimeIsRefusedAlthoughSignedWithTheRightSecret() throws Exception {
        Instant now = clock.instant();
        String centuryLong = signed(now, now.plus(Duration.ofDays(36_500)), null);
        String justOverSkew = signed(now, now.plus(Duration.ofHours(1)).plusSeconds(61), null);

        assertRefused(centuryLong, TokenException.Reason.TOO_LONG_LIVED);
        assertRefused(justOverSkew, TokenException.Reason.TOO_LONG_LIVED);
        assertThat(tokens.verify(signed(now, now.plus(Duration.ofHours(1)).plusSeconds(59), null))).isNotNull();
    }

    @Test
    void aTokenWithoutAnIssueTimeIsRefusedAsMalformed() throws Exception {
        Instant now = clock.instant();

        assertRefused(signed(null, now.plus(Duration.ofMinutes(5)), null), TokenException.Reason.MALFORMED);
    }

    @Test
    void aTokenTooLongLivedCannotBeRefreshedIntoAGoodOne() throws Exception {
        Instant now = clock.instant();
        String centuryLong = signed(now, now.plus(Duration.ofDays(36_500)), null);

        assertThatThrownBy(() -> tokens.refresh(centuryLong))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.TOO_LONG_LIVED));
    }

    private void assertRefused(String token, TokenException.Reason reason) {
        assertThatThrownBy(() -> tokens.verify(token))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    /** A token signed with the right secret, with the given times (null: the claim is left out). */
    private static String signed(Instant issued, Instant expiry, Instant notBefore) throws Exception {
        com.nimbusds.jwt.JWTClaimsSet.Builder claims = new com.nimbusds.jwt.JWTClaimsSet.Builder()
                .claim("id", java.util.UUID.randomUUID().toString())
                .claim("username", "ada")
                .expirationTime(java.util.Date.from(expiry));
        if (issued != null) {
            claims.issueTime(java.util.Date.from(issued));
        }
        if (notBefore != null) {
            claims.notBeforeTime(java.util.Date.from(notBefore));
        }
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256), claims.build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(SECRET));
        return jwt.serialize();
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
