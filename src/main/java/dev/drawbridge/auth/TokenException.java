package dev.drawbridge.auth;

/** A token that cannot be accepted, and why. The message is safe to show to the client. */
public final class TokenException extends Exception {
    /** Why a token was refused. */
    public enum Reason {
        MALFORMED, BAD_SIGNATURE, EXPIRED,
        /** Issued ({@code iat}) or valid from ({@code nbf}) later than now plus the clock skew. */
        NOT_YET_VALID,
        /** Lives longer ({@code exp - iat}) than this server issues tokens for, plus the clock skew. */
        TOO_LONG_LIVED
    }

    private final Reason reason;

    TokenException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
