package dev.drawbridge.cluster;

import dev.drawbridge.testing.BoardClient;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Boards kept by node processes as users run them: on local disk across a SIGKILL, in Redis
 * across the death of the node that wrote them, and as ciphertext only, wherever they rest.
 */
class BoardsIT {
    private static RedisServer redis;
    private final List<NodeProcess> nodes = new ArrayList<>();
    @TempDir
    Path dataDir;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(NodeProcess::close);
        nodes.clear();
    }

    @Test
    void aBoardWrittenThroughOneNodeIsReadIdenticallyThroughAnotherAfterTheWriterIsKilled() {
        NodeProcess writer = start("boards-writer", "--redis-url", redis.url());
        NodeProcess reader = start("boards-reader", "--redis-url", redis.url());
        BoardClient board = new BoardClient(writer.baseUrl(), "shared-" + UUID.randomUUID(), BoardClient.newProof());
        write(board);
        JsonObject before = board.board();

        writer.kill();

        BoardClient elsewhere = board.on(reader.baseUrl());
        assertThat(elsewhere.board()).isEqualTo(before);
        JsonObject next = new JsonObject(elsewhere.append("after-the-death", BoardClient.randomBytes(8)).body());
        assertThat(next.getLong("head")).isEqualTo(before.getLong("head") + 1);
    }

    @Test
    void anEmbeddedNodeKilledAndStartedAgainOnItsDataFolderHasEveryBoard() {
        NodeProcess first = start("boards-disk-1", "--data-dir", dataDir.toString());
        BoardClient board = new BoardClient(first.baseUrl(), "kept", BoardClient.newProof());
        write(board);
        JsonObject before = board.board();

        first.kill();
        NodeProcess second = start("boards-disk-2", "--data-dir", dataDir.toString());

        assertThat(board.on(second.baseUrl()).board()).isEqualTo(before);
    }

    @Test
    void onlyCiphertextRestsOnDiskInRedisAndInTheLogs() throws Exception {
        String marker = "marker-" + UUID.randomUUID();
        Sealed sealed = new Sealed(marker);
        NodeProcess embedded = start("boards-sealed-disk", "--data-dir", dataDir.toString());
        NodeProcess clustered = start("boards-sealed-redis", "--redis-url", redis.url());
        String proof = BoardClient.newProof();
        List<byte[]> kept = new ArrayList<>();
        for (NodeProcess node : nodes) {
            BoardClient board = new BoardClient(node.baseUrl(), "sealed-" + UUID.randomUUID(), proof);
            List<Object> records = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                records.add("op" + i);
                records.add(sealed.op(i));
            }
            kept.add((byte[]) records.getLast());
            assertThat(board.append(records.toArray()).statusCode()).isEqualTo(200);
            assertThat(board.snapshot(10, sealed.op(99)).statusCode()).isEqualTo(200);
            assertThat(board.board().getJsonArray("records")).hasSize(10);
        }
        byte[] markerBytes = marker.getBytes(StandardCharsets.UTF_8);

        byte[] onDisk = folderBytes(dataDir);
        byte[] inRedis = redisBytes();

        // The search looks where the data is: the ciphertext of a kept record is found there.
        assertThat(indexOf(onDisk, kept.get(0))).as("a stored ciphertext in the data folder").isNotNegative();
        assertThat(indexOf(inRedis, kept.get(1))).as("a stored ciphertext in Redis").isNotNegative();
        assertThat(indexOf(onDisk, markerBytes)).as("the marker in the data folder").isNegative();
        assertThat(indexOf(inRedis, markerBytes)).as("the marker in Redis").isNegative();
        for (NodeProcess node : nodes) {
            String log = Files.readString(node.log());
            assertThat(log).as(node.name() + "'s log").doesNotContain(marker).doesNotContain(proof);
        }
        assertThat(embedded.isAlive() && clustered.isAlive()).isTrue();
    }

    private NodeProcess start(String name, String... flags) {
        NodeProcess node = NodeProcess.start(name, flags);
        nodes.add(node);
        return node;
    }

    /** Records, a snapshot, and records after it: every part a board has. */
    private static void write(BoardClient board) {
        List<Object> records = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            records.add("r" + i);
            records.add(BoardClient.randomBytes(100 + i));
        }
        assertThat(board.append(records.toArray()).statusCode()).isEqualTo(200);
        assertThat(board.snapshot(60, BoardClient.randomBytes(200_000)).statusCode()).isEqualTo(200);
        assertThat(board.append("late", BoardClient.randomBytes(50)).statusCode()).isEqualTo(200);
    }

    /** Every byte of every file under {@code folder}, one after another. */
    private static byte[] folderBytes(Path folder) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                all.write(Files.readAllBytes(file));
            }
        }
        return all.toByteArray();
    }

    /** The values of every key in Redis, as Redis sends them (bulk strings verbatim). */
    @SuppressWarnings("unchecked")
    private static byte[] redisBytes() throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        String cursor = "0";
        do {
            List<Object> reply = (List<Object>) redis.call("SCAN", cursor, "COUNT", "1000");
            cursor = (String) reply.get(0);
            for (Object item : (List<Object>) reply.get(1)) {
                String key = (String) item;
                switch ((String) redis.call("TYPE", key)) {
                    case "string" -> all.write(redis.rawReply("GET", key));
                    case "hash" -> all.write(redis.rawReply("HGETALL", key));
                    case "list" -> all.write(redis.rawReply("LRANGE", key, "0", "-1"));
                    case "set" -> all.write(redis.rawReply("SMEMBERS", key));
                    case "zset" -> all.write(redis.rawReply("ZRANGE", key, "0", "-1", "WITHSCORES"));
                    default -> all.write(redis.rawReply("DUMP", key));
                }
            }
        } while (!cursor.equals("0"));
        return all.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Drawing operations holding the marker, sealed as the app seals them: AES-GCM, a fresh IV each. */
    private static final class Sealed {
        private final String marker;
        private final SecretKey key;

        Sealed(String marker) throws GeneralSecurityException {
            this.marker = marker;
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(256);
            this.key = generator.generateKey();
        }

        /** {@code iv || ciphertext-and-tag} of a text operation whose text is the marker. */
        byte[] op(int n) {
            try {
                byte[] iv = BoardClient.randomBytes(12);
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
                String op = new JsonObject().put("type", "text").put("n", n).put("text", marker).encode();
                byte[] sealed = cipher.doFinal(op.getBytes(StandardCharsets.UTF_8));
                byte[] record = new byte[iv.length + sealed.length];
                System.arraycopy(iv, 0, record, 0, iv.length);
                System.arraycopy(sealed, 0, record, iv.length, sealed.length);
                return record;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
