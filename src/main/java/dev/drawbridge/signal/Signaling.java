package dev.drawbridge.signal;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The signaling domain of one node: the sessions it holds, and join, leave and relay as PROTOCOL.md
 * describes them. It speaks to the rest of the cluster only through {@link Bus} and {@link Rooms}.
 */
public final class Signaling {
    private static final Logger log = LoggerFactory.getLogger(Signaling.class);
    static final int MAX_ENDINGS_AT_ONCE = 64;

    private final Bus bus;
    private final Rooms rooms;
    private final int maxRoomSize;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    // When thousands of streams end at once (a proxy restarts), their clean-ups take turns rather
    // than flood the shared store with commands it would refuse.
    private final Throttle endings = new Throttle(MAX_ENDINGS_AT_ONCE);
    private final Counter relaysAccepted;
    private final Counter relaysRefused;
    private final Counter joins;
    private final Counter joinsFull;

    public Signaling(Bus bus, Rooms rooms, int maxRoomSize, MeterRegistry metrics) {
        this.bus = bus;
        this.rooms = rooms;
        this.maxRoomSize = maxRoomSize;
        this.relaysAccepted = metrics.counter("drawbridge.relays", "outcome", "accepted");
        this.relaysRefused = metrics.counter("drawbridge.relays", "outcome", "unknown_peer");
        this.joins = metrics.counter("drawbridge.joins", "outcome", "joined");
        this.joinsFull = metrics.counter("drawbridge.joins", "outcome", "room_full");
        metrics.gaugeMapSize("drawbridge.sessions", List.of(), sessions);
        rooms.onEvicted(eviction ->
                tell(eviction.remaining(), new ServerEvent.RemovePeer(eviction.peer(), eviction.roomId())));
    }

    public int maxRoomSize() {
        return maxRoomSize;
    }

    /**
     * A peer opened a stream on this node. Once the peer can be reached through the bus, the stream
     * gets {@code connected}; so whatever the peer does on seeing it, nothing sent to it is lost.
     * A stream of a peer that already has one here takes over, and the old one gets {@code replaced}.
     */
    public Future<Void> open(Peer peer, Stream stream) {
        Session fresh = new Session(peer, stream);
        Session[] predecessor = new Session[1];
        Session session = sessions.compute(peer.id(), (id, current) -> {
            if (current != null && !current.ending()) {
                return current;
            }
            predecessor[0] = current;
            return fresh;
        });
        if (session != fresh) {
            Stream previous = session.replace(stream);
            stream.onClose(() -> closed(session, stream));
            stream.send(new ServerEvent.Connected(peer).message());
            previous.send(new ServerEvent.Replaced().message());
            previous.close();
            return Future.succeededFuture();
        }
        Future<Void> before = predecessor[0] == null ? Future.succeededFuture() : predecessor[0].ended();
        Future<Void> opening = before
                .compose(previousEnded -> bus.subscribe(peer.id(), session::deliver))
                .compose(subscription -> {
                    session.subscribed(subscription);
                    return rooms.register(peer);
                })
                .map(registered -> {
                    session.opened();
                    if (session.isCurrent(stream)) {
                        stream.send(new ServerEvent.Connected(peer).message());
                    }
                    return (Void) null;
                })
                .onFailure(failure -> {
                    log.warn("could not open a session for {}: {}", peer.id(), failure.toString());
                    stream.close();
                });
        session.opening(opening);
        stream.onClose(() -> closed(session, stream));
        return opening;
    }

    /**
     * Adds the peer to the room. It gets {@code add-peer} with {@code offer: true} for every member
     * already there, and each of them gets {@code add-peer} with {@code offer: false} for it.
     */
    public Future<JoinResult> join(Peer peer, String roomId) {
        return isConnected(peer.id()).compose(connected -> {
            if (!connected) {
                return Future.succeededFuture(new JoinResult.NotConnected());
            }
            return rooms.join(roomId, peer, maxRoomSize).compose(join -> switch (join) {
                case Rooms.Join.Joined joined -> {
                    joins.increment();
                    yield announce(peer, roomId, joined.others())
                            .map(new JoinResult.Joined(joined.others()));
                }
                case Rooms.Join.AlreadyMember already -> Future.succeededFuture(new JoinResult.AlreadyMember());
                case Rooms.Join.Full full -> {
                    joinsFull.increment();
                    yield Future.succeededFuture(new JoinResult.RoomFull(full.maxSize()));
                }
            });
        });
    }

    /**
     * Whether the peer has an open stream on any node. A session open here answers without asking
     * the shared registry (a round trip saved on every join): this node registered it, and
     * unregisters it only once the session is ending. Any other peer, whose stream may be on
     * another node than the one its POST reached, is looked up.
     */
    private Future<Boolean> isConnected(String peerId) {
        Session session = sessions.get(peerId);
        if (session != null && session.isOpen()) {
            return Future.succeededFuture(true);
        }
        return rooms.isRegistered(peerId);
    }

    /** Removes the peer from the room and tells the members left; answers whether it was a member. */
    public Future<Boolean> leave(Peer peer, String roomId) {
        return rooms.leave(roomId, peer.id()).compose(remaining -> {
            if (remaining.isEmpty()) {
                return Future.succeededFuture(false);
            }
            return tell(remaining.get(), new ServerEvent.RemovePeer(peer, roomId)).map(true);
        });
    }

    /**
     * Passes a client's event to a room-mate, with the sender named from its token. {@code body} must
     * already be valid JSON.
     */
    public Future<RelayResult> relay(Peer sender, String targetId, String event, String body) {
        return rooms.shareRoom(sender.id(), targetId).compose(shared -> {
            if (!shared) {
                relaysRefused.increment();
                return Future.succeededFuture(RelayResult.UNKNOWN_PEER);
            }
            return bus.deliver(targetId, new ServerEvent.Relayed(event, sender, body).message())
                    .map(delivered -> {
                        relaysAccepted.increment();
                        return RelayResult.ACCEPTED;
                    });
        });
    }

    /**
     * The shared registry lost this node's peers' memberships (their rooms were told they left):
     * every stream here gets {@code resync} and is closed, so that its browser reconnects, is
     * registered afresh and joins its rooms again.
     */
    public void resyncAll(String reason) {
        log.warn("resyncing {} streams: {}", sessions.size(), reason);
        Message resync = new ServerEvent.Resync(reason).message();
        sessions.values().forEach(session -> session.resync(resync));
    }

    /** The streams open on this node now, one per session (a drain moves them away). */
    public List<Stream> streams() {
        List<Stream> open = new ArrayList<>(sessions.size());
        for (Session session : sessions.values()) {
            Stream stream = session.currentStream();
            if (stream != null) {
                open.add(stream);
            }
        }
        return open;
    }

    /** How many peers hold a session on this node. */
    public int sessionCount() {
        return sessions.size();
    }

    private Future<Void> announce(Peer joiner, String roomId, List<Peer> others) {
        List<Future<Void>> sent = new ArrayList<>(others.size() * 2);
        for (Peer other : others) {
            sent.add(bus.deliver(other.id(), new ServerEvent.AddPeer(joiner, roomId, false).message()));
            sent.add(bus.deliver(joiner.id(), new ServerEvent.AddPeer(other, roomId, true).message()));
        }
        return Future.all(sent).mapEmpty();
    }

    private Future<Void> tell(List<Peer> peers, ServerEvent event) {
        if (peers.isEmpty()) {
            return Future.succeededFuture();
        }
        Message message = event.message();
        List<Future<Void>> sent = new ArrayList<>(peers.size());
        for (Peer peer : peers) {
            sent.add(bus.deliver(peer.id(), message));
        }
        return Future.all(sent).mapEmpty();
    }

    /**
     * A stream ended. Unless a newer stream took over, the peer's session is over for good: its
     * rooms are told. The clean-up waits for the opening to finish, so it never races registration.
     */
    private void closed(Session session, Stream stream) {
        Promise<Void> ended = session.endIfCurrent(stream);
        if (ended == null) {
            return;
        }
        endings.run(() -> end(session).andThen(done -> {
            if (done.failed()) {
                log.warn("could not end the session of {}: {}", session.peer().id(), done.cause().toString());
            }
            sessions.remove(session.peer().id(), session);
            ended.complete();
        }));
    }

    /** Unsubscribes, leaves every room, and tells the members left. */
    private Future<Void> end(Session session) {
        Peer peer = session.peer();
        return session.opening()
                .transform(opened -> {
                    Bus.Subscription subscription = session.subscription();
                    return subscription == null ? Future.<Void>succeededFuture() : subscription.close();
                })
                .compose(unsubscribed -> rooms.unregister(peer.id()))
                .compose(left -> {
                    List<Future<Void>> told = new ArrayList<>(left.size());
                    left.forEach((roomId, remaining) ->
                            told.add(tell(remaining, new ServerEvent.RemovePeer(peer, roomId))));
                    return Future.all(told).<Void>mapEmpty();
                });
    }
}
