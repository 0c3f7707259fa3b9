package dev.drawbridge.bus.local;

import dev.drawbridge.bus.RoomsContract;

/** The in-process rooms pass the rooms contract; being alone, they are both nodes. */
class LocalRoomsTest extends RoomsContract {
    private LocalRooms rooms;

    @Override
    protected Nodes startNodes() {
        rooms = new LocalRooms();
        return new Nodes(rooms, rooms);
    }

    @Override
    protected void stopNodes() {
        rooms.close();
    }
}
