package dev.drawbridge.testing;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code redis-server} for tests, on a free loopback port, without persistence. It can be
 * stopped, killed and restarted on the same port (outage tests), and answers commands through a
 * tiny blocking client ({@link #call}) for assertions on Redis' state.
 *
 * <p>There is no fallback: without {@code redis-server} on the PATH, {@link #start()} fails
 * with a message that says how to install it.
 */
public final class RedisServer implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(15);

    private final Path executable;
    private final int port;
    private final Path log;
    private final List<String> options;
    private final String password;
    private int tlsPort;
    private Path caFile;
    private Process process;
    private volatile boolean paused;

    private RedisServer(Path executable, int port, Path log, List<String> options, String password) {
        this.executable = executable;
        this.port = port;
        this.log = log;
        this.options = List.copyOf(options);
        this.password = password;
    }

    /** Starts a fresh server on a free loopback port and returns once it answers PING. */
    public static RedisServer start() {
        return start(List.of());
    }

    /**
     * A fresh server with more {@code redis-server} options (cluster mode, a password...), on a
     * free loopback port, once it answers PING (or, with a password, NOAUTH).
     */
    static RedisServer start(List<String> options) {
        return start(options, null);
    }

    /**
     * A fresh server that asks for {@code password} ({@code requirepass}; null: none). {@link #call}
     * and {@link #rawReply} authenticate first; {@link #url()} stays without the password.
     */
    public static RedisServer withPassword(String password) {
        return start(List.of("--requirepass", password), password);
    }

    /**
     * A fresh server that also listens with TLS on another free port ({@link #tlsUrl()}), its
     * certificate (for 127.0.0.1) signed by a throwaway authority made with {@code openssl} in
     * {@code dir} ({@code ca.crt}, which {@link #caFile()} names). The plain port stays open for
     * {@link #call}.
     */
    public static RedisServer withTls(Path dir) {
        certificates(dir);
        return startTls(List.of(), dir);
    }

    /**
     * A fresh server with {@code options} that also listens with TLS on a free port, with the
     * certificate {@link #certificates} made in {@code dir}.
     */
    static RedisServer startTls(List<String> options, Path dir) {
        int tlsPort = freePort();
        List<String> all = new ArrayList<>(options);
        all.addAll(List.of("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", dir.resolve("server.crt").toString(),
                "--tls-key-file", dir.resolve("server.key").toString(),
                "--tls-ca-cert-file", dir.resolve("ca.crt").toString(),
                "--tls-auth-clients", "no"));
        RedisServer server = start(all, null);
        server.tlsPort = tlsPort;
        server.caFile = dir.resolve("ca.crt");
        return server;
    }

    /**
     * A throwaway authority ({@code ca.crt}) and a certificate for 127.0.0.1 signed by it
     * ({@code server.crt}, {@code server.key}), made with {@code openssl} in {@code dir}.
     */
    static void certificates(Path dir) {
        try {
            openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                    "-days", "1", "-subj", "/CN=drawbridge-test-ca");
            openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                    "-subj", "/CN=127.0.0.1");
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
            openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "server.crt", "-days", "1", "-extfile", "san.ext");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code rediss://127.0.0.1:<tls port>} of a server started {@link #withTls}. */
    public String tlsUrl() {
        return "rediss://127.0.0.1:" + tlsPort;
    }

    /** The PEM file of the authority that signed the certificate of a server started {@link #withTls}. */
    public Path caFile() {
        return caFile;
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static RedisServer start(List<String> options, String password) {
        Path executable = findExecutable("redis-server");
        try {
            Path log = Files.createTempFile("redis-test-", ".log");
            log.toFile().deleteOnExit();
            RedisServer server = new RedisServer(executable, freePort(), log, options, password);
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Alive and not {@link #pause}d: answers commands. */
    public boolean isRunning() {
        return process != null && process.isAlive() && !paused;
    }

    /** The process id of the running server. */
    public long pid() {
        return process.pid();
    }

    /**
     * {@code kill -STOP}: the server stalls with every connection open, as a frozen VM or a
     * process stuck in the kernel would; {@link #isRunning} is false until {@link #resume}.
     */
    public void pause() {
        signal("STOP");
        paused = true;
    }

    /** Whether it is stopped by {@link #pause} and not yet resumed. */
    public boolean isPaused() {
        return paused;
    }

    /** {@code kill -CONT} after {@link #pause}: the server goes on where it stopped. */
    public void resume() {
        signal("CONT");
        paused = false;
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid() + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server as an operator would (SIGTERM; data is not kept) and waits for it to exit. */
    public void stop() {
        if (process != null) {
            process.destroy();
            awaitExit();
        }
    }

    /** Kills the server at once (SIGKILL), as a crash would. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            awaitExit();
        }
    }

    /** Starts the server again on the same port, empty, after {@link #stop()} or {@link #kill()}. */
    public void restart() {
        if (isRunning()) {
            throw new IllegalStateException("redis-server is still running on port " + port);
        }
        launch();
    }

    /** Removes every key (between tests). */
    public void flushAll() {
        call("FLUSHALL");
    }

    /** Runs one command on a fresh connection and returns the reply: String, Long, List, or null. */
    public Object call(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
            authenticate(out, in);
            out.write(request(args));
            out.flush();
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("redis " + String.join(" ", args) + " on port " + port, e);
        }
    }

    /**
     * Runs one command and returns its reply as the bytes Redis sent (RESP, bulk strings verbatim):
     * for looking for bytes in binary values, which {@link #call} would decode as UTF-8.
     */
    public byte[] rawReply(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
            socket.setSoTimeout(5_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            authenticate(socket.getOutputStream(), in);
            socket.getOutputStream().write(request(args));
            socket.getOutputStream().flush();
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            read(new java.io.FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        seen.write(b);
                    }
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int n = super.read(buffer, offset, length);
                    if (n > 0) {
                        seen.write(buffer, offset, n);
                    }
                    return n;
                }
            });
            return seen.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("redis " + String.join(" ", args) + " on port " + port, e);
        }
    }

    private void authenticate(OutputStream out, InputStream in) throws IOException {
        if (password != null) {
            out.write(request("AUTH", password));
            out.flush();
            read(in);
        }
    }

    private static byte[] request(String... args) {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        return request.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The names of the connected clients ({@code CLIENT LIST}), one entry per connection. */
    public List<String> clientNames() {
        List<String> names = new ArrayList<>();
        for (String line : ((String) call("CLIENT", "LIST")).split("\n")) {
            for (String field : line.trim().split(" ")) {
                if (field.startsWith("name=")) {
                    names.add(field.substring("name=".length()));
                }
            }
        }
        return names;
    }

    @Override
    public void close() {
        kill();
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(executable.toString(),
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                // DEBUG SLEEP lets tests stall Redis, as a slow fork or a paused VM would.
                "--enable-debug-command", "local"));
        command.addAll(options);
        try {
            process = ChildProcesses.start(new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue()
                        + " on port " + port + ":\n" + logText());
            }
            if (answersPing()) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within " + STARTUP
                + ":\n" + logText());
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            socket.setSoTimeout(1_000);
            String auth = password == null ? "" : new String(request("AUTH", password), StandardCharsets.UTF_8);
            String expected = (password == null ? "" : "+OK\r\n") + "+PONG\r\n";
            socket.getOutputStream().write((auth + "PING\r\n").getBytes(StandardCharsets.UTF_8));
            byte[] reply = new byte[expected.length()];
            int n = socket.getInputStream().readNBytes(reply, 0, reply.length);
            return n == reply.length && new String(reply, StandardCharsets.US_ASCII).equals(expected);
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type " + type);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                in.read(); // '\n'
                break;
            }
            line.append((char) c);
        }
        return line.toString();
    }

    /** A loopback port free now (for a server started right after). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path findExecutable(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException(name + " (Redis 7 or newer) is not on the PATH (" + path + "). "
                + "The Redis tests need a real server: install it (Debian/Ubuntu: apt-get install redis-server) "
                + "and run the tests again.");
    }
}
