package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code java -jar drawbridge-loadgen.jar --help} */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(Options.help());
                return;
            }
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("drawbridge-loadgen: " + e.getMessage());
            System.exit(2);
            return;
        }
        JsonObject summary;
        try (LoadGenerator run = new LoadGenerator(options)) {
            summary = run.run();
        } catch (RuntimeException e) {
            System.err.println("drawbridge-loadgen: the run failed: " + e.getMessage());
            System.exit(1);
            return;
        }
        String json = summary.encodePrettily();
        if (!options.out().isEmpty()) {
            try {
                Path out = Path.of(options.out());
                if (out.getParent() != null) {
                    Files.createDirectories(out.getParent());
                }
                Files.writeString(out, json + "\n");
            } catch (IOException e) {
                System.err.println("drawbridge-loadgen: could not write " + options.out() + ": " + e.getMessage());
            }
        }
        System.out.println(json);
        System.exit(0);
    }
}
