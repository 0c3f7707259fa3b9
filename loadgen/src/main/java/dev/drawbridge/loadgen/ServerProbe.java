package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonObject;

/** Reads a node's memory, CPU time, threads and Redis connections, when its process id is known. */
final class ServerProbe {
    private final long pid;
    private final int redisPort;

    ServerProbe(long pid, int redisPort) {
        this.pid = pid;
        this.redisPort = redisPort;
    }

    JsonObject sample() {
        JsonObject s = new JsonObject();
        if (pid <= 0) {
            return s;
        }
        s.put("pid", pid)
                .put("rssKb", ProcStats.rssKb(pid))
                .put("cpuMicros", ProcStats.cpuMicros(pid))
                .put("systemCpuMicros", ProcStats.systemCpuMicros(pid))
                .put("threads", ProcStats.threads(pid))
                .put("openFiles", ProcStats.openFiles(pid));
        if (redisPort > 0) {
            s.put("redisConnections", ProcStats.connectionsTo(pid, redisPort));
        }
        return s;
    }
}
