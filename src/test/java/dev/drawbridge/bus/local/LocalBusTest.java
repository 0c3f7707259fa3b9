package dev.drawbridge.bus.local;

import dev.drawbridge.bus.BusContract;
import dev.drawbridge.bus.HistoryLimits;

import java.time.Duration;

/** The in-process bus passes the bus contract; being alone, it is both nodes. */
class LocalBusTest extends BusContract {
    private static final HistoryLimits LIMITS = new HistoryLimits(32, 1 << 20, Duration.ofSeconds(60));
    private LocalBus bus;

    @Override
    protected int historyLimit() {
        return LIMITS.events();
    }

    @Override
    protected Nodes startNodes() {
        bus = new LocalBus(LIMITS);
        return new Nodes(bus, bus);
    }

    @Override
    protected void stopNodes() {
        bus.close();
    }
}
