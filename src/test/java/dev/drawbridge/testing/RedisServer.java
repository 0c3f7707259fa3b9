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
    private Process process;

    private RedisServer(Path executable, int port, Path log) {
        this.executable = executable;
        this.port = port;
        this.log = log;
    }

    /** Starts a fresh server on a free loopback port and returns once it answers PING. */
    public static RedisServer start() {
        Path executable = findExecutable("redis-server");
        try {
            Path log = Files.createTempFile("redis-test-", ".log");
            log.toFile().deleteOnExit();
            RedisServer server = new RedisServer(executable, freePort(), log);
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

    public boolean isRunning() {
        return process != null && process.isAlive();
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
            out.write(request(args));
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
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
            socket.getOutputStream().write(request(args));
            socket.getOutputStream().flush();
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
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
        try {
            process = new ProcessBuilder(executable.toString(),
                    "--port", Integer.toString(port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    // DEBUG SLEEP lets tests stall Redis, as a slow fork or a paused VM would.
                    "--enable-debug-command", "local")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
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
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = new byte[7];
            int n = socket.getInputStream().readNBytes(reply, 0, 7);
            return n == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
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
