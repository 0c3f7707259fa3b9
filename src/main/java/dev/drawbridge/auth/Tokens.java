package dev.drawbridge.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.drawbridge.bus.Peer;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues and verifies the access tokens of PROTOCOL.md: JWTs signed HS256 with the cluster's shared
 * secret, carrying the peer's {@code id} and {@code username}, {@code iat} and {@code exp}.
 * A token is accepted only if it could have been issued by this cluster's configuration: issued
 * ({@code iat}, and {@code nbf} when present) no later than now plus the clock skew, and living
 * ({@code exp - iat}) no longer than the configured lifetime plus the skew, so a token signed with
 * the right secret but a far {@code exp} (a leaked secret, a misconfigured node) is still refused.
 * Thread-safe.
 */
public final class Tokens {
    /** HS256 needs a key at least as long as its hash. */
    public static final int MIN_SECRET_BYTES = 32;
    /** How far apart the clocks of the nodes of a cluster may be by default. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

    private static final JWSHeader HEADER = new JWSHeader(JWSAlgorithm.HS256);
    /** Tokens verified before, kept so that the next request with one costs a look-up. */
    private static final int REMEMBERED = 32_768;

    private final JWSSigner signer;
    private final JWSVerifier verifier;
    private final Duration lifetime;
    private final Duration refreshGrace;
    private final Duration clockSkew;
    private final Clock clock;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    /** A token whose signature and claims were checked: only its expiry is left to check again. */
    private record Verified(Peer peer, Instant expiry) {}

    public Tokens(byte[] secret, Duration lifetime, Duration refreshGrace, Clock clock) {
        this(secret, lifetime, refreshGrace, DEFAULT_CLOCK_SKEW, clock);
    }

    /**
     * @param clockSkew how much later than this node's clock another node's may run: a token issued
     *                  up to this far in the future, or living this much longer than
     *                  {@code lifetime}, is still accepted
     */
    public Tokens(byte[] secret, Duration lifetime, Duration refreshGrace, Duration clockSkew, Clock clock) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "the token secret must be at least " + MIN_SECRET_BYTES + " bytes long");
        }
        try {
            this.signer = new MACSigner(secret);
            this.verifier = new MACVerifier(secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable token secret: " + e.getMessage(), e);
        }
        this.lifetime = lifetime;
        this.refreshGrace = refreshGrace;
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    /** A token for a new peer: a fresh random id and the given name. */
    public String issue(String username) {
        return issue(new Peer(UUID.randomUUID().toString(), username));
    }

    /**
     * The peer that a valid, unexpired token names. A browser sends the same token with every request
     * for as long as it lives, so a token verified once is remembered (by its exact text: nothing
     * else can match it) and later costs only a look-up and the expiry check.
     */
    public Peer verify(String token) throws TokenException {
        Verified known = verified.get(token);
        if (known != null && clock.instant().isBefore(known.expiry())) {
            return known.peer();
        }
        Verified checked = verify(token, Duration.ZERO);
        if (verified.size() >= REMEMBERED) {
            // Crude but bounded: start afresh rather than track recency on every hit.
            verified.clear();
        }
        verified.put(token, checked);
        return checked.peer();
    }

    /**
     * A new token for the same peer, from one that is valid or expired less than the refresh grace ago.
     */
    public String refresh(String token) throws TokenException {
        return issue(verify(token, refreshGrace).peer());
    }

    private String issue(Peer peer) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .claim("id", peer.id())
                .claim("username", peer.username())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .build();
        SignedJWT jwt = new SignedJWT(HEADER, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return jwt.serialize();
    }

    private Verified verify(String token, Duration leeway) throws TokenException {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token is not a well-formed JWT");
        }
        // Accept only the algorithm we sign with: never let the token choose how it is checked.
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            throw new TokenException(TokenException.Reason.BAD_SIGNATURE, "the token is not signed with HS256");
        }
        try {
            if (!jwt.verify(verifier)) {
                throw new TokenException(TokenException.Reason.BAD_SIGNATURE, "the token's signature is not valid");
            }
        } catch (JOSEException e) {
            throw new TokenException(TokenException.Reason.BAD_SIGNATURE, "the token's signature is not valid");
        }
        Date expiry = claims.getExpirationTime();
        if (expiry == null) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token has no expiry");
        }
        Instant now = clock.instant();
        if (!now.isBefore(expiry.toInstant().plus(leeway))) {
            throw new TokenException(TokenException.Reason.EXPIRED, "the token has expired");
        }
        Date issued = claims.getIssueTime();
        if (issued == null) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token has no issue time (iat)");
        }
        Instant latest = now.plus(clockSkew);
        Date notBefore = claims.getNotBeforeTime();
        if (issued.toInstant().isAfter(latest) || (notBefore != null && notBefore.toInstant().isAfter(latest))) {
            throw new TokenException(TokenException.Reason.NOT_YET_VALID, "the token is issued in the future");
        }
        if (Duration.between(issued.toInstant(), expiry.toInstant()).compareTo(lifetime.plus(clockSkew)) > 0) {
            throw new TokenException(TokenException.Reason.TOO_LONG_LIVED,
                    "the token lives longer than this service issues tokens for");
        }
        Object id = claims.getClaim("id");
        Object username = claims.getClaim("username");
        if (!(id instanceof String peerId) || !isUuid(peerId) || !(username instanceof String name)) {
            throw new TokenException(TokenException.Reason.MALFORMED, "the token does not name a peer");
        }
        return new Verified(new Peer(peerId, name), expiry.toInstant());
    }

    private static boolean isUuid(String value) {
        if (value.length() != 36) {
            return false;
        }
        try {
            return UUID.fromString(value).toString().equals(value);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
