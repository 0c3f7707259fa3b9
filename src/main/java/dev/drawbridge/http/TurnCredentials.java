package dev.drawbridge.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Short-lived TURN credentials for one peer, by the TURN REST convention that coturn's
 * {@code use-auth-secret} checks: username {@code <expiry, unix seconds>:<peerId>}, credential
 * {@code base64(HMAC-SHA1(secret, username))}. coturn checks them when an allocation is made (an
 * allocation made in time lives on), so the lifetime only has to cover the time from
 * {@code /config} to the peer connections made with it; the app fetches fresh ones at half of it.
 * The secret never leaves this class. Thread-safe.
 */
final class TurnCredentials {
    private final List<String> urls;
    private final SecretKeySpec key;
    private final Duration lifetime;
    private final Clock clock;

    TurnCredentials(List<String> urls, String secret, Duration lifetime, Clock clock) {
        this.urls = List.copyOf(urls);
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1");
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** An {@code RTCIceServer} for {@code peerId}: the URLs, a username and a credential valid for the lifetime. */
    JsonObject forPeer(String peerId) {
        long expiry = clock.instant().plus(lifetime).getEpochSecond();
        String username = expiry + ":" + peerId;
        return new JsonObject()
                .put("urls", new JsonArray(urls))
                .put("username", username)
                .put("credential", credential(username));
    }

    long lifetimeSeconds() {
        return lifetime.toSeconds();
    }

    String credential(String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(key);
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 is unavailable", e);
        }
    }
}
