package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Reads a node's memory, CPU time, threads and Redis connections, when its process id is known, and
 * Redis' CPU time when that process id is.
 */
final class ServerProbe {
    private final long pid;
    private final long redisPid;
    private final int redisPort;
    private final Set<Integer> nodePorts;

    ServerProbe(long pid, long redisPid, int redisPort, Set<Integer> nodePorts) {
        this.pid = pid;
        this.redisPid = redisPid;
        this.redisPort = redisPort;
        this.nodePorts = nodePorts;
    }

    JsonObject sample() {
        JsonObject s = new JsonObject();
        if (redisPid > 0) {
            s.put("redisCpuMicros", ProcStats.cpuMicros(redisPid));
            s.put("redisVoluntarySwitches", ProcStats.contextSwitches(redisPid)[0]);
        }
        if (pid <= 0) {
            return s;
        }
        s.put("pid", pid)
                .put("rssKb", ProcStats.rssKb(pid))
                .put("cpuMicros", ProcStats.cpuMicros(pid))
                .put("systemCpuMicros", ProcStats.systemCpuMicros(pid))
                .put("threads", ProcStats.threads(pid))
                .put("voluntarySwitches", ProcStats.contextSwitches(pid)[0])
                .put("involuntarySwitches", ProcStats.contextSwitches(pid)[1])
                .put("openFiles", ProcStats.openFiles(pid));
        if (redisPort > 0) {
            s.put("redisConnections", ProcStats.connectionsTo(pid, redisPort, nodePorts));
        }
        return s;
    }
}
