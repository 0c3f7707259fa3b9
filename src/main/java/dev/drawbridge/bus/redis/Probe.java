package dev.drawbridge.bus.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * Finds a subscriber connection that stays open but no longer delivers: a stalled server, or a
 * primary turned replica whose connections the failover left open. Every {@code interval} it
 * publishes ({@code SPUBLISH}, on the lane's command side) a message on a channel private to the
 * connection, whose slot lives on the connection's server, and expects it back on that
 * connection within {@value #PATIENCE} intervals. A probe missed (or a probe channel whose subscription
 * is not confirmed within that time) counts as a failure and ends the connection as if it had
 * dropped: it reconnects, the view of a cluster is read again, and every channel is subscribed
 * again where its slot lives (see {@link Subscriber#restore}, {@link ClusterSubscriptions}).
 *
 * <p>Cost: one {@code SPUBLISH} and one message per subscriber connection and interval.
 */
final class Probe {
    private static final Logger log = LoggerFactory.getLogger(Probe.class);
    /**
     * Intervals a probe may take to come back. More than one: a node whose event loops stall for a
     * second or two (a busy machine, a long collection) hears its probe late, and reconnecting
     * would only add to its load; a connection that delivers nothing is found all the same.
     */
    static final int PATIENCE = 3;

    private final Vertx vertx;
    private final String name;
    private final String id;
    private final Subscriber subscriber;
    private final Link link;
    private final IntPredicate served;
    private final Function<Request, Future<Response>> publish;
    private final long intervalMs;
    private final LongAdder failures;
    private final long timer;

    // Guarded by this.
    private int tag = -1;
    private long sequence;
    private String awaited;
    private boolean subscribing;
    // Ticks since the awaited probe was sent, or since the probe channel's subscription was asked.
    private int waited;
    private boolean stopped;

    /**
     * Probes {@code subscriber} (on {@code link}, named {@code name} in the log) every
     * {@code interval} on a channel named after {@code id}, unique to the connection, publishing with
     * {@code publish}; {@code served} tells the slots its server serves (all, for standalone
     * Redis); each missed probe adds one to {@code failures}.
     */
    Probe(Vertx vertx, String name, String id, Subscriber subscriber, Link link, IntPredicate served,
          Function<Request, Future<Response>> publish, Duration interval, LongAdder failures) {
        this.vertx = vertx;
        this.name = name;
        this.id = id;
        this.subscriber = subscriber;
        this.link = link;
        this.served = served;
        this.publish = publish;
        this.intervalMs = interval.toMillis();
        this.failures = failures;
        subscriber.onProbe(this::heard);
        this.timer = vertx.setPeriodic(interval.toMillis(), timerId -> tick());
    }

    void stop() {
        synchronized (this) {
            stopped = true;
        }
        vertx.cancelTimer(timer);
    }

    private void tick() {
        String channel;
        String payload;
        synchronized (this) {
            if (stopped) {
                return;
            }
            if (!link.isUp()) {
                // Down already: the link is reconnecting, the probe starts again once it is up.
                awaited = null;
                subscribing = false;
                waited = 0;
                return;
            }
            if (awaited != null) {
                if (++waited >= PATIENCE) {
                    missed("probe not heard back");
                }
                return;
            }
            if (tag < 0 || !served.test(Keys.slot("probe:" + tag))) {
                tag = Keys.probeTag(served);
                if (tag < 0) {
                    // Serves no slot (a primary being emptied): nothing to probe here.
                    return;
                }
            }
            channel = Keys.probeChannel(tag, id);
            if (!subscriber.probe(channel)) {
                // Subscribing: it must be confirmed by the next tick too.
                if (!subscribing) {
                    subscribing = true;
                    waited = 0;
                } else if (++waited >= PATIENCE) {
                    missed("probe channel not confirmed");
                }
                return;
            }
            subscribing = false;
            waited = 0;
            payload = Long.toString(++sequence);
            awaited = payload;
        }
        publish.apply(Request.cmd(Command.SPUBLISH).arg(channel).arg(payload))
                .onFailure(t -> log.debug("Redis {}: probe not published: {}", name, t.getMessage()));
    }

    // With the lock held.
    private void missed(String what) {
        failures.increment();
        awaited = null;
        subscribing = false;
        waited = 0;
        log.warn("Redis {}: {} within {} ms; reconnecting", name, what, PATIENCE * intervalMs);
        link.drop(what);
    }

    /** A probe came back on the subscriber connection. */
    private void heard(String payload) {
        synchronized (this) {
            if (payload.equals(awaited)) {
                awaited = null;
                waited = 0;
            }
        }
    }
}
