package dev.drawbridge.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** What Linux's /proc tells of a process: resident memory, CPU time, open sockets. */
final class ProcStats {
    /** Clock ticks per second of utime and stime; 100 on every Linux this runs on. */
    static final long CLOCK_TICKS = 100;

    private ProcStats() {}

    /** Resident set size in KiB (VmRSS), or -1 when it cannot be read. */
    static long rssKb(long pid) {
        return statusField(pid, "VmRSS:");
    }

    /** Threads of the process, or -1. */
    static long threads(long pid) {
        return statusField(pid, "Threads:");
    }

    static long statusField(long pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).strip().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** User plus system CPU time in microseconds, or -1 when it cannot be read. */
    static long cpuMicros(long pid) {
        try {
            return cpuMicrosOf(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** System (kernel) CPU time in microseconds, or -1. */
    static long systemCpuMicros(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).strip().split("\\s+");
            return Long.parseLong(rest[12]) * 1_000_000L / CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Parses /proc/PID/stat: utime and stime are fields 14 and 15, counted from 1, after the comm field. */
    static long cpuMicrosOf(String stat) {
        // comm may hold spaces and parentheses: the fields that follow start after its last ')'.
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).strip().split("\\s+");
        long utime = Long.parseLong(rest[11]);
        long stime = Long.parseLong(rest[12]);
        return (utime + stime) * 1_000_000L / CLOCK_TICKS;
    }

    /**
     * Context switches of all the process' threads so far, voluntary (a thread went to sleep: each
     * is one wake-up later) and not (it was preempted), summed over /proc/PID/task/*&#47;status;
     * {-1, -1} when unreadable.
     */
    static long[] contextSwitches(long pid) {
        long voluntary = 0;
        long involuntary = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            voluntary += Long.parseLong(line.substring(24).strip());
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            involuntary += Long.parseLong(line.substring(27).strip());
                        }
                    }
                } catch (IOException e) {
                    // The thread ended while listing.
                }
            }
            return new long[] {voluntary, involuntary};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    /** Open file descriptors of the process, or -1. */
    static long openFiles(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Established TCP connections that the process opened to {@code remotePort} on any address,
     * found by matching its socket inodes against /proc/net/tcp and tcp6; -1 when unreadable.
     * Connections whose local port is one of {@code listeningPorts} were accepted, not opened: a
     * client's ephemeral port may equal the remote port by chance, and is not counted.
     */
    static long connectionsTo(long pid, int remotePort, Set<Integer> listeningPorts) {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // The descriptor closed while listing.
                }
            });
            long count = 0;
            for (String table : List.of("tcp", "tcp6")) {
                Path path = Path.of("/proc", Long.toString(pid), "net", table);
                if (Files.exists(path)) {
                    count += countIn(Files.readAllLines(path), remotePort, inodes, listeningPorts);
                }
            }
            return count;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long countIn(List<String> table, int remotePort, Set<String> inodes, Set<Integer> listeningPorts) {
        long count = 0;
        for (String row : table.subList(Math.min(1, table.size()), table.size())) {
            String[] f = row.strip().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            int localPort = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
            int port = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
            boolean established = f[3].equals("01");
            if (port == remotePort && established && !listeningPorts.contains(localPort) && inodes.contains(f[9])) {
                count++;
            }
        }
        return count;
    }
}
