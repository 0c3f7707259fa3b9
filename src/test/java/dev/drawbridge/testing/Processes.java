package dev.drawbridge.testing;

import java.util.concurrent.TimeUnit;

/** Stopping the servers the tests start as processes of their own. */
final class Processes {
    private Processes() {}

    /** SIGTERM, then SIGKILL if it has not exited within 10 s; returns once it is gone (or 10 s more). */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
