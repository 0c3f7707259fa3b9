package dev.drawbridge.bus.redis;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.RedisOptions;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code REDIS_URL}: {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://} for
 * TLS, optionally followed by more seed nodes of a cluster, comma-separated, as {@code host:port}
 * or as URLs ({@code redis://a:7000,b:7001}). The scheme, user and password of the first apply to
 * every node; the database only to a standalone server.
 *
 * @param scheme    {@code redis} or {@code rediss}
 * @param userInfo  {@code user:password} as written (still URL-encoded), or null
 * @param endpoints the seeds' {@code host:port}, in the order given
 * @param path      the first URL's path and query ({@code /1}), or empty
 */
record RedisUrl(String scheme, String userInfo, List<String> endpoints, String path) {

    static RedisUrl parse(String url) {
        String[] parts = url.split(",");
        URI first = uri(parts[0].trim());
        List<String> endpoints = new ArrayList<>();
        endpoints.add(endpoint(first));
        for (int i = 1; i < parts.length; i++) {
            String seed = parts[i].trim();
            if (seed.isEmpty()) {
                continue;
            }
            endpoints.add(endpoint(uri(seed.contains("://") ? seed : first.getScheme() + "://" + seed)));
        }
        String path = (first.getRawPath() == null ? "" : first.getRawPath())
                + (first.getRawQuery() == null ? "" : "?" + first.getRawQuery());
        return new RedisUrl(first.getScheme(), first.getRawUserInfo(), List.copyOf(endpoints), path);
    }

    /** The URL of one node ({@code host:port}), with this URL's scheme and credentials; no database. */
    String of(String endpoint) {
        return scheme + "://" + (userInfo == null ? "" : userInfo + "@") + endpoint;
    }

    /** The URL of the first seed as given (with its database), for a standalone server. */
    String standalone(String endpoint) {
        return of(endpoint) + path;
    }

    /** Vert.x options for a client of {@code url}, pooling at most {@code poolSize} connections. */
    static RedisOptions options(String url, RedisSettings settings, int poolSize) {
        RedisOptions options = new RedisOptions()
                .setConnectionString(url)
                .setMaxPoolSize(poolSize)
                .setMaxPoolWaiting(2 * poolSize)
                .setMaxWaitingHandlers(settings.maxPendingCommands());
        options.getNetClientOptions()
                .setTcpKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) settings.commandTimeout().toMillis());
        if (url.startsWith("rediss://")) {
            // TLS with the server's name (or address) checked against its certificate.
            options.getNetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS");
            if (settings.trustedCa() != null) {
                options.getNetClientOptions().setTrustOptions(new PemTrustOptions().addCertPath(settings.trustedCa().toString()));
            }
        }
        return options;
    }

    /** Options for a client of one node of the cluster. */
    RedisOptions nodeOptions(String endpoint, RedisSettings settings, int poolSize) {
        return options(of(endpoint), settings, poolSize);
    }

    private static URI uri(String text) {
        try {
            URI uri = new URI(text);
            if (uri.getScheme() == null || !(uri.getScheme().equals("redis") || uri.getScheme().equals("rediss"))) {
                throw new IllegalArgumentException("a Redis URL starts with redis:// or rediss://");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("a Redis URL names a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            // The message would show the password.
            throw new IllegalArgumentException("not a Redis URL (redis://[user:password@]host:port)");
        }
    }

    private static String endpoint(URI uri) {
        return uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort());
    }
}
