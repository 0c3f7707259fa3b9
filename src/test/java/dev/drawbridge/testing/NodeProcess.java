package dev.drawbridge.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node as users run it: {@code java -jar target/drawbridge.jar} in a process of its own, so that a
 * test can kill it with SIGKILL. Its output goes to {@code target/nodes/<name>.log}.
 */
public final class NodeProcess implements AutoCloseable {
    private static final Path JAR = Path.of("target", "drawbridge.jar");
    private static final Pattern LISTENING = Pattern.compile("Open http://[^:]+:(\\d+)/");

    private final String name;
    private final Process process;
    private final int port;
    private final Path ownDataDir;
    private final List<String> output;

    private NodeProcess(String name, Process process, int port, Path ownDataDir, List<String> output) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.ownDataDir = ownDataDir;
        this.output = output;
    }

    /**
     * Starts a node on a free loopback port; {@code flags} are its settings (without {@code --data-dir}
     * a fresh temporary folder). Waits until it listens.
     */
    public static NodeProcess start(String name, String... flags) {
        return start(name, List.of(), flags);
    }

    /** As {@link #start(String, String...)}, with JVM options such as {@code -DDRAWBRIDGE_LOG_LEVEL=DEBUG}. */
    public static NodeProcess start(String name, List<String> jvmOptions, String... flags) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: these tests run after `mvn package`");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx256m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString(),
                "--host", "127.0.0.1", "--port", "0", "--token-secret", TestNode.SECRET, "--node-id", name,
                "--metrics-token", TestNode.METRICS_TOKEN));
        Path ownDataDir = List.of(flags).contains("--data-dir") ? null : TestNode.freshDataDir();
        if (ownDataDir != null) {
            command.addAll(List.of("--data-dir", ownDataDir.toString()));
        }
        command.addAll(List.of(flags));
        try {
            Path log = Files.createDirectories(Path.of("target", "nodes")).resolve(name + ".log");
            Process process = ChildProcesses.start(new ProcessBuilder(command).redirectErrorStream(true));
            CompletableFuture<Integer> port = new CompletableFuture<>();
            List<String> output = new CopyOnWriteArrayList<>();
            Thread pump = new Thread(() -> pump(process, log, port, output), "node-" + name + "-output");
            pump.setDaemon(true);
            pump.start();
            int listening = port.get(30, TimeUnit.SECONDS);
            return new NodeProcess(name, process, listening, ownDataDir, output);
        } catch (Exception e) {
            throw new IllegalStateException("node " + name + " did not start (see target/nodes/" + name + ".log)", e);
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Where the node's output (its log) goes. */
    public Path log() {
        return Path.of("target", "nodes", name + ".log");
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: the node gets no chance to clean up, as in a crash. */
    public void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    /** SIGTERM: the node stops as an operator would stop it. */
    public void stop() {
        process.destroy();
        waitForExit();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends the signal ({@code "TERM"}, {@code "INT"}, ...) and returns at once. */
    public void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -s " + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the process to exit by itself and answers its status; fails if it is still running after {@code within}. */
    public int awaitExit(Duration within) {
        try {
            if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("node " + name + " still runs " + within.toMillis() + " ms later");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The lines the node has printed so far. */
    public List<String> output() {
        return List.copyOf(output);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
        if (ownDataDir != null) {
            TestNode.deleteTree(ownDataDir);
        }
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pump(Process process, Path log, CompletableFuture<Integer> port, List<String> output) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter file = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            String line;
            while ((line = out.readLine()) != null) {
                file.println(line);
                output.add(line);
                Matcher matcher = LISTENING.matcher(line);
                if (!port.isDone() && matcher.find()) {
                    port.complete(Integer.parseInt(matcher.group(1)));
                }
            }
            port.completeExceptionally(new IllegalStateException("the node exited with " + process.waitFor()));
        } catch (IOException | InterruptedException e) {
            port.completeExceptionally(e);
        }
    }
}
