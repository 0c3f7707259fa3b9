package dev.drawbridge.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real nginx in front of test nodes, configured with the project's own
 * {@code deploy/nginx/drawbridge.conf}: only its upstream servers and listening port are rewritten.
 */
public final class Nginx implements AutoCloseable {
    private static final Path CONFIG = Path.of("deploy", "nginx", "drawbridge.conf");

    private final Process process;
    private final int port;

    private Nginx(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static Nginx start(List<Integer> nodePorts) {
        String binary = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
        try {
            Path dir = Files.createDirectories(Path.of("target", "nginx")).toAbsolutePath();
            int port = freePort();
            String upstreams = nodePorts.stream()
                    .map(p -> "    server 127.0.0.1:" + p + " max_fails=1 fail_timeout=5s;")
                    .collect(Collectors.joining("\n"));
            String site = Files.readString(CONFIG)
                    .replaceAll("(?m)^\\s*server 127\\.0\\.0\\.1:\\d+[^\\n]*\\n", "")
                    .replace("upstream drawbridge {", "upstream drawbridge {\n" + upstreams)
                    .replace("listen 8080;", "listen 127.0.0.1:" + port + ";");
            Files.writeString(dir.resolve("drawbridge.conf"), site);
            Files.writeString(dir.resolve("nginx.conf"), """
                    daemon off;
                    worker_processes 1;
                    pid %1$s/nginx.pid;
                    error_log %1$s/error.log warn;
                    events { worker_connections 4096; }
                    http {
                        access_log off;
                        client_body_temp_path %1$s/body;
                        proxy_temp_path %1$s/proxy;
                        fastcgi_temp_path %1$s/fastcgi;
                        uwsgi_temp_path %1$s/uwsgi;
                        scgi_temp_path %1$s/scgi;
                        include %1$s/drawbridge.conf;
                    }
                    """.formatted(dir));
            Process process = ChildProcesses.start(new ProcessBuilder(binary, "-p", dir.toString(),
                    "-c", dir.resolve("nginx.conf").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()));
            awaitListening(process, port);
            return new Nginx(process, port);
        } catch (IOException e) {
            throw new IllegalStateException("nginx could not start (is it installed? scripts/test installs it)", e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        Processes.stop(process);
    }

    private static void awaitListening(Process process, int port) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + "; see target/nginx/");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }
        throw new IllegalStateException("nginx did not listen on " + port + " within 10 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
