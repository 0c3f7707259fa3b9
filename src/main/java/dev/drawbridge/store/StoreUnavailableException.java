package dev.drawbridge.store;

/** The store could not do an operation (disk, database); it may or may not have happened. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
