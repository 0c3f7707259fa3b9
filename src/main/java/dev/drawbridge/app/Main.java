package dev.drawbridge.app;

import java.util.Arrays;

/** {@code java -jar drawbridge.jar}: reads the configuration, starts a node, drains it on SIGTERM ({@link Shutdown}). */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(Config.help());
            return;
        }
        Config config;
        try {
            config = Config.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("drawbridge: " + e.getMessage());
            System.exit(2);
            return;
        }
        Drawbridge node;
        try {
            node = Drawbridge.start(config).await();
        } catch (Exception e) {
            System.err.println("drawbridge: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "localhost" : config.host();
        System.out.println("Drawbridge is running. Open http://" + host + ":" + node.port() + "/ in two browser windows.");
        System.exit(Shutdown.awaitAndDrain(node, config.drainTimeout()));
    }
}
