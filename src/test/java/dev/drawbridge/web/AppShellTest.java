package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app's files as the service worker and the page name them: a module missing from the worker's
 * list would be missing offline (the app would not start there), one missing from the page's
 * preloads would be fetched late, import after import.
 */
class AppShellTest {
    private static final Path WEB = Path.of("src", "main", "resources", "web");

    @Test
    void theServiceWorkerKeepsEveryFileOfTheAppForOffline() throws IOException {
        String worker = Files.readString(WEB.resolve("sw.js"));
        assertThat(assets()).isNotEmpty().allSatisfy(name ->
                assertThat(worker).as("sw.js's SHELL").contains("'/assets/" + name + "'"));
    }

    @Test
    void thePagePreloadsEveryModuleItDoesNotLoadAtOnce() throws IOException {
        String page = Files.readString(WEB.resolve("index.html"));
        assertThat(assets().stream().filter(name -> name.endsWith(".js"))).allSatisfy(name ->
                assertThat(page).as("index.html").containsAnyOf(
                        "<link rel=\"modulepreload\" href=\"/assets/" + name + "\">",
                        "<script type=\"module\" src=\"/assets/" + name + "\""));
    }

    private static List<String> assets() throws IOException {
        try (Stream<Path> files = Files.list(WEB.resolve("assets"))) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
