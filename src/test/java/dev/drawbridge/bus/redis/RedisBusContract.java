package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusContract;
import dev.drawbridge.bus.HistoryLimits;

import java.time.Duration;
import java.util.UUID;

/**
 * The bus contract across two Redis nodes on whatever {@link #redis()} runs (one Redis, or a
 * cluster); each subclass registers its own {@link RedisNodes} extension, closed after each test.
 */
abstract class RedisBusContract extends BusContract {
    private static final RedisSettings SETTINGS = RedisSettings.defaults()
            .withHistory(new HistoryLimits(32, 1 << 20, Duration.ofSeconds(60)));

    /** The subclass' registered extension. */
    protected abstract RedisNodes redis();

    @Override
    protected int historyLimit() {
        return SETTINGS.history().events();
    }

    @Override
    protected Nodes startNodes() {
        return new Nodes(redis().connect("bus-a-" + UUID.randomUUID(), SETTINGS).bus(),
                redis().connect("bus-b-" + UUID.randomUUID(), SETTINGS).bus());
    }

    @Override
    protected void stopNodes() {
        // The extension closes the nodes after each test.
    }
}
