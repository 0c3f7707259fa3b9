package dev.drawbridge.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's coturn ({@code turnserver}) on a free loopback port, with the TURN REST credentials
 * ({@code use-auth-secret}) that a node hands out: no configuration file, no TLS, relaying between
 * loopback addresses only, its log in a file the test reads. A missing {@code turnserver} is an
 * error, never a skipped test.
 */
public final class Coturn implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(15);
    /** A successful allocation in coturn's verbose log. */
    private static final Pattern ALLOCATED = Pattern.compile("incoming packet ALLOCATE processed, success");

    private final Process process;
    private final int port;
    private final Path log;
    private final Path folder;

    private Coturn(Process process, int port, Path log, Path folder) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.folder = folder;
    }

    /** Starts a turnserver with {@code secret} as its static auth secret; returns once it listens. */
    public static Coturn start(String secret) {
        Path executable = findExecutable();
        try {
            Path folder = Files.createTempDirectory("coturn-test-");
            Path log = folder.resolve("turnserver.log");
            int port = freePort();
            Process process = ChildProcesses.start(new ProcessBuilder(executable.toString(),
                    "-n", // no configuration file
                    "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
                    "--listening-port=" + port,
                    "--use-auth-secret", "--static-auth-secret=" + secret, "--realm=drawbridge.test",
                    "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers", "--fingerprint",
                    "--pidfile=" + folder.resolve("turnserver.pid"),
                    "--userdb=" + folder.resolve("turndb"),
                    "--log-file=stdout", "--simple-log", "--verbose")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())));
            Coturn coturn = new Coturn(process, port, log, folder);
            coturn.awaitListening();
            return coturn;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
    }

    /** The URL a browser is given, e.g. {@code turn:127.0.0.1:34781?transport=udp}. */
    public String url() {
        return "turn:127.0.0.1:" + port + "?transport=udp";
    }

    /** How many allocations coturn made so far, from its log. */
    public int allocations() {
        Matcher matcher = ALLOCATED.matcher(logText());
        int n = 0;
        while (matcher.find()) {
            n++;
        }
        return n;
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            Processes.stop(process);
        } finally {
            TestNode.deleteTree(folder);
        }
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("turnserver exited with " + process.exitValue() + ":\n" + logText());
            }
            if (logText().contains("TCP listener opened on : 127.0.0.1:" + port) && acceptsTcp()) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        close();
        throw new IllegalStateException("turnserver did not listen on port " + port + " within " + STARTUP + ":\n" + logText());
    }

    private boolean acceptsTcp() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port free for both TCP and UDP on loopback (coturn listens on both). */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port;
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = tcp.getLocalPort();
            }
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                return port;
            } catch (IOException taken) {
                // taken for UDP: try another
            }
        }
        throw new IOException("no port free for both TCP and UDP on loopback");
    }

    private static Path findExecutable() {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path + File.pathSeparator) .concat("/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "turnserver");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("The TURN tests need coturn's turnserver, which is not on the PATH (" + path
                + "): install it (as root: apt-get install -y coturn) and run the tests again");
    }
}
