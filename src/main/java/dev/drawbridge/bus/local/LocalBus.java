package dev.drawbridge.bus.local;

import dev.drawbridge.bus.Attachment;
import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Delivery;
import dev.drawbridge.bus.EventId;
import dev.drawbridge.bus.HistoryLimits;
import dev.drawbridge.bus.Message;
import io.vertx.core.Future;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The in-process bus of a node that runs alone. Each peer has one {@link Peer} record, whose lock
 * numbers, keeps and hands over each message as one step: a delivery is a direct call of the
 * peer's handler, on the caller's thread, under that lock, so the handler sees the numbers in
 * increasing order whatever the number of callers.
 */
public final class LocalBus implements Bus {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A subscription's handler; its identity, not the handler's, tells a replaced subscription from the current one. */
    private static final class Route {
        final Consumer<Delivery> handler;

        Route(Consumer<Delivery> handler) {
            this.handler = handler;
        }
    }

    /** A kept event and when it was kept (ms of {@link #clock}). */
    private record Kept(Delivery.Event event, long at, int bytes) {}

    /** One peer's history and subscription; guarded by its own lock. */
    private static final class Peer {
        String epoch;
        long last;
        long turn;
        long bytes;
        final ArrayDeque<Kept> kept = new ArrayDeque<>();
        Route route;
    }

    private final HistoryLimits limits;
    private final LongSupplier clock;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();

    public LocalBus(HistoryLimits limits) {
        this(limits, System::currentTimeMillis);
    }

    public LocalBus() {
        this(HistoryLimits.defaults());
    }

    LocalBus(HistoryLimits limits, LongSupplier clock) {
        this.limits = limits;
        this.clock = clock;
    }

    @Override
    public Future<Void> deliver(String peerId, Message message) {
        Peer peer = peers.computeIfAbsent(peerId, id -> new Peer());
        synchronized (peer) {
            startEpoch(peer);
            Delivery.Event event = new Delivery.Event(new EventId(peer.epoch, ++peer.last), message);
            keep(peer, event);
            if (peer.route != null) {
                peer.route.handler.accept(event);
            }
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Subscription> subscribe(String peerId, Consumer<Delivery> handler) {
        Route route = new Route(handler);
        Peer peer = peers.computeIfAbsent(peerId, id -> new Peer());
        synchronized (peer) {
            peer.route = route;
        }
        Subscription subscription = () -> {
            synchronized (peer) {
                if (peer.route == route) {
                    peer.route = null;
                }
            }
            return Future.succeededFuture();
        };
        return Future.succeededFuture(subscription);
    }

    @Override
    public Future<Attachment> attach(String peerId, String stream, Optional<EventId> after) {
        Peer peer = peers.computeIfAbsent(peerId, id -> new Peer());
        synchronized (peer) {
            startEpoch(peer);
            EventId at = new EventId(peer.epoch, peer.last);
            Attachment attachment = new Attachment(++peer.turn, at, after.map(from -> replay(peer, from))
                    .orElse(new Attachment.Resume.Replay(List.of())));
            if (peer.route != null) {
                peer.route.handler.accept(new Delivery.Takeover(at.epoch(), attachment.turn(), stream));
            }
            return Future.succeededFuture(attachment);
        }
    }

    @Override
    public Future<Void> forget(String peerId) {
        Peer peer = peers.get(peerId);
        if (peer != null) {
            synchronized (peer) {
                // The subscription, if any, stays: only the history goes.
                peer.epoch = null;
                peer.last = 0;
                peer.bytes = 0;
                peer.kept.clear();
                if (peer.route == null) {
                    peers.remove(peerId, peer);
                }
            }
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> close() {
        peers.clear();
        return Future.succeededFuture();
    }

    private static void startEpoch(Peer peer) {
        if (peer.epoch == null) {
            byte[] token = new byte[8];
            RANDOM.nextBytes(token);
            peer.epoch = HexFormat.of().formatHex(token);
            peer.last = 0;
            peer.turn = 0;
        }
    }

    private void keep(Peer peer, Delivery.Event event) {
        long now = clock.getAsLong();
        int bytes = event.message().event().length() + event.message().data().length();
        peer.kept.addLast(new Kept(event, now, bytes));
        peer.bytes += bytes;
        long oldest = now - limits.age().toMillis();
        for (Kept head = peer.kept.peekFirst(); head != null; head = peer.kept.peekFirst()) {
            if (peer.kept.size() <= limits.events() && peer.bytes <= limits.bytes() && head.at() >= oldest) {
                break;
            }
            peer.kept.removeFirst();
            peer.bytes -= head.bytes();
        }
    }

    /** The events after {@code from}, all of them or a gap. Called with the peer's lock held. */
    private Attachment.Resume replay(Peer peer, EventId from) {
        if (!from.epoch().equals(peer.epoch) || from.n() > peer.last) {
            return new Attachment.Resume.Gap("unknown-history");
        }
        long firstKept = peer.last - peer.kept.size() + 1;
        if (from.n() + 1 < firstKept) {
            return new Attachment.Resume.Gap("trimmed");
        }
        List<Delivery.Event> events = new ArrayList<>();
        for (Kept kept : peer.kept) {
            if (kept.event().id().n() > from.n()) {
                events.add(kept.event());
            }
        }
        return new Attachment.Resume.Replay(events);
    }
}
