package dev.drawbridge.bus;

/** The shared transport (Redis) cannot be reached: the operation did not happen. */
public final class BusUnavailableException extends RuntimeException {
    public BusUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    public BusUnavailableException(String message) {
        this(message, null);
    }
}
