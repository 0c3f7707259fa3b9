package dev.drawbridge.testing;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts the servers that tests run as processes (redis-server, nginx, coturn, a node) so that none
 * outlives the test JVM: a process started here is killed when the JVM exits, even when a test
 * class failed before it could stop it (the JVM would otherwise leave it running, and the next run
 * would find it still holding its port and memory).
 */
public final class ChildProcesses {
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "kill-test-servers"));
    }

    private ChildProcesses() {
    }

    /** Starts the process; it is killed at JVM exit unless it ended before. */
    public static Process start(ProcessBuilder builder) throws IOException {
        Process process = builder.start();
        RUNNING.add(process);
        process.onExit().thenRun(() -> RUNNING.remove(process));
        return process;
    }
}
