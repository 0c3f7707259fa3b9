package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * Reads a node's memory, CPU time, threads and Redis connections, when its process id is known, and
 * Redis' CPU time when its process ids are known (one per primary of a cluster): summed, and each.
 */
final class ServerProbe {
    private final long pid;
    private final List<Long> redisPids;
    private final int redisPort;
    private final Set<Integer> nodePorts;

    ServerProbe(long pid, List<Long> redisPids, int redisPort, Set<Integer> nodePorts) {
        this.pid = pid;
        this.redisPids = redisPids;
        this.redisPort = redisPort;
        this.nodePorts = nodePorts;
    }

    JsonObject sample() {
        JsonObject s = new JsonObject();
        if (!redisPids.isEmpty()) {
            JsonArray each = new JsonArray();
            long cpu = 0;
            long switches = 0;
            for (long redisPid : redisPids) {
                long micros = ProcStats.cpuMicros(redisPid);
                each.add(micros);
                cpu += micros;
                switches += ProcStats.contextSwitches(redisPid)[0];
            }
            s.put("redisCpuMicros", cpu).put("redisCpuMicrosEach", each).put("redisVoluntarySwitches", switches);
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
