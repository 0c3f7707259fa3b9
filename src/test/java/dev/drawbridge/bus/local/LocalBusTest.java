package dev.drawbridge.bus.local;

import dev.drawbridge.bus.BusContract;

/** The in-process bus passes the bus contract; being alone, it is both nodes. */
class LocalBusTest extends BusContract {
    private LocalBus bus;

    @Override
    protected Nodes startNodes() {
        bus = new LocalBus();
        return new Nodes(bus, bus);
    }

    @Override
    protected void stopNodes() {
        bus.close();
    }
}
