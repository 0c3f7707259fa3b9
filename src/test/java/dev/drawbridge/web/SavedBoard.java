package dev.drawbridge.web;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * A saved board seen from outside the browser: its key, the proof derived from it as
 * docs/ENCRYPTION.md says (computed here independently of the app), storage requests with or
 * without that proof, and searches for plaintext where only ciphertext may be.
 */
record SavedBoard(String baseUrl, String roomId, String key) {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new room with a fresh key, as the app would make it. */
    static SavedBoard create(String baseUrl, String roomId) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return new SavedBoard(baseUrl, roomId, Base64.getUrlEncoder().withoutPadding().encodeToString(key));
    }

    SavedBoard on(String otherBaseUrl) {
        return new SavedBoard(otherBaseUrl, roomId, key);
    }

    /** The link people share: {@code /<roomId>#<key>} (plus the page's name, for the tests). */
    String link(String name) {
        return baseUrl + "/" + roomId + "?name=" + name + "#" + key;
    }

    /** The {@code Board-Proof} of this key: HKDF-SHA256, salt "drawbridge/v1 room key", info "drawbridge/v1 proof <roomId>". */
    String proof() {
        try {
            Mac extract = Mac.getInstance("HmacSHA256");
            extract.init(new SecretKeySpec("drawbridge/v1 room key".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] prk = extract.doFinal(Base64.getUrlDecoder().decode(key));
            Mac expand = Mac.getInstance("HmacSHA256");
            expand.init(new SecretKeySpec(prk, "HmacSHA256"));
            expand.update(("drawbridge/v1 proof " + roomId).getBytes(StandardCharsets.UTF_8));
            expand.update((byte) 1);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(expand.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> request(String method, String path, String proof, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/" + roomId + path))
                .timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (proof != null) {
            request.header("Board-Proof", proof);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every stored record's data (and the snapshot's, first, if any), read with the right proof. */
    List<String> storedData() {
        List<String> data = new ArrayList<>();
        long after = 0;
        while (true) {
            HttpResponse<String> response = request("GET", "/board?after=" + after, proof(), null);
            if (response.statusCode() == 404) {
                return data;
            }
            JsonObject page = new JsonObject(response.body());
            JsonObject snapshot = page.getJsonObject("snapshot");
            if (snapshot != null) {
                data.add(snapshot.getString("data"));
            }
            JsonArray records = page.getJsonArray("records");
            for (int i = 0; i < records.size(); i++) {
                data.add(records.getJsonObject(i).getString("data"));
                after = records.getJsonObject(i).getLong("seq");
            }
            if (!page.getBoolean("more")) {
                return data;
            }
        }
    }

    /** The board's first page as the server gives it, read with the right proof. */
    JsonObject read() {
        HttpResponse<String> response = request("GET", "/board", proof(), null);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET board: " + response.statusCode() + " " + response.body());
        }
        return new JsonObject(response.body());
    }

    /** A fresh data folder for a test node, removed when the JVM exits. */
    static Path tempDataDir() {
        try {
            Path dir = Files.createTempDirectory("drawbridge-boards-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                } catch (IOException e) {
                    // left in the temp folder
                }
            }));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Base64 of either alphabet, padded or not. */
    static byte[] decode(String data) {
        return Base64.getDecoder().decode(data.replace('-', '+').replace('_', '/').replace("=", "")
                + "==".substring(0, (4 - data.replace("=", "").length() % 4) % 4));
    }

    /** True when {@code haystack} holds {@code text}, as is or base64-encoded (either alphabet, any alignment). */
    static boolean holds(byte[] haystack, String text) {
        String latin = new String(haystack, StandardCharsets.ISO_8859_1);
        return plaintextForms(text).anyMatch(latin::contains);
    }

    /** The text, and the part of its base64 encoding that does not depend on the bytes around it. */
    static Stream<String> plaintextForms(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<String> forms = new ArrayList<>(List.of(new String(bytes, StandardCharsets.ISO_8859_1)));
        if (bytes.length >= 12) {
            for (int shift = 0; shift < 3; shift++) {
                byte[] shifted = new byte[shift + bytes.length];
                System.arraycopy(bytes, 0, shifted, shift, bytes.length);
                String encoded = Base64.getEncoder().withoutPadding().encodeToString(shifted);
                int skip = shift == 0 ? 0 : 4; // the first group mixes in the unknown bytes before
                int keep = 4 * (shifted.length / 3); // the last partial group mixes in those after
                String stable = encoded.substring(skip, keep);
                forms.add(stable);
                forms.add(stable.replace('+', '-').replace('/', '_'));
            }
        }
        return forms.stream();
    }

    /** Every file under {@code dir} whose bytes hold {@code text} in any form of {@link #holds}. */
    static List<Path> filesHolding(Path dir, String text) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(file -> {
                try {
                    return holds(Files.readAllBytes(file), text);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
