package dev.drawbridge.bus.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A Lua script from {@code src/main/resources/redis/}, run by its SHA-1 ({@code EVALSHA}) and sent
 * in full only when Redis does not know it (first use, or after Redis restarted and lost its cache).
 * Every script touches the keys of one hash-tag slot only.
 */
record Script(String name, String source, String sha) {

    static final Script JOIN = load("join");
    static final Script LEAVE = load("leave");
    static final Script HEARTBEAT = load("heartbeat", "liveness-clock");
    static final Script CLAIM = load("claim", "liveness-clock");
    static final Script REAP_PEER = load("reap-peer", "owner");
    static final Script FORGET_PEER = load("forget-peer", "owner");
    static final Script REREGISTER = load("reregister", "owner");
    static final Script MARK = load("mark");
    static final Script SETTLE = load("settle");
    static final Script UNREGISTER = load("unregister");
    static final Script DELIVER = load("deliver");
    static final Script ATTACH = load("attach");

    Future<Response> run(Commands link, List<String> keys, List<String> args) {
        return link.sendRaw(request(Command.EVALSHA, sha, keys, args))
                .recover(t -> t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT")
                        ? link.sendRaw(request(Command.EVAL, source, keys, args))
                        : Future.failedFuture(t))
                .recover(t -> Future.failedFuture(Link.unavailable("script " + name + ": " + t.getMessage(), t)));
    }

    /**
     * Runs the script sent in full ({@code EVAL}), for a script whose place in a pipeline matters:
     * after a {@code NOSCRIPT} answer to {@code EVALSHA}, the retry would run after the commands
     * sent behind it.
     */
    Future<Response> runInOrder(Commands link, List<String> keys, List<String> args) {
        return link.send(request(Command.EVAL, source, keys, args));
    }

    /** {@code SCRIPT LOAD} of this script: sent first on every command connection, see {@link Link}. */
    Request loading() {
        return Request.cmd(Command.SCRIPT).arg("LOAD").arg(source);
    }

    private static Request request(Command command, String script, List<String> keys, List<String> args) {
        Request request = Request.cmd(command).arg(script).arg(keys.size());
        keys.forEach(request::arg);
        args.forEach(request::arg);
        return request;
    }

    /** The script {@code name}, after the shared {@code preludes} it starts with, in that order. */
    private static Script load(String name, String... preludes) {
        StringBuilder source = new StringBuilder();
        for (String prelude : preludes) {
            source.append(resource(prelude));
        }
        source.append(resource(name));
        // Comment lines stay in the files: Redis gets the code alone, a fraction of the bytes, which
        // matters for a script sent in full on every call (runInOrder).
        String text = source.toString().lines()
                .filter(line -> !line.strip().startsWith("--"))
                .collect(Collectors.joining("\n", "", "\n"));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return new Script(name, text, HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resource(String name) {
        String path = "/redis/" + name + ".lua";
        try (InputStream in = Script.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
